"""Spend Analysis at scale: insights (Polars) against hand-written DuckDB SQL, and the .xlsx.

    uv run python bench/spend_analysis.py                 # 10k, 100k and 1M bills
    uv run python bench/spend_analysis.py 100000          # one size
    uv run python bench/spend_analysis.py --no-xlsx 1000000

Each size runs in a child process of its own so that its peak RSS is its own. The data is
synthetic, made directly with Polars (no database): N bills, N payments (about 10 % of bills
settled in two payments), 0.3·N expenses (3 % refunds), N/20 suppliers, over 16 months
around a 12-month period, with a mix of ERP methods, payment accounts and notes so that
every inference rule fires.

For the comparison the same frames are written to Parquet and loaded into DuckDB tables
(not timed: this DuckDB build reads Polars frames only through pyarrow, which is not
installed); then `analyse_spend` and hand-written DuckDB SQL computing the same per-method
and per-supplier figures (three statements materialising the inferred transactions, the
supplier table and the method table) run alternately, three times each, best time kept,
and their results are checked equal. The SQL does what the insights do: payment-method
inference with the same keyword regex (RE2) and ERP table, settlement dates by a running
sum, exact DECIMAL conversion to minor units. Wall and CPU seconds are both printed: the
machine is shared. Targets: insights ≤ 1.25 × DuckDB; whole .xlsx ≤ 45 s and peak RSS
≤ 2 GB at 1M bills (RSS is measured before DuckDB loads its copy of the data).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import fields
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl

from ledgerlink.insights import LedgerFrames, Parameters, analyse_spend, load_keywords
from ledgerlink.insights.methods import ACCOUNT_TYPE_METHOD

START = date(2024, 1, 1)
END = date(2024, 12, 31)
FIRST = date(2023, 10, 1)  # data starts 3 months before the period
DAYS = (date(2025, 1, 31) - FIRST).days + 1  # and ends a month after

ACCOUNTS = [
    ("090", "Business Current Account", "BANK", "bank"),
    ("091", "Business Savings", "BANK", "bank"),
    ("094", "Petty Cash", "BANK", "cash"),
    ("095", "Amex Business Card 1003", "BANK", "credit_card"),
    ("096", "Barclaycard Visa 4417", "BANK", "credit_card"),
    ("097", "PayPal", "BANK", "paypal"),
    ("098", "Operating Checking", "Bank", ""),
    ("099", "Cash at bank", "BANK", "bank"),
]
RAW_METHODS = ["", "", "", "", "Check", "CreditCard", "BACS", "Cheque", "Bank Transfer", "Cash"]
NOTES = [
    "INV-{}",
    "BACS {}",
    "Faster Payment",
    "Chq {}",
    "Card payment",
    "",
    "{}",
    "ACH {}",
    "Paid by card",
    "Coach hire {}",
    "Checkout {}",
    "Petty cash",
    "Virement {}",
    "Überweisung {}",
]
CURRENCIES = [
    ("GBP", "1"),
    ("GBP", "1"),
    ("GBP", "1"),
    ("GBP", "1"),
    ("GBP", "1"),
    ("GBP", "1"),
    ("GBP", "1"),
    ("GBP", "1"),
    ("EUR", "0.8551"),
    ("USD", "0.7843"),
]


def _u(salt: int, column: str = "i") -> pl.Expr:
    """A uniform number in [0, 1) from the row number (deterministic)."""
    return (pl.col(column).hash(seed=salt) % 1_000_003).cast(pl.Float64) / 1_000_003.0


def _pick(options: list[str], salt: int) -> pl.Expr:
    index = (pl.col("i").hash(seed=salt) % len(options)).cast(pl.Int64)
    return pl.lit(pl.Series(options)).gather(index)


def _note(salt: int) -> pl.Expr:
    return _pick(NOTES, salt).str.replace("{}", pl.col("i").cast(pl.String), literal=True)


def _money(expr: pl.Expr) -> pl.Expr:
    return expr.round(2).cast(pl.Decimal(20, 4))


def generate(n_bills: int) -> LedgerFrames:
    n_suppliers = max(n_bills // 20, 10)
    n_expenses = n_bills * 3 // 10
    company = {"company_id": pl.lit(1, dtype=pl.Int64), "company_name": pl.lit("Bench Co")}

    suppliers = (
        pl.DataFrame({"i": pl.int_range(n_suppliers, eager=True, dtype=pl.Int64)})
        .with_columns(**company)
        .with_columns(
            pl.format("SUP-{}", "i").alias("source_id"),
            pl.format("Supplier {} Ltd", "i").alias("name"),
            pl.format("Contact {}", "i").alias("contact_name"),
            pl.format("ap{}@supplier.test", "i").alias("email"),
            pl.format("+44 113 496 {}", pl.col("i") % 10000).alias("phone"),
            pl.format("{} High Street", pl.col("i") % 300 + 1).alias("address_line1"),
            pl.lit("Leeds").alias("city"),
            pl.format("LS{} 1AB", pl.col("i") % 30 + 1).alias("postal_code"),
            pl.lit("GB").alias("country"),
            pl.format("GB{}", 100_000_000 + pl.col("i")).alias("tax_number"),
            pl.lit("active").alias("status"),
            pl.datetime(2024, 6, 1, time_zone="UTC").alias("first_seen_at"),
        )
        .drop("i")
    )
    accounts = pl.DataFrame(
        {
            "company_id": [1] * len(ACCOUNTS),
            "source_id": [a[0] for a in ACCOUNTS],
            "name": [a[1] for a in ACCOUNTS],
            "type": [a[2] for a in ACCOUNTS],
            "payment_account_type": [a[3] for a in ACCOUNTS],
            "is_payment_account": [True] * len(ACCOUNTS),
        }
    )
    # Bills: supplier skewed towards low numbers, terms from a list, 85 % paid.
    terms = pl.Series([30, 30, 30, 14, 14, 0, 45, 60, 30, 7])
    bills = (
        pl.DataFrame({"i": pl.int_range(n_bills, eager=True, dtype=pl.Int64)})
        .with_columns(**company)
        .with_columns(
            pl.format("BILL-{}", "i").alias("source_id"),
            pl.format("SUP-{}", (_u(1) * _u(2) * n_suppliers).cast(pl.Int64)).alias(
                "supplier_source_id"
            ),
            pl.format("INV{}", pl.col("i") + 100000).alias("reference"),
            (pl.lit(FIRST) + pl.duration(days=(_u(3) * DAYS).cast(pl.Int64))).alias("issue_date"),
            pl.lit(terms).gather((pl.col("i").hash(seed=4) % 10).cast(pl.Int64)).alias("_terms"),
            _pick([c for c, _ in CURRENCIES], 5).alias("currency"),
            (10 + (_u(6) ** 3) * 20000).alias("_total"),
            _u(7).alias("_state"),
        )
        .with_columns(
            (pl.col("issue_date") + pl.duration(days=pl.col("_terms"))).alias("due_date"),
            pl.col("currency")
            .replace_strict({c: r for c, r in CURRENCIES})
            .cast(pl.Decimal(20, 10))
            .alias("exchange_rate"),
            _money(pl.col("_total")).alias("total_amount"),
            pl.when(pl.col("_state") < 0.85)
            .then(0.0)
            .when(pl.col("_state") < 0.95)
            .then(pl.col("_total"))
            .otherwise(pl.col("_total") / 2)
            .pipe(_money)
            .alias("amount_due"),
            pl.when(pl.col("_state") < 0.85)
            .then(pl.lit("paid"))
            .when(pl.col("_state") < 0.95)
            .then(pl.lit("open"))
            .otherwise(pl.lit("partially_paid"))
            .alias("status"),
        )
        .with_columns(
            pl.when(_u(8) < 0.02)
            .then(pl.lit("void"))
            .when(_u(8) < 0.03)
            .then(pl.lit("draft"))
            .otherwise(pl.col("status"))
            .alias("status"),
            (_u(9) < 0.005).alias("is_deleted"),
        )
    )
    # Allocations: every paid part of a bill, by payment i; 10 % of them split 60/40 with
    # payment i+1 paying the 40 % some days later.
    paid = bills.filter(pl.col("total_amount") > pl.col("amount_due")).select(
        "i",
        "company_id",
        pl.col("source_id").alias("bill_source_id"),
        (pl.col("total_amount") - pl.col("amount_due")).alias("_paid"),
        (pl.col("issue_date") + pl.duration(days=(_u(10) * 75).cast(pl.Int64))).alias("_on"),
        (_u(11) < 0.10).alias("_split"),
    )
    main = paid.select(
        "company_id",
        pl.format("PAY-{}", "i").alias("payment_source_id"),
        "bill_source_id",
        pl.when("_split").then(pl.col("_paid") * Decimal("0.6")).otherwise("_paid").alias("amount"),
        pl.col("_on").alias("payment_date"),
    )
    rest = paid.filter("_split").select(
        "company_id",
        pl.format("PAY-{}", pl.col("i") + 1).alias("payment_source_id"),
        "bill_source_id",
        (pl.col("_paid") - pl.col("_paid") * Decimal("0.6")).alias("amount"),
        (pl.col("_on") + pl.duration(days=20)).alias("payment_date"),
    )
    allocations = pl.concat([main, rest]).with_columns(
        pl.col("amount").cast(pl.Decimal(20, 4)), pl.lit(None, dtype=pl.Date).alias("allocated_on")
    )
    alloc_sums = allocations.group_by("payment_source_id").agg(
        pl.col("amount").sum().alias("_allocated"), pl.col("payment_date").min().alias("_date")
    )
    payments = (
        bills.select(
            "i",
            "company_id",
            "company_name",
            pl.format("PAY-{}", "i").alias("source_id"),
            "supplier_source_id",
            "currency",
            "exchange_rate",
            "issue_date",
        )
        .join(alloc_sums, left_on="source_id", right_on="payment_source_id", how="left")
        .with_columns(
            pl.coalesce("_allocated", _money(10 + _u(12) * 500))
            .cast(pl.Decimal(20, 4))
            .alias("amount"),
            pl.coalesce(
                "_date", pl.col("issue_date") + pl.duration(days=(_u(13) * 40).cast(pl.Int64))
            ).alias("payment_date"),
            pl.when(_u(14) < 0.05)
            .then(pl.lit(""))
            .otherwise(pl.col("supplier_source_id"))
            .alias("supplier_source_id"),
            _pick(RAW_METHODS, 15).alias("method_raw"),
            _pick([a[0] for a in ACCOUNTS] + ["", ""], 16).alias("payment_account_source_id"),
            _note(17).alias("reference"),
            (_u(18) < 0.003).alias("is_deleted"),
        )
    )
    payee_names = ["Tesco", "Shell", "Trainline", "Amazon Marketplace", "Pret A Manger"]
    expenses = (
        pl.DataFrame({"i": pl.int_range(n_expenses, eager=True, dtype=pl.Int64)})
        .with_columns(**company)
        .with_columns(
            pl.format("EXP-{}", "i").alias("source_id"),
            _u(20).alias("_who"),
            pl.format("SUP-{}", (_u(21) * _u(22) * n_suppliers).cast(pl.Int64)).alias("_sup"),
            (pl.lit(FIRST) + pl.duration(days=(_u(23) * DAYS).cast(pl.Int64))).alias(
                "expense_date"
            ),
            _pick([c for c, _ in CURRENCIES], 24).alias("currency"),
            pl.when(_u(25) < 0.03)
            .then(-(5 + _u(26) * 50))
            .otherwise(5 + (_u(26) ** 2) * 900)
            .pipe(_money)
            .alias("amount"),
            _pick(["", "", "Credit Card", "Cash", "Debit Card", "Check"], 27).alias("method_raw"),
            _pick(["095", "096", "094", "090", "", ""], 28).alias("payment_account_source_id"),
            _note(29).alias("reference"),
            (_u(30) < 0.003).alias("is_deleted"),
        )
        .with_columns(
            pl.col("currency")
            .replace_strict({c: r for c, r in CURRENCIES})
            .cast(pl.Decimal(20, 10))
            .alias("exchange_rate"),
            pl.when(pl.col("_who") < 0.7)
            .then(pl.col("_sup"))
            .otherwise(pl.lit(""))
            .alias("supplier_source_id"),
            pl.when(pl.col("_who") < 0.7)
            .then(pl.lit(""))
            .when(pl.col("_who") < 0.8)
            .then(pl.format("Supplier {} Ltd", (_u(31) * n_suppliers).cast(pl.Int64)))
            .when(pl.col("_who") < 0.95)
            .then(_pick(payee_names, 32))
            .otherwise(pl.lit(""))
            .alias("supplier_name"),
        )
    )
    return LedgerFrames.build(
        companies=pl.DataFrame(
            {
                "company_id": [1],
                "company_name": ["Bench Co"],
                "legal_name": ["Bench Co Ltd"],
                "base_currency": ["GBP"],
            }
        ),
        suppliers=suppliers,
        bills=bills,
        bill_payments=payments,
        allocations=allocations,
        expenses=expenses,
        accounts=accounts,
    )


def parameters() -> Parameters:
    return Parameters(
        start=START,
        end=END,
        generation_date=date(2025, 2, 10),
        min_supplier_annual_spend=Decimal(5000),
        company_id=1,
    )


# --- DuckDB ------------------------------------------------------------------------------------


def _sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def duckdb_sql(params: Parameters) -> tuple[str, list[str]]:
    """(setup, timed statements): the same figures as `analyse_spend`, in SQL.

    The timed statements materialise the inferred transactions, the per-supplier table and
    the per-method table as DuckDB tables (as `analyse_spend` returns frames).
    """
    words = load_keywords(params.languages)
    # RE2's \W knows ASCII only: spell the Unicode non-word class out.
    nonword = r"[^\p{L}\p{N}\p{M}_]"
    pattern = rf"(?i)(?:^|{nonword})(?:{words.alternation})(?:{nonword}|$)"
    phrases = ",".join(
        f"({_sql_literal(k)}, {_sql_literal(v) if v else 'NULL'})" for k, v in words.phrases.items()
    )
    erp = ",".join(f"({_sql_literal(k)}, {_sql_literal(v)})" for k, v in words.erp.items())
    weak = ",".join(_sql_literal(k) for k in sorted(words.weak)) or "''"
    types = ",".join(
        f"({_sql_literal(k)}, {_sql_literal(v)})" for k, v in ACCOUNT_TYPE_METHOD.items()
    )
    setup = f"""
    CREATE OR REPLACE TABLE phrases AS SELECT * FROM (VALUES {phrases}) t(phrase, method);
    CREATE OR REPLACE TABLE erp_map AS SELECT * FROM (VALUES {erp}) t(raw, method);
    CREATE OR REPLACE TABLE type_map AS SELECT * FROM (VALUES {types}) t(kind, method);
    CREATE OR REPLACE MACRO phrase(txt) AS regexp_replace(regexp_replace(
        lower(regexp_extract(txt, {_sql_literal(pattern)}, 0)),
        {_sql_literal(f"^{nonword}+|{nonword}+$")}, '', 'g'), '[\\s\\-_.]+', '', 'g');
    CREATE OR REPLACE MACRO kw(txt) AS (SELECT method FROM phrases WHERE phrase = phrase(txt));
    """
    d = params.currency_decimals
    start, end = params.start.isoformat(), params.end.isoformat()
    lookback = params.card_lookback_start.isoformat()
    window = params.window_start.isoformat()

    # Minor units: exact integer product, rounded half away from zero.
    # DECIMAL(20,4) × DECIMAL(20,10) is an exact DECIMAL(38,14); ROUND is half away from 0.
    # (Doubles would be 15 times faster and a cent out on a million bills.)
    def minor(amount: str, rate: str) -> str:
        exact = f"CAST(round({amount} * {rate}, {d}) * {10**d} AS BIGINT)"
        return f"CASE WHEN {rate} = 1 THEN CAST({amount} * {10**d} AS BIGINT) ELSE {exact} END"

    order = "['Credit Card', 'Debit Card', 'Bank Transfer', 'Check', 'Cash', 'Other', 'Unknown']"
    infer = f"""
    CREATE OR REPLACE TEMP TABLE r_inferred AS
    WITH
    acct AS (
        SELECT d.company_id, d.payment_account_source_id, d.payment_account_name,
               coalesce(kw(a.name),
                        (SELECT method FROM type_map
                         WHERE kind = lower(trim(a.payment_account_type))),
                        kw(a.type), kw(d.payment_account_name)) AS acct_method
        FROM (SELECT DISTINCT company_id, payment_account_source_id, payment_account_name
              FROM (SELECT company_id, payment_account_source_id, payment_account_name
                    FROM bill_payments
                    UNION ALL
                    SELECT company_id, payment_account_source_id, payment_account_name
                    FROM expenses)) d
        LEFT JOIN (SELECT * FROM accounts WHERE NOT is_deleted AND source_id <> '') a
          ON a.company_id = d.company_id AND a.source_id = d.payment_account_source_id
    ),
    raws AS (
        SELECT r.raw, coalesce(m.method, kw(r.raw), 'Unknown') AS erp_method,
               coalesce(norm IN ({weak}) AND m.method IS NOT NULL, false) AS weak
        FROM (SELECT raw, regexp_replace(lower(trim(raw)), '[\\s\\-_./]+', '', 'g') AS norm
              FROM (SELECT DISTINCT method_raw AS raw
                    FROM (SELECT method_raw FROM bill_payments
                          UNION ALL SELECT method_raw FROM expenses))) r
        LEFT JOIN erp_map m ON m.raw = r.norm AND r.norm <> ''
    ),
    pay_window AS (
        SELECT p.* FROM bill_payments p
        WHERE NOT p.is_deleted AND p.payment_date BETWEEN DATE '{window}' AND DATE '{end}'
    ),
    blank_pay AS (
        SELECT company_id, payment_source_id,
               arg_max(bill_supplier, amount) AS bill_supplier
        FROM (SELECT al.company_id, al.payment_source_id, al.amount,
                     b.supplier_source_id AS bill_supplier
              FROM allocations al
              JOIN (SELECT company_id, source_id FROM pay_window
                    WHERE supplier_source_id = '') w
                ON w.company_id = al.company_id AND w.source_id = al.payment_source_id
              JOIN (SELECT company_id, source_id, supplier_source_id FROM bills
                    WHERE NOT is_deleted) b
                ON b.company_id = al.company_id AND b.source_id = al.bill_source_id
              WHERE b.supplier_source_id <> '')
        GROUP BY ALL
    ),
    names AS (
        SELECT company_id, lower(trim(regexp_replace(name, '\\s+', ' ', 'g'))) AS payee,
               any_value(source_id) AS by_name
        FROM suppliers WHERE NOT is_deleted AND name <> ''
        GROUP BY ALL HAVING count(*) = 1
    ),
    txn AS (
        SELECT 'P' AS kind, p.company_id,
               CASE WHEN p.supplier_source_id = '' THEN coalesce(bp.bill_supplier, '')
                    ELSE p.supplier_source_id END AS supplier_source_id,
               p.payment_date AS day, p.method_raw, p.payment_account_source_id,
               p.payment_account_name, p.reference,
               {minor("p.amount", "p.exchange_rate")} AS amount_minor
        FROM pay_window p
        LEFT JOIN blank_pay bp
          ON bp.company_id = p.company_id AND bp.payment_source_id = p.source_id
        UNION ALL
        SELECT 'E', e.company_id,
               CASE WHEN e.supplier_source_id = '' AND e.supplier_name <> ''
                    THEN coalesce(n.by_name, '') ELSE e.supplier_source_id END,
               e.expense_date, e.method_raw, e.payment_account_source_id,
               e.payment_account_name, e.reference, {minor("e.amount", "e.exchange_rate")}
        FROM expenses e
        LEFT JOIN names n ON n.company_id = e.company_id AND e.supplier_source_id = ''
             AND n.payee = lower(trim(regexp_replace(e.supplier_name, '\\s+', ' ', 'g')))
        WHERE NOT e.is_deleted AND e.amount > 0
          AND e.expense_date BETWEEN DATE '{window}' AND DATE '{end}'
    ),
    decided AS (
        SELECT t.*, r.erp_method, r.weak, a.acct_method,
               CASE WHEN (r.erp_method = 'Unknown' OR r.weak) AND a.acct_method IS NULL
                    THEN phrase(t.reference) END AS note_phrase
        FROM txn t
        JOIN raws r ON r.raw = t.method_raw
        LEFT JOIN acct a ON a.company_id = t.company_id
             AND a.payment_account_source_id = t.payment_account_source_id
             AND a.payment_account_name = t.payment_account_name
    ),
    inferred AS (
        SELECT d.kind, d.company_id, d.supplier_source_id, d.day, d.amount_minor, d.erp_method,
               CASE WHEN d.erp_method <> 'Unknown' AND NOT d.weak THEN d.erp_method
                    ELSE coalesce(d.acct_method, ph.method,
                                  CASE WHEN d.weak THEN d.erp_method END, 'Unknown')
               END AS method
        FROM decided d LEFT JOIN phrases ph ON ph.phrase = d.note_phrase
    )
    SELECT * FROM inferred
    """

    def weighted(value: str, alias: str) -> str:
        has = f"FILTER (WHERE {value} IS NOT NULL)"
        return (
            f"coalesce(sum(amount_minor::DOUBLE * {value}) {has}, 0) AS {alias}_weighted,\n"
            f"               coalesce(sum(amount_minor) {has}, 0)::DOUBLE AS {alias}_weight"
        )

    def vote(column: str, alias: str, where: str) -> str:
        return f"""
        SELECT company_id, supplier_source_id,
               arg_min({column}, (-n, -amount, array_position({order}, {column}))) AS {alias}
        FROM (SELECT company_id, supplier_source_id, {column}, count(*) AS n,
                     sum(amount_minor) AS amount
              FROM period_txn WHERE supplier_source_id <> '' {where} GROUP BY ALL)
        GROUP BY ALL"""

    def joined(table: str, alias: str) -> str:
        return (
            f"LEFT JOIN {table} {alias} ON {alias}.company_id = a.company_id"
            f" AND {alias}.supplier_source_id = a.supplier_source_id"
        )

    suppliers = f"""
    CREATE OR REPLACE TEMP TABLE r_sup AS
    WITH
    pb AS (
        SELECT b.*, {minor("b.total_amount", "b.exchange_rate")} AS amount_minor,
               {minor("b.amount_due", "b.exchange_rate")} AS due_minor,
               date_diff('day', b.issue_date, b.due_date) AS terms_days,
               row_number() OVER () AS bkey
        FROM bills b
        WHERE NOT b.is_deleted AND lower(b.status) NOT IN ('void', 'draft')
          AND b.issue_date BETWEEN DATE '{start}' AND DATE '{end}'
    ),
    alloc AS (
        SELECT s.bkey, coalesce(al.allocated_on, al.payment_date) AS day,
               sum(CAST(al.amount * 10000 AS BIGINT)) OVER (
                   PARTITION BY s.bkey ORDER BY coalesce(al.allocated_on, al.payment_date)
                   ROWS UNBOUNDED PRECEDING) AS cum,
               CAST(s.total_amount * 10000 AS BIGINT) AS total
        FROM allocations al
        JOIN (SELECT company_id, source_id, total_amount, bkey FROM pb
              WHERE amount_due <= 0) s
          ON s.company_id = al.company_id AND s.source_id = al.bill_source_id
        WHERE coalesce(al.allocated_on, al.payment_date) IS NOT NULL
    ),
    settle AS (
        SELECT bkey,
               coalesce(min(day) FILTER (WHERE cum >= total), max(day)) AS settlement_date
        FROM alloc GROUP BY ALL
    ),
    bills2 AS (
        SELECT pb.company_id, pb.supplier_source_id, pb.amount_minor, pb.due_minor,
               pb.terms_days, pb.issue_date,
               date_diff('day', pb.issue_date, s.settlement_date) AS settlement_days,
               coalesce(s.settlement_date > pb.due_date, false) AS paid_late
        FROM pb LEFT JOIN settle s ON s.bkey = pb.bkey
    ),
    bill_sums AS (
        SELECT company_id, supplier_source_id, count(*) AS n_bills,
               count(*) FILTER (WHERE due_minor > 0) AS n_bills_outstanding,
               sum(amount_minor) AS bills_minor,
               coalesce(sum(due_minor) FILTER (WHERE due_minor > 0), 0)
                   AS bills_outstanding_minor,
               count(*) FILTER (WHERE paid_late) AS n_bills_paid_late,
               coalesce(sum(amount_minor) FILTER (WHERE paid_late), 0) AS bills_paid_late_minor,
               {weighted("terms_days", "terms")},
               {weighted("settlement_days", "settlement")},
               max(issue_date) AS last_bill_date
        FROM bills2 GROUP BY ALL
    ),
    common_terms AS (
        SELECT company_id, supplier_source_id,
               arg_min(terms_days, (-n, -amount, terms_days)) AS common_terms_days
        FROM (SELECT company_id, supplier_source_id, terms_days, count(*) AS n,
                     sum(amount_minor) AS amount
              FROM bills2 WHERE terms_days IS NOT NULL GROUP BY ALL)
        GROUP BY ALL
    ),
    period_txn AS (
        SELECT * FROM r_inferred WHERE day BETWEEN DATE '{start}' AND DATE '{end}'
    ),
    txn_sums AS (
        SELECT company_id, supplier_source_id,
               count(*) FILTER (WHERE kind = 'P') AS n_payments,
               coalesce(sum(amount_minor) FILTER (WHERE kind = 'P'), 0) AS payments_minor,
               count(*) FILTER (WHERE kind = 'E') AS n_expenses,
               coalesce(sum(amount_minor) FILTER (WHERE kind = 'E'), 0) AS expenses_minor,
               max(day) FILTER (WHERE kind = 'E') AS last_expense_date
        FROM period_txn WHERE supplier_source_id <> '' GROUP BY ALL
    ),
    votes AS ({vote("method", "method", "")}
    ),
    erp_votes AS ({vote("erp_method", "method_erp", "AND erp_method <> 'Unknown'")}
    ),
    recent AS (
        SELECT company_id, supplier_source_id, count(*) AS n_transactions_12m,
               bool_or(method = 'Credit Card') AS card_accepted_12m
        FROM r_inferred
        WHERE supplier_source_id <> '' AND day BETWEEN DATE '{lookback}' AND DATE '{end}'
        GROUP BY ALL
    ),
    active AS (
        SELECT company_id, supplier_source_id FROM bill_sums
        UNION SELECT company_id, supplier_source_id FROM txn_sums
    ),
    sup AS (
        SELECT a.company_id, a.supplier_source_id AS supplier_id,
               coalesce(s.name, a.supplier_source_id) AS name,
               coalesce(v.method, 'Unknown') AS method, ev.method_erp,
               coalesce(r.card_accepted_12m, false) AS card_accepted_12m,
               coalesce(r.n_transactions_12m, 0) AS n_transactions_12m,
               coalesce(b.n_bills, 0) AS n_bills,
               coalesce(b.n_bills_outstanding, 0) AS n_bills_outstanding,
               coalesce(b.bills_minor, 0) AS bills_minor,
               coalesce(b.bills_outstanding_minor, 0) AS bills_outstanding_minor,
               coalesce(b.n_bills_paid_late, 0) AS n_bills_paid_late,
               coalesce(b.bills_paid_late_minor, 0) AS bills_paid_late_minor,
               coalesce(b.terms_weighted, 0) AS terms_weighted,
               coalesce(b.terms_weight, 0) AS terms_weight,
               coalesce(b.settlement_weighted, 0) AS settlement_weighted,
               coalesce(b.settlement_weight, 0) AS settlement_weight,
               b.last_bill_date, ct.common_terms_days,
               coalesce(t.n_payments, 0) AS n_payments,
               coalesce(t.payments_minor, 0) AS payments_minor,
               coalesce(t.n_expenses, 0) AS n_expenses,
               coalesce(t.expenses_minor, 0) AS expenses_minor,
               t.last_expense_date
        FROM active a
        LEFT JOIN suppliers s
          ON s.company_id = a.company_id AND s.source_id = a.supplier_source_id
        {joined("bill_sums", "b")}
        {joined("common_terms", "ct")}
        {joined("txn_sums", "t")}
        {joined("votes", "v")}
        {joined("erp_votes", "ev")}
        {joined("recent", "r")}
    )
    SELECT * FROM sup ORDER BY bills_minor + expenses_minor DESC, name, supplier_id
    """
    sums = [
        "n_bills",
        "bills_minor",
        "n_bills_outstanding",
        "bills_outstanding_minor",
        "n_bills_paid_late",
        "bills_paid_late_minor",
        "n_payments",
        "payments_minor",
        "n_expenses",
        "expenses_minor",
        "terms_weighted",
        "terms_weight",
        "settlement_weighted",
        "settlement_weight",
    ]
    methods = f"""
    CREATE OR REPLACE TEMP TABLE r_methods AS
    WITH
    loose AS (
        SELECT method, count(*) FILTER (WHERE kind = 'P') AS n_payments,
               coalesce(sum(amount_minor) FILTER (WHERE kind = 'P'), 0) AS payments_minor,
               count(*) FILTER (WHERE kind = 'E') AS n_expenses,
               coalesce(sum(amount_minor) FILTER (WHERE kind = 'E'), 0) AS expenses_minor
        FROM r_inferred WHERE supplier_source_id = ''
          AND day BETWEEN DATE '{start}' AND DATE '{end}' GROUP BY ALL
    ),
    parts AS (
        SELECT method, count(*) AS n_suppliers, {", ".join(f"sum({c}) AS {c}" for c in sums)}
        FROM r_sup GROUP BY method
        UNION ALL BY NAME
        SELECT method, 0 AS n_suppliers, n_payments, payments_minor, n_expenses, expenses_minor
        FROM loose
    )
    SELECT method, sum(n_suppliers) AS n_suppliers,
           {", ".join(f"sum({c}) AS {c}" for c in sums)}
    FROM parts GROUP BY method
    """
    return setup, [infer, suppliers, methods]


def duckdb_rows(con: Any) -> dict[str, list[dict[str, Any]]]:
    """The materialised DuckDB results as lists of rows."""
    out: dict[str, list[dict[str, Any]]] = {}
    for part, table in (("methods", "r_methods"), ("suppliers", "r_sup")):
        cursor = con.execute(f"SELECT * FROM {table}")
        names = [d[0] for d in cursor.description]
        out[part] = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    return out


def _load_duckdb(frames: LedgerFrames, folder: Path) -> Any:
    import duckdb

    con = duckdb.connect()
    for name in ("suppliers", "bills", "bill_payments", "allocations", "expenses", "accounts"):
        path = folder / f"{name}.parquet"
        getattr(frames, name).write_parquet(path)
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM read_parquet('{path}')")
        path.unlink()
    return con


def _compare(analysis: object, rows: dict[str, list[dict[str, Any]]]) -> list[str]:
    """Differences between the Polars figures and the DuckDB ones (empty when equal)."""
    from ledgerlink.insights.spend import SpendAnalysis

    assert isinstance(analysis, SpendAnalysis)
    problems: list[str] = []
    by_method = {row["method"]: row for row in rows["methods"]}
    polars_methods = analysis.methods.filter(pl.col("level") == "Method")
    for row in polars_methods.iter_rows(named=True):
        other = by_method.get(row["method"], {})
        for column in (
            "n_suppliers",
            "n_bills",
            "bills_minor",
            "n_payments",
            "payments_minor",
            "n_expenses",
            "expenses_minor",
            "n_bills_outstanding",
            "n_bills_paid_late",
        ):
            if int(row[column]) != int(other.get(column) or 0):
                problems.append(f"{row['method']} {column}: {row[column]} vs {other.get(column)}")
    theirs = rows["suppliers"]
    ours = (
        analysis.suppliers.select(
            "supplier_id",
            "method",
            "n_bills",
            "bills_minor",
            "n_payments",
            "payments_minor",
            "n_expenses",
            "expenses_minor",
            "common_terms_days",
            "card_accepted_12m",
            "n_bills_paid_late",
        )
        .with_columns(pl.col("method").cast(pl.String))
        .to_dicts()
    )
    if len(ours) != len(theirs):
        problems.append(f"suppliers: {len(ours)} vs {len(theirs)}")
    for a, b in zip(ours, theirs, strict=False):
        for key, value in a.items():
            if value != b.get(key):
                problems.append(f"supplier {a['supplier_id']} {key}: {value} vs {b.get(key)}")
                break
        if len(problems) > 10:
            break
    return problems


def _timed(run: Any) -> tuple[float, float, Any]:
    """(wall seconds, CPU seconds of the whole process, result)."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = run()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def run_size(n_bills: int, write_xlsx: bool, repeats: int) -> dict[str, Any]:
    started = time.perf_counter()
    frames = generate(n_bills)
    generated = time.perf_counter() - started
    params = parameters()
    load_keywords()  # parse the keyword files outside the timing
    analysis = analyse_spend(frames, params)  # warm-up

    xlsx_seconds = xlsx_bytes = None
    if write_xlsx:
        from ledgerlink.reports.writers import write_spend_analysis

        with tempfile.TemporaryDirectory() as folder:
            target = Path(folder) / "spend.xlsx"
            xlsx_seconds, _, _ = _timed(lambda: write_spend_analysis(analysis, target))
            xlsx_bytes = target.stat().st_size
    rss_insights = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    with tempfile.TemporaryDirectory() as folder:
        con = _load_duckdb(frames, Path(folder))
    setup, statements = duckdb_sql(params)
    con.execute(setup)

    def duck() -> None:
        for statement in statements:
            con.execute(statement)

    polars_runs: list[tuple[float, float]] = []
    duck_runs: list[tuple[float, float]] = []
    for _ in range(repeats):  # alternately, so that both see the same machine
        wall, cpu, analysis = _timed(lambda: analyse_spend(frames, params))
        polars_runs.append((wall, cpu))
        wall, cpu, _ = _timed(duck)
        duck_runs.append((wall, cpu))
    problems = _compare(analysis, duckdb_rows(con))

    methods = analysis.methods.select(
        "method", "n_suppliers", "n_bills", "bills_amount", "n_payments", "payments_amount",
        "n_expenses", "expenses_amount", "total_spend", "pct_bills_amount",
        "avg_payment_terms", "avg_settlement_days",
    )  # fmt: skip
    facts = analysis.customer
    best_polars, best_duck = min(polars_runs), min(duck_runs)
    return {
        "n_bills": n_bills,
        "rows": frames.row_counts,
        "generate_s": generated,
        "insights_s": best_polars[0],
        "insights_cpu_s": min(cpu for _, cpu in polars_runs),
        "duckdb_s": best_duck[0],
        "duckdb_cpu_s": min(cpu for _, cpu in duck_runs),
        "ratio": best_polars[0] / best_duck[0],
        "xlsx_s": xlsx_seconds,
        "xlsx_mb": None if xlsx_bytes is None else xlsx_bytes / 1e6,
        "peak_rss_mb_insights_xlsx": rss_insights,
        "peak_rss_mb_total": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "same_figures": not problems,
        "problems": problems[:10],
        "customer": {
            f.name: str(getattr(facts, f.name))
            for f in fields(facts)
            if f.name.endswith(("_count", "_amount", "spend"))
        },
        "methods": methods.write_csv(float_precision=2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--no-xlsx", action="store_true")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        report = run_size(args.sizes[0], not args.no_xlsx, args.repeats)
        print(json.dumps(report))
        return
    print(f"cpus: {os.cpu_count()}  polars {pl.__version__}")
    for size in args.sizes:
        command = [sys.executable, __file__, "--child", str(size), "--repeats", str(args.repeats)]
        if args.no_xlsx:
            command.append("--no-xlsx")
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            print(done.stdout, done.stderr)
            raise SystemExit(f"size {size} failed")
        report = json.loads(done.stdout.strip().splitlines()[-1])
        print(f"\n== {size:,} bills  rows: {report['rows']}")
        print(
            f"insights {report['insights_s']:.3f} s   duckdb {report['duckdb_s']:.3f} s   "
            f"ratio {report['ratio']:.2f}x (target <= 1.25)   "
            f"same figures: {report['same_figures']}\n"
            f"  (CPU seconds, all threads: insights {report['insights_cpu_s']:.2f}, "
            f"duckdb {report['duckdb_cpu_s']:.2f})"
        )
        if report["problems"]:
            print("  differences:", *report["problems"], sep="\n    ")
        if report["xlsx_s"] is not None:
            print(f"xlsx {report['xlsx_s']:.1f} s ({report['xlsx_mb']:.0f} MB, target <= 45 s)")
        print(
            f"peak RSS {report['peak_rss_mb_insights_xlsx']:.0f} MB "
            "(insights + xlsx; target <= 2048)"
            f", {report['peak_rss_mb_total']:.0f} MB with DuckDB; data generated in "
            f"{report['generate_s']:.1f} s"
        )
        print("customer:", report["customer"])
        print(report["methods"])


if __name__ == "__main__":
    main()
