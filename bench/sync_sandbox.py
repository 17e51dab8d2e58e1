"""Sync a sandbox company over real HTTP into the database: records/s and peak RSS.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ledgerlink_bench \\
        uv run python bench/sync_sandbox.py [--bills N]

Default size is the issue's figure: 1,000,000 bills, 1,000,000 payments, 300,000 expenses,
50,000 suppliers. The sandbox is served by a separate Gunicorn process (2 workers) exactly as
a remote platform would be; this process runs the sync engine.
"""

from __future__ import annotations

import argparse
import os
import resource
import socket
import subprocess
import sys
import threading
import time

from _django import ROOT, setup

# As in production: the report rebuild a finished sync schedules is queued for the worker (a
# row in the task table), not built inside the sync being timed.
os.environ.setdefault("LEDGERLINK_TASKS_BACKEND", "db")
setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402

from ledgerlink.connectors.models import Connection  # noqa: E402
from ledgerlink.connectors.sandbox import SandboxConnector  # noqa: E402
from ledgerlink.ledger.records import DataType  # noqa: E402
from ledgerlink.relationships.models import Company  # noqa: E402
from ledgerlink.sandbox.services import create_tenant  # noqa: E402
from ledgerlink.sync import engine  # noqa: E402
from ledgerlink.tenancy.services import create_organisation  # noqa: E402


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cpu_seconds(pids: list[int] | None = None) -> float:
    """CPU time (user + system) of these processes, or of the whole machine."""
    tick = os.sysconf("SC_CLK_TCK")
    if pids is None:
        with open("/proc/stat") as stat:
            fields = [int(x) for x in stat.readline().split()[1:]]
        return (sum(fields[:3]) + sum(fields[5:7])) / tick  # user nice system irq softirq
    total = 0.0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
    return total


def server_pids(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as children:
            return [pid, *(int(child) for child in children.read().split())]
    except OSError:
        return [pid]


class DatabaseCpu:
    """CPU seconds of the PostgreSQL server processes serving this database (backends of
    every connection, autovacuum included), sampled twice a second while the sync runs:
    the writer connections come and go, so their processes are watched, not counted once."""

    def __init__(self) -> None:
        self._seen: dict[int, float] = {}
        self._kinds: dict[int, str] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self) -> DatabaseCpu:
        if connection.vendor == "postgresql":
            self._thread.start()
        return self

    def _watch(self) -> None:
        from django.db import connections

        try:
            while not self._stop.wait(0.5):
                with connections["default"].cursor() as cursor:
                    cursor.execute(
                        "SELECT pid, backend_type FROM pg_stat_activity "
                        "WHERE datname = current_database()"
                    )
                    found = cursor.fetchall()
                pids = [int(row[0]) for row in found]
                self._kinds.update((int(pid), str(kind)) for pid, kind in found)
                for pid in pids:
                    self._seen[pid] = max(self._seen.get(pid, 0.0), cpu_seconds([pid]))
        finally:
            connections.close_all()

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def seconds(self, before: dict[int, float]) -> float:
        return sum(cpu - before.get(pid, 0.0) for pid, cpu in self._seen.items())

    def by_kind(self, before: dict[int, float]) -> dict[str, float]:
        """CPU seconds per kind of server process (client backend, autovacuum worker …)."""
        kinds: dict[str, float] = {}
        for pid, cpu in self._seen.items():
            kind = self._kinds.get(pid, "?")
            kinds[kind] = kinds.get(kind, 0.0) + cpu - before.get(pid, 0.0)
        return kinds

    def snapshot(self) -> dict[int, float]:
        return dict(self._seen)


def wait_until_up(url: str) -> None:
    import httpx

    for _ in range(200):
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise SystemExit(f"server at {url} did not start")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bills", type=int, default=1_000_000)
    args = parser.parse_args()
    bills = args.bills
    sizes = (max(1, bills // 20), bills, bills, bills * 3 // 10)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "LEDGERLINK_BASE_URL": base,
        "SANDBOX_REDIRECT_URIS": base + "/journey/callback/sandbox",
    }
    env["DATABASE_URL"] = os.environ.get("DATABASE_URL", "")
    if not env["DATABASE_URL"]:
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
            "2",
            "--no-control-socket",
            "--timeout",
            "120",
        ],
        env={**env, "DJANGO_SETTINGS_MODULE": "tests.settings", "PYTHONPATH": str(ROOT)},
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

        tenant = create_tenant("Benchmark Books Ltd", 42, *sizes)
        tenant.rate_limit_per_minute = 1_000_000
        tenant.save()
        token = authorise(SandboxConnector(), base + "/sandbox", tenant)
        org = create_organisation(name="Sync bench", slug=f"sync-{int(time.time())}")
        company = Company.objects.create(organisation=org, name="Benchmark Books Ltd")
        conn = Connection.objects.create(
            organisation=org,
            company=company,
            platform="sandbox",
            tenant_id=tenant.public_id,
            access_token=token.access_token,
            refresh_token=token.refresh_token,
            token_expires_at=token.expires_at,
        )
        run = engine.start_sync(conn, enqueue=False)
        print(
            f"sizes: {sizes[0]:,} suppliers, {sizes[1]:,} bills, {sizes[2]:,} payments, "
            f"{sizes[3]:,} expenses; database: {connection.vendor}",
            flush=True,
        )
        started = time.perf_counter()
        last = [started]
        workers = server_pids(server.pid)
        cpu_before = (cpu_seconds([os.getpid()]), cpu_seconds(workers), cpu_seconds())

        def progress(sync_run: object) -> None:
            now = time.perf_counter()
            if now - last[0] > 10:
                last[0] = now
                total = sum(int(s["records"]) for s in run_progress(sync_run).values())
                print(f"  {now - started:6.1f} s: {total:,} records", flush=True)

        def run_progress(sync_run: object) -> dict[str, dict[str, int]]:
            return sync_run.progress  # type: ignore[attr-defined, no-any-return]

        with DatabaseCpu() as database:
            time.sleep(0.6)
            database_before = database.snapshot()
            started = last[0] = time.perf_counter()
            cpu_before = (cpu_seconds([os.getpid()]), cpu_seconds(workers), cpu_seconds())
            result = engine.run(run.pk, on_page=progress)
            elapsed = time.perf_counter() - started
            cpu_after = (cpu_seconds([os.getpid()]), cpu_seconds(workers), cpu_seconds())
            time.sleep(0.6)
        database_cpu = database.seconds(database_before)
        database_kinds = database.by_kind(database_before)
        assert result is not None and result.status == "succeeded", result and result.message
        total = result.records_total
        rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        for data_type, state in result.progress.items():
            print(f"  {DataType.LABELS[data_type]:>22}: {state['records']:>10,}")
        print(
            f"synced {total:,} records in {elapsed:.1f} s = {total / elapsed:,.0f} records/s "
            f"end to end; peak RSS of the syncing process {rss_mb:,.0f} MB"
        )
        sync_cpu, server_cpu, machine_cpu = (
            b - a for a, b in zip(cpu_before, cpu_after, strict=True)
        )
        cores = os.cpu_count() or 1
        ours = sync_cpu + server_cpu + database_cpu
        print(
            f"CPU: sync process {sync_cpu:,.1f} s, sandbox server {server_cpu:,.1f} s, "
            f"PostgreSQL {database_cpu:,.1f} s; together {ours:,.1f} s = "
            f"{total / ours:,.0f} records per CPU second, so {cores} idle cores would give "
            f"about {total / ours * cores:,.0f} records/s; machine {machine_cpu:,.1f} s "
            f"({machine_cpu / elapsed / cores:.0%} of {cores} cores, other work included)"
        )
        print(
            "PostgreSQL by process: "
            + ", ".join(f"{kind} {cpu:,.1f} s" for kind, cpu in sorted(database_kinds.items()))
        )
    finally:
        server.terminate()
        server.wait(20)


if __name__ == "__main__":
    main()
