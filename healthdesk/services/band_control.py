"""Band workflows in one Qt-free object, for the Band page and `healthdesk-cli band` alike: scan, pair, check
(info), drain with progress, live heart rate.

Each job connects, does its work and disconnects, so a dropped link never leaves the app in a half-connected
state; the drain itself reconnects on its own (services/drain.py). The UI and the CLI see only the plain types
below and the events of `DrainJob`. The CLI passes its own `BandConnector` (the simulated band's address, or the
first band a scan finds); the app reaches the paired band.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

from healthdesk.band.base import BandLink
from healthdesk.band.whoop4.constants import SUBSEC_PER_SECOND
from healthdesk.band.whoop4.session import BandInfo, DrainWarning, Whoop4Session
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
    records_waiting: int | None  # an estimate from the band's oldest/newest record times
    checked_at: float
    on_wrist: bool = False
    warnings: tuple[DrainWarning, ...] = ()


@dataclass(frozen=True)
class LiveReading:
    unix: float
    bpm: int
    rr_ms: tuple[int, ...]


class BandControl:
    """Backend None is the computer's Bluetooth adapter; the demo passes the simulated band's backend."""

    def __init__(self, paths: Paths, database: Database | None, backend: transport.Backend | None = None, *,
                 simulated: bool = False, scan_timeout: float = 5.0,
                 connector: BandConnector | None = None) -> None:
        self.paths = paths
        self.database = database
        self.backend = backend
        self.simulated = simulated
        self.scan_timeout = scan_timeout
        self.connector = connector  # fixed way to reach the band (CLI); None = the paired band
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

    async def pair(self, address: str | None = None) -> tuple[PairedBand, BandCheck]:
        """Connect with pairing, hello + set clock, read what is waiting, remember the band. Without an address
        the CLI's connector decides (the simulated band, or the first band a scan finds)."""
        if address is None and self.connector is not None:
            link = await self.connector()
            address = self.connector.address or ""
        else:
            target: transport.FoundBand | str = self._found.get(address or "", address or "")
            link = await transport.connect(target, backend=self.backend)
        info, waiting = await _handshake_and_count(link)
        band = PairedBand(address=address or "", serial=info.serial, name="WHOOP " + info.serial,
                          firmware=info.firmware, simulated=self.simulated, paired_at=time.time())
        save_paired_band(self.paths, band)
        self._paired = band
        return band, _check(info, waiting)

    def _connector(self) -> BandConnector:
        if self.connector is not None:
            return self.connector
        paired = self.paired
        if paired is None:
            raise RuntimeError("no band is paired yet: scan and pair first")
        return BandConnector(self.backend, scan_timeout=self.scan_timeout, address=paired.address)

    async def check(self, *, set_clock: bool = True) -> BandCheck:
        """Connect to the band for its battery, firmware, clock drift and records waiting (and set its clock;
        `set_clock=False` is the CLI's read-only `band info`)."""
        return _check(*await _handshake_and_count(await self._connector()(), set_clock=set_clock))

    def drain_job(self, progress: Callable[[DrainEvent], None], **options: object) -> DrainJob:
        """A drain of the band; `await job.run()`, `job.cancel()` to stop (the band keeps the rest)."""
        if self.database is None:
            raise RuntimeError("a drain needs the database")
        options.setdefault("profile", saved_profile(self.paths.settings_file))
        return DrainJob(self.database, self._connector(), progress=progress, **options)  # type: ignore[arg-type]

    async def drain(self, progress: Callable[[DrainEvent], None]) -> DrainSummary:
        return await self.drain_job(progress).run()

    async def live_hr(self, seconds: float | None = None, *, handshake: bool = True
                      ) -> AsyncIterator[LiveReading]:
        """Realtime heart rate for `seconds` (None: until the consumer stops iterating); the band's stream is
        switched off afterwards."""
        link = await self._connector()()
        try:
            async with Whoop4Session(link) as session:
                if handshake:
                    await session.handshake(set_clock=False)
                async for sample in session.live_hr(seconds):
                    yield LiveReading(sample.unix + sample.subsec / SUBSEC_PER_SECOND, sample.hr, sample.rr_ms)
        finally:
            await link.disconnect()


async def _handshake_and_count(link: BandLink, *, set_clock: bool = True) -> tuple[BandInfo, int | None]:
    """Hello (+ set clock), then how many records wait on the band; the link is closed either way."""
    try:
        async with Whoop4Session(link) as session:
            return await session.handshake(set_clock=set_clock), await session.records_waiting()
    finally:
        await link.disconnect()


def _check(info: BandInfo, waiting: int | None) -> BandCheck:
    return BandCheck(serial=info.serial, firmware=info.firmware, battery_percent=info.battery_percent,
                     charging=info.charging, clock_drift_s=info.clock_drift_s, clock_set=info.clock_set,
                     records_waiting=waiting, checked_at=time.time(), on_wrist=info.on_wrist,
                     warnings=tuple(info.warnings))
