"""The Xero connector end to end against the fake Xero over real loopback HTTP."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from ledgerlink.connectors import registry
from ledgerlink.connectors.models import Connection, ConnectionStatus
from ledgerlink.connectors.services import choose_tenant, disconnect, fresh_token
from ledgerlink.connectors.xero import XeroConnector
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
from ledgerlink.sync import engine
from ledgerlink.sync.models import SyncRun, SyncStatus

from ..conftest import make_tenant
from ..journey.oauth import submit, to_platform
from . import expected_spend
from .expected_spend import assert_reports_match
from .xero_support import authorise, connect, consent

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def tenants():
    return make_tenant("Alpha Bank", "alpha"), make_tenant("Beta Bank", "beta")


def sync(connection: Connection, *, full: bool = False) -> SyncRun:
    run = engine.start_sync(connection, full=full, enqueue=False)
    engine.run(run.pk, sleep=lambda s: None)
    run.refresh_from_db()
    return run


def expected_bills(org) -> int:
    return org.bills


def test_hidden_without_credentials_and_offered_with_them(settings, fake_xero):
    assert "xero" in {c.key for c in registry.available()}
    settings.XERO_CLIENT_ID = ""
    assert "xero" not in {c.key for c in registry.available()}


def test_authorisation_asks_for_granular_read_scopes_with_pkce(fake_xero):
    url = XeroConnector().authorisation_url(
        redirect_uri="https://x.example/cb", state="s", code_verifier="v" * 50
    )
    assert "code_challenge_method=S256" in url
    for scope in (
        "offline_access",
        "accounting.invoices.read",
        "accounting.payments.read",
        "accounting.banktransactions.read",
        "accounting.reports.profitandloss.read",
        "accounting.reports.balancesheet.read",
        "accounting.contacts.read",
        "accounting.settings.read",
    ):
        assert scope in url
    assert "accounting.transactions" not in url


def test_full_sync_fills_the_ledger(fake_xero, tenants):
    fake, _ = fake_xero
    alpha, beta = tenants
    org = fake.orgs[0]
    connection = connect(alpha, fake)
    run = sync(connection)
    assert run.status == SyncStatus.SUCCEEDED, (run.message, run.problems)
    company = alpha.company
    assert Bill.objects.filter(company=company).count() == org.bills  # ACCREC filtered out
    assert Supplier.objects.filter(company=company).count() == org.suppliers
    assert CompanyInfo.objects.get(company=company).base_currency == "GBP"
    card = Account.objects.get(company=company, code="091")
    assert card.payment_account_type == "credit_card" and card.is_payment_account
    # single payments plus one record per batch payment, each allocated to its bills
    singles = len([b for b in range(org.bills) if b % 5 in (0, 1, 2)])
    batches = len(org.batch_members)
    assert BillPayment.objects.filter(company=company).count() == singles + batches
    batch = BillPayment.objects.get(company=company, source_id=org.uid("batch", 0))
    assert batch.allocations.count() == 4
    assert PaymentAllocation.objects.filter(
        payment__company=company, bill__isnull=False
    ).count() == (singles + sum(len(m) for m in org.batch_members))
    paid_by_card = BillPayment.objects.get(company=company, source_id=org.uid("payment", 0))
    assert paid_by_card.payment_account_name == "Company Credit Card"
    # spend money only (RECEIVE transactions are not expenses)
    assert Expense.objects.filter(company=company).count() == len(
        [i for i in range(org.expenses) if i % 10 != 9]
    )
    # non-base currency: USD bill on a GBP organisation, rate inverted to "to base"
    usd = Bill.objects.get(company=company, source_id=org.uid("invoice", 0))
    assert usd.currency == "USD" and usd.exchange_rate == Decimal("0.8")
    statements = FinancialStatementLine.objects.filter(company=company)
    assert statements.filter(statement="pl").values("period_end").distinct().count() == 12
    assert statements.filter(statement="bs").exists()
    assert not Bill.objects.filter(company=beta.company).exists()
    # paged with the largest page size and an order, for the tenant only
    invoice_calls = [q for m, p, q in fake.requests if p.endswith("/Invoices")]
    assert invoice_calls and all(q["pageSize"] == "1000" for q in invoice_calls)
    assert all(q["order"] == "UpdatedDateUTC ASC" for q in invoice_calls)


def test_multi_page_and_incremental_after_edits_and_deletions(fake_xero, tenants, settings):
    fake, _ = fake_xero
    alpha, _ = tenants
    org = fake.orgs[0]
    connection = connect(alpha, fake)
    from ledgerlink.connectors.xero import streams

    streams_page = 25
    original = XeroConnector.page_size
    XeroConnector.page_size = streams_page
    try:
        first = sync(connection)
        assert first.status == SyncStatus.SUCCEEDED, first.message
        pages = [q for m, p, q in fake.requests if p.endswith("/Invoices")]
        # several pages keyed by time, each overlapping the last by a second's records
        assert org.bills // streams_page + 1 <= len(pages) <= org.bills // streams_page + 3
        assert all(q["page"] == "1" for q in pages)
        fake.requests.clear()
        org.edit_bill(3)
        org.delete_bill(7)
        org.void_bill(9)
        org.delete_payment(10)
        org.delete_expense(1)
        org.edit_supplier(2)
        second = sync(connection)
        assert second.status == SyncStatus.SUCCEEDED, second.message
    finally:
        XeroConnector.page_size = original
    company = alpha.company
    assert streams.PAGE_SIZE == 1000
    # the incremental asked only for what changed since the watermark
    ims = [q for m, p, q in fake.requests if p.endswith("/Invoices")]
    assert len(ims) == 1
    assert second.progress["bills"]["records"] < 10
    edited = Bill.objects.get(company=company, source_id=org.uid("invoice", 3))
    assert edited.total_amount == Decimal(org.bill_total_cents(3)) / 100
    assert Bill.objects.get(company=company, source_id=org.uid("invoice", 7)).is_deleted
    assert Bill.objects.get(company=company, source_id=org.uid("invoice", 9)).status == "void"
    assert BillPayment.objects.get(company=company, source_id=org.uid("payment", 8)).is_deleted
    assert Bill.objects.get(company=company, source_id=org.uid("invoice", 10)).status == "open"
    assert Expense.objects.get(company=company, source_id=org.uid("banktransaction", 1)).is_deleted
    assert "(rev 1)" in Supplier.objects.get(company=company, source_id=org.uid("contact", 2)).name


def test_token_expiry_mid_sync_refreshes_and_continues(fake_xero, tenants):
    fake, _ = fake_xero
    alpha, _ = tenants
    connection = connect(alpha, fake)
    fake.faults.add(Fault(path="/Invoices", status=0, action="expire"))
    run = sync(connection)
    assert run.status == SyncStatus.SUCCEEDED, run.message
    assert fake.auth.refreshes == 1
    assert Bill.objects.filter(company=alpha.company).count() == fake.orgs[0].bills


def test_429_storm_and_5xx_are_waited_out(fake_xero, tenants, settings):
    fake, _ = fake_xero
    alpha, _ = tenants
    settings.LEDGERLINK_SYNC_MAX_RETRIES = 6
    connection = connect(alpha, fake)
    storm = [("Retry-After", "1"), ("X-Rate-Limit-Problem", "minute")]
    fake.faults.add(Fault(path="/Invoices", status=429, times=4, headers=storm))
    fake.faults.add(Fault(path="/Contacts", status=503, times=2))
    slept: list[float] = []
    run = engine.start_sync(connection, enqueue=False)
    engine.run(run.pk, sleep=slept.append)
    run.refresh_from_db()
    assert run.status == SyncStatus.SUCCEEDED, run.message
    assert sum(1 for s in slept if s >= 1) >= 4  # Retry-After honoured
    assert Bill.objects.filter(company=alpha.company).count() == fake.orgs[0].bills


def test_daily_limit_pauses_the_run_and_it_resumes_later(fake_xero, tenants):
    fake, _ = fake_xero
    alpha, _ = tenants
    connection = connect(alpha, fake)
    day = [("Retry-After", "3600"), ("X-Rate-Limit-Problem", "day")]
    fake.faults.add(Fault(path="/Invoices", status=429, headers=day))
    run = sync(connection)
    assert run.status == SyncStatus.PAUSED
    assert run.resume_after is not None
    SyncRun.objects.filter(pk=run.pk).update(resume_after=run.resume_after.replace(year=2000))
    engine.run(run.pk, sleep=lambda s: None)
    run.refresh_from_db()
    assert run.status == SyncStatus.SUCCEEDED, run.message
    assert Bill.objects.filter(company=alpha.company).count() == fake.orgs[0].bills


def test_malformed_records_are_reported_and_the_rest_continue(fake_xero, tenants):
    fake, _ = fake_xero
    alpha, _ = tenants
    fake.orgs[0].malformed_bills.update({5, 6})
    connection = connect(alpha, fake)
    run = sync(connection)
    assert run.status == SyncStatus.SUCCEEDED, run.message
    assert run.progress["bills"]["problems"] == 2
    assert any(fake.orgs[0].uid("invoice", 5) in p["problem"] for p in run.problems)
    assert Bill.objects.filter(company=alpha.company).count() == fake.orgs[0].bills - 2


def test_revoked_consent_needs_reauthorisation(fake_xero, tenants):
    fake, _ = fake_xero
    alpha, _ = tenants
    connection = connect(alpha, fake)
    fake.auth.revoke_all()
    run = sync(connection)
    assert run.status == SyncStatus.FAILED
    connection.refresh_from_db()
    assert connection.status == ConnectionStatus.NEEDS_REAUTHORISATION


def test_organisation_disconnected_at_xero_needs_reauthorisation(fake_xero, tenants):
    fake, _ = fake_xero
    alpha, _ = tenants
    connection = connect(alpha, fake)
    fake.disconnect_tenant(fake.orgs[0].tenant_id)
    run = sync(connection)
    assert run.status == SyncStatus.FAILED
    connection.refresh_from_db()
    assert connection.status == ConnectionStatus.NEEDS_REAUTHORISATION


def test_one_token_reaches_several_organisations(fake_xero, tenants):
    fake, _ = fake_xero
    alpha, _ = tenants
    first, second = fake.orgs
    token = authorise(fake, [first.tenant_id, second.tenant_id])
    found = XeroConnector().tenants(token)
    assert {t.id for t in found} == {first.tenant_id, second.tenant_id}
    assert {t.name for t in found} == {"Harbour Trading", "Copperleaf Inc"}
    connection = connect(alpha, fake, second)
    run = sync(connection)
    assert run.status == SyncStatus.SUCCEEDED, run.message
    assert CompanyInfo.objects.get(company=alpha.company).base_currency == "USD"
    assert Bill.objects.filter(company=alpha.company).count() == second.bills
    assert {b.currency for b in Bill.objects.filter(company=alpha.company)} == {"USD", "EUR"}


def test_refresh_rotates_and_an_old_refresh_token_is_never_reused(fake_xero, tenants):
    fake, _ = fake_xero
    alpha, _ = tenants
    connection = connect(alpha, fake)
    Connection.objects.filter(pk=connection.pk).update(token_expires_at="2000-01-01T00:00:00Z")
    connection.refresh_from_db()
    import threading

    results: list[str] = []
    errors: list[BaseException] = []

    def worker() -> None:
        from django.db import connections

        try:
            mine = Connection.objects.get(pk=connection.pk)
            results.append(fresh_token(mine).access_token)
        except BaseException as error:  # reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    assert len(set(results)) == 1  # both workers use the one refreshed token
    assert fake.auth.refreshes == 1 and fake.auth.refused_refreshes == 0
    connection.refresh_from_db()
    assert connection.status != ConnectionStatus.NEEDS_REAUTHORISATION


def test_disconnect_revokes_the_grant(fake_xero, tenants):
    fake, _ = fake_xero
    alpha, _ = tenants
    connection = connect(alpha, fake)
    disconnect(connection)
    assert all(g.revoked for g in fake.auth.grants.values())
    connection.refresh_from_db()
    assert connection.status == ConnectionStatus.DISCONNECTED


def test_the_client_chooses_another_organisation_the_token_reaches(fake_xero, tenants):
    fake, _ = fake_xero
    alpha, beta = tenants
    first, second = fake.orgs
    connection = connect(alpha, fake)
    from ledgerlink.connectors.services import available_tenants

    fake.disconnect_tenant(second.tenant_id)
    assert [t.id for t in available_tenants(connection)] == [first.tenant_id]
    from ledgerlink.connectors.services import AuthorisationFailed

    with pytest.raises(AuthorisationFailed):
        choose_tenant(connection, second.tenant_id)  # not reachable with this token
    both = connect(beta, fake, second)
    token_reaches = {t.id for t in available_tenants(both)}
    assert second.tenant_id in token_reaches
    chosen = choose_tenant(both, second.tenant_id)
    assert chosen.tenant_name == "Copperleaf Inc"


def test_the_journey_connects_xero_and_the_reports_data_arrives(
    fake_xero, tenants, live_server, settings
):
    import httpx

    from ledgerlink.relationships import services as relationships

    fake, _ = fake_xero
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
        params = consent(
            to_platform(browser, f"/r/{issued.token}/", platform="xero"),
            [fake.orgs[0].tenant_id],
            redirect=live_server.url + "/connect/callback/",
        )
        back = browser.get("/connect/callback/", params=params)
        connected = back.headers["Location"]
        assert connected.endswith("/connected/"), back.text[:500]
        assert "Harbour Trading" in browser.get(connected).text
        assert submit(browser, connected, {"right": "yes"}).endswith("/status/")
    connection = Connection.objects.get(company=alpha.company, platform="xero")
    assert connection.tenant_name == "Harbour Trading"
    run = SyncRun.objects.get(connection=connection)
    assert run.status == SyncStatus.SUCCEEDED, run.message
    assert Bill.objects.filter(company=alpha.company).count() == fake.orgs[0].bills
    # The reports built after the sync agree with the fake's own records.
    assert_reports_match(alpha, expected_spend.xero(fake.orgs[0], timezone.now().date()))


def test_an_edit_during_a_long_full_read_loses_nothing(fake_xero, tenants):
    """An edited record moves to the end of Xero's order; with numbered pages the next
    record would be skipped, then wrongly marked deleted at the end of a full read."""
    fake, _ = fake_xero
    alpha, _ = tenants
    org = fake.orgs[0]
    connection = connect(alpha, fake)
    seen = {"invoices": 0}

    def edit_after_the_first_page(req) -> None:
        if req.path.endswith("/Invoices"):
            seen["invoices"] += 1
            if seen["invoices"] == 2:
                org.edit_bill(0)  # on the page already read
                org.edit_bill(1)

    fake.on_request = edit_after_the_first_page
    original = XeroConnector.page_size
    XeroConnector.page_size = 20
    try:
        run = sync(connection)
    finally:
        XeroConnector.page_size = original
    assert run.status == SyncStatus.SUCCEEDED, run.message
    bills = Bill.objects.filter(company=alpha.company)
    assert bills.filter(is_deleted=False).count() == org.bills
    assert not bills.filter(is_deleted=True).exists()
    edited = bills.get(source_id=org.uid("invoice", 0))
    assert edited.total_amount == Decimal(org.bill_total_cents(0)) / 100
