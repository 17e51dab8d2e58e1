"""Per-tenant request budget: an in-process token bucket (each worker process has its own)."""

from __future__ import annotations

import math
import threading
import time


class TokenBucket:
    """`rate` requests per minute, bursts up to `rate`; `take` says how long to wait if empty."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        # tenant key -> (tokens, last refill time, rate per minute)
        self._buckets: dict[object, tuple[float, float, int]] = {}

    def take(self, key: object, per_minute: int, *, now: float | None = None) -> float:
        """Spend one request; 0.0 when allowed, else the seconds until one is available."""
        if per_minute <= 0:
            return 60.0
        moment = time.monotonic() if now is None else now
        with self._lock:
            tokens, last, rate = self._buckets.get(key, (float(per_minute), moment, per_minute))
            if rate != per_minute:  # the limit changed: start afresh at the new rate
                tokens, rate = float(per_minute), per_minute
            tokens = min(float(per_minute), tokens + (moment - last) * per_minute / 60.0)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, moment, rate)
                return 0.0
            self._buckets[key] = (tokens, moment, rate)
            return (1.0 - tokens) * 60.0 / per_minute

    def reset(self, key: object | None = None) -> None:
        with self._lock:
            if key is None:
                self._buckets.clear()
            else:
                self._buckets.pop(key, None)


def retry_after_header(wait: float) -> str:
    """Retry-After is whole seconds (RFC 9110); never 0 for a real wait."""
    return str(max(1, math.ceil(wait)))


BUCKETS = TokenBucket()
