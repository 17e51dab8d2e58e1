"""Helpers for the browser tests: accessibility checks with axe-core, signing in."""

from __future__ import annotations

import re
import weakref
from dataclasses import dataclass
from typing import Any

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import BrowserContext, Page, Route, expect

from tests.conftest import PASSWORD, Tenant


@dataclass
class Orgs:
    alpha: Tenant
    beta: Tenant  # the second organisation: none of its data may show up for alpha


AXE = Axe()
BLOCKING_IMPACTS = ("serious", "critical")


class CopyAuditor:
    """Runs axe for a page that has JavaScript off, where axe itself cannot run.

    axe needs timers, and timers do not run in a page with JavaScript off. So the auditor
    loads a copy: the same HTML (as the JavaScript-less browser has it) at the same URL, with
    the same CSS, in a JavaScript-enabled page of its own where a Content-Security-Policy stops
    the page's scripts, so the copy looks exactly like the JavaScript-less page. Only axe,
    injected by Playwright, runs there.
    """

    def __init__(self, audit_page: Page) -> None:
        self.audit_page = audit_page
        self._url = ""
        self._html = ""
        audit_page.route("**/*", self._serve)

    def _serve(self, route: Route) -> None:
        request = route.request
        if request.resource_type == "document" and request.url == self._url:
            route.fulfill(
                status=200,
                content_type="text/html; charset=utf-8",
                # No script of the page runs, inline or not; axe is injected by Playwright.
                headers={"Content-Security-Policy": "script-src 'none'"},
                body=self._html,
            )
        else:
            route.continue_()

    def run(self, page: Page) -> dict[str, Any]:
        self._url, self._html = page.url, page.content()
        self.audit_page.goto(self._url, wait_until="load")
        response: dict[str, Any] = AXE.run(self.audit_page).response
        return response


# A context with JavaScript off -> the auditor for its pages.
_AUDITORS: weakref.WeakKeyDictionary[BrowserContext, CopyAuditor] = weakref.WeakKeyDictionary()


def audit_copies(context: BrowserContext, audit_page: Page) -> None:
    """Audit the pages of `context` (JavaScript off) as copies loaded in `audit_page`."""
    _AUDITORS[context] = CopyAuditor(audit_page)


def _describe(violation: dict[str, Any]) -> str:
    lines = [
        f"- {violation['id']} ({violation['impact']}): {violation['help']}",
        f"  {violation['helpUrl']}",
    ]
    for node in violation["nodes"]:
        target = " ".join(str(part) for part in node["target"])
        lines.append(f"    at {target}")
        lines.append(f"       {node['html'][:200]}")
        summary = node.get("failureSummary", "").replace("\n", "\n       ")
        if summary:
            lines.append(f"       {summary}")
    return "\n".join(lines)


def assert_accessible(page: Page) -> None:
    """Run axe-core on the page as it is now; fail on serious or critical violations."""
    page.wait_for_load_state("load")
    auditor = _AUDITORS.get(page.context)
    results = auditor.run(page) if auditor is not None else AXE.run(page).response
    violations = results["violations"]
    blocking = [v for v in violations if v["impact"] in BLOCKING_IMPACTS]
    others = [v for v in violations if v["impact"] not in BLOCKING_IMPACTS]
    if others:  # shown with the test's output; not failures
        print(f"axe, minor/moderate on {page.url}:\n" + "\n".join(map(_describe, others)))
    assert not blocking, (
        f"axe found {len(blocking)} serious/critical accessibility violation(s) on "
        f"{page.url} ({page.title()!r}):\n" + "\n".join(map(_describe, blocking))
    )


def heading(page: Page):
    return page.get_by_role("heading", level=1)


def sign_in(page: Page, email: str, password: str = PASSWORD) -> None:
    """Sign in through the login form, as a person would; lands on the company list."""
    page.goto("/login/")
    expect(heading(page)).to_have_text("Sign in to the Relationship Portal")
    assert_accessible(page)
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/portal/companies/$"))
    expect(heading(page)).to_have_text("Companies")
    assert_accessible(page)


def summary_value(page: Page, term: str):
    """The <dd> next to a <dt> in a summary list."""
    return (
        page.locator(".summary-list > div")
        .filter(has=page.locator("dt", has_text=re.compile(f"^{re.escape(term)}$")))
        .locator("dd")
    )
