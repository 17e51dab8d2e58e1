"""Rate limits as the platforms enforce them (per tenant: calls per minute/second, per day,
calls in flight) and injected faults, for both fakes. `speedup` shortens every window, so
a benchmark keeps the real counts on a faster clock."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    problem: str = ""  # which limit: "minute", "second", "day", "concurrent"
    retry_after: int = 0
    remaining: dict[str, int] = field(default_factory=dict)


@dataclass
class _TenantUsage:
    windows: dict[str, deque[float]] = field(default_factory=dict)
    in_flight: int = 0


class Limits:
    """`windows`: name → (calls, seconds), e.g. {"minute": (60, 60), "day": (5000, 86400)}."""

    def __init__(
        self,
        windows: dict[str, tuple[int, float]],
        *,
        concurrency: int,
        speedup: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.windows = windows
        self.concurrency = concurrency
        self.speedup = max(speedup, 1e-9)
        self.clock = clock
        self.enabled = True
        self.rejected = 0
        self._usage: dict[str, _TenantUsage] = {}
        self._lock = threading.Lock()

    @contextmanager
    def call(self, tenant: str) -> Iterator[Verdict]:
        with self._lock:
            verdict = self._admit(tenant)
        try:
            yield verdict
        finally:
            if verdict.allowed:
                with self._lock:
                    self._usage[tenant].in_flight -= 1

    def _admit(self, tenant: str) -> Verdict:
        usage = self._usage.setdefault(tenant, _TenantUsage())
        if not self.enabled:
            usage.in_flight += 1
            return Verdict(True)
        now = self.clock()
        remaining = {}
        for name, (calls, seconds) in self.windows.items():
            span = seconds / self.speedup
            starts = usage.windows.setdefault(name, deque())
            while starts and starts[0] <= now - span:
                starts.popleft()
            if len(starts) >= calls:
                self.rejected += 1
                retry = max(1, int(starts[0] + span - now + 0.999))
                return Verdict(False, name, retry)
            remaining[name] = calls - len(starts) - 1
        if usage.in_flight >= self.concurrency:
            self.rejected += 1
            return Verdict(False, "concurrent", 1)
        for name in self.windows:
            usage.windows[name].append(now)
        usage.in_flight += 1
        return Verdict(True, remaining=remaining)

    def reset(self) -> None:
        with self._lock:
            self._usage.clear()
            self.rejected = 0


@dataclass
class Fault:
    """Answer the next `times` requests whose path contains `path` with this instead.
    `action="expire"` expires every access token first and lets the request go on."""

    path: str
    status: int = 500
    times: int = 1
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: Any = None
    action: str = ""
    after: int = 0  # let this many matching requests through first


class Faults:
    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self.served = 0

    def add(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def take(self, path: str) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.path in path and fault.times > 0:
                    if fault.after > 0:
                        fault.after -= 1
                        return None
                    fault.times -= 1
                    self.served += 1
                    return fault
        return None
