"""The `ledgerlink` command: demo, serve, worker, migrate, createorg, createuser."""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path


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
        from cryptography.fernet import Fernet

        fernet_file.write_text(Fernet.generate_key().decode())
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
        "--access-logfile",
        "-",
        "--graceful-timeout",
        "10",
        "--no-control-socket",
    ]


def _worker_command() -> list[str]:
    return [sys.executable, "-m", "ledgerlink.cli", "worker"]


def cmd_serve(args: argparse.Namespace) -> int:
    _setup_django()  # fail loudly on bad settings before starting the server
    return subprocess.call(_gunicorn_command(args.host, args.port, args.workers))


def cmd_worker(_: argparse.Namespace) -> int:
    _setup_django()
    from django.core.management import call_command

    call_command("db_worker", interval=1.0, no_startup_delay=True)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    _demo_environment(args.port)
    _setup_django()
    from django.core.management import call_command

    from ledgerlink.demo.seed import DEMO_EMAIL, DEMO_PASSWORD, seed_demo

    call_command("migrate", interactive=False, verbosity=0)
    seed_demo()
    env = dict(os.environ)
    children = [
        subprocess.Popen(_gunicorn_command("127.0.0.1", args.port, 1), env=env),
        subprocess.Popen(_worker_command(), env=env),
    ]
    print(f"URL: http://127.0.0.1:{args.port}/", flush=True)
    print(f"Email: {DEMO_EMAIL}", flush=True)
    print(f"Password: {DEMO_PASSWORD}", flush=True)
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
    demo.set_defaults(func=cmd_demo)

    serve = sub.add_parser("serve", help="run the web server (Gunicorn)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "2")))
    serve.set_defaults(func=cmd_serve)

    worker = sub.add_parser("worker", help="run a background task worker")
    worker.set_defaults(func=cmd_worker)

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
