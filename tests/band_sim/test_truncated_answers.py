"""Issue 13 Must-show: a HISTORY_END or a command response cut short at every length (but correctly framed, so it
passes both CRCs) never lets an IndexError/struct.error out of the session: the session either goes on or
raises one of its own one-line BandErrors (docs/band-protocol.md §7: length checks before indexing)."""

from __future__ import annotations

import asyncio

import pytest

from healthdesk.band.sim.firmware import SimulatedBand
from healthdesk.band.sim.flash import compose_flash, steady_records
from healthdesk.band.whoop4.constants import (
    CMD_FROM_STRAP_UUID,
    DATA_FROM_STRAP_UUID,
    MetadataType,
    Opcode,
    PacketType,
)
from healthdesk.band.whoop4.framing import build_frame, parse_frame
from healthdesk.band.whoop4.session import BandError, Whoop4Session

from .inprocess import InProcessLink

START = 1_760_000_000


def cut_band(flash, *, opcode: int | None = None, end_length: int | None = None, length: int = 0):
    """A band whose answer to `opcode` (or whose first HISTORY_END) is cut to `length` inner bytes."""
    band = SimulatedBand.create(flash, serial="4C7777777", seed=9, reoffer_s=0.05)
    link = InProcessLink(band)
    send = band._notify
    state = {"cut": False}

    def notify(characteristic: str, frame: bytes) -> None:
        inner = parse_frame(frame)
        response = characteristic == CMD_FROM_STRAP_UUID and opcode is not None and inner[2] == opcode
        end = (characteristic == DATA_FROM_STRAP_UUID and end_length is not None and not state["cut"]
               and inner[0] == PacketType.METADATA and inner[2] == MetadataType.HISTORY_END)
        if response or end:
            state["cut"] = state["cut"] or end
            frame = build_frame(inner[:length])  # zero-padded to x4 like every frame a band sends
        send(characteristic, frame)

    band.connected(notify)
    return band, link


async def exercise(link) -> None:
    async with Whoop4Session(link, response_timeout=0.02) as session:
        await session.handshake()
        await session.records_waiting()
        await session.band_clock()


RESPONSES = {Opcode.GET_HELLO_HARVARD: 136, Opcode.REPORT_VERSION_INFO: 76, Opcode.SET_CLOCK: 8,
             Opcode.GET_BATTERY_LEVEL: 12, Opcode.GET_DATA_RANGE: 68, Opcode.GET_CLOCK: 16}


@pytest.mark.parametrize("opcode", list(RESPONSES))
def test_a_response_cut_at_every_length_gives_no_stray_exception(opcode):
    for length in range(RESPONSES[opcode]):
        _, link = cut_band([], opcode=opcode, length=length)
        try:
            asyncio.run(asyncio.wait_for(exercise(link), 10))
        except BandError as exc:
            assert "\n" not in str(exc)  # one line for a person


def test_a_history_end_cut_at_every_length_is_refused_and_the_batch_comes_again():
    flash = compose_flash(steady_records(60, seed=3, start_unix=START))
    for length in range(24):
        band, link = cut_band(flash, end_length=length, length=length)

        async def go(link=link):
            async with Whoop4Session(link) as session:
                return await session.drain(lambda frames: asyncio.sleep(0))

        result = asyncio.run(asyncio.wait_for(go(), 10))
        assert result.complete and result.records == 60 and band.pending_frames == []
        # < 3 bytes lose the metadata kind (0 bytes is no frame at all): no END, the band's re-offer is taken;
        # 3..20 bytes (padded to x4): an END without its count and token is refused with a NACK; 21+ hold both
        assert result.nacks >= 1 or length < 3 or length >= 21
