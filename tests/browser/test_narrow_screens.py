"""Pages reflow to a 360 px wide screen without sideways scrolling (WCAG 1.4.10)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from ledgerlink.relationships import services as relationships
from ledgerlink.relationships.models import Delivery
from tests.browser.helpers import assert_accessible, heading, sign_in

pytestmark = pytest.mark.browser

WIDTH = 360
LONG_NAME = "Northumberland Agricultural Machinery and Replacement Parts Wholesale Ltd"
LONG_EMAIL = "accounts.payable.department@northumberland-agricultural-machinery.test"


def assert_no_horizontal_overflow(page: Page) -> None:
    sizes = page.evaluate(
        "() => ({scroll: document.documentElement.scrollWidth,"
        " client: document.documentElement.clientWidth})"
    )
    if sizes["scroll"] <= WIDTH + 1:
        return
    # Elements reaching past the screen's edge, or whose own text spills out of them.
    culprits = page.evaluate(
        """(width) => Array.from(document.querySelectorAll("body *"))
            .filter((el) => el.getBoundingClientRect().right > width + 1
                || (el.scrollWidth > el.clientWidth + 1
                    && getComputedStyle(el).overflowX === "visible"))
            .map((el) => `${el.tagName.toLowerCase()}${el.className ? "." + el.className : ""}`
                + ` "${el.textContent.trim().slice(0, 40)}"`
                + ` (right ${Math.round(el.getBoundingClientRect().right)},`
                + ` scroll width ${el.scrollWidth} px)`)
            .slice(-8)""",
        WIDTH,
    )
    raise AssertionError(
        f"{page.url} is {sizes['scroll']} px wide on a {WIDTH} px screen "
        f"(viewport {sizes['client']} px). Widest elements: {culprits}"
    )


def assert_tables_reflow(page: Page) -> None:
    """Below 40rem the tables become stacked cards: they must not scroll sideways either."""
    wide = page.evaluate(
        """() => Array.from(document.querySelectorAll(".table-wrap"))
            .filter((wrap) => wrap.scrollWidth > wrap.clientWidth + 1)
            .map((wrap) => `${wrap.scrollWidth} px in ${wrap.clientWidth} px: `
                + wrap.textContent.trim().slice(0, 60))"""
    )
    assert not wide, f"Tables scroll sideways on {page.url}: {wide}"


def test_company_pages_fit_a_360px_screen(narrow_page: Page, orgs) -> None:
    page = narrow_page
    alpha = orgs.alpha
    company = relationships.create_company(
        organisation=alpha.org,
        actor=alpha.admin,
        name=LONG_NAME,
        contact_name="Bartholomew Fotheringham-Smythe",
        contact_email=LONG_EMAIL,
        analysts=[alpha.analyst],
    )
    relationships.create_data_request(
        organisation=alpha.org,
        company=company,
        actor=alpha.admin,
        wants_financials=True,
        wants_spend=True,
        delivery=Delivery.EMAIL,
    )

    sign_in(page, alpha.admin.email)
    assert page.viewport_size == {"width": WIDTH, "height": 740}
    expect(page.get_by_role("link", name=LONG_NAME)).to_be_visible()
    assert_no_horizontal_overflow(page)
    assert_tables_reflow(page)

    page.get_by_role("link", name=LONG_NAME).click()
    expect(heading(page)).to_have_text(LONG_NAME)
    expect(page.get_by_role("button", name="Revoke link")).to_be_visible()
    assert_no_horizontal_overflow(page)
    assert_tables_reflow(page)
    assert_accessible(page)
