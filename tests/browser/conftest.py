"""Browser fixtures: one Debian Chromium per session, a fresh context per test, a live server.

Chromium comes from the system package (`apt-get install chromium`); Playwright never
downloads a browser here. Without /usr/bin/chromium the browser tests are skipped locally
and fail in CI (CI=true) or when LEDGERLINK_REQUIRE_BROWSER=1. They run last (see
pytest_collection_modifyitems). Run only them with `pytest tests/browser` or `-m browser`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    Response,
    expect,
    sync_playwright,
)

from ledgerlink.relationships import services as relationships
from ledgerlink.relationships.models import Delivery
from tests.browser.helpers import Orgs, audit_copies
from tests.conftest import make_tenant

# Debian's Chromium; LEDGERLINK_CHROMIUM points elsewhere (never a downloaded browser).
CHROMIUM = Path(os.environ.get("LEDGERLINK_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",  # the tests run as root
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# A bound on waiting, not a speed check: in the tests a confirmed connection syncs and builds
# every report inside the request (immediate tasks), which on a busy 2-core machine can take
# well over ten seconds.
TIMEOUT_MS = 30_000
expect.set_options(timeout=TIMEOUT_MS)


def _browser_required() -> bool:
    return (
        os.environ.get("CI", "").lower() == "true"
        or os.environ.get("LEDGERLINK_REQUIRE_BROWSER") == "1"
    )


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the browser tests last (after pytest-django's own ordering).

    While Playwright's sync API is running, its event loop is marked as running in the main
    thread, so Django's async-safety check must be relaxed for the ORM calls that fixtures
    make (see `browser`). Running these tests last keeps that relaxation away from the rest
    of the suite.
    """
    browser_items = [item for item in items if item.get_closest_marker("browser")]
    if browser_items:
        others = [item for item in items if not item.get_closest_marker("browser")]
        items[:] = others + browser_items


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        message = (
            f"{CHROMIUM} not found: install Debian's Chromium (apt-get install chromium) "
            "to run the browser tests."
        )
        if _browser_required():
            pytest.fail(
                message + " Browser tests are required (CI=true or LEDGERLINK_REQUIRE_BROWSER=1).",
                pytrace=False,
            )
        pytest.skip(message)
    playwright = sync_playwright().start()
    # Playwright's sync API keeps its (idle) event loop marked as running in this thread,
    # which Django mistakes for an async context and refuses ORM calls. Nothing runs
    # concurrently on that loop, so allow it for as long as Playwright is running.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def outbox_settings(settings, live_server):
    """The demo's outbox, with emailed links pointing at the live server."""
    settings.EMAIL_BACKEND = "ledgerlink.notifications.backends.OutboxEmailBackend"
    settings.LEDGERLINK_OUTBOX_ENABLED = True
    settings.LEDGERLINK_BASE_URL = live_server.url
    return settings


@pytest.fixture
def orgs(transactional_db, outbox_settings) -> Orgs:
    alpha = make_tenant("Alpha Bank", "alpha")
    beta = make_tenant("Beta Bank", "beta")
    # Beta has sent an email too, so its outbox is not empty: alpha must not see it.
    relationships.create_data_request(
        organisation=beta.org,
        company=beta.company,
        actor=beta.admin,
        wants_financials=True,
        wants_spend=True,
        delivery=Delivery.EMAIL,
    )
    return Orgs(alpha, beta)


@dataclass
class PageProblems:
    """Script errors and failed sub-resources seen by a page; checked when the test ends."""

    errors: list[str] = field(default_factory=list)

    def watch(self, page: Page) -> None:
        page.on("pageerror", lambda error: self.errors.append(f"JS error: {error}"))
        page.on("response", self._check_response)
        page.on(
            "requestfailed",
            lambda request: self.errors.append(
                f"Request failed: {request.method} {request.url} ({request.failure})"
            ),
        )

    def _check_response(self, response: Response) -> None:
        # Error pages (the 404 for an unknown link) are tested on purpose; sub-resources
        # (CSS, JS, images) must always load.
        if response.status >= 400 and response.request.resource_type != "document":
            self.errors.append(
                f"{response.status} for {response.request.resource_type} {response.url}"
            )


def _new_context(browser: Browser, base_url: str, **options) -> BrowserContext:
    context = browser.new_context(base_url=base_url, **options)
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    return context


def _page_in(context: BrowserContext) -> Iterator[Page]:
    problems = PageProblems()
    page = context.new_page()
    problems.watch(page)
    yield page
    context.close()
    assert not problems.errors, "The browser reported problems:\n" + "\n".join(problems.errors)


@pytest.fixture
def page(browser: Browser, live_server, orgs: Orgs) -> Iterator[Page]:
    """A page in a fresh, JavaScript-enabled context (desktop size)."""
    context = _new_context(browser, live_server.url, viewport={"width": 1280, "height": 900})
    yield from _page_in(context)


@pytest.fixture
def nojs_page(browser: Browser, live_server, orgs: Orgs) -> Iterator[Page]:
    """A page in a fresh context with JavaScript switched off."""
    context = _new_context(
        browser,
        live_server.url,
        java_script_enabled=False,
        viewport={"width": 1280, "height": 900},
    )
    # axe cannot run with JavaScript off: it audits copies of the pages in a second context.
    audit_context = _new_context(browser, live_server.url, viewport={"width": 1280, "height": 900})
    audit_copies(context, audit_context.new_page())
    try:
        yield from _page_in(context)
    finally:
        audit_context.close()


@pytest.fixture
def narrow_page(browser: Browser, live_server, orgs: Orgs) -> Iterator[Page]:
    """A page 360 CSS pixels wide, like a small phone."""
    context = _new_context(
        browser,
        live_server.url,
        viewport={"width": 360, "height": 740},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    yield from _page_in(context)
