"""The `ledgerlink` command: createorg, createuser, migrate, demo, and deploy checks."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from ledgerlink.cli import main
from ledgerlink.demo.seed import COMPANIES, DEMO_ORG_SLUG, seed_demo
from ledgerlink.relationships.models import Company
from ledgerlink.tenancy.models import Membership, Organisation

ROOT = Path(__file__).resolve().parent.parent


def clean_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """An environment like a fresh shell's: none of the test settings leak in."""
    env = {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", str(tmp_path)),
        "LEDGERLINK_VAR_DIR": str(tmp_path / "var"),
    }
    env.update(extra)
    return env


def run_cli(args, env, timeout=120):
    return subprocess.run(
        [sys.executable, "-m", "ledgerlink.cli", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_createorg_and_createuser(db, capsys):
    assert main(["createorg", "Gamma Bank", "--slug", "gamma"]) == 0
    assert Organisation.objects.get(slug="gamma").name == "Gamma Bank"
    assert main(["createorg", "Gamma Again", "--slug", "gamma"]) == 2
    assert "already exists" in capsys.readouterr().err
    assert (
        main(
            [
                "createuser",
                "ana@gamma.test",
                "--org",
                "gamma",
                "--role",
                "analyst",
                "--password",
                "a sufficiently long one",
            ]
        )
        == 0
    )
    member = Membership.objects.get(user__email="ana@gamma.test")
    assert member.role == "analyst" and member.user.check_password("a sufficiently long one")
    assert main(["createuser", "bob@gamma.test", "--org", "gamma", "--role", "viewer"]) == 0
    assert "Password: " in capsys.readouterr().out  # generated and shown once
    assert main(["createuser", "c@gamma.test", "--org", "nope", "--role", "viewer"]) == 2
    assert (
        main(
            [
                "createuser",
                "c@gamma.test",
                "--org",
                "gamma",
                "--role",
                "viewer",
                "--password",
                "short",
            ]
        )
        == 2
    )
    with pytest.raises(SystemExit):
        main(["createuser", "c@gamma.test", "--org", "gamma", "--role", "overlord"])


def test_demo_seed_has_companies_in_every_state_and_is_idempotent(db):
    org = seed_demo()
    seed_demo()
    assert Organisation.objects.filter(slug=DEMO_ORG_SLUG).count() == 1
    top = Company.objects.filter(organisation=org, parent__isnull=True)
    assert top.count() == len(COMPANIES)
    statuses = {c.request_display_status for c in top.select_related("latest_request")}
    assert statuses == {"", "sent", "opened", "in_progress", "completed", "expired", "revoked"}
    assert Company.objects.filter(organisation=org, parent__isnull=False).exists()
    assert {m.role for m in org.memberships.all()} == {"admin", "analyst", "viewer"}


def test_migrate_uses_the_embedded_sqlite_database_without_database_url(tmp_path):
    env = clean_env(
        tmp_path,
        SECRET_KEY="s" * 10 + "Kq2!vB7xZ0pL" * 4,
        LEDGERLINK_ENCRYPTION_KEYS=PRODUCTION_ENV["LEDGERLINK_ENCRYPTION_KEYS"],
    )
    result = run_cli(["migrate"], env)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "var" / "ledgerlink.sqlite3").stat().st_size > 0
    created = run_cli(["createorg", "Delta Bank"], env)
    assert created.returncode == 0 and "slug: delta-bank" in created.stdout


def test_commands_fail_loudly_on_missing_settings(tmp_path):
    result = run_cli(["migrate"], clean_env(tmp_path))
    assert result.returncode == 3
    assert "SECRET_KEY is required" in result.stderr


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_demo_command_serves_the_portal_until_interrupted(tmp_path):
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "ledgerlink.cli", "demo", "--port", str(port)],
        env=clean_env(tmp_path),
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        printed = {}
        deadline = time.monotonic() + 90
        while "Password" not in printed and time.monotonic() < deadline:
            line = process.stdout.readline()
            if ": " in line:
                key, _, value = line.partition(": ")
                printed[key.strip()] = value.strip()
        assert printed["URL"] == f"http://127.0.0.1:{port}/"
        assert printed["Email"] and len(printed["Password"]) >= 12
        body = ""
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=5) as r:
                    body = r.read().decode()
                    break
            except OSError:
                time.sleep(0.3)
        assert "Sign in to the Relationship Portal" in body
        assert (tmp_path / "var" / "ledgerlink.sqlite3").exists()
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0


PRODUCTION_ENV = {
    "SECRET_KEY": "p" * 8 + "Zx4!qW9#rT2$yU7%" * 4,
    "ALLOWED_HOSTS": "ledgerlink.bank.example",
    "DATABASE_URL": "postgres://ledgerlink@127.0.0.1:5432/ledgerlink",
    "EMAIL_HOST": "smtp.bank.example",
    "LEDGERLINK_ENCRYPTION_KEYS": "u0e6Xo3iVnA2bJ0w8m3cS0xq9Vd2fT5kH7pL1yR4gZc=",
}


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=clean_env(tmp_path, **PRODUCTION_ENV),
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_migrations_match_the_models(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "makemigrations", "--check", "--dry-run"],
        env=clean_env(
            tmp_path,
            SECRET_KEY=PRODUCTION_ENV["SECRET_KEY"],
            LEDGERLINK_ENCRYPTION_KEYS=PRODUCTION_ENV["LEDGERLINK_ENCRYPTION_KEYS"],
        ),
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_demo_completed_company_has_books_and_its_reports_build(
    db, django_capture_on_commit_callbacks
):
    from ledgerlink.ledger.models import Bill
    from ledgerlink.reports.models import Report, ReportStatus
    from ledgerlink.reports.services import build_company_reports

    with django_capture_on_commit_callbacks(execute=False):
        org = seed_demo()
    completed = Company.objects.get(organisation=org, name="Bluewater Hotels Group")
    entities = Company.objects.filter(parent=completed)
    assert Bill.objects.filter(company__in=entities).count() == 2000
    assert not Bill.objects.exclude(company__in=entities).exists()
    build_company_reports(completed.pk)
    statuses = dict(Report.objects.filter(company=completed).values_list("report_type", "status"))
    assert statuses["spend-analysis"] == ReportStatus.AVAILABLE
    assert statuses["spend-summary"] == ReportStatus.AVAILABLE
    # Two entities with books: financials are per legal entity, and the row says so.
    financials = Report.objects.get(company=completed, report_type="financials")
    assert financials.status == ReportStatus.UNAVAILABLE
    assert "Bluewater UK Ltd" in financials.message
