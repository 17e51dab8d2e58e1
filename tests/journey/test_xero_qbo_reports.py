"""A client connects Xero or QuickBooks through the journey, as with the sandbox: link →
software → consent → sign in at the (fake) platform over loopback → back → "is this X?" →
the first sync → the reports. The Spend Analysis built at the end is read back from its
workbook and checked against figures computed here from the fake's own records, without the
connector, the ledger or the insights engine: total spend, the number of suppliers (the
fake's customers must not count), and how the bill payments split by inferred method (card,
check, other, unknown) — from the account paid from (Xero) or PayType (QuickBooks).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from io import BytesIO

import httpx
import pytest
from django.utils import timezone
from openpyxl import load_workbook

from ledgerlink.connectors.models import Connection
from ledgerlink.fakes.qbo import QboCompany
from ledgerlink.fakes.xero import XeroOrg
from ledgerlink.fakes.xero.data import PAY_FROM
from ledgerlink.relationships import services as relationships
from ledgerlink.reports.models import Report
from ledgerlink.sync.models import SyncRun, SyncStatus

from ..conftest import make_tenant
from ..connectors.qbo_support import fake_qbo
from ..connectors.xero_support import consent, fake_xero
from .oauth import submit, to_platform

__all__ = ["fake_qbo", "fake_xero"]
pytestmark = pytest.mark.django_db(transaction=True)
CENT = Decimal("0.01")
# Xero records no method: the account paid from tells. A card account is a card and PayPal is
# "Other"; a plain bank account with nothing in its name or the reference ("Payment 7",
# "Supplier run 2") stays Unknown, as the spec's rules say (no guessing "transfer").
XERO_METHOD = {"091": "Credit Card", "090": "Unknown", "092": "Other"}
# QuickBooks' PayType: "Check" is every payment from a bank account, taken as Check when the
# account ("Checking") and the note say nothing else.
QBO_METHOD = {"CreditCard": "Credit Card", "Check": "Check"}


@dataclass
class Expected:
    total_spend: Decimal
    suppliers: set[str]
    payments: dict[str, Decimal]  # inferred method → amount in base currency
    payment_count: int


def period(today: date) -> tuple[date, date]:
    """The default report period: the 12 full months before today."""
    end = today.replace(day=1) - timedelta(days=1)
    start = date(end.year - 1, end.month, 1) + timedelta(days=32)
    return start.replace(day=1), end


def base(amount: object, rate: object = 1, *, divide: bool = False) -> Decimal:
    value = Decimal(str(amount))
    value = value / Decimal(str(rate)) if divide else value * Decimal(str(rate))
    return value.quantize(CENT, ROUND_HALF_UP)


def expected_xero(org: XeroOrg, today: date) -> Expected:
    """Xero's CurrencyRate is foreign units per unit of base currency: base = amount / rate."""
    start, end = period(today)
    total, suppliers = Decimal(0), set()
    payments: dict[str, Decimal] = defaultdict(Decimal)
    count = 0
    for i in range(org.bills):
        bill = org.invoice(i, lines=False)
        if start <= org.bill_date(i) <= end and bill["Status"] not in (
            "VOIDED",
            "DELETED",
            "DRAFT",
        ):
            total += base(bill["Total"], bill["CurrencyRate"], divide=True)
            suppliers.add(bill["Contact"]["ContactID"])
    for i in range(org.expenses):
        spend = org.transaction(i, lines=False)
        day = date(2026, 1, 1) + timedelta(days=i % 300)
        if spend["Type"] == "SPEND" and spend["Status"] == "AUTHORISED" and start <= day <= end:
            total += base(spend["Total"], spend["CurrencyRate"], divide=True)
            suppliers.add(spend["Contact"]["ContactID"])
    for k, bill in enumerate(org.payment_bills):
        payment = org.payment(k)
        if "BatchPaymentID" in payment or payment["Status"] == "DELETED":
            continue  # paid in a batch: counted with the batch below
        if start <= org.bill_date(bill) + timedelta(days=10) <= end:
            method = XERO_METHOD[PAY_FROM[bill % 4]]
            payments[method] += base(payment["Amount"], payment["CurrencyRate"], divide=True)
            count += 1
    for members in org.batch_members:
        if start <= org.bill_date(members[0]) + timedelta(days=10) <= end:
            # A batch is paid from the business bank account, in the base currency.
            payments[XERO_METHOD["090"]] += sum(
                (Decimal(org.bill_total_cents(b)) / 100 for b in members), Decimal(0)
            )
            count += 1
    return Expected(total, suppliers, dict(payments), count)


def expected_quickbooks(company: QboCompany, today: date) -> Expected:
    """QuickBooks' ExchangeRate is home units per foreign unit: home = amount x rate."""
    start, end = period(today)
    total, suppliers = Decimal(0), set()
    payments: dict[str, Decimal] = defaultdict(Decimal)
    count = 0
    for i in range(company.bills):
        bill = company.bill(i)
        if start <= date.fromisoformat(bill["TxnDate"]) <= end:
            total += base(bill["TotalAmt"], bill["ExchangeRate"])
            suppliers.add(bill["VendorRef"]["value"])
    for i in range(company.purchases):
        purchase = company.purchase(i)
        amount = Decimal(str(purchase["TotalAmt"]))
        day = date.fromisoformat(purchase["TxnDate"])
        if amount > 0 and not purchase.get("Credit") and start <= day <= end:
            total += base(amount, purchase["ExchangeRate"])
            suppliers.add(purchase["EntityRef"]["value"])
    for k in range(len(company.payment_groups)):
        payment = company.bill_payment(k)
        if start <= date.fromisoformat(payment["TxnDate"]) <= end:
            method = QBO_METHOD[payment["PayType"]]
            payments[method] += base(payment["TotalAmt"], payment["ExchangeRate"])
            count += 1
    return Expected(total, suppliers, dict(payments), count)


def walk_the_journey(live_server, settings, tenant, platform: str, tenant_id: str) -> Connection:
    settings.LEDGERLINK_BASE_URL = live_server.url
    issued = relationships.create_data_request(
        organisation=tenant.org,
        company=tenant.company,
        actor=tenant.analyst,
        wants_financials=True,
        wants_spend=True,
        delivery="link",
    )
    with httpx.Client(base_url=live_server.url, follow_redirects=False, timeout=60) as browser:
        software = browser.get(f"/r/{issued.token}/")
        assert software.status_code == 200
        params = consent(
            to_platform(browser, f"/r/{issued.token}/", platform=platform),
            [tenant_id],
            redirect=live_server.url + "/connect/callback/",
        )
        back = browser.get("/connect/callback/", params=params)
        connected = back.headers["Location"]
        assert connected.endswith("/connected/"), back.text[:500]
        assert submit(browser, connected, {"right": "yes"}).endswith("/status/")
    connection = Connection.objects.get(company=tenant.company, platform=platform)
    assert connection.tenant_id == tenant_id
    run = SyncRun.objects.get(connection=connection)
    assert run.status == SyncStatus.SUCCEEDED, run.message
    return connection


def sheet_rows(book, name: str) -> list[dict[str, object]]:
    """A workbook tab as dicts keyed by its header row (the first row naming every column)."""
    rows = list(book[name].iter_rows(values_only=True))
    at = next(i for i, row in enumerate(rows) if row and row[0] and "ID" in str(row[0]))
    header = [str(c) if c is not None else "" for c in rows[at]]
    return [dict(zip(header, row, strict=False)) for row in rows[at + 1 :] if any(row)]


def assert_spend_analysis(tenant, expected: Expected) -> None:
    analysis = Report.objects.get(company=tenant.company, report_type="spend-analysis")
    assert analysis.status == "available", (analysis.status, analysis.message)
    assert Decimal(analysis.figures["total_spend"]) == expected.total_spend
    assert analysis.figures["suppliers"] == len(expected.suppliers)
    assert analysis.figures["payments"] == expected.payment_count
    with analysis.file.open("rb") as handle:
        book = load_workbook(BytesIO(handle.read()), read_only=True)
    suppliers = sheet_rows(book, "Supplier Analysis")
    assert {row["Supplier ID"] for row in suppliers} == expected.suppliers
    payments = sheet_rows(book, "Bill Payments")
    amount = next(k for k in payments[0] if k.startswith("Amount ("))
    split: dict[str, Decimal] = defaultdict(Decimal)
    for row in payments:
        split[str(row["Inferred method"])] += Decimal(str(row[amount])).quantize(CENT)
    assert dict(split) == expected.payments
    # A card share and a non-card share, so the split is really tested.
    assert expected.payments["Credit Card"] > 0 and len(expected.payments) > 1


@pytest.fixture
def tenants():
    return make_tenant("Alpha Bank", "alpha"), make_tenant("Beta Bank", "beta")


def test_xero_journey_to_a_spend_analysis_that_matches_the_books(
    fake_xero, tenants, live_server, settings
):
    fake, _ = fake_xero
    alpha, beta = tenants
    org = fake.orgs[0]
    walk_the_journey(live_server, settings, alpha, "xero", org.tenant_id)
    assert_spend_analysis(alpha, expected_xero(org, timezone.now().date()))
    assert not Report.objects.filter(company=beta.company).exists()


def test_quickbooks_journey_to_a_spend_analysis_that_matches_the_books(
    fake_qbo, tenants, live_server, settings
):
    fake, _ = fake_qbo
    alpha, beta = tenants
    company = fake.companies[1]
    walk_the_journey(live_server, settings, alpha, "quickbooks", company.realm_id)
    assert_spend_analysis(alpha, expected_quickbooks(company, timezone.now().date()))
    assert not Report.objects.filter(company=beta.company).exists()
