"""The Band page's jobs in one Qt-free object: scan, pair, check, drain with progress, live heart rate.

Each job connects, does its work and disconnects (as the CLI does), so a dropped link never leaves the app in a
half-connected state; the drain itself reconnects on its own (services/drain.py). The UI sees only the plain
types below and the events of `DrainJob`.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

from healthdesk.band.base import BandLink
from healthdesk.band.whoop4.session import BandInfo, Whoop4Session
from healthdesk.ble import transport
from healthdesk.config import Paths
from healthdesk.services.drain import DrainEvent, DrainJob, DrainSummary
from healthdesk.services.pairing import BandConnector, PairedBand, load_paired_band, save_paired_band
from healthdesk.services.user_settings import saved_profile
from healthdesk.store.database import Database


@dataclass(frozen=True)
class FoundBandView:
    address: str
    name: str
    rssi: int


@dataclass(frozen=True)
class BandCheck:
    """What a connection told us: identity, battery, clock drift, records waiting on the band."""

    serial: str
    firmware: str
    battery_percent: float
    charging: bool
    clock_drift_s: float
    clock_set: bool
    records_waiting: int | None
    checked_at: float


@dataclass(frozen=True)
class LiveReading:
    unix: float
    bpm: int
    rr_ms: tuple[int, ...]


class BandControl:
    """Backend None is the computer's Bluetooth adapter; the demo passes the simulated band's backend."""

    def __init__(self, paths: Paths, database: Database, backend: transport.Backend | None = None, *,
                 simulated: bool = False, scan_timeout: float = 5.0) -> None:
        self.paths = paths
        self.database = database
        self.backend = backend
        self.simulated = simulated
        self.scan_timeout = scan_timeout
        self._found: dict[str, transport.FoundBand] = {}
        try:
            self._paired = load_paired_band(self.paths)  # read once: the UI asks on every state change
        except ValueError:
            self._paired = None  # unreadable file: the user pairs again

    @property
    def paired(self) -> PairedBand | None:
        return self._paired

    async def scan(self) -> list[FoundBandView]:
        found = await transport.scan(self.scan_timeout, backend=self.backend)
        self._found = {band.address: band for band in found}
        return [FoundBandView(b.address, b.name, b.rssi) for b in found]

    async def pair(self, address: str) -> tuple[PairedBand, BandCheck]:
        """Connect with pairing, hello + set clock, read what is waiting, remember the band."""
        target: transport.FoundBand | str = self._found.get(address, address)
        info, waiting = await _handshake_and_count(await transport.connect(target, backend=self.backend))
        band = PairedBand(address=address, serial=info.serial, name="WHOOP " + info.serial,
                          firmware=info.firmware, simulated=self.simulated, paired_at=time.time())
        save_paired_band(self.paths, band)
        self._paired = band
        return band, _check(info, waiting)

    def _connector(self) -> BandConnector:
        paired = self.paired
        if paired is None:
            raise RuntimeError("no band is paired yet: scan and pair first")
        return BandConnector(self.backend, scan_timeout=self.scan_timeout, address=paired.address)

    async def check(self) -> BandCheck:
        """Connect to the paired band for its battery, firmware, clock drift and records waiting."""
        return _check(*await _handshake_and_count(await self._connector()()))

    def drain_job(self, progress: Callable[[DrainEvent], None]) -> DrainJob:
        """A drain of the paired band; `await job.run()`, `job.cancel()` to stop (the band keeps the rest)."""
        return DrainJob(self.database, self._connector(), progress=progress,
                        profile=saved_profile(self.paths.settings_file))

    async def drain(self, progress: Callable[[DrainEvent], None]) -> DrainSummary:
        return await self.drain_job(progress).run()

    async def live_hr(self) -> AsyncIterator[LiveReading]:
        """Realtime heart rate until the consumer stops iterating (then the band's stream is switched off)."""
        link = await self._connector()()
        try:
            async with Whoop4Session(link) as session:
                await session.handshake(set_clock=False)
                async for sample in session.live_hr():
                    yield LiveReading(sample.unix + sample.subsec / 32768, sample.hr, sample.rr_ms)
        finally:
            await link.disconnect()


async def _handshake_and_count(link: BandLink) -> tuple[BandInfo, int | None]:
    """Hello + set clock, then how many records wait on the band; the link is closed either way."""
    try:
        async with Whoop4Session(link) as session:
            return await session.handshake(), await session.records_waiting()
    finally:
        await link.disconnect()


def _check(info: BandInfo, waiting: int | None) -> BandCheck:
    return BandCheck(serial=info.serial, firmware=info.firmware, battery_percent=info.battery_percent,
                     charging=info.charging, clock_drift_s=info.clock_drift_s, clock_set=info.clock_set,
                     records_waiting=waiting, checked_at=time.time())
