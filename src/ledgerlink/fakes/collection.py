"""A list of records kept in modified-time order without storing the records: each is
computed from (index, revision, state) when served, so a fake company with 100,000 bills
costs a few lists of integers. Edits and deletions move a record to the end (it is the
latest modified) and bump its revision."""

from __future__ import annotations

import bisect
import threading
from collections.abc import Callable


class Collection:
    def __init__(self, count: int, base_ms: int, step_ms: int, kind: Callable[[int], str]) -> None:
        self.count = count
        self.kinds = [kind(i) for i in range(count)]
        self.stamps = [base_ms + i * step_ms for i in range(count)]
        self.order = list(range(count))
        self.order_stamps = list(self.stamps)
        self.revisions: dict[int, int] = {}
        self.states: dict[int, str] = {}
        self._lock = threading.Lock()

    def touch(self, index: int, now_ms: int, state: str | None = None) -> None:
        with self._lock:
            old = self.stamps[index]
            at = bisect.bisect_left(self.order_stamps, old)
            while self.order[at] != index:
                at += 1
            del self.order[at]
            del self.order_stamps[at]
            stamp = max(now_ms, (self.order_stamps[-1] + 1) if self.order_stamps else now_ms)
            self.stamps[index] = stamp
            self.order.append(index)
            self.order_stamps.append(stamp)
            self.revisions[index] = self.revisions.get(index, 0) + 1
            if state is not None:
                self.states[index] = state

    def select(self, since_ms: int | None, kind: str | None = None) -> list[int]:
        """Indexes modified after `since_ms` (all when None), oldest first, of one kind."""
        with self._lock:
            start = 0 if since_ms is None else bisect.bisect_right(self.order_stamps, since_ms)
            found = self.order[start:]
        if kind is None:
            return found
        kinds = self.kinds
        return [i for i in found if kinds[i] == kind]
