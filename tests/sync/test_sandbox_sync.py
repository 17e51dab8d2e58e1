"""End to end over real HTTP: the client's OAuth dance at the sandbox, a background sync,
injected 429s and 5xx, revoked consent, and a worker killed mid-sync that loses nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from django.db import connection as db

from ledgerlink.connectors.models import Connection, ConnectionStatus
from ledgerlink.connectors.sandbox import SandboxConnector
from ledgerlink.ledger.models import (
    Account,
    Bill,
    BillPayment,
    Expense,
    FinancialStatementLine,
    PaymentAllocation,
    Supplier,
)
from ledgerlink.ledger.records import DataType
from ledgerlink.relationships import services as relationships
from ledgerlink.relationships.models import ProvisionStatus
from ledgerlink.sandbox import faults
from ledgerlink.sandbox.services import create_tenant
from ledgerlink.sync import engine
from ledgerlink.sync.models import SyncRun, SyncStatus

from ..conftest import make_tenant
from ..journey.oauth import at_sandbox, submit, to_platform
from ..sandbox.conftest import authorise

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def sandbox(live_server, settings):
    settings.LEDGERLINK_BASE_URL = live_server.url
    settings.LEDGERLINK_SANDBOX_URL = live_server.url + "/sandbox"
    settings.SANDBOX_REDIRECT_URIS = [
        live_server.url + "/connect/callback/",
        live_server.url + "/journey/callback/sandbox",
    ]
    settings.LEDGERLINK_SYNC_MAX_RETRIES = 4
    from ledgerlink.sandbox.ratelimit import BUCKETS

    BUCKETS.reset()
    return live_server.url


@pytest.fixture
def tenants(transactional_db):
    return make_tenant("Alpha Bank", "alpha"), make_tenant("Beta Bank", "beta")


def connect(tenant, sandbox_url, sandbox_tenant) -> Connection:
    """A connection whose token came from a real authorisation at the sandbox."""
    connector = SandboxConnector()
    token = authorise(connector, sandbox_url + "/sandbox", sandbox_tenant)
    return Connection.objects.create(
        organisation=tenant.org,
        company=tenant.company,
        platform="sandbox",
        tenant_id=sandbox_tenant.public_id,
        tenant_name=sandbox_tenant.name,
        access_token=token.access_token,
        refresh_token=token.refresh_token,
        token_expires_at=token.expires_at,
    )


def snapshot(company) -> dict[str, list]:
    """The ledger of a company without its own ids, for comparing two syncs."""
    live = {"company": company, "is_deleted": False}
    return {
        "suppliers": sorted(Supplier.objects.filter(**live).values_list("source_id", "name")),
        "bills": sorted(
            Bill.objects.filter(**live).values_list(
                "source_id",
                "supplier__source_id",
                "total_amount",
                "amount_due",
                "status",
                "currency",
                "exchange_rate",
            )
        ),
        "payments": sorted(
            BillPayment.objects.filter(**live).values_list(
                "source_id", "amount", "method_raw", "payment_account_name"
            )
        ),
        "allocations": sorted(
            PaymentAllocation.objects.filter(payment__company=company).values_list(
                "payment__source_id", "bill__source_id", "amount"
            )
        ),
        "expenses": sorted(Expense.objects.filter(**live).values_list("source_id", "amount")),
        "accounts": sorted(Account.objects.filter(**live).values_list("source_id", "name")),
        "statements": sorted(
            FinancialStatementLine.objects.filter(**live).values_list("source_id", "amount")
        ),
    }


def assert_same_ledger(a, b) -> None:
    left, right = snapshot(a), snapshot(b)
    for key in left:
        only_left = sorted(set(left[key]) - set(right[key]))[:5]
        only_right = sorted(set(right[key]) - set(left[key]))[:5]
        assert not only_left and not only_right, (key, only_left, only_right)
        assert len(left[key]) == len(right[key]), key


def journey_dance(browser: httpx.Client, token: str, tenant_id: str, decision: str) -> str:
    """Through the journey's steps and the sandbox's sign-in and consent; returns the
    callback URL."""
    return at_sandbox(browser, to_platform(browser, f"/r/{token}/"), tenant_id, decision)


def test_client_connects_through_the_journey_and_the_data_arrives(sandbox, tenants):
    alpha, _ = tenants
    sandbox_tenant = create_tenant("Harbour Logistics Ltd", 7, 12, 60, 50, 20)
    issued = relationships.create_data_request(
        organisation=alpha.org,
        company=alpha.company,
        actor=alpha.analyst,
        wants_financials=True,
        wants_spend=True,
        delivery="link",
    )
    with httpx.Client(base_url=sandbox, follow_redirects=False, timeout=60) as browser:
        callback = journey_dance(browser, issued.token, sandbox_tenant.public_id, "allow")
        assert callback.startswith(sandbox + "/connect/callback/?")
        done = browser.get(callback)
        assert done.status_code == 302 and done.headers["Location"].endswith("/connected/")
        again = browser.get(callback)  # a repeated callback is harmless
        assert again.status_code == 302 and again.headers["Location"] == done.headers["Location"]
        page = browser.get(done.headers["Location"])
        assert "Harbour Logistics Ltd" in page.text
        # "Yes, this is the right organisation": the immediate task backend syncs right here.
        submit(browser, done.headers["Location"], {"right": "yes"})
    connection = Connection.objects.get(company=alpha.company)
    assert connection.tenant_name == "Harbour Logistics Ltd"
    assert connection.status == ConnectionStatus.DATA_AVAILABLE
    run = SyncRun.objects.get(connection=connection)
    assert run.status == SyncStatus.SUCCEEDED, run.message
    assert Bill.objects.filter(company=alpha.company).count() == 60
    assert Supplier.objects.filter(company=alpha.company).count() == 12
    assert FinancialStatementLine.objects.filter(company=alpha.company).exists()
    alpha.company.refresh_from_db()
    assert alpha.company.provision_status == ProvisionStatus.DATA_AVAILABLE
    # Payment methods can be inferred: the paid-from account's name is on each payment.
    assert (
        BillPayment.objects.filter(company=alpha.company).exclude(payment_account_name="").exists()
    )


def test_denied_consent_returns_to_a_page_with_a_way_forward(sandbox, tenants):
    alpha, _ = tenants
    sandbox_tenant = create_tenant("Denied Ltd", 3, 2, 2, 2, 2)
    issued = relationships.create_data_request(
        organisation=alpha.org,
        company=alpha.company,
        actor=alpha.analyst,
        wants_financials=True,
        wants_spend=False,
        delivery="link",
    )
    with httpx.Client(base_url=sandbox, follow_redirects=False, timeout=30) as browser:
        back = browser.get(journey_dance(browser, issued.token, sandbox_tenant.public_id, "deny"))
        assert back.status_code == 302 and back.headers["Location"].endswith("/not-connected/")
        failed = browser.get(back.headers["Location"])
    assert "You did not connect" in failed.text and "Try Sandbox Books (demo) again" in failed.text
    assert not Connection.objects.exists()


def test_a_sync_survives_429s_5xx_and_an_expired_token(sandbox, tenants):
    alpha, _ = tenants
    sandbox_tenant = create_tenant("Stormy Ltd", 11, 30, 400, 300, 100)
    connection = connect(alpha, sandbox, sandbox_tenant)
    faults.fail_next(sandbox_tenant, 429, count=2, retry_after=1)
    faults.fail_next(sandbox_tenant, 503, count=1)
    faults.fail_next(sandbox_tenant, 502, count=1)
    faults.expire_access_tokens(sandbox_tenant)
    run = engine.start_sync(connection, enqueue=False)
    slept: list[float] = []
    result = engine.run(run.pk, sleep=slept.append)
    assert result.status == SyncStatus.SUCCEEDED, result.message
    assert len(slept) >= 4 and max(slept) >= 1  # backed off, honouring Retry-After
    assert Bill.objects.filter(company=alpha.company).count() == 400
    connection.refresh_from_db()
    assert connection.last_refreshed_at is not None  # the expired token was refreshed


def test_revoked_consent_needs_reauthorisation(sandbox, tenants):
    alpha, _ = tenants
    sandbox_tenant = create_tenant("Revoked Ltd", 5, 5, 10, 10, 5)
    connection = connect(alpha, sandbox, sandbox_tenant)
    faults.revoke_consent(sandbox_tenant)
    result = engine.run(engine.start_sync(connection, enqueue=False).pk, sleep=lambda _: None)
    connection.refresh_from_db()
    assert result.status == SyncStatus.FAILED
    assert connection.status == ConnectionStatus.NEEDS_REAUTHORISATION


def test_disconnecting_mid_sync_cancels_the_run(sandbox, tenants, settings):
    """The platform then refuses the revoked token: the run ends cancelled, not as a
    re-authorisation, and the connection stays disconnected."""
    from ledgerlink.connectors.services import disconnect

    settings.LEDGERLINK_SANDBOX_PAGE_SIZE = 50
    alpha, _ = tenants
    sandbox_tenant = create_tenant("Leaving Ltd", 3, 10, 400, 300, 20)
    connection = connect(alpha, sandbox, sandbox_tenant)

    def disconnect_during_bills(sync_run):
        if sync_run.progress[DataType.BILLS]["records"] == 50:
            disconnect(Connection.objects.get(pk=connection.pk))

    run = engine.start_sync(connection, enqueue=False)
    result = engine.run(run.pk, sleep=lambda _: None, on_page=disconnect_during_bills)
    assert result is not None
    result.refresh_from_db()
    connection.refresh_from_db()
    assert result.status == SyncStatus.CANCELLED, result.message
    assert connection.status == ConnectionStatus.DISCONNECTED
    assert connection.access_token_encrypted == ""
    assert 50 <= Bill.objects.filter(company=alpha.company).count() < 400
    assert not BillPayment.objects.filter(company=alpha.company).exists()


def test_incremental_sync_after_edits_and_deletions_matches_a_full_sync(sandbox, tenants):
    alpha, beta = tenants
    sandbox_tenant = create_tenant("Changing Ltd", 13, 40, 600, 500, 100)
    first = connect(alpha, sandbox, sandbox_tenant)
    engine.run(engine.start_sync(first, enqueue=False).pk)
    faults.bump_revision(sandbox_tenant)
    incremental = engine.run(engine.start_sync(first, enqueue=False).pk)
    assert incremental.progress[DataType.BILLS]["records"] < 600  # only the changes
    assert incremental.progress[DataType.BILLS]["deleted"] > 0
    fresh = connect(beta, sandbox, sandbox_tenant)
    engine.run(engine.start_sync(fresh, enqueue=False).pk)
    assert_same_ledger(alpha.company, beta.company)


def subprocess_env(sandbox_url: str) -> dict[str, str]:
    settings_db = db.settings_dict
    if db.vendor == "postgresql":
        url = (
            f"postgres://{settings_db['USER'] or 'postgres'}@{settings_db['HOST']}:"
            f"{settings_db['PORT'] or 5432}/{settings_db['NAME']}"
        )
    else:
        url = f"sqlite:///{settings_db['NAME']}"
    return {
        **{k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE",)},
        "DATABASE_URL": url,
        "LEDGERLINK_SANDBOX_URL": sandbox_url + "/sandbox",
        "LEDGERLINK_TASKS_BACKEND": "db",
        # Several pages, so the worker can be killed between two of them.
        "LEDGERLINK_SANDBOX_PAGE_SIZE": "2000",
        "LEDGERLINK_SYNC_LEASE_SECONDS": "3",
        "LEDGERLINK_SWEEP_INTERVAL_SECONDS": "1",
        "SECRET_KEY": os.environ["SECRET_KEY"],
    }


def test_a_killed_worker_loses_and_duplicates_nothing(sandbox, tenants):
    alpha, beta = tenants
    sandbox_tenant = create_tenant("Big Books Ltd", 21, 300, 12_000, 10_000, 3_000)
    interrupted = connect(alpha, sandbox, sandbox_tenant)
    env = subprocess_env(sandbox)
    worker = [sys.executable, "-m", "ledgerlink.cli", "worker", "--interval", "0.2"]
    run = engine.start_sync(interrupted, enqueue=False)
    from ledgerlink.sandbox.models import SandboxFault
    from ledgerlink.sync.tasks import run_sync

    # Every response waits a little while the first worker runs: it is killed between
    # bill pages, not after a fast sync already stored them all.
    faults.delay_next(sandbox_tenant, 0.4, count=100)

    first = subprocess.Popen(
        worker, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        _enqueue_on_db_backend(run_sync, run.pk)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            run.refresh_from_db()
            if run.progress[DataType.BILLS]["records"] >= 5000:
                break
            time.sleep(0.05)
        assert run.status == SyncStatus.RUNNING, run.message
        first.send_signal(signal.SIGKILL)  # no chance to clean up
        first.wait(10)
    finally:
        if first.poll() is None:
            first.kill()
    killed_at = dict(run.progress[DataType.BILLS])
    assert 0 < killed_at["records"] < 12_000
    SandboxFault.objects.filter(tenant=sandbox_tenant).delete()
    second = subprocess.Popen(
        worker, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            run.refresh_from_db()
            if run.status in (SyncStatus.SUCCEEDED, SyncStatus.FAILED):
                break
            time.sleep(0.2)
    finally:
        second.send_signal(signal.SIGTERM)
        try:
            second.wait(15)
        except subprocess.TimeoutExpired:
            second.kill()
    assert run.status == SyncStatus.SUCCEEDED, run.message
    assert run.attempts == 2  # the sweeper handed the run to the second worker
    assert run.progress[DataType.BILLS]["records"] >= 12_000
    # The same data synced without interruption into another organisation is identical.
    uninterrupted = connect(beta, sandbox, sandbox_tenant)
    engine.run(engine.start_sync(uninterrupted, enqueue=False).pk)
    assert_same_ledger(alpha.company, beta.company)
    assert Bill.objects.filter(company=alpha.company).count() == 12_000


def _enqueue_on_db_backend(task, run_id: int) -> None:
    """Tests default to the immediate backend; this run must go through the real queue."""
    from django_tasks_db import DatabaseBackend

    backend = DatabaseBackend("default", {"QUEUES": ["default"]})
    backend._task_to_db_task(task, (run_id,), {})
