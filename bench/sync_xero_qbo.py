"""Sync 100,000 bills with their payments from the fake Xero over loopback, under Xero's
real rate limits (60 calls a minute and 5 in flight per tenant) on a faster clock.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ledgerlink_bench \\
        uv run python bench/sync_xero_qbo.py [--bills 100000] [--speedup 4]

The fake runs in its own process (its CPU is not counted). Printed: wall time, time the
limiter made the sync wait, the limit-bound minimum (calls / per-minute limit), and this
process's CPU time per 1,000 records. `--speedup S` divides every rate-limit window by S,
in the fake and in the connector alike (S=1 is the real clock).
"""

from __future__ import annotations

import argparse
import resource
import secrets
import socket
import subprocess
import sys
import time

from _django import ROOT, setup

setup()

from django.conf import settings  # noqa: E402

from ledgerlink.connectors import crypto  # noqa: E402
from ledgerlink.connectors.models import Connection  # noqa: E402
from ledgerlink.connectors.xero import XeroConnector, client  # noqa: E402
from ledgerlink.relationships.models import Company  # noqa: E402
from ledgerlink.sync import engine  # noqa: E402
from ledgerlink.tenancy.services import create_organisation  # noqa: E402


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def authorise(url: str, tenant_id: str) -> tuple[str, str]:
    import re
    from urllib.parse import parse_qs

    import httpx

    redirect = "https://bench.example/cb"
    verifier = secrets.token_urlsafe(48)
    connector = XeroConnector()
    start = connector.authorisation_url(redirect_uri=redirect, state="s", code_verifier=verifier)
    with httpx.Client(timeout=30) as browser:
        page = browser.get(start)
        fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', page.text))
        back = browser.post(
            str(page.url), data={**fields, "decision": "allow", "tenant": tenant_id}
        )
    code = parse_qs(back.headers["Location"].split("?", 1)[1])["code"][0]
    token = connector.exchange_code(code=code, redirect_uri=redirect, code_verifier=verifier)
    return token.access_token, token.refresh_token


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bills", type=int, default=100_000)
    parser.add_argument("--speedup", type=int, default=1)
    args = parser.parse_args()
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ledgerlink.fakes.run",
            "xero",
            "--port",
            str(port),
            "--bills",
            str(args.bills),
            "--speedup",
            str(args.speedup),
            "--suppliers",
            "2000",
            "--expenses",
            "5000",
        ],
        cwd=ROOT / "src",
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        url, tenant_id = server.stdout.readline().split()
        settings.XERO_CLIENT_ID = "fake-xero-client"
        settings.XERO_CLIENT_SECRET = "fake-xero-secret"
        settings.XERO_AUTHORIZE_URL = url + "/identity/connect/authorize"
        settings.XERO_TOKEN_URL = url + "/connect/token"
        settings.XERO_REVOKE_URL = url + "/connect/revocation"
        settings.XERO_API_URL = url
        settings.LEDGERLINK_RATE_LIMIT_SPEEDUP = args.speedup
        access, refresh = authorise(url, tenant_id)
        org = create_organisation(name=f"Bench {secrets.token_hex(3)}", slug=secrets.token_hex(6))
        company = Company.objects.create(organisation=org, name="Xero bench client")
        connection = Connection.objects.create(
            organisation=org,
            company=company,
            platform="xero",
            tenant_id=tenant_id,
            tenant_name="Bench Trading",
            access_token_encrypted=crypto.encrypt(access),
            refresh_token_encrypted=crypto.encrypt(refresh),
        )
        limiter = client.limiter()
        limiter.reset()
        run = engine.start_sync(connection, enqueue=False)
        cpu_before, wall_before = cpu(), time.monotonic()
        engine.run(run.pk)
        wall, used = time.monotonic() - wall_before, cpu() - cpu_before
        run.refresh_from_db()
        records = sum(int(state["records"]) for state in run.progress.values())
        floor = max(0, limiter.calls - 60) * 60 / 60 / args.speedup
        print(f"status {run.status} {run.message}")
        print(
            f"records {records:,} ({run.progress['bills']['records']:,} bills, "
            f"{run.progress['bill_payments']['records']:,} bill payments) in {limiter.calls} calls"
        )
        print(
            f"wall {wall:.1f}s; waited for the limiter {limiter.waited:.1f}s "
            f"({100 * limiter.waited / wall:.0f}% of wall); limit-bound minimum {floor:.1f}s "
            f"at speedup {args.speedup} (= {floor * args.speedup / 60:.1f} min on the real clock)"
        )
        per_thousand = 1_000_000 * used / max(records, 1)
        print(f"CPU of this process {used:.1f}s = {per_thousand:.0f} ms per 1,000 records")
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
