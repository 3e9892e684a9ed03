"""Per-address rate limits of download reports: a token bucket per client address in each
process (``usage_reports_per_minute`` reports a minute, as a burst or spread)."""

from __future__ import annotations

import math
import threading
import time


class ReportLimiter:
    def __init__(self, per_minute: int, *, max_addresses: int = 100_000) -> None:
        self.per_minute = per_minute
        self.max_addresses = max_addresses
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, address: str, count: int = 1, *, now: float | None = None) -> float:
        """Take ``count`` reports of ``address``: 0 when allowed, else the seconds to wait."""
        if self.per_minute <= 0:
            return 0.0
        now = time.monotonic() if now is None else now
        rate = self.per_minute / 60.0
        with self._lock:
            tokens, at = self._buckets.get(address, (float(self.per_minute), now))
            tokens = min(float(self.per_minute), tokens + (now - at) * rate)
            if count > tokens:
                self._buckets[address] = (tokens, now)
                return max(1.0, math.ceil((count - tokens) / rate))
            if len(self._buckets) >= self.max_addresses and address not in self._buckets:
                self._buckets.clear()  # a flood of addresses: forget (everyone starts full)
            self._buckets[address] = (tokens - count, now)
            return 0.0
