"""The fake Xero and QuickBooks inside the local demo (`LEDGERLINK_DEMO_FAKES=1` or
`ledgerlink demo --fakes`): served on loopback by the demo process, with the web server and
worker pointed at them, so both platforms appear in the journey's software list and the whole
OAuth dance and sync run against them. Never for a real deployment: the fakes accept anyone.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

from ledgerlink.fakes.qbo import FakeQuickBooks, QboCompany
from ledgerlink.fakes.web import serve
from ledgerlink.fakes.xero import FakeXero, XeroOrg

# The demo's clock for the platforms' rate limits: real limits, sixty times faster.
SPEEDUP = 60


def demo_xero() -> FakeXero:
    return FakeXero(
        [
            XeroOrg("Harbour Trading Ltd", seed=11, suppliers=25, bills=400, expenses=120),
            XeroOrg(
                "Harbour Trading Inc",
                seed=12,
                suppliers=10,
                bills=120,
                expenses=40,
                base_currency="USD",
                country="US",
            ),
        ],
        speedup=SPEEDUP,
        record_requests=False,
    )


def demo_quickbooks() -> FakeQuickBooks:
    return FakeQuickBooks(
        [QboCompany("Pinecrest Outfitters", seed=13, vendors=20, bills=300, purchases=90)],
        speedup=SPEEDUP,
        record_requests=False,
    )


def environment(xero: FakeXero, xero_url: str, qbo: FakeQuickBooks, qbo_url: str) -> dict[str, str]:
    """The settings (as environment variables) that point ledgerlink at the fakes."""
    return {
        "XERO_CLIENT_ID": xero.client_id,
        "XERO_CLIENT_SECRET": xero.client_secret,
        "XERO_AUTHORIZE_URL": xero_url + "/identity/connect/authorize",
        "XERO_TOKEN_URL": xero_url + "/connect/token",
        "XERO_REVOKE_URL": xero_url + "/connect/revocation",
        "XERO_API_URL": xero_url,
        "QBO_CLIENT_ID": qbo.client_id,
        "QBO_CLIENT_SECRET": qbo.client_secret,
        "QBO_AUTHORIZE_URL": qbo_url + "/connect/oauth2",
        "QBO_TOKEN_URL": qbo_url + "/oauth2/v1/tokens/bearer",
        "QBO_REVOKE_URL": qbo_url + "/v2/oauth2/tokens/revoke",
        "QBO_API_URL": qbo_url,
        "LEDGERLINK_RATE_LIMIT_SPEEDUP": str(SPEEDUP),
    }


@contextmanager
def serving() -> Iterator[dict[str, str]]:
    """Serve both fakes on free loopback ports; yields the environment that points at them."""
    xero, qbo = demo_xero(), demo_quickbooks()
    with ExitStack() as stack:
        xero_url = stack.enter_context(serve(xero))
        qbo_url = stack.enter_context(serve(qbo))
        yield environment(xero, xero_url, qbo, qbo_url)
