"""Build the shipped model from labelled charts of accounts (needs scikit-learn: dev only).

    python -m ledgerlink.financials.categorise.training /path/to/eval/coa

reads every `normalized/*.csv` chart, turns each source's own account type into a type and,
where it says, a level-2 bucket (`gold`), and fits one linear head per level over the same
hashed features the engine computes. The benchmark calls `fit` per cross-validation fold.
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from ledgerlink.financials.categorise import model as model_module
from ledgerlink.financials.categorise.engine import TYPES, AccountInput, buckets, chart_features
from ledgerlink.financials.categorise.text import HASH_BITS

ODOO = {
    "asset_receivable": ("asset", "receivable"), "asset_cash": ("asset", "cash"),
    "asset_current": ("asset", "current_asset"), "asset_prepayments": ("asset", "current_asset"),
    "asset_non_current": ("asset", "non_current_asset"), "asset_fixed": ("asset", "fixed_asset"),
    "liability_payable": ("liability", "payable"),
    "liability_credit_card": ("liability", "credit_card"),
    "liability_current": ("liability", "current_liability"),
    "liability_non_current": ("liability", "non_current_liability"),
    "equity": ("equity", "equity"), "equity_unaffected": ("equity", "equity"),
    "income": ("income", "revenue"), "income_other": ("income", "other_income"),
    "expense": ("expense", "operating_expense"), "expense_other": ("expense", "other_expense"),
    "expense_depreciation": ("expense", "depreciation"),
    "expense_direct_cost": ("expense", "cost_of_sales"),
}  # fmt: skip
GNUCASH = {
    "BANK": ("asset", "cash"), "CASH": ("asset", "cash"), "ASSET": ("asset", None),
    "RECEIVABLE": ("asset", "receivable"), "STOCK": ("asset", None), "MUTUAL": ("asset", None),
    "CURRENCY": ("asset", None), "LIABILITY": ("liability", None),
    "CREDIT": ("liability", "credit_card"), "PAYABLE": ("liability", "payable"),
    "EQUITY": ("equity", None), "INCOME": ("income", None), "EXPENSE": ("expense", None),
}  # fmt: skip
FRAPPE_BUCKETS = {
    "Asset/Bank": "cash", "Asset/Cash": "cash", "Asset/Receivable": "receivable",
    "Asset/Fixed Asset": "fixed_asset", "Asset/Accumulated Depreciation": "fixed_asset",
    "Asset/Stock": "current_asset", "Liability/Payable": "payable",
    "Expense/Depreciation": "depreciation", "Expense/Cost of Goods Sold": "cost_of_sales",
}  # fmt: skip
LSMB_TYPES = {"Asset": "asset", "Liability": "liability", "Equity": "equity",
              "Income": "income", "Expense": "expense"}  # fmt: skip


def gold(row: dict[str, str]) -> tuple[str | None, str | None]:
    """(type, bucket) from a source's own label; None where the label does not say."""
    source, label = row["source"], row["label_type"]
    if source == "odoo19":
        return ODOO.get(label, (None, None))
    if source == "gnucash":
        return GNUCASH.get(label, (None, None))
    if source == "frappe_books":
        root = LSMB_TYPES.get(row.get("root_type", ""))
        return root, FRAPPE_BUCKETS.get(label) if root else None
    if source == "ledgersmb":
        kind = LSMB_TYPES.get(label)
        if kind is None:
            return None, None
        links = set((row.get("links") or "").split("|"))
        bucket = None
        if kind == "asset" and "AR" in links:
            bucket = "receivable"
        elif kind == "liability" and "AP" in links:
            bucket = "payable"
        elif kind == "asset" and links & {"Fixed_Asset", "Asset_Dep"}:
            bucket = "fixed_asset"
        elif kind == "expense" and "asset_expense" in links:
            bucket = "depreciation"
        elif kind == "expense" and "IC_cogs" in links:
            bucket = "cost_of_sales"
        elif kind == "asset" and "AR_paid" in links and "AP_paid" in links:
            bucket = "cash"
        return kind, bucket
    return None, None


@dataclass(frozen=True, slots=True)
class Chart:
    file: str
    source: str
    country: str
    language: str
    accounts: list[AccountInput]
    types: list[str | None]
    buckets: list[str | None]


def load_charts(folder: Path) -> list[Chart]:
    charts = []
    for path in sorted((folder / "normalized").glob("*.csv")):
        with path.open(newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        if not rows:
            continue
        labels = [gold(r) for r in rows]
        charts.append(
            Chart(
                file=path.name,
                source=rows[0]["source"],
                country=rows[0]["country"].upper(),
                language=rows[0]["language"].split("_")[0],
                # only what a connection would give: name, code, parent/group name
                accounts=[
                    AccountInput(name=r["name"], code=r["code"], parent_name=r["parent_name"])
                    for r in rows
                ],
                types=[t for t, _b in labels],
                buckets=[b for _t, b in labels],
            )
        )
    return charts


def fit(charts: Sequence[Chart], seed: int = 7, alpha: float = 1e-4) -> model_module.LinearModel:
    from scipy import sparse  # type: ignore[import-untyped]
    from sklearn.linear_model import SGDClassifier  # type: ignore[import-untyped]

    bucket_names = buckets()
    indptr = [0]
    indices: list[npt.NDArray[np.uint32]] = []
    types: list[int] = []
    bucket_labels: list[int] = []
    for chart in charts:
        hashes, offsets, _k = chart_features(chart.accounts)
        for i in range(len(chart.accounts)):
            kind, bucket = chart.types[i], chart.buckets[i]
            if kind is None:
                continue
            row = np.unique(hashes[offsets[i] : offsets[i + 1]])
            indices.append(row)
            indptr.append(indptr[-1] + len(row))
            types.append(TYPES.index(kind))
            bucket_labels.append(bucket_names.index(bucket) if bucket else -1)
    flat = np.concatenate(indices)
    matrix = sparse.csr_matrix(
        (np.ones(len(flat), dtype=np.float32), flat, np.asarray(indptr)),
        shape=(len(types), 1 << HASH_BITS),
    )
    type_y = np.asarray(types)
    bucket_y = np.asarray(bucket_labels)
    heads = {}
    used = np.zeros(1 << HASH_BITS, dtype=bool)
    for name, x, y, classes in (
        ("type", matrix, type_y, TYPES),
        ("bucket", matrix[bucket_y >= 0], bucket_y[bucket_y >= 0], bucket_names),
    ):
        clf = SGDClassifier(loss="log_loss", alpha=alpha, max_iter=12, tol=None, random_state=seed)
        clf.fit(x, y)
        weights = np.zeros((1 << HASH_BITS, len(classes)), dtype=np.float32)
        bias = np.full(len(classes), -10.0, dtype=np.float32)
        coef, intercept = clf.coef_, clf.intercept_
        if len(clf.classes_) == 2:
            # two classes: one score for the second; the first's is zero (same softmax)
            coef = np.vstack([np.zeros_like(coef[0]), coef[0]])
            intercept = np.asarray([0.0, intercept[0]])
        for column, label in enumerate(clf.classes_):
            weights[:, label] = coef[column]
            bias[label] = intercept[column]
        used |= np.abs(weights).max(axis=1) > 1e-3
        heads[name] = (classes, weights, bias)
    keys = np.flatnonzero(used).astype(np.uint32)
    return model_module.LinearModel(
        keys=keys,
        heads={
            name: model_module.Head(classes=tuple(c), weights=w[keys], bias=b)
            for name, (c, w, b) in heads.items()
        },
    )


def main(argv: list[str]) -> int:
    folder = Path(argv[0]) if argv else Path("/work/shared/data/eval/coa")
    target = Path(__file__).with_name(model_module.MODEL_FILE)
    built = fit(load_charts(folder))
    model_module.save(built, str(target))
    print(f"{target}: {target.stat().st_size / 1e6:.2f} MB, {len(built.keys)} features")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
