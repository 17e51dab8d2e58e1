"""The sandbox's deterministic data generator: consistent, realistic, and cheap to page."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from ledgerlink.sandbox.generator import (
    ACCOUNTS,
    BALANCE_SHEET,
    BILL_PAYMENTS,
    BILLS,
    COMPANY,
    DATA_TYPES,
    EXPENSES,
    PROFIT_AND_LOSS,
    SUPPLIERS,
    Dataset,
    Sizes,
)

CREATED = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
DEMO = Sizes(suppliers=20, bills=300, payments=260, expenses=150)


def dataset(sizes=DEMO, *, seed=1001, revisions=(), currency="GBP") -> Dataset:
    return Dataset(
        tenant_id="tenant-1",
        name="Harbour Logistics Ltd",
        seed=seed,
        sizes=sizes,
        base_currency=currency,
        created_at=CREATED,
        revision_times=list(revisions),
    )


def read_all(ds: Dataset, data_type: str, *, since=None, page_size=41) -> list[dict]:
    out, start = [], 0
    while True:
        page, nxt = ds.page(data_type, start, page_size, since)
        out += page
        if nxt is None:
            return out
        assert nxt > start
        start = nxt


def by_id(rows):
    return {r["id"]: r for r in rows}


@pytest.mark.parametrize(
    "sizes",
    [
        DEMO,
        Sizes(200, 3000, 2600, 500),
        Sizes(5, 40, 120, 10),  # more payments than bills: instalments
        Sizes(30, 900, 40, 0),  # few payments: most bills stay open
        Sizes(3, 10, 0, 2),
    ],
)
def test_bills_payments_and_suppliers_are_consistent(sizes):
    ds = dataset(sizes)
    suppliers = by_id(read_all(ds, SUPPLIERS))
    bills = by_id(read_all(ds, BILLS))
    payments = read_all(ds, BILL_PAYMENTS)
    expenses = read_all(ds, EXPENSES)
    assert (len(suppliers), len(bills), len(payments), len(expenses)) == (
        sizes.suppliers,
        sizes.bills,
        sizes.payments,
        sizes.expenses,
    )
    allocated: dict[str, Decimal] = defaultdict(Decimal)
    for payment in payments:
        assert payment["supplierId"] in suppliers
        parts = [Decimal(a["amount"]) for a in payment["allocations"]]
        assert parts and all(p > 0 for p in parts)
        assert sum(parts) == Decimal(payment["amount"])
        for allocation in payment["allocations"]:
            bill = bills[allocation["billId"]]
            assert bill["supplierId"] == payment["supplierId"]
            assert bill["currency"] == payment["currency"]
            assert payment["date"] >= bill["issueDate"]
            allocated[bill["id"]] += Decimal(allocation["amount"])
    for bill in bills.values():
        total, due = Decimal(bill["total"]), Decimal(bill["amountDue"])
        assert bill["supplierId"] in suppliers
        assert sum(Decimal(x["amount"]) + Decimal(x["taxAmount"]) for x in bill["lines"]) == total
        assert allocated[bill["id"]] == total - due  # never overpaid, nothing lost
        assert 0 <= due <= total
        assert bill["dueDate"] >= bill["issueDate"]
        expected = {
            "PAID": due == 0,
            "OPEN": due == total,
            "PARTIALLY_PAID": 0 < due < total,
            "VOIDED": allocated[bill["id"]] == 0,
            "DRAFT": allocated[bill["id"]] == 0,
        }
        assert expected[bill["status"]], bill
    for expense in expenses:
        assert expense["supplierId"] is None or expense["supplierId"] in suppliers
    stamps = [r["updatedAt"] for r in [*bills.values(), *payments, *expenses]]
    assert not stamps or max(stamps) < "2026-05-01T12:00:00.000Z"


def test_demo_company_looks_like_a_real_ledger():
    ds = dataset()
    bills = read_all(ds, BILLS)
    payments = read_all(ds, BILL_PAYMENTS)
    expenses = read_all(ds, EXPENSES)
    suppliers = read_all(ds, SUPPLIERS)
    accounts = by_id(read_all(ds, ACCOUNTS))

    statuses = Counter(b["status"] for b in bills)
    assert statuses["PAID"] > len(bills) * 0.6  # mostly paid
    assert statuses["OPEN"] and statuses["PARTIALLY_PAID"]
    assert {b["currency"] for b in bills} >= {"GBP", "EUR"}
    assert any(b["fxRate"] != "1.000000" for b in bills if b["currency"] != "GBP")
    assert {len(p["allocations"]) for p in payments} >= {1, 2}  # some payments settle several
    assert Counter(a["billId"] for p in payments for a in p["allocations"]).most_common(1)[0][1] > 1
    methods = Counter(p["paymentMethod"] for p in payments)
    assert methods[None] and methods["Bank Transfer"] and methods["Credit Card"]
    paid_from = {accounts[p["paidFromAccountId"]]["name"] for p in payments}
    assert "Barclays Current Account" in paid_from
    assert any(p["paymentMethod"] is None and "BACS" in p["reference"] for p in payments)
    assert {e["supplierId"] is None for e in expenses} == {True, False}
    cards = [a for a in accounts.values() if a["bankAccountType"] == "CREDITCARD"]
    assert {a["name"] for a in cards} >= {"Amex Business Card 1003"}
    assert "Petty Cash" in {a["name"] for a in accounts.values()}
    assert {a["class"] for a in accounts.values()} == {
        "ASSET",
        "LIABILITY",
        "EQUITY",
        "REVENUE",
        "EXPENSE",
    }
    assert 40 <= len(accounts) <= 50
    assert len({s["name"] for s in suppliers}) == len(suppliers)
    countries = Counter(s["address"]["country"] for s in suppliers)
    assert countries["GB"] > len(suppliers) / 2
    for supplier in suppliers:
        assert supplier["name"].split()[-1] in {
            "Ltd", "Limited", "LLP", "plc", "DAC", "Teoranta", "SARL", "SAS", "SA", "GmbH",
            "AG", "KG", "B.V.", "N.V.", "Inc.", "LLC", "Corp.",
        }  # fmt: skip
        assert supplier["contact"]["email"].count("@") == 1
    company = read_all(ds, COMPANY)
    assert company == [ds.page(COMPANY, 0, 10)[0][0]]
    assert company[0]["legalName"] == "Harbour Logistics Ltd"
    assert company[0]["baseCurrency"] == "GBP"


def test_generation_is_deterministic_and_seeded():
    one, two = dataset(), dataset()
    for data_type in DATA_TYPES:
        assert read_all(one, data_type) == read_all(two, data_type, page_size=1000)
    other = dataset(seed=2002)
    assert read_all(other, BILLS) != read_all(one, BILLS)


def test_pages_are_index_ranges():
    ds = dataset()
    page, nxt = ds.page(BILLS, 100, 25)
    assert nxt == 125
    assert [r["id"] for r in page] == [f"bill_{i:07d}" for i in range(100, 125)]
    last, end = ds.page(BILLS, 290, 25)
    assert end is None and len(last) == 10
    assert ds.page(BILLS, 400, 25) == ([], None)


def test_reports_balance_and_add_up():
    ds = dataset()
    pl = read_all(ds, PROFIT_AND_LOSS)
    bs = read_all(ds, BALANCE_SHEET)
    assert len(pl) == len(bs) == 24
    assert pl[-1]["id"] == "pl-2026-04" and pl[0]["id"] == "pl-2024-05"
    account_ids = set(by_id(read_all(ds, ACCOUNTS)))
    for report in bs:
        sums: dict[str, Decimal] = defaultdict(Decimal)
        for row in report["rows"]:
            sums[row["section"]] += Decimal(row["amount"])
            assert row["accountId"] in account_ids
        assert sums["Assets"] == sums["Liabilities"] + sums["Equity"]
        assert Decimal(report["totals"]["assets"]) == sums["Assets"]
        assert report["periodEnd"].startswith(report["id"][3:])
    retained = []
    for report, sheet in zip(pl, bs, strict=True):
        sums = defaultdict(Decimal)
        for row in report["rows"]:
            sums[row["section"]] += Decimal(row["amount"])
        net = sums["Income"] - sums["Cost of Sales"] - sums["Operating Expenses"]
        assert Decimal(report["totals"]["netProfit"]) == net
        earnings = next(r for r in sheet["rows"] if r["accountName"] == "Retained Earnings")
        retained.append(Decimal(earnings["amount"]))
        if len(retained) > 1:
            assert retained[-1] - retained[-2] == net  # profit flows into the balance sheet


def test_a_revision_changes_a_few_records_and_modified_since_returns_exactly_those():
    before = dataset()
    at = CREATED + timedelta(days=2)
    after = dataset(revisions=[at])
    since = at - timedelta(seconds=1)
    for data_type in (SUPPLIERS, BILLS, BILL_PAYMENTS, EXPENSES, ACCOUNTS, PROFIT_AND_LOSS):
        old, new = by_id(read_all(before, data_type)), by_id(read_all(after, data_type))
        changed = {k for k, v in new.items() if old.get(k) != v}
        removed = set(old) - set(new)
        assert not set(new) - set(old)
        got = read_all(after, data_type, since=since)
        assert {r["id"] for r in got} == changed | removed, data_type
        assert {r["id"] for r in got if r.get("deleted")} == removed
        for record in got:
            assert record["updatedAt"] == "2026-05-03T12:00:00.000Z"
        if data_type in (BILLS, EXPENSES):
            assert changed and removed, data_type
            assert len(changed | removed) < len(old) * 0.1
        if data_type == SUPPLIERS:
            assert changed and not removed  # suppliers are archived, never deleted
    # Bills that changed changed in amount due or status, consistently with payments.
    changed_bills = [r for r in read_all(after, BILLS, since=since) if not r.get("deleted")]
    assert changed_bills
    # A read from before the tenant existed returns everything, tombstones included.
    everything = read_all(after, BILLS, since=CREATED - timedelta(days=3650))
    assert len(everything) == DEMO.bills
    # Nothing after the last revision.
    assert read_all(after, BILLS, since=at) == []


def test_revisions_accumulate_and_deletions_stick():
    times = [CREATED + timedelta(hours=h) for h in (1, 2, 3)]
    two = dataset(revisions=times[:2])
    three = dataset(revisions=times)
    gone_after_two = set(by_id(read_all(dataset(), BILLS))) - set(by_id(read_all(two, BILLS)))
    assert gone_after_two <= set(by_id(read_all(dataset(), BILLS))) - set(
        by_id(read_all(three, BILLS))
    )
    since_second = read_all(three, BILLS, since=times[1])
    assert {r["updatedAt"] for r in since_second} == {"2026-05-01T15:00:00.000Z"}
    assert read_all(three, BILL_PAYMENTS, since=times[0]) != []


def test_sizes_are_validated():
    with pytest.raises(ValueError, match="supplier"):
        Sizes(0, 10, 5, 0).validate()
    with pytest.raises(ValueError, match="payments per bill"):
        Sizes(1, 10, 101, 0).validate()
    with pytest.raises(ValueError):
        dataset(currency="JPY")


def test_a_million_bill_tenant_pages_without_precomputing():
    ds = dataset(Sizes(50_000, 1_000_000, 1_000_000, 300_000))
    page, nxt = ds.page(BILLS, 999_990, 100)
    assert len(page) == 10 and nxt is None
    payments, _ = ds.page(BILL_PAYMENTS, 500_000, 200)
    bill_ids = {a["billId"] for p in payments for a in p["allocations"]}
    for bill_id in list(bill_ids)[:20]:
        index = int(bill_id.split("_")[1])
        bill = ds.record(BILLS, index)
        assert bill is not None and bill["id"] == bill_id
