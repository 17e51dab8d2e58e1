"""Real AP data → supplier template → import → Spend Analysis, reconciled to the source files.

    uv run python bench/ap_eval.py              # every row of every dataset
    uv run python bench/ap_eval.py --sample 500 # the first 500 rows of each file

The datasets (`../shared/data/eval/ap_transactions/`, OGL v3 / ODbL; "Contains public sector
information licensed under the Open Government Licence v3.0"):

- Oxford City Council, spend over £500 (paid invoices): a bill per row, paid in full on the
  paid date by a payment allocated to it; no payment method is published, so the payment
  carries the expenditure category as its note (inference finds what it can, e.g.
  "Creditors - BACS"), the rest is Unknown.
- Calderdale Council, accounts-payable invoices: a bill and its payment per row, the payment
  made from the council's creditor BACS run (the account name is "BACS creditor payments",
  as UK councils pay AP invoices by BACS); and the separate purchase-card files: an expense
  per row, paid from "Purchasing card".
- Birmingham City Council purchase cards: an expense per row, paid from the card
  ("Purchasing card ************5770").
- City of Scottsdale vendor payments: a bill and its payment per row, USD; no method (the
  GL account name is the bill's reference only: "CREDIT CARD FEES" says what was bought).

Which rows: rows with an amount > 0 and a date. Credits (amount ≤ 0) cannot be bills in the
template, and card refunds are excluded from Spend Analysis by the spec; Oxford's Apr–Jun
2014 file publishes no dates. Those rows are counted and printed, never silently lost.
Suppliers are keyed by their name, trimmed, upper-cased and with spaces collapsed (the
published supplier ids are per transaction in most Oxford files).

The reconciliation reads the generated workbook back (as a reader would): for every
supplier, # bills + # expenses and total spend equal the source rows' count and sum; the
Customer tab's counts and amounts equal the source totals; Birmingham's and Calderdale's
card rows are inferred Credit Card, Calderdale's AP payments Bank Transfer (non-card).
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
import time
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent.parent / "shared" / "data" / "eval" / "ap_transactions"
if not DATA.exists():
    DATA = Path("/work/shared/data/eval/ap_transactions")

CARD_ACCOUNT = "Purchasing card"
AP_ACCOUNT = "BACS creditor payments"


@dataclass(frozen=True, slots=True)
class Row:
    kind: str  # "bill" (with a payment) or "expense"
    row_id: str
    day: date
    amount: Decimal
    supplier: str
    account: str = ""
    note: str = ""  # the bill's reference, or the expense's note
    payment_note: str | None = None  # the payment's note (None: the same as `note`)


@dataclass
class Source:
    company: str
    currency: str
    rows: list[Row] = field(default_factory=list)
    excluded: dict[str, int] = field(default_factory=lambda: defaultdict(int))


def supplier_key(name: str) -> str:
    key = " ".join(name.split()).upper()
    return key[:200] or "(NO SUPPLIER NAME)"


def _amount(text: str | None) -> Decimal | None:
    try:
        return Decimal((text or "").strip().replace(",", "").replace("£", ""))
    except InvalidOperation:
        return None


def _date(text: str | None, *formats: str) -> date | None:
    text = (text or "").strip().split(" ")[0]
    for fmt in formats:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _csv(path: Path, sample: int | None) -> list[dict[str, str]]:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252")
    rows = []
    for i, row in enumerate(csv.DictReader(io.StringIO(text))):
        if sample is not None and i >= sample:
            break
        rows.append({(k or "").strip().lower(): (v or "") for k, v in row.items()})
    return rows


def _add(
    source: Source,
    row_kind: str,
    row_id: str,
    day: date | None,
    amount: Decimal | None,
    supplier: str,
    account: str = "",
    note: str = "",
    payment_note: str | None = None,
) -> None:
    if day is None:
        source.excluded["no date"] += 1
    elif amount is None:
        source.excluded["no amount"] += 1
    elif amount <= 0:
        source.excluded["amount ≤ 0 (credit or refund)"] += 1
    else:
        source.rows.append(
            Row(row_kind, row_id, day, amount, supplier, account, note[:200], payment_note)
        )


def oxford(sample: int | None = None) -> Source:
    source = Source("Oxford City Council", "GBP")
    for path in sorted((DATA / "uk_oxford_city_council_over500").glob("*.csv")):
        for i, row in enumerate(_csv(path, sample)):
            values = list(row.values())
            # Headers drift between files; the columns keep their order.
            day = _date(values[4], "%d/%m/%Y", "%Y-%m-%d")
            _add(
                source,
                "bill",
                f"{path.stem}:{i + 2}",
                day,
                _amount(values[6]),
                values[9].strip(),
                note=values[2].strip(),
            )
    return source


def calderdale(sample: int | None = None) -> Source:
    source = Source("Calderdale Council", "GBP")
    for path in sorted((DATA / "uk_calderdale_council").glob("*.csv")):
        card = path.stem.endswith("-card")
        for i, row in enumerate(_csv(path, sample)):
            if card:
                _add(
                    source,
                    "expense",
                    f"{path.stem}:{i + 2}",
                    _date(row["transaction date"], "%Y-%m-%d"),
                    _amount(row["net amount"]),
                    row["supplier name"].strip(),
                    CARD_ACCOUNT,
                    row.get("merchant category", ""),
                )
            else:
                _add(
                    source,
                    "bill",
                    f"{path.stem}:{i + 2}",
                    _date(row["date"], "%Y-%m-%d"),
                    _amount(row["net amount"]),
                    row["supplier(beneficiary) name"].strip(),
                    AP_ACCOUNT,
                    row.get("invoice number", ""),
                )
    return source


def birmingham(sample: int | None = None) -> Source:
    source = Source("Birmingham City Council", "GBP")
    path = (
        DATA
        / "uk_birmingham_city_council_pcard"
        / "birmingham_pcard_transactions_2014-04_2018-01.csv"
    )
    for i, row in enumerate(_csv(path, sample)):
        _add(
            source,
            "expense",
            f"bham:{i + 2}",
            _date(row["trans_date"], "%Y-%m-%d"),
            _amount(row["original_gross_amt"]),
            row["merchant_name"].strip(),
            f"{CARD_ACCOUNT} {row['card_number_masked']}".strip(),
            row.get("trans_cac_desc_1", ""),
        )
    return source


def scottsdale(sample: int | None = None) -> Source:
    source = Source("City of Scottsdale", "USD")
    path = DATA / "us_scottsdale_az_vendor_payments" / "ct_VendorPayments.csv"
    for i, row in enumerate(_csv(path, sample)):
        _add(
            source,
            "bill",
            f"scottsdale:{i + 2}",
            _date(row["paymentdate"], "%m/%d/%Y"),
            _amount(row["paymentamount"]),
            row["vendorname"].strip(),
            # The GL account (e.g. "BANK & CREDIT CARD FEES") describes what was bought, not
            # how it was paid: it is the bill's reference, never the payment's note.
            note=" ".join(row.get("accountname", "").split()),
            payment_note="",
        )
    return source


DATASETS = {
    "oxford": oxford,
    "calderdale": calderdale,
    "birmingham": birmingham,
    "scottsdale": scottsdale,
}


def template_zip(source: Source) -> bytes:
    """The source as the supplier information template (a zip of CSV files)."""
    from ledgerlink.imports.schema import SHEETS

    names: dict[str, str] = {}
    for row in source.rows:
        names.setdefault(supplier_key(row.supplier), row.supplier or "(no supplier name)")
    sheets: dict[str, list[list[Any]]] = {
        "Company": [[source.company, source.currency]],
        "Suppliers": [[key, name] for key, name in names.items()],
        "Bills": [],
        "Payments": [],
        "Expenses": [],
    }
    cur = source.currency
    for r in source.rows:
        key = supplier_key(r.supplier)
        if r.kind == "bill":
            sheets["Bills"].append(
                [r.row_id, key, r.day, r.day, cur, "", r.amount, 0, "Paid", r.note]
            )
            sheets["Payments"].append(
                [
                    f"P-{r.row_id}",
                    key,
                    r.row_id,
                    r.day,
                    cur,
                    "",
                    r.amount,
                    "",
                    r.account,
                    r.note if r.payment_note is None else r.payment_note,
                ]
            )
        else:
            sheets["Expenses"].append(
                [r.row_id, key, "", r.day, cur, "", r.amount, "", r.account, r.note]
            )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for sheet in SHEETS:
            text = io.StringIO()
            writer = csv.writer(text, lineterminator="\r\n")
            writer.writerow([c.title for c in sheet.columns])
            for values in sheets[sheet.name]:
                writer.writerow(
                    [
                        "" if v is None else v.isoformat() if isinstance(v, date) else v
                        for v in values
                    ]
                )
            archive.writestr(sheet.csv_name, text.getvalue().encode("utf-8"))
    return out.getvalue()


# --- reading the workbook back ------------------------------------------------------------


def _table(sheet: Any, first_header: str) -> list[dict[str, Any]]:
    rows = sheet.iter_rows(values_only=True)
    header: list[str] | None = None
    out = []
    for values in rows:
        if header is None:
            if values and first_header in values:
                header = [str(v) if v is not None else "" for v in values]
            continue
        if all(v is None for v in values):
            continue
        out.append(dict(zip(header, values, strict=False)))
    return out


def _column(record: dict[str, Any], prefix: str) -> Any:
    for key, value in record.items():
        if key == prefix or key.startswith(prefix + " ("):
            return value
    raise KeyError(prefix)


@dataclass
class Reconciliation:
    company: str
    rows: int
    bills: int
    expenses: int
    suppliers: int
    total: Decimal
    excluded: dict[str, int]
    problems: list[str]
    methods: dict[str, dict[str, int]]
    seconds: dict[str, float]


def reconcile(source: Source, workbook: bytes) -> tuple[list[str], dict[str, dict[str, int]]]:
    """Problems found comparing the workbook with the source (empty: it reconciles)."""
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(workbook), read_only=True)
    problems: list[str] = []
    want: dict[str, list[Any]] = defaultdict(lambda: [0, Decimal(0)])
    for r in source.rows:
        entry = want[supplier_key(r.supplier)]
        entry[0] += 1
        entry[1] += r.amount
    got: dict[str, tuple[int, Decimal]] = {}
    for rec in _table(book["Supplier Analysis"], "Supplier ID"):
        count = int(_column(rec, "# bills") or 0) + int(_column(rec, "# expenses") or 0)
        got[str(rec["Supplier ID"])] = (
            count,
            Decimal(str(_column(rec, "Total spend"))).quantize(Decimal("0.01")),
        )
    if set(got) != set(want):
        problems.append(
            f"suppliers differ: {len(set(want) - set(got))} missing, "
            f"{len(set(got) - set(want))} extra"
        )
    for key, (count, amount) in want.items():
        if key in got and got[key] != (count, amount.quantize(Decimal("0.01"))):
            problems.append(f"{key}: report {got[key]}, source {(count, amount)}")
    facts = {str(r["Field"]): r["Value"] for r in _table(book["Customer"], "Field")}
    bills = [r for r in source.rows if r.kind == "bill"]
    expenses = [r for r in source.rows if r.kind == "expense"]
    checks = {
        "Bills": len(bills),
        "Bill payments": len(bills),
        "Expenses": len(expenses),
        "Suppliers": len(want),
    }
    for label, expected in checks.items():
        if int(facts[label]) != expected:
            problems.append(f"Customer tab {label}: {facts[label]} ≠ {expected}")
    amounts = {
        "Bills amount": sum((r.amount for r in bills), Decimal(0)),
        "Bill payments amount": sum((r.amount for r in bills), Decimal(0)),
        "Expenses amount": sum((r.amount for r in expenses), Decimal(0)),
        "Total spend": sum((r.amount for r in source.rows), Decimal(0)),
    }
    for label, expected in amounts.items():
        value = Decimal(str(_column(facts, label))).quantize(Decimal("0.01"))
        if value != expected:
            problems.append(f"Customer tab {label}: {value} ≠ {expected}")
    methods: dict[str, dict[str, int]] = {}
    for tab in ("Bill Payments", "Expenses"):
        if tab not in book.sheetnames:
            continue
        counts: dict[str, int] = defaultdict(int)
        for rec in _table(book[tab], "Inferred method"):
            counts[f"{rec['Paid from account'] or '-'}|{rec['Inferred method']}"] += 1
        methods[tab] = dict(counts)
    return problems, methods


def run(name: str, sample: int | None, organisation: Any) -> Reconciliation:
    from ledgerlink.imports.services import import_template
    from ledgerlink.relationships.models import Company
    from ledgerlink.reports import services

    timings: dict[str, float] = {}
    started = time.perf_counter()
    source = DATASETS[name](sample)
    data = template_zip(source)
    timings["convert"] = time.perf_counter() - started
    company, _ = Company.objects.get_or_create(organisation=organisation, name=source.company)
    started = time.perf_counter()
    result = import_template(
        company, data, f"{name}.zip", actor_kind="system", max_bytes=200_000_000
    )
    timings["import"] = time.perf_counter() - started
    if not result.ok:
        raise SystemExit(f"{name}: import rejected: {[str(p) for p in result.problems[:5]]}")
    start = min(r.day for r in source.rows)
    end = max(r.day for r in source.rows)
    out = io.BytesIO()
    started = time.perf_counter()
    services.generate_file(company, "spend-analysis", out, start=start, end=end, today=end)
    timings["spend analysis"] = time.perf_counter() - started
    problems, methods = reconcile(source, out.getvalue())
    return Reconciliation(
        company=source.company,
        rows=len(source.rows),
        bills=sum(1 for r in source.rows if r.kind == "bill"),
        expenses=sum(1 for r in source.rows if r.kind == "expense"),
        suppliers=len({supplier_key(r.supplier) for r in source.rows}),
        total=sum((r.amount for r in source.rows), Decimal(0)),
        excluded=dict(source.excluded),
        problems=problems,
        methods=methods,
        seconds=timings,
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sample", type=int, help="rows per source file (default: all)")
    parser.add_argument("datasets", nargs="*", default=list(DATASETS))
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from bench._django import setup

    setup()
    from ledgerlink.tenancy.services import create_organisation

    org = create_organisation(name="AP evaluation", slug=f"ap-eval-{int(time.time())}")
    failed = False
    for name in args.datasets:
        rec = run(name, args.sample, org)
        status = "reconciles" if not rec.problems else f"{len(rec.problems)} PROBLEMS"
        print(
            f"{rec.company}: {rec.rows:,} rows ({rec.bills:,} bills+payments, "
            f"{rec.expenses:,} expenses), "
            f"{rec.suppliers:,} suppliers, total {rec.total:,.2f}: {status}"
        )
        print("  excluded: " + (", ".join(f"{k} {v:,}" for k, v in rec.excluded.items()) or "none"))
        print("  seconds: " + ", ".join(f"{k} {v:.2f}" for k, v in rec.seconds.items()))
        for tab, counts in rec.methods.items():
            summary = {}
            for key, n in counts.items():
                account, method = key.split("|")
                label = "card account" if account.startswith(CARD_ACCOUNT) else account
                summary[f"{label} → {method}"] = summary.get(f"{label} → {method}", 0) + n
            print(f"  {tab}: " + ", ".join(f"{k}: {v:,}" for k, v in sorted(summary.items())))
        for problem in rec.problems[:10]:
            print("  " + problem)
        failed |= bool(rec.problems)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
