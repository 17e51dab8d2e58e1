"""Staying under a platform's documented rate limits before it has to say 429.

One `RateLimiter` per platform in a worker process holds, per tenant (and one shared key for
app-wide limits), a sliding window of request start times for each limit plus a semaphore
for concurrent calls. `acquire(tenant)` blocks until a call is allowed and returns a context
manager to hold while the call is in flight. Platforms that report what is left
(`X-MinLimit-Remaining: 0`) can block a tenant until the window has passed with `exhaust`.

`speedup` divides every window (not the counts): the benchmarks and tests run the fakes
with the real limits on a faster clock. The limiter is per process; the platforms' 429
answers (honoured by the sync engine) cover several workers reading the same tenant.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

APP = "*app*"
MARGIN = 1.02


@dataclass(frozen=True)
class Limit:
    calls: int
    seconds: float
    per_tenant: bool = True  # False: shared by every tenant of the app


@dataclass
class _Window:
    limit: Limit
    starts: deque[float] = field(default_factory=deque)
    blocked_until: float = 0.0


class RateLimiter:
    def __init__(
        self,
        limits: tuple[Limit, ...],
        *,
        concurrency: int,
        speedup: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.limits = limits
        self.concurrency = max(1, concurrency)
        self.speedup = max(speedup, 1e-9)
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._windows: dict[tuple[str, int], _Window] = {}
        self._slots: dict[str, threading.BoundedSemaphore] = {}
        self.waited = 0.0  # seconds spent waiting for the limits (all tenants)
        self.calls = 0

    def _span(self, limit: Limit) -> float:
        # A little longer than the platform's window: its clock starts when a call arrives.
        return limit.seconds * MARGIN / self.speedup

    def _windows_for(self, tenant: str) -> list[_Window]:
        found = []
        for n, limit in enumerate(self.limits):
            key = (tenant if limit.per_tenant else APP, n)
            window = self._windows.get(key)
            if window is None:
                window = self._windows[key] = _Window(limit)
            found.append(window)
        return found

    def _delay(self, tenant: str, now: float) -> float:
        """Seconds until a call may start (0: now, and it is counted)."""
        windows = self._windows_for(tenant)
        wait = 0.0
        for window in windows:
            span = self._span(window.limit)
            while window.starts and window.starts[0] <= now - span:
                window.starts.popleft()
            if window.blocked_until > now:
                wait = max(wait, window.blocked_until - now)
            if len(window.starts) >= window.limit.calls:
                wait = max(wait, window.starts[0] + span - now)
        if wait <= 0:
            for window in windows:
                window.starts.append(now)
            self.calls += 1
        return wait

    @contextmanager
    def acquire(self, tenant: str) -> Iterator[None]:
        with self._lock:
            slots = self._slots.get(tenant)
            if slots is None:
                slots = self._slots[tenant] = threading.BoundedSemaphore(self.concurrency)
        started = self._clock()
        slots.acquire()
        try:
            while True:
                with self._lock:
                    wait = self._delay(tenant, self._clock())
                if wait <= 0:
                    break
                self._sleep(wait)
            with self._lock:
                self.waited += self._clock() - started
            yield
        finally:
            slots.release()

    def exhaust(self, tenant: str, seconds: float | None = None) -> None:
        """The platform said a tenant has no calls left: hold it for `seconds` (default: the
        shortest per-tenant window)."""
        with self._lock:
            now = self._clock()
            for window in self._windows_for(tenant):
                if window.limit.per_tenant:
                    span = seconds if seconds is not None else self._span(window.limit)
                    window.blocked_until = max(window.blocked_until, now + span)
                    break

    def reset(self) -> None:
        with self._lock:
            self._windows.clear()
            self._slots.clear()
            self.waited = 0.0
            self.calls = 0
