"""A rate limit per key (and per client address where there is no key yet, as at sign-in).

A token bucket: a key may make a burst of requests, then as many per minute as the bucket
refills. Kept in the memory of one app process, so with several processes behind a load
balancer each allows its own share; docs/web.md says so.
"""

from __future__ import annotations

import threading
import time
from typing import Callable, Hashable


class RateLimiter:
    def __init__(self, burst: int, per_minute: int,
                 clock: Callable[[], float] = time.monotonic):
        self.burst, self.rate = max(1, burst), max(1, per_minute) / 60.0
        self._clock = clock
        self._buckets: dict[Hashable, tuple[float, float]] = {}  # who -> (tokens, when)
        self._lock = threading.Lock()

    def allow(self, who: Hashable) -> float:
        """0 when the request may go ahead; otherwise the seconds to wait."""
        at = self._clock()
        with self._lock:
            tokens, then = self._buckets.get(who, (float(self.burst), at))
            tokens = min(float(self.burst), tokens + (at - then) * self.rate)
            if tokens >= 1.0:
                self._buckets[who] = (tokens - 1.0, at)
                return 0.0
            self._buckets[who] = (tokens, at)
            if len(self._buckets) > 100_000:  # a flood of new addresses: forget the full ones
                self._forget_full(at)
            return (1.0 - tokens) / self.rate

    def _forget_full(self, at: float) -> None:
        self._buckets = {w: (t, s) for w, (t, s) in self._buckets.items()
                         if t + (at - s) * self.rate < self.burst}
