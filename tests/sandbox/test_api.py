"""Reading every data type from the sandbox over HTTP through the connector, and the faults
the platform can be told to produce."""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, datetime

import httpx
import pytest

from ledgerlink.connectors.base import (
    AuthorisationError,
    FetchContext,
    PermanentError,
    RateLimitedError,
    RetryableError,
    TokenExpiredError,
)
from ledgerlink.connectors.sandbox import SandboxConnector, shapes
from ledgerlink.ledger.records import (
    BillPaymentRecord,
    BillRecord,
    DataType,
    Deleted,
    StatementLineRecord,
)
from ledgerlink.sandbox import faults
from tests.sandbox.conftest import SIZES

EXPECTED = {
    DataType.COMPANY_INFO: 1,
    DataType.ACCOUNTS: 49,
    DataType.SUPPLIERS: SIZES["suppliers"],
    DataType.BILLS: SIZES["bills"],
    DataType.BILL_PAYMENTS: SIZES["payments"],
    DataType.EXPENSES: SIZES["expenses"],
}


def read(connector, token, tenant, data_type, *, page_size=37, **kwargs):
    context = FetchContext(
        token=token,
        tenant_id=tenant.public_id,
        data_type=data_type,
        options={"page_size": page_size},
        **kwargs,
    )
    return list(connector.fetch(context))


def records(pages):
    """The pages' raw records as dicts (bills, payments and expenses arrive as structs)."""
    return [shapes.as_dict(r) for page in pages for r in page.records]


def test_every_data_type_pages_through_with_the_tenant_sizes(connector, token, sandbox_tenant):
    for data_type in DataType.ALL:
        pages = read(connector, token, sandbox_tenant, data_type)
        rows = records(pages)
        if data_type == DataType.STATEMENTS:
            # 24 monthly P&Ls and 24 balance sheets, one record per report row.
            reports = Counter(r["statement"] for r in {r["reportId"]: r for r in rows}.values())
            assert reports == {"pl": 24, "bs": 24}
        else:
            assert len(rows) == EXPECTED[data_type], data_type
            assert len({r["id"] for r in rows}) == len(rows)
        if EXPECTED.get(data_type, 0) > 37:
            assert len(pages) > 1, data_type
            assert all(len(p.records) == 37 for p in pages[:-1])
        assert pages[-1].next_cursor is None
        assert all(p.next_cursor for p in pages[:-1])
        mapped = [connector.map(data_type, r) for r in rows]
        assert [m.problem for m in mapped if m.problem] == []
        if data_type == DataType.STATEMENTS:
            assert all(isinstance(m.record, StatementLineRecord) for m in mapped)


def test_reads_are_deterministic_and_resumable(connector, token, sandbox_tenant):
    first = read(connector, token, sandbox_tenant, DataType.BILL_PAYMENTS, page_size=50)
    second = read(connector, token, sandbox_tenant, DataType.BILL_PAYMENTS, page_size=50)
    assert records(first) == records(second)
    # Resuming from the first page's cursor gives exactly the rest.
    rest = read(
        connector,
        token,
        sandbox_tenant,
        DataType.BILL_PAYMENTS,
        page_size=50,
        cursor=first[0].next_cursor,
    )
    assert records(first[:1]) + records(rest) == records(first)
    # A bigger page size reads the same records.
    assert records(
        read(connector, token, sandbox_tenant, DataType.BILL_PAYMENTS, page_size=5000)
    ) == records(first)
    # The watermark is the newest updatedAt seen.
    assert first[-1].watermark == max(r["updatedAt"] for r in records(first))


def test_statement_cursor_moves_from_profit_and_loss_to_balance_sheet(
    connector, token, sandbox_tenant
):
    pages = read(connector, token, sandbox_tenant, DataType.STATEMENTS, page_size=10)
    kinds = [p.records[0]["statement"] for p in pages]
    assert kinds == ["pl"] * 3 + ["bs"] * 3
    resumed = read(
        connector,
        token,
        sandbox_tenant,
        DataType.STATEMENTS,
        page_size=10,
        cursor=pages[2].next_cursor,
    )
    assert records(resumed) == records(pages[3:])


def test_modified_since_after_a_revision_gives_changes_and_tombstones(
    connector, token, sandbox_tenant
):
    before = {
        t: {r["id"]: r for r in records(read(connector, token, sandbox_tenant, t))}
        for t in (DataType.SUPPLIERS, DataType.BILLS, DataType.BILL_PAYMENTS, DataType.EXPENSES)
    }
    since = datetime.now(UTC).isoformat()
    time.sleep(0.01)
    faults.bump_revision(sandbox_tenant)

    seen_tombstones = 0
    for data_type, old in before.items():
        new = {r["id"]: r for r in records(read(connector, token, sandbox_tenant, data_type))}
        changed = {k for k, v in new.items() if old.get(k) != v}
        removed = set(old) - set(new)
        pages = read(connector, token, sandbox_tenant, data_type, modified_since=since)
        got = records(pages)
        tombstones = {r["id"] for r in got if r.get("deleted")}
        assert tombstones == removed, data_type
        assert {r["id"] for r in got} == changed | removed, data_type
        assert all(r["updatedAt"] > since.replace("+00:00", "") for r in got)
        for raw in got:
            result = connector.map(data_type, raw)
            assert not result.problem
            if raw.get("deleted"):
                assert isinstance(result.record, Deleted)
                assert result.record.source_id == raw["id"]
        seen_tombstones += len(tombstones)
        if data_type == DataType.BILLS:
            assert changed, "a revision changes some bills"
    assert seen_tombstones > 0
    # Nothing changed since the revision: an incremental read is empty.
    later = datetime.now(UTC).isoformat()
    assert (
        records(read(connector, token, sandbox_tenant, DataType.BILLS, modified_since=later)) == []
    )


def test_mapped_payments_keep_method_and_paid_from_account(connector, token, sandbox_tenant):
    rows = records(read(connector, token, sandbox_tenant, DataType.BILL_PAYMENTS, page_size=500))
    mapped = [connector.map(DataType.BILL_PAYMENTS, r).record for r in rows]
    assert all(isinstance(m, BillPaymentRecord) for m in mapped)
    with_method = [m for m in mapped if m.method_raw]
    without = [m for m in mapped if not m.method_raw]
    assert with_method and without  # the field is sometimes null at the platform
    assert all(m.payment_account_source_id and not m.payment_account_name for m in mapped)
    bills = {
        r["id"]: connector.map(DataType.BILLS, r).record
        for r in records(read(connector, token, sandbox_tenant, DataType.BILLS, page_size=500))
    }
    assert all(isinstance(b, BillRecord) for b in bills.values())
    for payment in mapped:
        assert sum(a.amount for a in payment.allocations) == payment.amount
        for allocation in payment.allocations:
            assert bills[allocation.bill_source_id].supplier_source_id == payment.supplier_source_id


def test_rate_limited_response_is_classified_with_retry_after(connector, token, sandbox_tenant):
    faults.fail_next(sandbox_tenant, 429, retry_after=7)
    with pytest.raises(RateLimitedError) as raised:
        read(connector, token, sandbox_tenant, DataType.SUPPLIERS)
    assert raised.value.retry_after == 7
    # The fault was used up: the next read works.
    assert len(records(read(connector, token, sandbox_tenant, DataType.SUPPLIERS))) == 12


def test_the_per_tenant_rate_limit_answers_429(connector, token, sandbox_tenant):
    faults.set_rate_limit(sandbox_tenant, 2)
    read(connector, token, sandbox_tenant, DataType.COMPANY_INFO)
    read(connector, token, sandbox_tenant, DataType.COMPANY_INFO)
    with pytest.raises(RateLimitedError) as raised:
        read(connector, token, sandbox_tenant, DataType.COMPANY_INFO)
    assert raised.value.retry_after is not None and 1 <= raised.value.retry_after <= 30


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors_are_retryable(connector, token, sandbox_tenant, status):
    faults.fail_next(sandbox_tenant, status, count=2)
    for _ in range(2):
        with pytest.raises(RetryableError) as raised:
            read(connector, token, sandbox_tenant, DataType.ACCOUNTS)
        assert not isinstance(raised.value, RateLimitedError)
        assert str(status) in str(raised.value)
    assert len(records(read(connector, token, sandbox_tenant, DataType.ACCOUNTS))) == 49


def test_a_failure_mid_sync_resumes_from_the_last_cursor(connector, token, sandbox_tenant):
    context = FetchContext(
        token=token,
        tenant_id=sandbox_tenant.public_id,
        data_type=DataType.BILLS,
        options={"page_size": 60},
    )
    # Queued before the first request: the client asks for page 2 while it reads page 1, so
    # a fault queued after page 1 arrived could come too late for that request.
    faults.delay_next(sandbox_tenant, 0.01)  # the first request passes (after a pause)
    faults.fail_next(sandbox_tenant, 503)  # the next one, for page 2, fails
    pages = connector.fetch(context)
    first = next(pages)
    with pytest.raises(RetryableError):
        next(pages)
    context.cursor = first.next_cursor
    rest = list(connector.fetch(context))
    assert len(first.records) + len(records(rest)) == SIZES["bills"]


def test_a_slow_response_is_a_retryable_timeout(connector, token, sandbox_tenant, monkeypatch):
    monkeypatch.setattr(
        "ledgerlink.connectors.sandbox.client.TIMEOUT", httpx.Timeout(5.0, read=0.3)
    )
    faults.delay_next(sandbox_tenant, 1.0)
    with pytest.raises(RetryableError, match="timed out"):
        read(connector, token, sandbox_tenant, DataType.COMPANY_INFO)
    time.sleep(1.0)  # let the delayed response finish before the test's data goes
    assert read(connector, token, sandbox_tenant, DataType.COMPANY_INFO)


def test_expired_token_then_refresh(connector, token, sandbox_tenant):
    assert faults.expire_access_tokens(sandbox_tenant) == 1
    with pytest.raises(TokenExpiredError):
        read(connector, token, sandbox_tenant, DataType.SUPPLIERS)
    fresh = connector.refresh(token)
    assert len(records(read(connector, fresh, sandbox_tenant, DataType.SUPPLIERS))) == 12


def test_revoked_consent_needs_reauthorisation(connector, token, sandbox_tenant):
    assert faults.revoke_consent(sandbox_tenant) == 1
    with pytest.raises(AuthorisationError) as raised:
        read(connector, token, sandbox_tenant, DataType.SUPPLIERS)
    assert not isinstance(raised.value, TokenExpiredError)
    assert "consent_revoked" in str(raised.value)
    with pytest.raises(AuthorisationError, match="invalid_grant"):
        connector.refresh(token)


def test_unknown_token_and_other_client_errors(connector, token, sandbox_tenant, sandbox_url):
    forged = type(token)(access_token="forged-token")
    with pytest.raises(AuthorisationError, match="invalid_token"):
        read(connector, forged, sandbox_tenant, DataType.SUPPLIERS)
    with pytest.raises(PermanentError):
        list(
            connector.fetch(
                FetchContext(token=token, tenant_id="not-my-tenant", data_type=DataType.BILLS)
            )
        )
    with pytest.raises(PermanentError):
        read(connector, token, sandbox_tenant, DataType.BILLS, cursor="0:not-a-cursor")
    with pytest.raises(PermanentError):
        read(connector, token, sandbox_tenant, "invoices")
    answer = httpx.get(
        sandbox_url + "/api/v1/bills",
        params={"page_size": 20_000},
        headers={
            "Authorization": f"Bearer {token.access_token}",
            "Sandbox-Tenant-Id": sandbox_tenant.public_id,
        },
    )
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_request"


def test_unreachable_platform_is_retryable(transactional_db, token):
    closed = SandboxConnector(url="http://127.0.0.1:9")  # nothing listens on the discard port
    with pytest.raises(RetryableError):
        closed.tenants(token)


def test_control_endpoint_only_when_enabled(
    sandbox_url, sandbox_tenant, settings, connector, token
):
    url = f"{sandbox_url}/control/{sandbox_tenant.public_id}/faults"
    assert httpx.post(url, json={"action": "bump_revision"}).status_code == 404
    settings.SANDBOX_CONTROL_ENABLED = True
    answer = httpx.post(
        url,
        json={
            "actions": [
                {"action": "fail", "status": 503, "count": 1, "retry_after": 3},
                {"action": "bump_revision"},
            ]
        },
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["revision"] == 1
    with pytest.raises(RetryableError) as raised:
        read(connector, token, sandbox_tenant, DataType.COMPANY_INFO)
    assert raised.value.retry_after == 3
    bad = httpx.post(url, json={"action": "fail", "status": 404})
    assert bad.status_code == 400
    unknown = httpx.post(f"{sandbox_url}/control/nope/faults", json={"action": "clear"})
    assert unknown.status_code == 404


def test_is_configured_follows_settings(settings):
    connector = SandboxConnector()
    assert connector.is_configured()
    assert connector.data_types == DataType.ALL
    settings.SANDBOX_CLIENT_SECRET = ""
    assert not connector.is_configured()


def test_registered_as_sandbox():
    from ledgerlink.connectors import registry

    assert isinstance(registry.get("sandbox"), SandboxConnector)


def test_connections_listing(connector, token, sandbox_tenant, sandbox_url):
    answer = httpx.get(
        sandbox_url + "/api/connections",
        headers={"Authorization": f"Bearer {token.access_token}"},
    )
    assert answer.json() == [
        {"tenantId": sandbox_tenant.public_id, "tenantName": sandbox_tenant.name}
    ]
    assert httpx.get(sandbox_url + "/api/connections").status_code == 401


def test_demo_tenants_are_created_once(transactional_db):
    from ledgerlink.sandbox import services

    first = services.ensure_demo_tenants()
    second = services.ensure_demo_tenants()
    assert [t.pk for t in first] == [t.pk for t in second]
    assert first[0].name == "Harbour Logistics Ltd" and first[0].suppliers == 20
    big = services.create_preset_tenant("Bench Ltd", "benchmark", seed=9)
    assert (big.bills, big.payments, big.expenses, big.suppliers) == (
        1_000_000,
        1_000_000,
        300_000,
        50_000,
    )
    with pytest.raises(ValueError):
        services.create_preset_tenant("Nope", "gigantic")
