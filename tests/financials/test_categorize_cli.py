"""`ledgerlink categorize CHART.csv --out OUT.csv`, and the engine without Django."""

from __future__ import annotations

import csv

from ledgerlink.cli import main
from ledgerlink.financials.categorise.engine import AccountInput, suggest
from ledgerlink.financials.taxonomy import taxonomy

CHART = """code,name,parent_name,language,country
,Aktiva,,de,DE
1200,Bank,Aktiva,de,DE
1400,Forderungen aus Lieferungen und Leistungen,Aktiva,de,DE
,Passiva,,de,DE
1600,Verbindlichkeiten aus Lieferungen und Leistungen,Passiva,de,DE
,Aufwendungen,,de,DE
4120,Gehälter,Aufwendungen,de,DE
4210,Miete,Aufwendungen,de,DE
,Erlöse,,de,DE
8400,Erlöse 19 % USt,Erlöse,de,DE
9999,=HYPERLINK("http://x"),,de,DE
"""


def test_categorize_writes_a_category_for_every_account(tmp_path, capsys):
    source, target = tmp_path / "chart.csv", tmp_path / "out.csv"
    source.write_text(CHART, encoding="utf-8")
    assert main(["categorize", str(source), "--out", str(target)]) == 0
    assert "11 accounts categorised" in capsys.readouterr().out
    with target.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 11
    by_name = {r["name"]: r for r in rows}
    assert by_name["Bank"]["suggested_detail"] == "cash"
    assert by_name["Gehälter"]["suggested_detail"] == "payroll"
    assert by_name["Miete"]["suggested_detail"] == "rent_and_premises"
    assert by_name["Erlöse 19 % USt"]["suggested_type"] == "income"
    assert by_name["Verbindlichkeiten aus Lieferungen und Leistungen"]["suggested_type"] == (
        "liability"
    )
    for row in rows:
        assert taxonomy().is_valid(
            row["suggested_type"], row["suggested_subtype"], row["suggested_detail"]
        )
        assert 0 <= float(row["confidence"]) <= 1
        assert row["needs_review"] in ("True", "False")
    assert '\'=HYPERLINK("http://x")' in by_name  # neutralised, never a formula


def test_categorize_refuses_a_file_without_names(tmp_path, capsys):
    source = tmp_path / "chart.csv"
    source.write_text("code,label\n1000,Cash\n", encoding="utf-8")
    assert main(["categorize", str(source), "--out", str(tmp_path / "out.csv")]) == 2
    assert "'name' column" in capsys.readouterr().err
    assert not (tmp_path / "out.csv").exists()


def test_platform_evidence_wins_over_a_misleading_name():
    card, savings = suggest(
        [
            AccountInput(name="Amex 1003", code="095", platform_type="creditcard",
                         classification="liability"),
            AccountInput(name="Amex 1003 rewards", code="096", classification="asset",
                         statement="bs"),
        ]
    )  # fmt: skip
    assert (card.type, card.detail) == ("liability", "credit_cards")
    assert savings.type == "asset"


def test_low_confidence_is_flagged_for_review():
    unknown, clear = suggest([AccountInput(name="Xq"), AccountInput(name="Accounts Receivable")])
    assert unknown.needs_review and unknown.confidence < 0.6
    assert not clear.needs_review and clear.detail == "accounts_receivable"
