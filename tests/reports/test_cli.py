"""`ledgerlink report TYPE --company NAME --out FILE`: synchronous, timed, clear errors."""

import openpyxl
import pytest
from pptx import Presentation

from ledgerlink.cli import main
from ledgerlink.reports import registry

from .test_builds import import_fixture


@pytest.fixture
def imported(tenant, other_tenant):
    import_fixture(tenant.company)
    return tenant


def test_spend_analysis_for_a_period(imported, tmp_path, capsys):
    out = tmp_path / "sa.xlsx"
    code = main(
        [
            "report",
            "spend-analysis",
            "--company",
            imported.company.name,
            "--org",
            "alpha",
            "--out",
            str(out),
            "--start",
            "2024-01-01",
            "--end",
            "2024-03-31",
        ]
    )
    printed = capsys.readouterr().out
    assert code == 0, printed
    assert "Generated in" in printed and "bills: 3" in printed
    book = openpyxl.load_workbook(out, read_only=True)
    assert book.sheetnames[0] == "Customer"
    assert "Spend Analysis" in book.sheetnames
    assert "Entity Spend Breakdown" in book.sheetnames  # the fixture company has an entity
    assert not (tmp_path / "sa.xlsx.partial").exists()


@pytest.mark.parametrize("kind", [k for k in registry.type_keys() if k != "spend-analysis"])
def test_every_other_type(imported, tmp_path, kind):
    out = tmp_path / f"r.{registry.get(kind).extension}"
    args = ["report", kind, "--company", imported.company.name, "--org", "alpha"]
    code = main([*args, "--out", str(out), "--start", "2024-01-01", "--end", "2024-06-30"])
    assert code == 0
    if out.suffix == ".pptx":
        assert len(Presentation(str(out)).slides) == 1
    else:
        assert openpyxl.load_workbook(out, read_only=True).sheetnames


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nonsense", "--company", "Alpha Bank Client Ltd"], "unknown report type"),
        (["visa", "--company", "Nobody Ltd"], "no company named"),
        (["visa", "--company", "Beta Bank Client Ltd"], "no company named"),  # other org
        (
            [
                "visa",
                "--company",
                "Alpha Bank Client Ltd",
                "--start",
                "2024-13-01",
                "--end",
                "2024-12-31",
            ],
            "not a date",
        ),
        (
            ["visa", "--company", "Alpha Bank Client Ltd", "--start", "2024-01-01"],
            "both --start and --end",
        ),
        (
            [
                "visa",
                "--company",
                "Alpha Bank Client Ltd",
                "--start",
                "2024-02-01",
                "--end",
                "2024-01-01",
            ],
            "before --start",
        ),
    ],
)
def test_errors_exit_non_zero_and_write_nothing(imported, tmp_path, capsys, args, message):
    out = tmp_path / "x.xlsx"
    code = main(["report", *args, "--org", "alpha", "--out", str(out)])
    assert code == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_unwritable_output_is_a_clear_error(imported, tmp_path, capsys):
    out = tmp_path / "missing-dir" / "x.xlsx"
    args = ["report", "visa", "--company", imported.company.name, "--org", "alpha"]
    assert main([*args, "--out", str(out)]) == 2
    assert "Error:" in capsys.readouterr().err
