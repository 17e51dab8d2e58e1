"""The `ledgerlink` command: demo, serve, worker, sync, import, report, categorize, migrate,
createorg, createuser."""

from __future__ import annotations

import argparse
import base64
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ledgerlink.tenancy.models import Organisation


def _var_dir() -> Path:
    path = Path(os.environ.get("LEDGERLINK_VAR_DIR", Path.cwd() / "var")).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ledgerlink.settings")
    import django

    django.setup()


def _demo_environment(port: int) -> None:
    """Settings for the local demo: embedded SQLite, captured email, plain HTTP on loopback."""
    var = _var_dir()
    key_file = var / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    os.environ.setdefault("LEDGERLINK_VAR_DIR", str(var))
    os.environ.setdefault("SECRET_KEY", key_file.read_text().strip())
    fernet_file = var / "encryption_key"
    if not fernet_file.exists():
        fernet_file.write_text(base64.urlsafe_b64encode(os.urandom(32)).decode())
        fernet_file.chmod(0o600)
    os.environ.setdefault("LEDGERLINK_ENCRYPTION_KEYS", fernet_file.read_text().strip())
    os.environ.setdefault("SANDBOX_CONTROL_ENABLED", "true")
    os.environ.setdefault("EMAIL_BACKEND", "outbox")
    os.environ.setdefault("LEDGERLINK_HTTPS", "false")
    os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")
    os.environ.setdefault("LEDGERLINK_BASE_URL", f"http://127.0.0.1:{port}")


def cmd_migrate(_: argparse.Namespace) -> int:
    _setup_django()
    from django.core.management import call_command

    _var_dir()
    call_command("migrate", interactive=False, verbosity=1)
    return 0


def cmd_createorg(args: argparse.Namespace) -> int:
    _setup_django()
    from ledgerlink.tenancy.services import create_organisation

    try:
        org = create_organisation(name=args.name, slug=args.slug)
    except ValueError as error:
        print(f"Error: {error}", file=sys.stderr)
        return 2
    print(f"Created organisation {org.name} (slug: {org.slug})")
    return 0


def cmd_createuser(args: argparse.Namespace) -> int:
    _setup_django()
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    from ledgerlink.tenancy.models import Organisation
    from ledgerlink.tenancy.services import create_member

    org = Organisation.objects.filter(slug=args.org).first()
    if org is None:
        print(f"Error: no organisation with slug {args.org!r}", file=sys.stderr)
        return 2
    password = args.password
    generated = password is None
    if generated:
        password = secrets.token_urlsafe(12)
    try:
        validate_password(password)
        membership = create_member(
            organisation=org, email=args.email, role=args.role, password=password
        )
    except (ValueError, ValidationError) as error:
        messages = error.messages if isinstance(error, ValidationError) else [str(error)]
        print("Error: " + " ".join(messages), file=sys.stderr)
        return 2
    print(f"User {membership.user.email} is {membership.role} of {org.slug}")
    if generated:
        print(f"Password: {password}")
    return 0


def _gunicorn_command(host: str, port: int, workers: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "ledgerlink.wsgi:application",
        "--bind",
        f"{host}:{port}",
        "--workers",
        str(workers),
        "--threads",
        "4",
        "--worker-class",
        "gthread",
        "--graceful-timeout",
        "10",
        "--no-control-socket",
    ]


def _worker_command() -> list[str]:
    return [sys.executable, "-m", "ledgerlink.cli", "worker"]


def cmd_serve(args: argparse.Namespace) -> int:
    _setup_django()  # fail loudly on bad settings before starting the server
    return subprocess.call(_gunicorn_command(args.host, args.port, args.workers))


def sweep_once() -> list[str]:
    """One round of the sweeper: hand sync runs, report builds, mail and ledger purges whose
    worker died back to the queue, and queue the quarterly Ongoing Insights that are due
    (django-tasks has no scheduler; `enqueue_due_quarterly` is idempotent). Each job runs on
    its own: one failing never stops the others. Returns the names of the jobs that failed."""
    import logging

    from django.db import close_old_connections

    from ledgerlink.audit.chain import seal as seal_audit_events
    from ledgerlink.ledger.services import sweep_purges
    from ledgerlink.notifications.services import requeue_lost_deliveries
    from ledgerlink.reports.services import enqueue_due_quarterly
    from ledgerlink.reports.services import sweep as sweep_reports
    from ledgerlink.sync.engine import sweep as sweep_syncs

    failed: list[str] = []
    for name, job in (
        ("syncs", sweep_syncs),
        ("reports", sweep_reports),
        ("mail", requeue_lost_deliveries),
        ("quarterly", enqueue_due_quarterly),
        ("audit", seal_audit_events),
        ("ledger purges", sweep_purges),
    ):
        try:
            job()
        except Exception:  # a failed sweep is retried at the next interval
            logging.getLogger(__name__).exception("sweep of %s failed", name)
            failed.append(name)
        finally:
            close_old_connections()
    return failed


def _start_sweeper(interval: float) -> None:
    """Run `sweep_once` every `interval` seconds in a daemon thread."""
    import threading

    def loop() -> None:
        while True:
            time.sleep(interval)
            sweep_once()

    threading.Thread(target=loop, name="ledgerlink-sweeper", daemon=True).start()


def cmd_worker(args: argparse.Namespace) -> int:
    _setup_django()
    from django.conf import settings
    from django.core.management import call_command

    if not args.no_sweeper:
        _start_sweeper(settings.LEDGERLINK_SWEEP_INTERVAL_SECONDS)
    call_command("db_worker", interval=args.interval, no_startup_delay=True)
    return 0


def cmd_sync(args: argparse.Namespace) -> int:
    """Sync a company's connection now, in this process, printing progress."""
    _setup_django()
    from ledgerlink.connectors.models import Connection, ConnectionStatus
    from ledgerlink.sync import engine
    from ledgerlink.sync.models import SyncRun

    org = _find_org(args.org)
    if org is None:
        return 2
    connections = list(
        Connection.objects.filter(organisation=org, company__name=args.company)
        .exclude(status=ConnectionStatus.DISCONNECTED)
        .select_related("company")
    )
    if not connections:
        print(
            f"Error: {args.company!r} has no connection to an accounting platform in {org.slug}.",
            file=sys.stderr,
        )
        return 2
    exit_code = 0
    for connection in connections:
        run = engine.start_sync(connection, full=args.full, enqueue=False)
        print(f"Syncing {connection.company.name} from {connection} (run {run.pk})", flush=True)
        started = time.monotonic()

        def progress(sync_run: SyncRun) -> None:
            parts = [f"{dt} {state['records']}" for dt, state in sync_run.progress.items()]
            print("  " + ", ".join(parts), flush=True)

        result = engine.run(run.pk, on_page=progress)
        if result is None:
            print("Another worker is running this sync already.", file=sys.stderr)
            exit_code = 1
            continue
        elapsed = time.monotonic() - started
        print(
            f"{result.status} in {elapsed:.1f}s: {result.records_total} records"
            + (f" ({result.message})" if result.message else ""),
            flush=True,
        )
        if result.status != "succeeded":
            exit_code = 1
    return exit_code


def cmd_audit_verify(args: argparse.Namespace) -> int:
    _setup_django()
    from ledgerlink.audit.chain import seal, verify

    org = _find_org(args.org) if args.org else None
    if args.org and org is None:
        return 2
    sealed = seal()
    breaks = verify(org)
    for broken in breaks:
        print(f"Broken: {broken}", file=sys.stderr)
    if breaks:
        return 1
    print(f"The audit trail is intact ({sealed} new events sealed).")
    return 0


def cmd_audit_export(args: argparse.Namespace) -> int:
    _setup_django()
    from ledgerlink.audit.chain import export_lines, seal

    org = _find_org(args.org)
    if org is None:
        return 2
    seal()
    count = 0
    with open(args.out, "w", encoding="utf-8") as out:
        for line in export_lines(org):
            out.write(line + "\n")
            count += 1
    print(f"Wrote {count} audit events of {org.slug} to {args.out} (JSON Lines).")
    return 0


def cmd_rotate_keys(_: argparse.Namespace) -> int:
    _setup_django()
    from ledgerlink.connectors.services import rotate_keys

    print(f"Re-encrypted {rotate_keys()} stored secrets with the first key.")
    return 0


def _find_org(slug: str | None) -> Organisation | None:
    from ledgerlink.tenancy.models import Organisation

    if slug:
        org = Organisation.objects.filter(slug=slug).first()
        if org is None:
            print(f"Error: no organisation with slug {slug!r}", file=sys.stderr)
        return org
    orgs = list(Organisation.objects.all()[:2])
    if len(orgs) != 1:
        print("Error: name the organisation with --org SLUG", file=sys.stderr)
        return None
    return orgs[0]


def cmd_demo(args: argparse.Namespace) -> int:
    _demo_environment(args.port)
    _setup_django()
    from django.core.management import call_command

    from ledgerlink.demo.seed import DEMO_EMAIL, DEMO_PASSWORD, seed_demo

    call_command("migrate", interactive=False, verbosity=0)
    seed_demo()
    from ledgerlink.sandbox.services import ensure_demo_tenants

    ensure_demo_tenants()
    from contextlib import ExitStack

    from ledgerlink.conf.env import env_bool

    fakes = ExitStack()
    env = dict(os.environ)
    if args.fakes or env_bool("LEDGERLINK_DEMO_FAKES", False):
        from ledgerlink.fakes.demo import serving

        # The fakes keep their state in this process; web server and worker reach them by HTTP.
        env.update(fakes.enter_context(serving()))
    with fakes:
        return _serve_demo(args.port, env, DEMO_EMAIL, DEMO_PASSWORD)


def _serve_demo(port: int, env: dict[str, str], email: str, password: str) -> int:
    children = [
        subprocess.Popen(_gunicorn_command("127.0.0.1", port, 1), env=env),
        subprocess.Popen(_worker_command(), env=env),
    ]
    print(f"URL: http://127.0.0.1:{port}/", flush=True)
    print(f"Email: {email}", flush=True)
    print(f"Password: {password}", flush=True)
    if "XERO_API_URL" in env and env["XERO_API_URL"].startswith("http://127.0.0.1"):
        print(
            f"Fake Xero at {env['XERO_API_URL']}, fake QuickBooks at {env['QBO_API_URL']}",
            flush=True,
        )
    print("Serving the demo (web server and task worker). Press Ctrl-C to stop.", flush=True)

    def stop(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    exit_code = 0
    try:
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
        exit_code = 1  # a child died on its own
        print("A demo process stopped unexpectedly; shutting down.", file=sys.stderr)
    except KeyboardInterrupt:
        pass
    finally:
        for child in children:
            if child.poll() is None:
                child.terminate()
        for child in children:
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
    return exit_code


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ledgerlink", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="set up and run the demo on the embedded database")
    demo.add_argument("--port", type=int, default=8000)
    demo.add_argument(
        "--fakes",
        action="store_true",
        help="also serve a fake Xero and QuickBooks and offer them in the journey "
        "(or set LEDGERLINK_DEMO_FAKES=1)",
    )
    demo.set_defaults(func=cmd_demo)

    serve = sub.add_parser("serve", help="run the web server (Gunicorn)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "2")))
    serve.set_defaults(func=cmd_serve)

    worker = sub.add_parser("worker", help="run a background task worker (and the sweeper)")
    worker.add_argument("--interval", type=float, default=1.0, help="seconds between polls")
    worker.add_argument("--no-sweeper", action="store_true", help="do not sweep stale runs")
    worker.set_defaults(func=cmd_worker)

    sync = sub.add_parser("sync", help="sync a company's accounting data now")
    sync.add_argument("--company", required=True, help="company name")
    sync.add_argument("--org", help="organisation slug (default: the only one)")
    sync.add_argument("--full", action="store_true", help="read everything, not only changes")
    sync.set_defaults(func=cmd_sync)

    audit_verify = sub.add_parser(
        "audit-verify", help="seal new audit events and check the audit hash chain"
    )
    audit_verify.add_argument("--org", help="organisation slug (default: all)")
    audit_verify.set_defaults(func=cmd_audit_verify)
    audit_export = sub.add_parser(
        "audit-export", help="write an organisation's audit trail as JSON Lines"
    )
    audit_export.add_argument("--org", required=True, help="organisation slug")
    audit_export.add_argument("--out", required=True, help="output .jsonl file")
    audit_export.set_defaults(func=cmd_audit_export)
    rotate = sub.add_parser("rotate-keys", help="re-encrypt stored secrets with the newest key")
    rotate.set_defaults(func=cmd_rotate_keys)

    import importlib

    try:
        imports_cli = importlib.import_module("ledgerlink.imports.cli")
    except ImportError:  # the file-import commands are optional
        pass
    else:
        imports_cli.add_import_command(sub)

    from ledgerlink.reports.cli import add_report_command

    add_report_command(sub)
    from ledgerlink.financials.cli import add_categorize_command

    add_categorize_command(sub)

    migrate = sub.add_parser("migrate", help="create or update the database tables")
    migrate.set_defaults(func=cmd_migrate)

    createorg = sub.add_parser("createorg", help="create an organisation")
    createorg.add_argument("name")
    createorg.add_argument("--slug")
    createorg.set_defaults(func=cmd_createorg)

    createuser = sub.add_parser("createuser", help="create a user in an organisation")
    createuser.add_argument("email")
    createuser.add_argument("--org", required=True, help="organisation slug")
    createuser.add_argument("--role", required=True, choices=["admin", "analyst", "viewer"])
    createuser.add_argument("--password", help="at least 12 characters; generated if omitted")
    createuser.set_defaults(func=cmd_createuser)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from ledgerlink.conf.env import ConfigurationError

    try:
        result: int = args.func(args)
    except ConfigurationError as error:
        print(f"Configuration error: {error}", file=sys.stderr)
        return 3
    return result


if __name__ == "__main__":
    sys.exit(main())
