"""Issue 13 Must-show: every field fault of a real WHOOP 4.0 (docs/band-protocol.md §7, §9), drained over the real
bleak API to the simulated band on bumble. Each drain ends with every decodable record of the band's flash stored
exactly once (by version and counter, every field equal), the fault named in the warnings, and no ACK sent for a
batch whose records were not yet in the database."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest

from healthdesk.band.sim.faults import FIELD_FAULTS, apply_flash_faults, wire_faults
from healthdesk.band.sim.firmware import SimulatedBand
from healthdesk.band.sim.flash import compose_flash, generate, is_record
from healthdesk.band.whoop4.constants import Opcode
from healthdesk.band.whoop4.decode import decode_frames
from healthdesk.band.whoop4.framing import parse_frame
from healthdesk.store.database import open_database

from .drain_helpers import START_UNIX, assert_exact_record_set, drain, stored_records

RECORDS = 900  # ~15 minutes: 19 batches of 50, enough for every "every Nth batch" fault
TIME_SCALE = 200.0  # `slow` paces 10 records/s on a real band; here 2,000/s
WARNING_OF = {  # the warning code each fault must produce (None: the fault is handled silently, see the test)
    "raw_stream": "raw_stream_was_on",
    "count_mismatch": "count_mismatch",
    "unset_clock": "undated_records",
    "clock_not_latched": "clock_not_latched",
    "v25": "unknown_record_version",
    "ignore_optional": "optional_command_skipped",
    "needs_bond": None,
    "slow": None,
    "flaky": None,
    "charging_drop": None,
}


@pytest.fixture(scope="module")
def history():
    records = generate(1, seed=31, start_unix=START_UNIX).records[:RECORDS]
    return records, compose_flash(records, seed=31)


def faulty_band(flash: list[bytes], names: list[str], serial: str) -> SimulatedBand:
    band = SimulatedBand.create(apply_flash_faults(flash, names), serial=serial, seed=7, reoffer_s=0.3)
    band.faults, interval = wire_faults(names, time_scale=TIME_SCALE)
    if "raw_stream" in names:
        band.faults.raw_stream_sticky = True  # keep it flowing through the drain: proves it is never counted
    if interval is not None:
        band.frame_interval_s = interval
    return band


def expected_records(flash: list[bytes], names: list[str]) -> np.ndarray:
    """What the band holds that this version can decode, with its true dates (before any clock fault)."""
    return decode_frames(apply_flash_faults(flash, [n for n in names if n != "unset_clock"])).records


class AckAfterCommit:
    """Spies the band's command input: at every success ACK, the acknowledged batch's decodable records must
    already be in the database (architecture invariant 1)."""

    def __init__(self, band: SimulatedBand, db) -> None:
        self.band, self.db, self.acks, self.violations = band, db, 0, []
        self._original = band.command_written
        band.command_written = self

    def __call__(self, data: bytes, with_response: bool) -> None:
        inner = parse_frame(bytes(data))
        offer = self.band._offer
        if inner[2] == Opcode.HISTORICAL_DATA_RESULT and inner[3] == 1 and offer and bytes(inner[4:12]) == offer[1]:
            self.acks += 1
            batch = self.band._flash[self.band.state.freed_frames : offer[0]]
            wanted = {(f[5], int.from_bytes(f[7:11], "little")) for f in batch if is_record(f) and f[5] == 24}
            stored = stored_records(self.db)
            have = set(zip(stored["version"].tolist(), stored["counter"].tolist(), strict=True))
            if not wanted <= have:
                self.violations.append(len(wanted - have))
        self._original(data, with_response)


def run_fault(tmp_path, flash, names, serial, **job):
    band = faulty_band(flash, names, serial)
    with open_database(tmp_path / "hd.db") as db:
        spy = AckAfterCommit(band, db)
        events = []
        summary = drain(db, band, timeout=180, response_timeout=0.3, progress=events.append, **job)
        stored = stored_records(db)
    assert spy.violations == [], "a batch was acknowledged before its records were committed"
    return band, summary, stored, events, spy


@pytest.mark.parametrize("fault", [f for f in FIELD_FAULTS if f != "clock_not_latched"])
def test_each_field_fault_drains_everything_once_and_says_so(tmp_path, history, fault):
    truth, flash = history
    band, summary, stored, events, spy = run_fault(tmp_path, flash, [fault], f"4C13{FIELD_FAULTS.index(fault):05d}")
    assert summary.complete, summary
    assert_exact_record_set(stored, expected_records(flash, [fault]))
    assert band.pending_frames == [] and spy.acks == summary.batches
    codes = [w.code for w in summary.warnings]
    if WARNING_OF[fault] is not None:
        assert WARNING_OF[fault] in codes
    if fault == "raw_stream":
        assert summary.nacks == 0 and Opcode.SEND_R10_R11_REALTIME in [parse_frame(w)[2] for w in
                                                                       band.commands_written]
    if fault == "count_mismatch":
        assert summary.nacks >= 2  # batches 7 and 14 came with a wrong count once, were NACKed and came again
    if fault == "unset_clock":
        assert summary.records_redated == RECORDS // 3 and summary.records_undated == 0
    if fault == "v25":
        assert summary.records_unknown_version == RECORDS // 9
    if fault == "needs_bond":
        assert band.bonded and codes == []
    if fault in ("flaky", "charging_drop"):
        assert summary.reconnects >= 1 and codes == []
    if fault == "charging_drop":
        assert any("charger" in e.detail for e in events if e.kind == "reconnecting")
    if fault == "slow":
        assert all(e.eta_s is not None and e.rate > 0 for e in events if e.kind == "progress")


def test_clock_not_latched_stops_before_draining_and_all_faults_at_once_then_complete(tmp_path, history):
    truth, flash = history
    names = list(FIELD_FAULTS)
    band, summary, stored, _, spy = run_fault(tmp_path, flash, names, "4C1399999")
    codes = [w.code for w in summary.warnings]
    assert not summary.complete and "clock_not_latched" in codes and len(stored) == 0 and spy.acks == 0
    assert {"raw_stream_was_on", "optional_command_skipped"} <= set(codes)
    # The band is restarted (its clock now latches): the same drain, with every other fault still on, completes.
    band.faults.clock_not_latched = False
    with open_database(tmp_path / "hd.db") as db:
        spy = AckAfterCommit(band, db)
        again = drain(db, band, timeout=180, response_timeout=0.3)
        stored = stored_records(db)
    assert again.complete and spy.violations == [] and band.pending_frames == []
    assert_exact_record_set(stored, expected_records(flash, names))
    codes = {w.code for w in again.warnings}
    assert {"raw_stream_was_on", "count_mismatch", "undated_records", "unknown_record_version",
            "optional_command_skipped"} <= codes
    assert again.reconnects >= 1


def test_nack_cap_aborts_with_a_diagnostic_and_the_band_keeps_the_batch(tmp_path, history):
    _, flash = history
    band = faulty_band(flash, ["count_mismatch"], "4C1300044")
    band.faults.count_mismatch_sticky = True  # batch 7 comes wrong every time
    with open_database(tmp_path / "hd.db") as db:
        summary = asyncio.run(asyncio.wait_for(_drain_quiet(db, band), 120))
        stored = stored_records(db)
    nack = [w for w in summary.warnings if w.code == "nack_limit"]
    assert not summary.complete and nack and "expected" in nack[0].message and "0x2F" in nack[0].message
    assert summary.nacks == 3 and len(stored) == summary.records_new == 6 * 50 - _non_records(flash[:300])
    assert Opcode.ABORT_HISTORICAL_TRANSMITS in [parse_frame(w)[2] for w in band.commands_written]
    assert band.state.freed_frames == 300  # batches 1-6 acked, batch 7 still on the band


async def _drain_quiet(db, band):
    from .drain_helpers import drain_over_ble

    return await drain_over_ble(db, band, response_timeout=0.3)


def _non_records(frames: list[bytes]) -> int:
    return sum(1 for f in frames if not is_record(f))
