"""CPU the sandbox *server* spends per record served: a full paginated pass over real HTTP.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ledgerlink_bench \\
        uv run python bench/sandbox_server.py [--bills N] [--workers 2] [--since ISO]

The sandbox runs in a separate Gunicorn process (2 workers by default), as in
bench/sync_sandbox.py; this process reads every page of every data type of a 1,000,000-bill
tenant the way the sync client does (page size 10,000, the next page asked for as soon as a
page's bytes have arrived, so the two workers take turns) but does nothing with the pages
except hash them. It prints, per data type, the server's CPU time (user + system of the
Gunicorn processes, from /proc) in µs per record, wall time, and at the end the workers' peak
RSS (VmHWM) and how much it grew during the pass. The tenant is pinned in time (creation,
id, seed), so the printed SHA-256 of all bodies is the same from run to run: equal hashes
before and after a change prove the API returned the same bytes.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import socket
import subprocess
import sys
import time
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime

import orjson
from _django import ROOT, setup

setup()

from django.conf import settings  # noqa: E402

from ledgerlink.connectors.sandbox import SandboxConnector  # noqa: E402
from ledgerlink.sandbox.models import SandboxTenant  # noqa: E402
from ledgerlink.sandbox.services import create_tenant  # noqa: E402

DATA_TYPES = (
    "company",
    "accounts",
    "suppliers",
    "bills",
    "bill-payments",
    "expenses",
    "reports/profit-and-loss",
    "reports/balance-sheet",
)
CREATED = datetime(2026, 5, 1, 12, tzinfo=UTC)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as found:
            return [int(child) for child in found.read().split()]
    except OSError:
        return []


def cpu_seconds(pids: list[int], *, system_only: bool = False) -> float:
    """User + system CPU seconds of these processes (or system only)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (0 if system_only else int(fields[11])) + int(fields[12])  # utime, stime
    return total / tick


def memory_mb(pid: int, field: str) -> float:
    """VmRSS (now) or VmHWM (peak) of a process, in MB."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


def wait_until_up(url: str) -> None:
    import httpx

    for _ in range(300):
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise SystemExit(f"server at {url} did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bills", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--page-size", type=int, default=10_000)
    parser.add_argument("--since", default="", help="modified_since for an incremental pass")
    parser.add_argument("--types", default="", help="comma-separated data types (default all)")
    args = parser.parse_args()
    import httpx

    bills = args.bills
    sizes = (max(1, bills // 20), bills, bills, bills * 3 // 10)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "LEDGERLINK_BASE_URL": base,
        "SANDBOX_REDIRECT_URIS": base + "/journey/callback/sandbox",
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "PYTHONPATH": str(ROOT),
    }
    if not env.get("DATABASE_URL"):
        env["DATABASE_URL"] = f"sqlite:///{settings.DATABASES['default']['NAME']}"
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "ledgerlink.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(args.workers),
            "--no-control-socket",
            "--timeout",
            "300",
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until_up(base + "/login/")
        settings.LEDGERLINK_SANDBOX_URL = base + "/sandbox"
        settings.LEDGERLINK_BASE_URL = base
        settings.SANDBOX_REDIRECT_URIS = [base + "/journey/callback/sandbox"]
        sys.path.insert(0, str(ROOT))
        from tests.sandbox.conftest import authorise

        # Pinned in time and id, so every run serves the same bytes.
        public_id = f"bench000-0000-4000-8000-{bills:012d}"
        SandboxTenant.objects.filter(public_id=public_id).delete()
        tenant = create_tenant(
            "Benchmark Books Ltd", 42, *sizes, public_id=public_id, rate_limit_per_minute=10**6
        )
        SandboxTenant.objects.filter(pk=tenant.pk).update(created_at=CREATED)
        tenant.refresh_from_db()
        token = authorise(SandboxConnector(), base + "/sandbox", tenant)
        workers = children(server.pid)
        pids = [server.pid, *workers]
        rss_before = {pid: memory_mb(pid, "VmRSS") for pid in workers}
        headers = {
            "Authorization": f"Bearer {token.access_token}",
            "Sandbox-Tenant-Id": public_id,
        }
        print(
            f"sizes: {sizes[0]:,} suppliers, {sizes[1]:,} bills, {sizes[2]:,} payments, "
            f"{sizes[3]:,} expenses; {args.workers} Gunicorn workers, page size "
            f"{args.page_size:,}{'; modified since ' + args.since if args.since else ''}",
            flush=True,
        )
        wanted = [t for t in args.types.split(",") if t] or list(DATA_TYPES)
        grand = [0, 0.0, 0.0, 0.0]  # records, server CPU, wall, client CPU
        everything = hashlib.sha256()
        with (
            httpx.Client(base_url=base + "/sandbox", timeout=300) as http,
            ThreadPoolExecutor(1) as pool,
        ):

            def get(data_type: str, cursor: str) -> bytes:
                params = {"page_size": str(args.page_size)}
                if cursor:
                    params["cursor"] = cursor
                if args.since:
                    params["modified_since"] = args.since
                response = http.get(f"/api/v1/{data_type}", params=params, headers=headers)
                if response.status_code != 200:
                    raise SystemExit(f"{data_type}: {response.status_code} {response.text[:300]}")
                return response.content

            for data_type in wanted:
                sha = hashlib.sha256()
                records = pages = size = 0
                cpu0, wall0, own0 = cpu_seconds(pids), time.perf_counter(), time.process_time()
                sys0 = cpu_seconds(pids, system_only=True)
                ahead: Future[bytes] = pool.submit(get, data_type, "")
                while True:
                    body = ahead.result()
                    # The next cursor is the body's tail: ask for the next page at once, as
                    # the sync client does, so both workers are busy.
                    tail = body[body.rfind(b'"next_cursor":') + 14 : -1]
                    cursor = orjson.loads(tail)
                    if cursor is not None:
                        ahead = pool.submit(get, data_type, cursor)
                    sha.update(body)
                    records += body.count(b'"updatedAt"')
                    pages += 1
                    size += len(body)
                    if cursor is None:
                        break
                cpu = cpu_seconds(pids) - cpu0
                system = cpu_seconds(pids, system_only=True) - sys0
                wall = time.perf_counter() - wall0
                own = time.process_time() - own0
                everything.update(sha.digest())
                for n, value in enumerate((records, cpu, wall, own)):
                    grand[n] += value
                per = cpu / records * 1e6 if records else 0.0
                print(
                    f"{data_type:24} {records:>9,} records {pages:>4} pages: server CPU "
                    f"{cpu:6.2f} s (system {system:5.2f} s) = {per:6.2f} µs/record, "
                    f"wall {wall:6.2f} s, "
                    f"{size / max(records, 1):4.0f} B/record, sha256 {sha.hexdigest()[:16]}",
                    flush=True,
                )
        records, cpu, wall, own = grand
        print(
            f"{'all':24} {records:>9,} records: server CPU {cpu:.2f} s = "
            f"{cpu / max(records, 1) * 1e6:.2f} µs/record ({records / max(cpu, 1e-9):,.0f} "
            f"records per server CPU second), wall {wall:.2f} s "
            f"({records / max(wall, 1e-9):,.0f} records/s), client CPU {own:.2f} s"
        )
        for pid in workers:
            peak, now = memory_mb(pid, "VmHWM"), memory_mb(pid, "VmRSS")
            print(
                f"worker {pid}: RSS before the pass {rss_before.get(pid, 0):.0f} MB, "
                f"now {now:.0f} MB, peak {peak:.0f} MB "
                f"(+{peak - rss_before.get(pid, 0):.0f} MB)"
            )
        print(f"sha256 of all bodies: {everything.hexdigest()}")
    finally:
        server.terminate()
        server.wait(20)


if __name__ == "__main__":
    main()
