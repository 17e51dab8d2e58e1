"""The accessibility check itself must be able to fail, with and without JavaScript."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.browser.helpers import assert_accessible

pytestmark = pytest.mark.browser

# An image without alternative text (a critical axe violation). Its script would remove the
# image, so only a page that really runs no JavaScript keeps the violation.
BROKEN = """<!doctype html><html lang="en"><head><title>Broken</title></head>
<body><main><h1>Broken</h1><img id="no-alt" src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
<script>document.title = "Scripted";</script>
</main></body></html>"""
FIXED_BY_SCRIPT = BROKEN.replace(
    'document.title = "Scripted";', 'document.getElementById("no-alt").remove();'
)


def serve(page: Page, url: str, html: str) -> None:
    page.route(url, lambda route: route.fulfill(status=200, content_type="text/html", body=html))
    page.goto(url)


def test_violations_fail_with_javascript(page: Page, live_server) -> None:
    serve(page, f"{live_server.url}/broken/", BROKEN)
    assert page.title() == "Scripted"
    with pytest.raises(AssertionError, match=r"image-alt \(critical\).*\n.*\n\s+at #no-alt"):
        assert_accessible(page)

    serve(page, f"{live_server.url}/fixed/", FIXED_BY_SCRIPT)
    assert_accessible(page)


def test_violations_fail_without_javascript(nojs_page: Page, live_server) -> None:
    serve(nojs_page, f"{live_server.url}/broken/", BROKEN)
    assert nojs_page.title() == "Broken"
    with pytest.raises(AssertionError, match=r"image-alt \(critical\)"):
        assert_accessible(nojs_page)

    # The audited copy must not run the page's scripts either.
    serve(nojs_page, f"{live_server.url}/fixed/", FIXED_BY_SCRIPT)
    with pytest.raises(AssertionError, match=r"image-alt \(critical\)"):
        assert_accessible(nojs_page)
