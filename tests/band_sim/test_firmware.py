"""The simulated firmware on its own: what it sends for each command, byte by byte (band-protocol §5, §6)."""

from __future__ import annotations

import asyncio

from healthdesk.band.sim.firmware import SimulatedBand
from healthdesk.band.sim.flash import compose_flash, steady_records
from healthdesk.band.sim.replay import load_capture
from healthdesk.band.whoop4 import commands
from healthdesk.band.whoop4.constants import CMD_FROM_STRAP_UUID, DATA_FROM_STRAP_UUID
from healthdesk.band.whoop4.framing import parse_frame

FLASH = compose_flash(steady_records(120, seed=9, start_unix=1_760_000_000))


class Air:
    """Collects what the band notifies, as (characteristic, inner)."""

    def __init__(self, band: SimulatedBand) -> None:
        self.sent: list[tuple[str, bytes]] = []
        band.connected(lambda uuid, frame: self.sent.append((uuid, parse_frame(frame))))

    def data(self) -> list[bytes]:
        return [inner for uuid, inner in self.sent if uuid == DATA_FROM_STRAP_UUID]

    def meta(self) -> list[bytes]:
        return [inner for inner in self.data() if inner[0] == 0x31]


async def settle(seconds: float = 0.0) -> None:
    await asyncio.sleep(seconds)
    for _ in range(20):
        await asyncio.sleep(0)


def test_batch_round_trip_bytes_and_shared_tx_sequence():
    async def go():
        band = SimulatedBand.create(FLASH, seed=1)
        air = Air(band)
        band.command_written(commands.send_historical_data(4), False)
        await settle()
        end = air.meta()[-1]
        band.command_written(commands.history_ack(5, end[13:21]), False)
        await settle()
        return band, air, end

    band, air, end = asyncio.run(go())
    responses = [inner for uuid, inner in air.sent if uuid == CMD_FROM_STRAP_UUID]
    assert responses[0][2:] == bytes.fromhex("1604020b0000")  # op 0x16, req seq 4, result 2, body 0b 00 00
    assert responses[1][2:] == bytes.fromhex("170001000000")  # op 0x17, seq 00, `00 01 00 00 00` as captured
    start, end1, start2 = air.meta()[0], air.meta()[1], air.meta()[2]
    assert (start[2], end1[2], start2[2]) == (1, 2, 1) and end1 == end
    # one counter for responses and metadata: START n, END n+1, ACK response n+2, next START n+3 (§5.1)
    assert [end1[1] - start[1], responses[1][1] - start[1], start2[1] - start[1]] == [1, 2, 3]
    assert air.data()[1:51] == [parse_frame(f) for f in FLASH[:50]]
    assert band.state.freed_frames == 50


def test_failure_result_and_wrong_token_resend_the_same_batch():
    async def go():
        band = SimulatedBand.create(FLASH, seed=2)
        air = Air(band)
        band.command_written(commands.send_historical_data(1), False)
        await settle()
        token = air.meta()[-1][13:21]
        band.command_written(commands.history_nack(2), False)
        await settle()
        bad = bytes([token[0] ^ 1]) + token[1:]
        band.command_written(commands.history_ack(3, bad), False)
        await settle()
        return band, air, token

    band, air, token = asyncio.run(go())
    batches = [air.data()[i + 1 : i + 51] for i in range(0, len(air.data()), 52)]
    assert len(batches) == 3 and batches[0] == batches[1] == batches[2]
    assert all(m[13:21] == token for m in air.meta() if m[2] == 2)
    assert band.state.freed_frames == 0


def test_unacked_end_is_reoffered_with_same_token_and_fresh_seq():
    async def go():
        band = SimulatedBand.create(FLASH[:30], seed=3, reoffer_s=0.1)
        air = Air(band)
        band.command_written(commands.send_historical_data(1), False)
        await settle(0.35)
        band.disconnected()
        return air

    air = asyncio.run(go())
    ends = [m for m in air.meta() if m[2] == 2]
    assert len(ends) == 4  # the END and three re-offers in 0.35 s
    assert len({e[9:21] for e in ends}) == 1 and len({e[1] for e in ends}) == 4


def test_empty_flash_answers_history_complete_at_once():
    async def go():
        band = SimulatedBand.create([], seed=4)
        air = Air(band)
        band.command_written(commands.send_historical_data(1), False)
        await settle()
        return air

    assert [m[2] for m in asyncio.run(go()).meta()] == [3]


def test_records_written_while_connected_survive_a_restart(tmp_path):
    clock = [1_760_000_000.0]
    folder = str(tmp_path / "band")
    band = SimulatedBand.create([], seed=5, folder=folder, live_recording=True, clock=lambda: clock[0])
    band.connected(lambda uuid, frame: None)
    band.command_written(commands.set_clock(1, int(clock[0])), False)
    clock[0] += 100
    band.command_written(commands.get_battery(2), False)
    assert band.pending_records == 104  # 100 s / (31504/32768 s)
    reborn = SimulatedBand.load(folder)
    assert reborn.pending_frames == band.pending_frames
    assert reborn.state.rtc_offset is not None


def test_replay_serves_only_what_a_band_stores(overnight_capture):
    capture = load_capture(overnight_capture)
    kinds = [f[4] for f in capture.flash]
    assert (kinds.count(0x2F), kinds.count(0x30), kinds.count(0x32)) == (12_984, 54, 124)
    assert capture.skipped_other == 527 and capture.skipped_invalid == 0
