"""The drain job: band -> session -> store, one batch per transaction, ACK only after the commit returned.

`DrainJob(db, connect).run()` connects, shakes hands (sets the clock), asks how much the band holds, and drains
until HISTORY_COMPLETE. Each batch goes to `ingest_frames` on a single writer thread; the session ACKs it only
once that call returned (it is durable then: synchronous=FULL, one transaction). When the link drops, the job
reconnects and drains again, as often as each connection makes progress (docs/band-protocol.md §12.7): the band
re-serves the batch that was not ACKed. Cancel with `job.cancel()`: the band gets ABORT and keeps everything not
yet ACKed. Records stamped by an unset clock are re-dated or kept undated (band/whoop4/clock.py, §12.5), and
everything a person should know ends up in `summary.warnings`, one sentence each (§13).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field

import numpy as np

from healthdesk.band.base import BandLink
from healthdesk.band.whoop4 import session_types as codes
from healthdesk.band.whoop4.clock import DATED_VERSIONS, DatingPlan, RecordDating
from healthdesk.band.whoop4.constants import EventId, PacketType
from healthdesk.band.whoop4.decode import decode_frames
from healthdesk.band.whoop4.session import (
    BandDisconnected,
    CommitFailed,
    DrainProgress,
    DrainResult,
    DrainWarning,
    NackLimitReached,
    Whoop4Session,
)
from healthdesk.band.whoop4.session_types import Warnings
from healthdesk.ble.errors import BandConnectionError
from healthdesk.core.metrics.calories import Profile
from healthdesk.services.ingest import IngestReport, derive_pending, ingest_decoded, ingest_frames
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
    records_unknown_version: int = 0  # archived, in a format this version cannot decode yet (§12.6)
    records_redated: int = 0  # stamped by an unset clock, dated again from counter continuity (§12.5)
    records_undated: int = 0  # stamped by an unset clock with no anchor: archived, on no day
    records_estimated: int | None = None  # the band's backlog at the first connection (GET_DATA_RANGE)
    rate: float = 0.0  # records per second, measured over the whole job
    warnings: list[DrainWarning] = field(default_factory=list)

    def as_json(self) -> dict[str, object]:
        out = asdict(self)
        out["seconds"] = round(self.seconds, 3)
        out["rate"] = round(self.rate, 2)
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
    max_reconnects: int = 3  # reconnects in a row WITHOUT progress; any committed batch resets the count
    reconnect_delay_s: float = 0.5
    idle_timeout: float = 60.0  # §12.8
    response_timeout: float = 5.0
    set_clock: bool = True
    derive: bool = True
    summary: DrainSummary = field(default_factory=DrainSummary)
    _task: asyncio.Task[object] | None = None
    _warnings: Warnings = field(default_factory=Warnings)
    _dating: RecordDating | None = None
    _first_batch_at: float | None = None
    _result_total: DrainResult = field(default_factory=DrainResult)

    def cancel(self) -> None:
        if self._task is not None:
            self._task.cancel()

    async def run(self) -> DrainSummary:
        self._task = asyncio.current_task()
        started = time.monotonic()
        writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="healthdesk-writer")
        idle_reconnects = 0
        try:
            while True:
                batches_before = self.summary.batches
                try:
                    await self._drain_once(writer)
                    break
                except NackLimitReached as exc:
                    self._warnings.add(codes.NACK_LIMIT, _sentence(str(exc)))
                    break
                except (BandDisconnected, BandConnectionError) as exc:
                    # A long drain resumes from the last ACK as often as it keeps moving (§12.7).
                    idle_reconnects = 0 if self.summary.batches > batches_before else idle_reconnects + 1
                    if idle_reconnects > self.max_reconnects:
                        raise
                    self.summary.reconnects += 1
                    detail = ("The band went on its charger, which drops the link; reconnecting."
                              if self._charging else str(exc))
                    self._emit("reconnecting", detail=detail)
                    await asyncio.sleep(self.reconnect_delay_s)
        finally:
            writer.shutdown(wait=True)
            self.summary.seconds = time.monotonic() - started
            self._finish_report()
        if self.derive and self.summary.records_new:
            self.summary.derived = await asyncio.get_running_loop().run_in_executor(None, self._derive)
        self._emit("finished")
        return self.summary

    async def _drain_once(self, writer: ThreadPoolExecutor) -> None:
        link = await self.connect()
        loop = asyncio.get_running_loop()
        result = DrainResult()
        self._charging = False
        self._session_records = 0
        session = Whoop4Session(link, idle_timeout=self.idle_timeout, response_timeout=self.response_timeout)
        try:
            async with session:
                info = await session.handshake(set_clock=self.set_clock)
                self._warnings.extend(info.warnings)
                device = self.summary.device = info.serial or getattr(link, "name", "") or "whoop4"
                if self._dating is None:
                    hello = (info.band_clock_unix, info.band_clock_unix - info.clock_drift_s)
                    self._dating = RecordDating(time.time(), hello if info.clock_was_unset else None)
                dating = self._dating
                stored = await loop.run_in_executor(writer, _newest_stored_record, self.db, device)
                if stored is not None:
                    dating.seed_anchor(*stored)
                if codes.CLOCK_NOT_LATCHED in [w.code for w in info.warnings]:
                    return  # draining now would date records wrongly; the band keeps them (§12.4)
                waiting = await session.records_waiting()
                if self.summary.records_estimated is None:
                    self.summary.records_estimated = waiting
                self._emit("connected", records_remaining=self._remaining(), detail=device)

                async def commit(frames: list[bytes]) -> None:
                    plan = dating.plan(frames)
                    try:
                        report = await loop.run_in_executor(writer, self._store, device, frames, plan)
                    except Exception as exc:
                        log.exception("storing a batch failed")
                        first_line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
                        raise CommitFailed(f"could not store the drained data ({first_line}); "
                                           "nothing was lost: the band keeps it until the next drain") from exc
                    self._count(report)
                    self.summary.records_redated += plan.redated
                    self.summary.records_undated += plan.undated

                await session.drain(commit, self._on_progress, records_reported=waiting, result=result)
        finally:
            self._charging = _saw_charging(session)
            self._add(result)  # also the whole batches committed before a failure
            if link.is_connected:
                await link.disconnect()

    def _store(self, device: str, frames: list[bytes], plan: DatingPlan) -> IngestReport:
        """Writer thread: one transaction. Re-dated records go in with their new dates while the archive keeps
        the frames exactly as the band sent them."""
        received = time.time()
        if plan.untouched:
            return self.ingest(self.db, device, frames, received)
        return ingest_decoded(self.db, device, decode_frames(plan.decode_frames), received, raw_frames=frames)

    # --- bookkeeping ---------------------------------------------------------------------------------------
    def _count(self, report: IngestReport) -> None:
        s = self.summary
        s.records_new += report.records_new
        s.records_duplicate += report.records_duplicate
        s.records_unknown_version += report.frames_invalid.get("unknown_version", 0)
        s.frames_invalid += sum(report.frames_invalid.values())  # undecodable but CRC-valid (archived)
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
        s.frames_invalid += result.frames_invalid  # damaged on air (NACKed and sent again)
        s.complete = result.complete
        total = self._result_total
        total.count_mismatches += result.count_mismatches
        total.live_frames_ignored.update(result.live_frames_ignored)
        total.unknown_types.update(result.unknown_types)

    def _remaining(self) -> int | None:
        estimate = self.summary.records_estimated
        return None if estimate is None else max(estimate - self._received_live, 0)

    def _on_progress(self, p: DrainProgress) -> None:
        """Rate and ETA measured over the whole job, reconnects included: an honest estimate (§12.7)."""
        now = time.monotonic()
        self._received_live += p.records - self._session_records
        self._session_records = p.records
        if self._first_batch_at is None:
            self._first_batch_at, self._first_batch_records = now, self._received_live
        done = self._received_live - self._first_batch_records
        elapsed = now - self._first_batch_at
        rate = done / elapsed if elapsed > 0 and done > 0 else p.rate
        self.summary.rate = rate
        remaining = self._remaining()
        eta = remaining / rate if remaining is not None and rate > 0 else None
        self._emit("progress", records_remaining=remaining, rate=rate, eta_s=eta)

    def _finish_report(self) -> None:
        """Turn what the drain saw into plain-words warnings (§13)."""
        s, total, w = self.summary, self._result_total, self._warnings
        raw = total.live_frames_ignored.get(PacketType.REALTIME_RAW_DATA, 0)
        if raw and codes.RAW_STREAM_WAS_ON not in w.codes:
            w.add(codes.RAW_STREAM_WAS_ON, f"The band's raw sensor stream was running ({raw} frames arrived); "
                                           "they were not counted or stored as history.")
        if total.count_mismatches:
            w.add(codes.COUNT_MISMATCH, f"{total.count_mismatches} batches arrived with a different frame count "
                                        "than the band announced; each was asked for again.")
        if s.records_unknown_version or total.unknown_types:
            w.add(codes.UNKNOWN_RECORD_VERSION,
                  f"{s.records_unknown_version + sum(total.unknown_types.values())} records are in a format "
                  "this version cannot read yet; they are kept and will be decoded by a later version.")
        if s.records_undated:
            w.add(codes.UNDATED_RECORDS, f"{s.records_undated} records were written while the band's clock was "
                                         "not set and could not be dated; they are kept but shown on no day.")
        elif s.records_redated:
            w.add(codes.UNDATED_RECORDS, f"{s.records_redated} records were written while the band's clock was "
                                         "not set; they were dated from the records around them.")
        if s.complete and s.records_received == 0 and (s.records_estimated or 0) > 0:
            w.add(codes.EMPTY_DRAIN_WITH_BACKLOG,
                  f"The band reported about {s.records_estimated} records waiting but sent none; "
                  "try again, and restart the band if this repeats.")
        s.warnings = w.as_list()

    _received_live: int = 0  # records committed by this job so far (the sessions' running counts)
    _session_records: int = 0
    _first_batch_records: int = 0
    _charging: bool = False

    def _emit(self, kind: str, **extra: object) -> None:
        if self.progress is not None:
            self.progress(DrainEvent(kind, self.summary, **extra))  # type: ignore[arg-type]

    def _derive(self) -> bool:
        """Derive what the drain's commits marked pending (the marker makes a crash here lose nothing)."""
        try:
            derive_pending(self.db, self.profile)
        except Exception:  # noqa: BLE001 - the drained data is stored; metrics can be derived again later
            log.exception("deriving metrics after the drain failed")
            return False
        return True


def _newest_stored_record(db: Database, device: str) -> tuple[int, int, int] | None:
    """(counter, unix, subsec) of the device's newest stored 1 Hz record: a re-dating anchor (§12.5)."""
    from healthdesk.store.band_reads import list_devices, records_between

    last = next((d.last_seen for d in list_devices(db) if d.name == device and d.last_seen), None)
    if last is None:
        return None
    records = records_between(db, device, last - 120, last + 2)
    records = records[np.isin(records["version"], list(DATED_VERSIONS))]
    if not len(records):
        return None
    newest = records[int(np.argmax(records["counter"]))]
    return int(newest["counter"]), int(newest["unix"]), int(newest["subsec"])


def _saw_charging(session: Whoop4Session) -> bool:
    """True when the band announced CHARGING_ON live during this connection (its link then drops, §12.12)."""
    seen = False
    while not session.live_events.empty():
        frame = session.live_events.get_nowait()
        if len(frame) >= 12 and int.from_bytes(frame[6:8], "little") == EventId.CHARGING_ON:
            seen = True
    return seen


def _sentence(text: str) -> str:
    text = text.strip()
    return (text[:1].upper() + text[1:]).rstrip(".") + "."
