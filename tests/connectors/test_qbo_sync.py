"""The QuickBooks Online connector end to end against the fake QuickBooks over loopback."""

from __future__ import annotations

import threading
from datetime import timedelta
from decimal import Decimal

import httpx
import pytest
from django.utils import timezone

from ledgerlink.connectors import registry
from ledgerlink.connectors.models import Connection, ConnectionStatus
from ledgerlink.connectors.qbo import QuickBooksConnector
from ledgerlink.connectors.services import disconnect, fresh_token
from ledgerlink.fakes.limits import Fault
from ledgerlink.ledger.models import (
    Account,
    Bill,
    BillPayment,
    CompanyInfo,
    Expense,
    FinancialStatementLine,
    PaymentAllocation,
    Supplier,
)
from ledgerlink.relationships import services as relationships
from ledgerlink.sync import engine
from ledgerlink.sync.models import SyncRun, SyncStatus

from ..conftest import make_tenant
from ..journey.oauth import submit, to_platform
from . import expected_spend
from .expected_spend import assert_reports_match
from .qbo_support import connect
from .xero_support import consent

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def tenants():
    return make_tenant("Alpha Bank", "alpha"), make_tenant("Beta Bank", "beta")


def sync(connection: Connection, *, sleep=lambda s: None) -> SyncRun:
    run = engine.start_sync(connection, enqueue=False)
    engine.run(run.pk, sleep=sleep)
    run.refresh_from_db()
    return run


def test_hidden_without_credentials(settings, fake_qbo):
    assert "quickbooks" in {c.key for c in registry.available()}
    settings.QBO_CLIENT_SECRET = ""
    assert "quickbooks" not in {c.key for c in registry.available()}


def test_authorisation_asks_for_the_accounting_scope_with_pkce(fake_qbo):
    url = QuickBooksConnector().authorisation_url(
        redirect_uri="https://x.example/cb", state="s", code_verifier="v" * 50
    )
    assert "scope=com.intuit.quickbooks.accounting" in url
    assert "code_challenge_method=S256" in url


def test_full_sync_fills_the_ledger_with_raw_payment_methods(fake_qbo, tenants):
    fake, _ = fake_qbo
    alpha, beta = tenants
    company = fake.companies[0]
    connection = connect(alpha, fake)
    assert connection.tenant_id == company.realm_id
    assert connection.tenant_name == "Pinecrest Outfitters"
    run = sync(connection)
    assert run.status == SyncStatus.SUCCEEDED, (run.message, run.problems)
    ours = alpha.company
    assert Bill.objects.filter(company=ours).count() == company.bills
    assert Supplier.objects.filter(company=ours).count() == company.vendors  # inactive too
    assert CompanyInfo.objects.get(company=ours).base_currency == "USD"
    card = Account.objects.get(company=ours, source_id="41")
    assert card.payment_account_type == "credit_card" and card.type == "Credit Card"
    assert Account.objects.get(company=ours, source_id="37").payment_account_type == "cash"
    assert BillPayment.objects.filter(company=ours).count() == len(company.payment_groups)
    methods = set(BillPayment.objects.filter(company=ours).values_list("method_raw", flat=True))
    assert methods == {"Check", "CreditCard"}
    cheque = BillPayment.objects.filter(company=ours, method_raw="Check").first()
    assert cheque is not None and cheque.payment_account_name == "Checking"
    # one payment settling two bills
    pair = BillPayment.objects.get(company=ours, source_id=company.entity_id("BillPayment", 3))
    assert pair.allocations.count() == 2
    assert PaymentAllocation.objects.filter(payment__company=ours, bill__isnull=True).count() == 0
    kinds = set(Expense.objects.filter(company=ours).values_list("method_raw", flat=True))
    assert kinds == {"Cash", "Check", "CreditCard"}
    cad = Bill.objects.get(company=ours, source_id=company.entity_id("Bill", 0))
    assert cad.currency == "CAD" and cad.exchange_rate == Decimal("0.73")
    assert Bill.objects.get(company=ours, source_id=company.entity_id("Bill", 9)).status == "open"
    statements = FinancialStatementLine.objects.filter(company=ours)
    assert statements.filter(statement="pl").values("period_end").distinct().count() == 12
    assert statements.filter(statement="bs").exists()
    assert not Bill.objects.filter(company=beta.company).exists()
    queries = [q["query"] for _, p, q in fake.requests if p.endswith("/query")]
    assert all("MAXRESULTS 1000" in q and "ORDERBY Metadata.LastUpdatedTime" in q for q in queries)
    assert any("Active IN (true, false)" in q for q in queries if "FROM Vendor" in q)
    assert all(q.get("minorversion") == "75" for _, p, q in fake.requests if "/v3/" in p)


def test_multi_page_then_incremental_with_edits_deletions_and_voids(fake_qbo, tenants):
    fake, _ = fake_qbo
    alpha, _ = tenants
    company = fake.companies[0]
    connection = connect(alpha, fake)
    original = QuickBooksConnector.page_size
    QuickBooksConnector.page_size = 40
    try:
        first = sync(connection)
        assert first.status == SyncStatus.SUCCEEDED, first.message
        bill_pages = [q for _, p, q in fake.requests if "FROM Bill " in q.get("query", "")]
        assert len(bill_pages) == company.bills // 40 + 1
        assert "STARTPOSITION 41 " in bill_pages[1]["query"]
        fake.requests.clear()
        company.edit_bill(3)
        company.delete("Bill", 7)
        company.delete_bill_payment(10)
        company.void_purchase(2)
        company.edit_vendor(1)
        second = sync(connection)
        assert second.status == SyncStatus.SUCCEEDED, second.message
    finally:
        QuickBooksConnector.page_size = original
    ours = alpha.company
    bill_queries = [q["query"] for _, p, q in fake.requests if "FROM Bill " in q.get("query", "")]
    assert len(bill_queries) == 1 and "Metadata.LastUpdatedTime >= '" in bill_queries[0]
    assert any(p.endswith("/cdc") for _, p, _ in fake.requests)
    assert second.progress["bills"]["records"] < 10
    edited = Bill.objects.get(company=ours, source_id=company.entity_id("Bill", 3))
    assert edited.total_amount == Decimal(company.bill_cents(3)) / 100
    assert Bill.objects.get(company=ours, source_id=company.entity_id("Bill", 7)).is_deleted
    payment = company.entity_id("BillPayment", company.paid_by[10])
    assert BillPayment.objects.get(company=ours, source_id=payment).is_deleted
    assert Bill.objects.get(company=ours, source_id=company.entity_id("Bill", 10)).status == "open"
    assert Expense.objects.get(company=ours, source_id=company.entity_id("Purchase", 2)).is_deleted
    assert (
        "(rev 1)"
        in Supplier.objects.get(company=ours, source_id=company.entity_id("Vendor", 1)).name
    )


def test_token_expiry_mid_sync_refreshes_and_continues(fake_qbo, tenants):
    fake, _ = fake_qbo
    alpha, _ = tenants
    connection = connect(alpha, fake)
    fake.faults.add(Fault(path="/query", status=0, action="expire", after=3))
    run = sync(connection)
    assert run.status == SyncStatus.SUCCEEDED, run.message
    assert fake.auth.refreshes == 1
    assert Bill.objects.filter(company=alpha.company).count() == fake.companies[0].bills


def test_throttling_storm_and_5xx_are_waited_out(fake_qbo, tenants, settings):
    fake, _ = fake_qbo
    alpha, _ = tenants
    settings.LEDGERLINK_SYNC_MAX_RETRIES = 6
    connection = connect(alpha, fake)
    fake.faults.add(Fault(path="/query", status=429, times=4))
    fake.faults.add(Fault(path="/reports/", status=500, times=2))
    slept: list[float] = []
    run = sync(connection, sleep=slept.append)
    assert run.status == SyncStatus.SUCCEEDED, run.message
    assert sum(1 for s in slept if s >= 1) >= 4  # 60 s on Intuit's clock, sped up 60 times
    assert FinancialStatementLine.objects.filter(company=alpha.company).exists()


def test_malformed_records_are_reported_and_the_rest_continue(fake_qbo, tenants):
    fake, _ = fake_qbo
    alpha, _ = tenants
    fake.companies[0].malformed_bills.update({4, 5, 6})
    connection = connect(alpha, fake)
    run = sync(connection)
    assert run.status == SyncStatus.SUCCEEDED, run.message
    assert run.progress["bills"]["problems"] == 3
    assert Bill.objects.filter(company=alpha.company).count() == fake.companies[0].bills - 3


def test_revoked_consent_needs_reauthorisation(fake_qbo, tenants):
    fake, _ = fake_qbo
    alpha, _ = tenants
    connection = connect(alpha, fake)
    fake.auth.revoke_all()
    run = sync(connection)
    assert run.status == SyncStatus.FAILED
    connection.refresh_from_db()
    assert connection.status == ConnectionStatus.NEEDS_REAUTHORISATION


def test_home_currency_other_than_usd(fake_qbo, tenants):
    fake, _ = fake_qbo
    alpha, _ = tenants
    canadian = fake.companies[1]
    connection = connect(alpha, fake, canadian)
    run = sync(connection)
    assert run.status == SyncStatus.SUCCEEDED, run.message
    assert CompanyInfo.objects.get(company=alpha.company).base_currency == "CAD"
    currencies = set(Bill.objects.filter(company=alpha.company).values_list("currency", flat=True))
    assert currencies == {"CAD", "USD"}


def test_two_workers_refreshing_at_once_use_one_rotation(fake_qbo, tenants):
    fake, _ = fake_qbo
    alpha, _ = tenants
    connection = connect(alpha, fake)
    Connection.objects.filter(pk=connection.pk).update(token_expires_at="2000-01-01T00:00:00Z")
    results: list[str] = []
    errors: list[BaseException] = []

    def worker() -> None:
        from django.db import connections

        try:
            results.append(fresh_token(Connection.objects.get(pk=connection.pk)).access_token)
        except BaseException as error:  # reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors and len(set(results)) == 1
    assert fake.auth.refreshes == 1 and fake.auth.refused_refreshes == 0


def test_disconnect_revokes_at_intuit(fake_qbo, tenants):
    fake, _ = fake_qbo
    alpha, _ = tenants
    connection = connect(alpha, fake)
    disconnect(connection)
    assert all(g.revoked for g in fake.auth.grants.values())


def test_the_journey_connects_quickbooks_with_the_realm_from_the_redirect(
    fake_qbo, tenants, live_server, settings
):
    fake, _ = fake_qbo
    alpha, _ = tenants
    settings.LEDGERLINK_BASE_URL = live_server.url
    issued = relationships.create_data_request(
        organisation=alpha.org,
        company=alpha.company,
        actor=alpha.analyst,
        wants_financials=True,
        wants_spend=True,
        delivery="link",
    )
    with httpx.Client(base_url=live_server.url, follow_redirects=False, timeout=60) as browser:
        software = browser.get(f"/r/{issued.token}/")
        assert software.status_code == 200
        params = consent(
            to_platform(browser, f"/r/{issued.token}/", platform="quickbooks"),
            [fake.companies[1].realm_id],
            redirect=live_server.url + "/connect/callback/",
        )
        assert params["realmId"] == fake.companies[1].realm_id
        back = browser.get("/connect/callback/", params=params)
        connected = back.headers["Location"]
        assert connected.endswith("/connected/"), back.text[:500]
        assert "Maple Leaf Cabinets" in browser.get(connected).text
        assert submit(browser, connected, {"right": "yes"}).endswith("/status/")
    connection = Connection.objects.get(company=alpha.company, platform="quickbooks")
    assert connection.tenant_id == fake.companies[1].realm_id
    assert connection.tenant_name == "Maple Leaf Cabinets"
    run = SyncRun.objects.get(connection=connection)
    assert run.status == SyncStatus.SUCCEEDED, run.message
    assert Bill.objects.filter(company=alpha.company).count() == fake.companies[1].bills
    # The reports built after the sync agree with the fake's own records.
    assert_reports_match(alpha, expected_spend.quickbooks(fake.companies[1], timezone.now().date()))


def test_a_watermark_older_than_cdc_reads_everything_and_reflects_deletions(fake_qbo, tenants):
    """CDC looks back 30 days: after a longer pause the sync reads everything again and
    whatever QuickBooks no longer returns is marked deleted (queries never show deletions)."""
    fake, _ = fake_qbo
    alpha, _ = tenants
    company = fake.companies[0]
    connection = connect(alpha, fake)
    assert sync(connection).status == SyncStatus.SUCCEEDED
    company.delete("Bill", 5)
    connection.refresh_from_db()
    old = (timezone.now() - timedelta(days=45)).strftime("%Y-%m-%dT%H:%M:%SZ")
    connection.sync_state = {data_type: old for data_type in connection.sync_state}
    connection.save()
    fake.requests.clear()
    second = sync(connection)
    assert second.status == SyncStatus.SUCCEEDED, second.message
    assert second.progress["bills"]["since"] is None  # a full read
    assert not any(p.endswith("/cdc") for _, p, _ in fake.requests)
    deleted = Bill.objects.get(company=alpha.company, source_id=company.entity_id("Bill", 5))
    assert deleted.is_deleted
    assert second.progress["bills"]["deleted"] == 1
    live = Bill.objects.filter(company=alpha.company, is_deleted=False).count()
    assert live == company.bills - 1
