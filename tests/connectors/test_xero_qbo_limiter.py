"""The proactive limiter the Xero and QuickBooks connectors share, on a fake clock."""

from __future__ import annotations

import threading
import time

from ledgerlink.connectors.limiter import Limit, RateLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_sixty_a_minute_per_tenant_then_it_waits_for_the_window():
    clock = Clock()
    limiter = RateLimiter((Limit(60, 60),), concurrency=5, clock=clock, sleep=clock.sleep)
    for _ in range(60):
        with limiter.acquire("org-a"):
            pass
    assert clock.now == 0 and not clock.slept
    with limiter.acquire("org-b"):  # another tenant has its own allowance
        pass
    assert not clock.slept
    with limiter.acquire("org-a"):
        pass
    assert clock.slept and 60 <= clock.now <= 62  # the window, plus the 2 % margin
    assert limiter.calls == 62


def test_app_wide_limit_is_shared_by_every_tenant():
    clock = Clock()
    limiter = RateLimiter(
        (Limit(100, 60), Limit(3, 60, per_tenant=False)),
        concurrency=5,
        clock=clock,
        sleep=clock.sleep,
    )
    for tenant in ("a", "b", "c"):
        with limiter.acquire(tenant):
            pass
    with limiter.acquire("d"):
        pass
    assert clock.now >= 60


def test_speedup_shortens_the_windows_not_the_counts():
    clock = Clock()
    limiter = RateLimiter(
        (Limit(10, 1),), concurrency=10, speedup=10, clock=clock, sleep=clock.sleep
    )
    for _ in range(11):
        with limiter.acquire("realm"):
            pass
    assert 0.1 <= clock.now <= 0.11


def test_exhausted_by_the_platform_holds_the_tenant():
    clock = Clock()
    limiter = RateLimiter((Limit(60, 60),), concurrency=5, clock=clock, sleep=clock.sleep)
    limiter.exhaust("org", 30)
    with limiter.acquire("org"):
        pass
    assert clock.now >= 30


def test_no_more_than_the_concurrency_in_flight():
    limiter = RateLimiter((Limit(1000, 60),), concurrency=5)
    in_flight = 0
    most = 0
    lock = threading.Lock()

    def call() -> None:
        nonlocal in_flight, most
        with limiter.acquire("org"):
            with lock:
                in_flight += 1
                most = max(most, in_flight)
            time.sleep(0.02)
            with lock:
                in_flight -= 1

    threads = [threading.Thread(target=call) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most == 5
