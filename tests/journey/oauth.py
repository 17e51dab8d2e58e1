"""The client's side of the journey over real HTTP (httpx), up to and back from the sandbox."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import httpx

from tests.sandbox.conftest import DEMO_EMAIL, DEMO_PASSWORD, form_fields


def csrf(html: str) -> str:
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert found, html[:2000]
    return found.group(1)


def submit(browser: httpx.Client, url: str, data: dict[str, str] | None = None) -> str:
    page = browser.get(url)
    assert page.status_code == 200, (url, page.status_code)
    answer = browser.post(url, data={"csrfmiddlewaretoken": csrf(page.text), **(data or {})})
    assert answer.status_code == 302, (url, answer.status_code, answer.text[:3000])
    return str(answer.headers["Location"])


def to_platform(browser: httpx.Client, url: str, platform: str = "sandbox") -> str:
    """Walk the journey from `url` (the link, or an entity's software page) with the
    simplest answers until it sends the browser to the platform; returns that URL."""
    landing = browser.get(url)
    if landing.status_code == 200 and "/start/" in landing.text:
        started = browser.post(
            url.rstrip("/") + "/start/", data={"csrfmiddlewaretoken": csrf(landing.text)}
        )
        assert started.status_code == 302
        url = str(started.headers["Location"])
    elif landing.status_code == 302:
        url = str(landing.headers["Location"])
    for _ in range(8):
        path = urlsplit(url).path
        if not path.startswith("/r/"):
            return url
        if path.endswith("/how/"):
            url = submit(browser, url, {"method": "connect"})
        elif path.endswith("/how-many/"):
            url = submit(browser, url, {"mode": "one"})
        elif path.endswith("/software/"):
            url = submit(browser, url, {"platform": platform})
        elif path.endswith("/consent/"):
            url = submit(browser, url)
        elif path.endswith("/sign-in/"):
            page = browser.get(url)
            action = re.search(r'action="(/r/[^"]+/connect/)"', page.text)
            assert action, page.text[:3000]
            answer = browser.post(action.group(1), data={"csrfmiddlewaretoken": csrf(page.text)})
            assert answer.status_code == 302
            url = str(answer.headers["Location"])
        else:
            raise AssertionError(f"Unexpected journey step {path}")
    raise AssertionError("The journey never reached the platform")


def at_sandbox(browser: httpx.Client, authorise_url: str, tenant_id: str, decision: str) -> str:
    """Sign in and decide at the sandbox; returns the callback URL it redirects to."""
    sign_in = browser.get(authorise_url)
    if sign_in.status_code == 200 and 'name="password"' in sign_in.text:
        signed = browser.post(
            "/sandbox/oauth/sign-in",
            data={**form_fields(sign_in.text), "email": DEMO_EMAIL, "password": DEMO_PASSWORD},
        )
        consent = browser.get(signed.headers["Location"])
    elif sign_in.status_code == 302:  # already signed in at the sandbox
        consent = browser.get(sign_in.headers["Location"])
    else:
        consent = sign_in
    back = browser.post(
        "/sandbox/oauth/consent",
        data={**form_fields(consent.text), "decision": decision, "tenant": tenant_id},
    )
    return str(back.headers["Location"])
