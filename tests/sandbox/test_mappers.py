"""Mapping sandbox records onto ledger records; bad records become problems, never crashes."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime
from decimal import Decimal

import orjson
import pytest

from ledgerlink.connectors.base import MapResult
from ledgerlink.connectors.sandbox import SandboxConnector, mappers, shapes
from ledgerlink.connectors.sandbox.streams import flatten_statement, page_items
from ledgerlink.ledger import services as ledger
from ledgerlink.ledger.models import BillStatus
from ledgerlink.ledger.records import (
    AccountRecord,
    BillPaymentRecord,
    BillRecord,
    CompanyInfoRecord,
    DataType,
    Deleted,
    ExpenseRecord,
    StatementLineRecord,
    SupplierRecord,
)
from ledgerlink.sandbox.generator import (
    ACCOUNTS,
    BILL_PAYMENTS,
    BILLS,
    COMPANY,
    EXPENSES,
    SUPPLIERS,
    Dataset,
    Sizes,
)

MAP = SandboxConnector().map

BILL = {
    "id": "bill_0000001",
    "supplierId": "sup_000003",
    "number": "INV-00042",
    "issueDate": "2025-03-04",
    "dueDate": "2025-04-03",
    "currency": "EUR",
    "fxRate": "0.853412",
    "total": "1200.00",
    "amountDue": "200.00",
    "status": "PARTIALLY_PAID",
    "lines": [
        {
            "description": "Freight",
            "accountId": "acc_325",
            "amount": "1000.00",
            "taxAmount": "200.00",
        }
    ],
    "updatedAt": "2025-03-05T10:11:12.345Z",
}


def generated(data_type: str, n: int = 30) -> list[dict]:
    ds = Dataset(
        tenant_id="t",
        name="Mapper Test Ltd",
        seed=5,
        sizes=Sizes(10, 60, 50, 40),
        base_currency="GBP",
        created_at=datetime(2026, 1, 15, tzinfo=UTC),
    )
    return ds.page(data_type, 0, n)[0]


def test_bill_maps_to_decimals_dates_and_ledger_status():
    result = MAP(DataType.BILLS, BILL)
    bill = result.record
    assert not result.problem
    assert isinstance(bill, BillRecord)
    assert bill.total_amount == Decimal("1200.00") and isinstance(bill.total_amount, Decimal)
    assert bill.amount_due == Decimal("200.00")
    assert bill.exchange_rate == Decimal("0.853412")
    assert bill.issue_date == date(2025, 3, 4) and bill.due_date == date(2025, 4, 3)
    assert bill.status == "partially_paid" and bill.status in BillStatus.values
    assert bill.reference == "INV-00042"
    assert bill.lines[0].tax_amount == Decimal("200.00")
    assert bill.lines[0].account_source_id == "acc_325"
    assert bill.modified_at == datetime(2025, 3, 5, 10, 11, 12, 345000, tzinfo=UTC)


@pytest.mark.parametrize(
    ("status", "expected"),
    [("OPEN", "open"), ("PAID", "paid"), ("VOIDED", "void"), ("DRAFT", "draft"), ("paid", "paid")],
)
def test_bill_statuses(status, expected):
    bill = MAP(DataType.BILLS, {**BILL, "status": status}).record
    assert isinstance(bill, BillRecord)
    assert bill.status == expected


def test_unknown_status_is_judged_by_the_amounts():
    paid = MAP(DataType.BILLS, {**BILL, "status": "SETTLED", "amountDue": "0.00"}).record
    assert isinstance(paid, BillRecord) and paid.status == "paid"


def test_every_generated_record_maps_without_problems():
    for platform_type, data_type, kind in (
        (COMPANY, DataType.COMPANY_INFO, CompanyInfoRecord),
        (ACCOUNTS, DataType.ACCOUNTS, AccountRecord),
        (SUPPLIERS, DataType.SUPPLIERS, SupplierRecord),
        (BILLS, DataType.BILLS, BillRecord),
        (BILL_PAYMENTS, DataType.BILL_PAYMENTS, BillPaymentRecord),
        (EXPENSES, DataType.EXPENSES, ExpenseRecord),
    ):
        for raw in generated(platform_type, 60):
            result = MAP(data_type, raw)
            assert result.problem == "", (data_type, result.problem)
            assert isinstance(result.record, kind)


def test_accounts_mark_payment_accounts_and_their_kind():
    accounts = {
        r.source_id: r
        for r in (MAP(DataType.ACCOUNTS, raw).record for raw in generated(ACCOUNTS, 60))
        if isinstance(r, AccountRecord)
    }
    assert accounts["acc_095"].payment_account_type == "credit_card"  # Amex, CREDITCARD
    assert accounts["acc_095"].is_payment_account
    assert accounts["acc_090"].payment_account_type == "bank"
    assert accounts["acc_094"].payment_account_type == "cash"  # "Petty Cash", a BANK account
    assert accounts["acc_097"].payment_account_type == "paypal"
    assert not accounts["acc_469"].is_payment_account
    assert accounts["acc_469"].classification == "expense"
    assert accounts["acc_200"].classification == "income"
    assert accounts["acc_499"].is_active is False


def test_payments_keep_the_raw_method_and_the_paid_from_account():
    raws = generated(BILL_PAYMENTS, 50)
    mapped = [MAP(DataType.BILL_PAYMENTS, raw).record for raw in raws]
    for raw, payment in zip(raws, mapped, strict=True):
        assert isinstance(payment, BillPaymentRecord)
        assert payment.method_raw == (raw["paymentMethod"] or "")
        assert payment.payment_account_source_id == raw["paidFromAccountId"]
        assert payment.payment_account_name == ""
        assert [a.bill_source_id for a in payment.allocations] == [
            a["billId"] for a in raw["allocations"]
        ]
    assert {p.method_raw for p in mapped if isinstance(p, BillPaymentRecord)} >= {""}


def test_expense_without_supplier_keeps_the_payee():
    raw = next(r for r in generated(EXPENSES, 40) if r["supplierId"] is None)
    expense = MAP(DataType.EXPENSES, raw).record
    assert isinstance(expense, ExpenseRecord)
    assert expense.supplier_source_id == "" and expense.supplier_name == raw["payee"]


def test_tombstones_become_deleted():
    result = MAP(
        DataType.BILLS, {"id": "bill_9", "deleted": True, "updatedAt": "2026-01-02T03:04:05.000Z"}
    )
    assert result.record == Deleted("bill_9", datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC))


def test_statement_reports_flatten_to_lines():
    report = {
        "id": "bs-2025-03",
        "periodStart": "2025-03-01",
        "periodEnd": "2025-03-31",
        "currency": "GBP",
        "rows": [
            {"section": "Assets", "accountId": "acc_090", "accountName": "Bank", "amount": "10.00"},
            {"section": "Equity", "accountId": None, "accountName": "Earnings", "amount": "10"},
        ],
        "updatedAt": "2025-04-04T06:00:00.000Z",
    }
    lines = [MAP(DataType.STATEMENTS, row) for row in flatten_statement(report, "bs")]
    assert [line.problem for line in lines] == ["", ""]
    first, second = (line.record for line in lines)
    assert isinstance(first, StatementLineRecord) and isinstance(second, StatementLineRecord)
    assert first.source_id == "bs-2025-03:acc_090" and second.source_id == "bs-2025-03:row-1"
    assert first.statement == "bs" and first.period_end == date(2025, 3, 31)
    assert second.amount == Decimal(10) and second.account_source_id == ""
    broken = flatten_statement({"id": "pl-x", "rows": "nope"}, "pl")
    assert MAP(DataType.STATEMENTS, broken[0]).problem


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"id": None}, "id is missing"),
        ({"total": "12,00"}, "total is not a number"),
        ({"total": "NaN"}, "out of range"),
        ({"total": "1e30"}, "out of range"),
        ({"total": True}, "not a number"),
        ({"amountDue": None}, "amountDue is missing"),
        ({"issueDate": "04/03/2025"}, "issueDate is not a date"),
        ({"currency": "euro"}, "currency"),
        ({"fxRate": "-1"}, "fxRate"),
        ({"lines": "many"}, "lines is not a list"),
        ({"lines": [{"amount": "x"}]}, "lines[0].amount"),
        ({"supplierId": {"id": 1}}, "supplierId"),
        ({"id": "x" * 300}, "longer than 200"),
    ],
)
def test_bad_fields_give_a_problem_not_an_exception(change, fragment):
    result = MAP(DataType.BILLS, {**BILL, **change})
    assert result.record is None
    assert fragment in result.problem
    assert result.problem.startswith("Bills")


def test_floats_become_exact_decimals_and_long_text_is_cut():
    bill = MAP(DataType.BILLS, {**BILL, "total": 1200.1, "number": "N" * 1000}).record
    assert isinstance(bill, BillRecord)
    assert bill.total_amount == Decimal("1200.1")
    assert len(bill.reference) == 200


def test_not_an_object_and_unknown_types():
    assert MAP(DataType.BILLS, ["a", "list"]).problem  # type: ignore[arg-type]
    assert MAP(DataType.BILLS, {"_not_an_object": "3"}).problem
    assert MAP("invoices", BILL).problem


def test_random_junk_never_raises():
    rng = random.Random(20260501)
    atoms = [None, True, 0, -1, 1.5, "", "x", "2025-13-40", "NaN", "1e400", [], {}, [1], {"a": 1}]
    keys = [
        "id", "supplierId", "total", "amountDue", "issueDate", "dueDate", "currency", "lines",
        "allocations", "amount", "date", "name", "contact", "address", "rows", "status",
        "statement", "periodStart", "periodEnd", "accountName", "addresses", "legalName",
        "baseCurrency", "active", "defaultTermsDays", "deleted", "updatedAt", "fxRate",
    ]  # fmt: skip
    for _ in range(3000):
        raw = {k: rng.choice(atoms) for k in rng.sample(keys, rng.randint(0, len(keys)))}
        for data_type in DataType.ALL:
            result = MAP(data_type, raw)
            assert isinstance(result, MapResult)
            assert (result.record is None) != (result.problem == "")


def _page(records: list) -> bytes:
    return orjson.dumps({"data": records, "next_cursor": None})


@pytest.mark.parametrize(
    ("platform_type", "data_type"),
    [
        (BILLS, DataType.BILLS),
        (BILL_PAYMENTS, DataType.BILL_PAYMENTS),
        (EXPENSES, DataType.EXPENSES),
    ],
)
def test_usual_pages_arrive_as_structs_and_map_as_records_do(
    platform_type, data_type, tenant, other_tenant
):
    raws = generated(platform_type, 40)
    raws[3] = {**raws[3], "amount": "12,50", "total": "12,50"}  # another spelling: a problem
    raws[5] = {"id": raws[5]["id"], "deleted": True, "updatedAt": raws[5]["updatedAt"]}
    items, cursor = page_items(_page(raws), platform_type)
    assert cursor is None
    assert all(isinstance(item, shapes.RECORD_TYPES) for item in items)
    fields, rows, problems = mappers.map_rows(data_type, items)
    # What the fast path makes of structs is what the careful path makes of the dicts.
    slow = [MAP(data_type, raw) for raw in raws]
    assert problems == [(raws[3]["id"], slow[3].problem)] and slow[3].problem
    assert rows[4] == Deleted(raws[5]["id"], slow[5].record.modified_at)
    # Stored, both give the same ledger (rows hold the database's text forms).
    ledger.store(tenant.company, "sandbox", ledger.prepare(data_type, rows, fields))
    slow_records = [r.record for r in slow if r.record is not None]
    ledger.store(other_tenant.company, "sandbox", ledger.prepare(data_type, slow_records))
    model = ledger.MODEL_FOR[data_type]
    skip = {"id", "company", "synced_at", "supplier"}
    names = [f.attname for f in model._meta.concrete_fields if f.name not in skip]

    def stored(company):
        return list(model.objects.filter(company=company).order_by("source_id").values(*names))

    assert stored(tenant.company) == stored(other_tenant.company)
    assert len(stored(tenant.company)) == 38  # one is a problem, one a tombstone


def test_a_page_that_does_not_fit_the_structs_is_read_as_dicts_and_says_what_is_wrong():
    raws = [*generated(BILLS, 3), 5, {**generated(BILLS, 1)[0], "lines": [7]}]
    items, _ = page_items(_page(raws), BILLS)
    assert [type(item) for item in items] == [dict, dict, dict, int, dict]
    _fields, rows, problems = mappers.map_rows(DataType.BILLS, items)
    assert len(rows) == 3
    assert [p for _id, p in problems] == [
        "Bills: the record is not a JSON object",
        f"Bills {raws[4]['id']}: lines[0] is not an object",
    ]
