"""The sandbox's pages, byte for byte: content hashes pinned from the generator as it was.

The generator is tuned for speed; these hashes make sure no optimisation changes a single
byte of what the API returns (a client that synced yesterday must see the same records
today). If one fails after a deliberate change of the data, re-pin it knowingly.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from ledgerlink.sandbox.generator import (
    BILL_PAYMENTS,
    BILLS,
    DATA_TYPES,
    EXPENSES,
    SUPPLIERS,
    Dataset,
    Sizes,
)

CREATED = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
REVISIONS = [CREATED + timedelta(hours=h, milliseconds=h * 7) for h in (1, 26, 50)]
BEFORE = CREATED - timedelta(days=40)  # base records qualify: the scanning path
BETWEEN = CREATED + timedelta(hours=2)  # after creation: only what revisions 2 and 3 touched


def dataset(sizes: Sizes, *, seed: int, revisions: int, currency: str = "GBP") -> Dataset:
    return Dataset(
        tenant_id="pinned-tenant",
        name="Pinned Books Ltd",
        seed=seed,
        sizes=sizes,
        base_currency=currency,
        created_at=CREATED,
        revision_times=REVISIONS[:revisions],
    )


def digest_all(ds: Dataset, page_size: int) -> str:
    """Every page of every data type, full and incremental (what a sync reads)."""
    sha = hashlib.sha256()
    for since in (None, BEFORE, BETWEEN):
        for data_type in DATA_TYPES:
            start: int | None = 0
            while start is not None:
                text, nxt = ds.page_json(data_type, start, page_size, since)
                sha.update(f"{data_type}|{start}|{since}|{nxt}|{text}\n".encode())
                start = nxt
    return sha.hexdigest()


SMALL = {
    # name: (sizes, seed, revisions, currency, page size)
    "demo": (Sizes(20, 300, 260, 150), 1001, 0, "GBP", 41),
    "demo-revised": (Sizes(20, 300, 260, 150), 1001, 3, "GBP", 41),
    "small-eur": (Sizes(200, 3000, 2600, 500), 7, 3, "EUR", 500),
    "instalments-usd": (Sizes(12, 160, 1400, 70), 42, 2, "USD", 97),
    "no-payments": (Sizes(5, 40, 0, 10), 3, 1, "GBP", 13),
    "one-supplier": (Sizes(1, 9, 17, 3), 5, 3, "GBP", 4),
    "no-suppliers": (Sizes(0, 0, 0, 25), 8, 2, "EUR", 10),
}
SMALL_HASHES = {
    "demo": "17147e0207a8b82a0b026f83de3b8bfeed72c1af5ff283bdb54b4bedb4dd2a16",
    "demo-revised": "808f1fdc57ab63a3bcb099635a7958b5af8f4175345698a5020abff45697d569",
    "small-eur": "3f5660d4c2f9f438b22aa0e4a90c9cafe657b4ee0ac4f15ce44820a65f69048a",
    "instalments-usd": "cd8e8266fb7ae24a9c5ab95a79115183789a5a3acbc0dd2e26ae3239750102eb",
    "no-payments": "5cb467551c120af328e4c885f80dcc1efe25c10e276773229e1d097b62c28bd6",
    "one-supplier": "99dc65c56725a28a9ca055a886fc6be576ce2a7e848408b2757d1830fcb66dc6",
    "no-suppliers": "b47f36192a132069e9aa575351c06f41cb004514dc510b77b95facd1a3886042",
}


@pytest.mark.parametrize("name", list(SMALL))
def test_every_page_of_small_tenants_is_unchanged(name):
    sizes, seed, revisions, currency, page_size = SMALL[name]
    ds = dataset(sizes, seed=seed, revisions=revisions, currency=currency)
    assert digest_all(ds, page_size) == SMALL_HASHES[name]


BIG = Sizes(50_000, 1_000_000, 1_000_000, 300_000)
BIG_PAGES = {
    # (data type, start, page size, since): what a sync of the benchmark tenant reads
    (SUPPLIERS, 0, 10_000, None),
    (SUPPLIERS, 40_000, 10_000, None),
    (BILLS, 0, 10_000, None),
    (BILLS, 487_654, 10_000, None),
    (BILLS, 990_000, 10_000, None),
    (BILL_PAYMENTS, 0, 10_000, None),
    (BILL_PAYMENTS, 487_654, 10_000, None),
    (BILL_PAYMENTS, 995_000, 10_000, None),
    (EXPENSES, 150_000, 10_000, None),
    (BILLS, 300_000, 2_000, BEFORE),
    (BILL_PAYMENTS, 300_000, 2_000, BEFORE),
    (BILLS, 0, 10_000, BETWEEN),
    (BILL_PAYMENTS, 0, 10_000, BETWEEN),
    (EXPENSES, 0, 10_000, BETWEEN),
    (SUPPLIERS, 0, 10_000, BETWEEN),
}
BIG_HASH = "baafc0ceffc217be50dad5509f192f310ff6dd33b3cb51981ca6eaa83940d2db"


def test_pages_of_the_benchmark_tenant_are_unchanged():
    ds = dataset(BIG, seed=20260501, revisions=3)
    sha = hashlib.sha256()
    for data_type, start, size, since in sorted(BIG_PAGES, key=str):
        text, nxt = ds.page_json(data_type, start, size, since)
        sha.update(f"{data_type}|{start}|{since}|{nxt}|{text}\n".encode())
    assert sha.hexdigest() == BIG_HASH


def test_single_records_and_tombstones_are_unchanged():
    ds = dataset(Sizes(20, 300, 260, 150), seed=1001, revisions=3)
    sha = hashlib.sha256()
    for data_type in DATA_TYPES:
        for i in range(ds.count(data_type) + 1):
            sha.update(f"{data_type}|{i}|{ds.record(data_type, i)}\n".encode())
    assert sha.hexdigest() == "d78345f9b7f7487e37192b276b5d820579798ede4857afe0051e8bbdced2a20e"


def test_api_response_bodies_are_unchanged(sandbox_url, token, sandbox_tenant):
    """Whole HTTP bodies (data, cursors, the wrapping) of a tenant pinned in time."""
    from ledgerlink.sandbox.models import SandboxTenant

    SandboxTenant.objects.filter(pk=sandbox_tenant.pk).update(
        public_id="7d0b3f5e-0000-4000-8000-000000000001",
        created_at=CREATED,
        revision=2,
        revision_times=[t.isoformat() for t in REVISIONS[:2]],
    )
    sha = hashlib.sha256()
    with httpx.Client(base_url=sandbox_url, timeout=30) as client:
        headers = {
            "Authorization": f"Bearer {token.access_token}",
            "Sandbox-Tenant-Id": "7d0b3f5e-0000-4000-8000-000000000001",
        }
        for since in ("", "2026-03-01T00:00:00Z", "2026-05-01T12:30:00.000Z"):
            for data_type in DATA_TYPES:
                params = {"page_size": "37"}
                if since:
                    params["modified_since"] = since
                cursor = ""
                while True:
                    query = {**params, "cursor": cursor} if cursor else params
                    response = client.get(f"/api/v1/{data_type}", params=query, headers=headers)
                    assert response.status_code == 200, response.text
                    assert response.headers["Content-Type"] == "application/json"
                    sha.update(response.content + b"\n")
                    cursor = response.json()["next_cursor"]
                    if cursor is None:
                        break
    assert sha.hexdigest() == "241871b2a22ab0332cc60ba94e213dea3aa30ac9365a958890fcbd2c9f23de59"


@pytest.mark.parametrize(
    "name", ["demo-revised", "small-eur", "instalments-usd", "one-supplier", "no-suppliers"]
)
def test_whole_page_tables_write_what_the_record_emitters_write(name):
    """Full reads of bills and payments are made as tables of text pieces; the emitters
    (used for modified-since reads and single records) must agree with them exactly."""
    sizes, seed, revisions, currency, _page = SMALL[name]
    ds = dataset(sizes, seed=seed, revisions=revisions, currency=currency)
    for data_type in (BILLS, BILL_PAYMENTS, EXPENSES):
        total = ds.count(data_type)
        for start, size in ((0, total), (1, 7), (total // 3, total // 2), (total - 5, 50)):
            start = max(0, min(start, total - 1))
            end = min(total, start + size)
            if data_type == EXPENSES:
                fast = ds._expense_rows(start, end)
            else:
                fast = ds._fast_page(data_type, start, end)
            assert fast is not None
            records: list[str] = []
            ds._emitters[data_type](start, min(total, start + size), records, None, size)
            assert ",".join(fast) == ",".join(records)


def test_money_pieces_spell_amounts_as_money_does():
    import numpy as np

    from ledgerlink.sandbox.generator import _join_rows, _money_pieces, money

    values = [0, 1, 99, 100, 101, 99_999, 100_000, 123_456, 99_999_999, 100_000_000]
    values += [100_000_001, 123_456_789_01, 99_999_999_999, 5_000_000_000]
    for chosen in (values, values[:8]):  # with and without amounts of a million or more
        pence = np.array(chosen, dtype=np.int64)
        pieces = _money_pieces(pence)
        assert pieces is not None
        text = _join_rows([",", *pieces], len(chosen), chunks=True)
        assert ",".join(text) == ",".join(money(v) for v in chosen)
    assert _money_pieces(np.array([-1], dtype=np.int64)) is None
    assert _money_pieces(np.array([100 * 10**9], dtype=np.int64)) is None
