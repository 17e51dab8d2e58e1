"""`ledgerlink import FILE --company NAME [--org SLUG]`."""

import argparse

from ledgerlink.imports.cli import add_import_command
from ledgerlink.imports.models import FileImport
from ledgerlink.ledger import models as ledger
from ledgerlink.relationships.models import Company
from ledgerlink.tenancy.services import create_organisation

from .helpers import valid_rows, with_cell, xlsx


def run(*argv):
    parser = argparse.ArgumentParser(prog="ledgerlink")
    sub = parser.add_subparsers(dest="command", required=True)
    add_import_command(sub)
    args = parser.parse_args(["import", *map(str, argv)])
    return args.func(args)


def test_imports_into_a_new_company_of_the_only_organisation(db, tmp_path, capsys):
    org = create_organisation(name="Solo Bank", slug="solo")
    path = tmp_path / "spend.xlsx"
    path.write_bytes(xlsx())
    assert run(path, "--company", "Acme Trading") == 0
    out = capsys.readouterr().out
    assert (
        "Imported spend.xlsx into Acme Trading (solo), a new company: 1 company information, "
        "3 suppliers, 3 bills, 2 bill payments, 2 expenses." in out
    )
    assert "  Bills: 3" in out
    company = Company.objects.get(organisation=org, name="Acme Trading")
    assert ledger.Bill.objects.filter(company=company).count() == 3
    # Again, into the same company: it is found, not created twice.
    assert run(path, "--company", "Acme Trading", "--org", "solo") == 0
    assert Company.objects.filter(name="Acme Trading").count() == 1
    assert "a new company" not in capsys.readouterr().out


def test_problems_are_printed_and_exit_code_is_2(db, tmp_path, capsys):
    create_organisation(name="Solo Bank", slug="solo")
    path = tmp_path / "bad.xlsx"
    rows = with_cell("Bills", 3, 4, "2024-02-30")
    rows["Bills"][0][6] = "1,000.00"
    path.write_bytes(xlsx(rows))
    assert run(path, "--company", "Acme") == 2
    err = capsys.readouterr().err
    assert (
        "Rejected bad.xlsx for Acme (solo), a new company: 2 problems; nothing was imported." in err
    )
    assert "  Bills, row 2, Total amount: Total amount 1,000.00 uses a thousands separator" in err
    assert "  Bills, row 3, Due date: Due date 2024-02-30 is not a date: use YYYY-MM-DD" in err
    assert FileImport.objects.get().status == "rejected"


def test_organisation_choice(tenant, other_tenant, tmp_path, capsys):
    path = tmp_path / "spend.xlsx"
    path.write_bytes(xlsx(valid_rows()))
    assert run(path, "--company", "X") == 2
    assert "several organisations: choose one with --org SLUG" in capsys.readouterr().err
    assert run(path, "--company", "X", "--org", "nope") == 2
    assert "no organisation with slug 'nope'" in capsys.readouterr().err
    assert run(path, "--company", tenant.company.name, "--org", "alpha") == 0
    assert ledger.Supplier.objects.filter(company=tenant.company).count() == 3
    assert not ledger.Supplier.objects.filter(company__organisation=other_tenant.org).exists()


def test_missing_file_and_no_organisation(db, tmp_path, capsys):
    assert run(tmp_path / "x.xlsx", "--company", "A") == 2
    assert "there is no organisation yet" in capsys.readouterr().err
    create_organisation(name="Solo Bank", slug="solo")
    assert run(tmp_path / "missing.xlsx", "--company", "A") == 2
    assert "cannot read" in capsys.readouterr().err
