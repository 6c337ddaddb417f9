"""The drain job: band -> session -> store, one batch per transaction, ACK only after the commit returned.

`DrainJob(db, connect).run()` connects, shakes hands (sets the clock), asks how much the band holds, and drains
until HISTORY_COMPLETE. Each batch goes to `ingest_frames` on a single writer thread; the session ACKs it only
once that call returned (it is durable then: synchronous=FULL, one transaction). When the link drops, the job
reconnects and drains again: the band re-serves the batch that was not ACKed and the store counts its records as
duplicates. Cancel with `job.cancel()`: the band gets ABORT and keeps everything not yet ACKed.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field

from healthdesk.band.base import BandLink
from healthdesk.band.whoop4.session import (
    BandDisconnected,
    CommitFailed,
    DrainProgress,
    DrainResult,
    Whoop4Session,
)
from healthdesk.ble.errors import BandConnectionError
from healthdesk.core.metrics.calories import Profile
from healthdesk.services.ingest import IngestReport, ingest_frames
from healthdesk.store.database import Database

log = logging.getLogger(__name__)
ConnectFn = Callable[[], Awaitable[BandLink]]
# Stores one batch; runs on the writer thread. Tests wrap it (e.g. to kill the process around the commit).
IngestFn = Callable[[Database, str, Sequence[bytes], float], IngestReport]


@dataclass
class DrainSummary:
    batches: int = 0
    records_new: int = 0
    records_duplicate: int = 0
    frames_invalid: int = 0
    seconds: float = 0.0
    frames: int = 0
    records_received: int = 0
    nacks: int = 0
    reacks: int = 0  # HISTORY_ENDs re-offered because our ACK was lost, ACKed again without a second commit
    reconnects: int = 0
    complete: bool = False
    device: str = ""
    derived: bool = False
    first_ts: float | None = None
    last_ts: float | None = None

    def as_json(self) -> dict[str, object]:
        out = asdict(self)
        out["seconds"] = round(self.seconds, 3)
        return out


@dataclass
class DrainEvent:
    """Progress for a UI or the CLI: what arrived so far and an estimate of what is left."""

    kind: str  # "connected", "progress", "reconnecting", "finished"
    summary: DrainSummary
    records_remaining: int | None = None
    rate: float = 0.0  # records per second
    eta_s: float | None = None
    detail: str = ""


@dataclass
class DrainJob:
    db: Database
    connect: ConnectFn
    progress: Callable[[DrainEvent], None] | None = None
    ingest: IngestFn = ingest_frames
    profile: Profile | None = None  # weight/height/age/sex for calories; None leaves them as dashes
    max_reconnects: int = 3
    reconnect_delay_s: float = 0.5
    idle_timeout: float = 30.0
    set_clock: bool = True
    derive: bool = True
    summary: DrainSummary = field(default_factory=DrainSummary)
    _task: asyncio.Task[object] | None = None

    def cancel(self) -> None:
        if self._task is not None:
            self._task.cancel()

    async def run(self) -> DrainSummary:
        self._task = asyncio.current_task()
        started = time.monotonic()
        writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="healthdesk-writer")
        try:
            while True:
                try:
                    await self._drain_once(writer)
                    break
                except (BandDisconnected, BandConnectionError) as exc:
                    if self.summary.reconnects >= self.max_reconnects:
                        raise
                    self.summary.reconnects += 1
                    self._emit("reconnecting", detail=str(exc))
                    await asyncio.sleep(self.reconnect_delay_s)
        finally:
            writer.shutdown(wait=True)
            self.summary.seconds = time.monotonic() - started
        if self.derive and self.summary.records_new:
            self.summary.derived = await asyncio.get_running_loop().run_in_executor(None, self._derive)
        self._emit("finished")
        return self.summary

    async def _drain_once(self, writer: ThreadPoolExecutor) -> None:
        link = await self.connect()
        loop = asyncio.get_running_loop()
        result = DrainResult()
        try:
            async with Whoop4Session(link, idle_timeout=self.idle_timeout) as session:
                info = await session.handshake(set_clock=self.set_clock)
                device = self.summary.device = info.serial or getattr(link, "name", "") or "whoop4"
                waiting = await session.records_waiting()
                self._emit("connected", records_remaining=waiting, detail=device)

                async def commit(frames: list[bytes]) -> None:
                    try:
                        report = await loop.run_in_executor(writer, self.ingest, self.db, device, frames,
                                                            time.time())
                    except Exception as exc:
                        log.exception("storing a batch failed")
                        first_line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
                        raise CommitFailed(f"could not store the drained data ({first_line}); "
                                           "nothing was lost: the band keeps it until the next drain") from exc
                    self._count(report)

                await session.drain(commit, self._on_progress, records_reported=waiting, result=result)
        finally:
            self._add(result)  # also the whole batches committed before a failure
            if link.is_connected:
                await link.disconnect()

    # --- bookkeeping ---------------------------------------------------------------------------------------
    def _count(self, report: IngestReport) -> None:
        s = self.summary
        s.records_new += report.records_new
        s.records_duplicate += report.records_duplicate
        for attr, pick in (("first_ts", min), ("last_ts", max)):
            mine, theirs = getattr(s, attr), getattr(report, attr)
            setattr(s, attr, theirs if mine is None else mine if theirs is None else pick(mine, theirs))

    def _add(self, result: DrainResult) -> None:
        s = self.summary
        s.batches += result.batches
        s.frames += result.frames
        s.records_received += result.records
        s.nacks += result.nacks
        s.reacks += result.reacks
        s.frames_invalid += result.frames_invalid
        s.complete = result.complete

    def _on_progress(self, p: DrainProgress) -> None:
        self._emit("progress", records_remaining=p.records_remaining, rate=p.rate, eta_s=p.eta_s)

    def _emit(self, kind: str, **extra: object) -> None:
        if self.progress is not None:
            self.progress(DrainEvent(kind, self.summary, **extra))  # type: ignore[arg-type]

    def _derive(self) -> bool:
        """Recompute derived metrics for the days this drain touched."""
        from healthdesk.services import derive as derive_service  # the metrics engine: only once data arrived

        try:
            derive_service.derive(self.db, self.summary.first_ts, self.summary.last_ts, profile=self.profile)
        except Exception:  # noqa: BLE001 - the drained data is stored; metrics can be derived again later
            log.exception("deriving metrics after the drain failed")
            return False
        return True
