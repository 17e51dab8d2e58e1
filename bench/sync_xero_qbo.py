"""Sync 100,000 bills with their payments from the fake Xero and the fake QuickBooks over
loopback, under each platform's real rate limits, into the database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ledgerlink_bench \\
        uv run python bench/sync_xero_qbo.py [--platform xero|qbo|both] [--bills 100000]
        [--speedup 1]

Xero allows 60 calls a minute per organisation (and 5 in flight), QuickBooks 500 a minute
and 10 a second per company. Each fake runs in its own process, so its CPU is not counted.
Printed per platform: wall time, the time the connector's limiter made the sync wait, the
limit-bound minimum for the calls made, and this process's CPU time per 1,000 records.
`--speedup S` divides every rate-limit window by S in the fake and in the connector alike
(S=1 is the platforms' real clock).
"""

from __future__ import annotations

import argparse
import re
import resource
import secrets
import socket
import subprocess
import sys
import time
from urllib.parse import parse_qs

import httpx
from _django import ROOT, setup

setup()

from django.conf import settings  # noqa: E402

from ledgerlink.connectors import registry  # noqa: E402
from ledgerlink.connectors.limiter import RateLimiter  # noqa: E402
from ledgerlink.connectors.models import Connection  # noqa: E402
from ledgerlink.connectors.qbo import client as qbo_client  # noqa: E402
from ledgerlink.connectors.xero import client as xero_client  # noqa: E402
from ledgerlink.relationships.models import Company  # noqa: E402
from ledgerlink.sync import engine  # noqa: E402
from ledgerlink.tenancy.services import create_organisation  # noqa: E402

REDIRECT = "https://bench.example/cb"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def configure(platform: str, url: str, speedup: int) -> tuple[str, RateLimiter]:
    settings.LEDGERLINK_RATE_LIMIT_SPEEDUP = speedup
    if platform == "xero":
        settings.XERO_CLIENT_ID = "fake-xero-client"
        settings.XERO_CLIENT_SECRET = "fake-xero-secret"
        settings.XERO_AUTHORIZE_URL = url + "/identity/connect/authorize"
        settings.XERO_TOKEN_URL = url + "/connect/token"
        settings.XERO_REVOKE_URL = url + "/connect/revocation"
        settings.XERO_API_URL = url
        return "xero", xero_client.limiter()
    settings.QBO_CLIENT_ID = "fake-qbo-client"
    settings.QBO_CLIENT_SECRET = "fake-qbo-secret"
    settings.QBO_AUTHORIZE_URL = url + "/connect/oauth2"
    settings.QBO_TOKEN_URL = url + "/oauth2/v1/tokens/bearer"
    settings.QBO_REVOKE_URL = url + "/v2/oauth2/tokens/revoke"
    settings.QBO_API_URL = url
    return "quickbooks", qbo_client.limiter()


def authorise(key: str, tenant: str) -> tuple[str, str]:
    connector = registry.get(key)
    verifier = secrets.token_urlsafe(48)
    start = connector.authorisation_url(redirect_uri=REDIRECT, state="s", code_verifier=verifier)
    with httpx.Client(timeout=30) as browser:
        page = browser.get(start)
        fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', page.text))
        back = browser.post(str(page.url), data={**fields, "decision": "allow", "tenant": tenant})
    code = parse_qs(back.headers["Location"].split("?", 1)[1])["code"][0]
    token = connector.exchange_code(code=code, redirect_uri=REDIRECT, code_verifier=verifier)
    return token.access_token, token.refresh_token


def bench(platform: str, bills: int, speedup: int) -> None:
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ledgerlink.fakes.run",
            platform,
            "--port",
            str(port),
            "--bills",
            str(bills),
            "--speedup",
            str(speedup),
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
        url, tenant = server.stdout.readline().split()
        key, limiter = configure(platform, url, speedup)
        access, refresh = authorise(key, tenant)
        org = create_organisation(name=f"Bench {secrets.token_hex(3)}", slug=secrets.token_hex(6))
        company = Company.objects.create(organisation=org, name=f"{platform} bench client")
        connection = Connection.objects.create(
            organisation=org,
            company=company,
            platform=key,
            tenant_id=tenant,
            tenant_name="Bench",
            access_token=access,
            refresh_token=refresh,
        )
        limiter.reset()
        run = engine.start_sync(connection, enqueue=False)
        cpu_before, wall_before = cpu(), time.monotonic()
        engine.run(run.pk)
        wall, used = time.monotonic() - wall_before, cpu() - cpu_before
        run.refresh_from_db()
        records = sum(int(state["records"]) for state in run.progress.values())
        windows = [(limit.calls, limit.seconds) for limit in limiter.limits if limit.per_tenant]
        floor = max(max(0, limiter.calls - calls) * seconds / calls for calls, seconds in windows)
        floor /= speedup
        print(f"{platform}: status {run.status} {run.message}")
        print(
            f"  records {records:,} ({run.progress['bills']['records']:,} bills, "
            f"{run.progress['bill_payments']['records']:,} bill payments) in {limiter.calls} calls"
        )
        print(
            f"  wall {wall:.1f}s; waited for the limiter {limiter.waited:.1f}s "
            f"({100 * limiter.waited / wall:.0f}% of wall); limit-bound minimum {floor:.1f}s "
            f"at speedup {speedup}"
        )
        per_thousand = 1_000_000 * used / max(records, 1)
        print(f"  CPU of this process {used:.1f}s = {per_thousand:.0f} ms per 1,000 records")
    finally:
        server.terminate()
        server.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--platform", choices=["xero", "qbo", "both"], default="both")
    parser.add_argument("--bills", type=int, default=100_000)
    parser.add_argument("--speedup", type=int, default=1)
    args = parser.parse_args()
    for platform in ("xero", "qbo") if args.platform == "both" else (args.platform,):
        bench(platform, args.bills, args.speedup)


if __name__ == "__main__":
    main()
