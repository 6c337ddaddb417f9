"""Time as a seam: the cloud code reads wall time, monotonic time and sleeps only through a Clock, so tests
can run rate-limit waits and token expiry in virtual time while still talking to a real server."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Protocol


class Clock(Protocol):
    def time(self) -> float: ...  # wall clock, seconds since the epoch (token expiry survives restarts)

    def monotonic(self) -> float: ...  # for rate windows and backoff

    async def sleep(self, seconds: float) -> None: ...


class SystemClock:
    def time(self) -> float:
        return time.time()

    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))


class VirtualClock:
    """A clock whose sleeps return at once and advance time; thread-safe so a test server can share it."""

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self._now = start
        self._lock = threading.Lock()
        self.slept = 0.0

    def time(self) -> float:
        with self._lock:
            return self._now

    def monotonic(self) -> float:
        return self.time()

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += max(0.0, seconds)

    async def sleep(self, seconds: float) -> None:
        self.advance(seconds)
        self.slept += max(0.0, seconds)
        await asyncio.sleep(0)
