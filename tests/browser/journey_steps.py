"""The client's steps through the journey in a real browser, shared by the journey tests."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.helpers import assert_accessible, heading

# Screenshots go to a scratch folder so a test run leaves the checkout clean;
# `LEDGERLINK_SCREENSHOTS=docs/screenshots ./run test tests/browser` refreshes the README's.
SCREENSHOTS = Path(
    os.environ.get("LEDGERLINK_SCREENSHOTS")
    or Path(tempfile.gettempdir()) / "ledgerlink-screenshots"
).resolve()
SOFTWARE = "Sandbox Books (demo)"


class Steps:
    """One client in one browser. `check` runs on every journey page (axe, screenshots)."""

    def __init__(self, page: Page, *, shots: str = "") -> None:
        self.page = page
        self.shots = shots
        self.count = 0

    def check(self, name: str) -> None:
        assert_accessible(self.page)
        if self.shots:
            self.count += 1
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            self.page.screenshot(
                path=str(SCREENSHOTS / f"{self.shots}-{self.count:02d}-{name}.png"), full_page=True
            )

    def click(self, name: str, role: str = "button") -> None:
        self.page.get_by_role(role, name=name).click()  # type: ignore[arg-type]

    def choose(self, label: str) -> None:
        self.page.get_by_label(label, exact=True).check()
        self.click("Continue")

    def landing(self, url: str, title: str) -> None:
        self.page.goto(url)
        expect(heading(self.page)).to_have_text(title)
        self.check("landing")
        self.click("Start now")

    def add_entity(self, name: str) -> None:
        expect(heading(self.page)).to_have_text("What is the name of the legal entity?")
        self.page.get_by_label("What is the name of the legal entity?").fill(name)
        self.click("Continue")

    def software(self, *, search: bool = False) -> None:
        expect(heading(self.page)).to_have_text("Select your accounting software")
        if search:
            self.page.get_by_label("Search for your software").fill("nothing like this")
            self.click("Search")
            expect(self.page.get_by_role("status")).to_contain_text("0 software found")
            self.check("software-no-results")
            self.page.get_by_label("Search for your software").fill("sandbox")
            self.click("Search")
            expect(self.page.get_by_role("status")).to_contain_text("1 software found")
            self.check("software")
        self.choose(SOFTWARE)

    def consent_and_sign_in(self) -> None:
        expect(heading(self.page)).to_have_text(re.compile("What .* will see"))
        self.check("consent")
        self.click(f"Agree and connect to {SOFTWARE}")
        expect(heading(self.page)).to_have_text(
            f"You will sign in at {SOFTWARE}, then come back here"
        )
        self.check("sign-in")
        self.click(f"Continue to {SOFTWARE}")

    def at_sandbox(self, tenant_name: str, *, allow: bool = True) -> None:
        email = self.page.get_by_label("Email")
        if email.count():
            email.fill("demo@sandbox.test")
            self.page.get_by_label("Password").fill("sandbox")
            self.click("Sign in")
        self.page.get_by_label(tenant_name).check()
        self.click("Allow" if allow else "Deny")

    def confirm(self, tenant_name: str) -> None:
        expect(heading(self.page)).to_have_text(f"{SOFTWARE} is connected")
        expect(self.page.get_by_role("main")).to_contain_text(tenant_name)
        self.check("connected")
        self.choose("Yes, this is the right organisation")

    def connect(self, tenant_name: str, *, search: bool = False) -> None:
        self.software(search=search)
        self.consent_and_sign_in()
        self.at_sandbox(tenant_name)
        self.confirm(tenant_name)

    def upload(self, name: str, data: bytes, *, check: bool = True) -> None:
        expect(heading(self.page)).to_have_text("Upload your supplier data")
        if check:
            self.check("upload")
        self.page.get_by_label("Upload the filled-in template").set_input_files(
            files=[{"name": name, "mimeType": "application/octet-stream", "buffer": data}]
        )
        self.click("Upload file")

    def status(self) -> None:
        expect(heading(self.page)).to_have_text("Thank you: your data is on its way")
        self.check("status")
