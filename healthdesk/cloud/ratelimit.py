"""Client-side pacing under WHOOP's per-app limits (100/min, 10,000/day) plus the server's own headers."""

from __future__ import annotations

from collections import deque

from healthdesk.cloud.clock import Clock


class RateLimiter:
    """Sliding windows of request times; `acquire` sleeps (through the clock) until a request may go."""

    def __init__(self, clock: Clock, per_minute: int = 90, per_day: int = 9500) -> None:
        self.clock = clock
        self.windows = ((60.0, per_minute, deque()), (86400.0, per_day, deque()))
        self._blocked_until = 0.0
        self.paced_seconds = 0.0

    def _delay(self, now: float) -> float:
        delay = max(0.0, self._blocked_until - now)
        for span, limit, times in self.windows:
            while times and times[0] <= now - span:
                times.popleft()
            if len(times) >= limit:
                delay = max(delay, times[len(times) - limit] + span - now)
        return delay

    async def acquire(self) -> None:
        while (delay := self._delay(self.clock.monotonic())) > 0:
            self.paced_seconds += delay
            await self.clock.sleep(delay)
        now = self.clock.monotonic()
        for _, _, times in self.windows:
            times.append(now)

    def block_for(self, seconds: float) -> None:
        """The server said wait (429, or Remaining reached 0): no request before `seconds` from now."""
        self._blocked_until = max(self._blocked_until, self.clock.monotonic() + seconds)

    def observe(self, remaining: str | None, reset: str | None) -> bool:
        """Honour X-RateLimit-Remaining/-Reset; True when the server's window is exhausted."""
        try:
            if remaining is not None and int(remaining) <= 0 and reset is not None:
                self.block_for(float(reset))
                return True
        except ValueError:
            pass  # a malformed header is ignored, the client-side windows still apply
        return False
