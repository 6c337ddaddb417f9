"""The simulated band's GATT peripheral, observed from a real bleak client over the bumble link."""

from __future__ import annotations

import asyncio

import pytest
from bleak import BleakClient

from healthdesk.band.sim.peripheral import address_for_serial, heart_rate_measurement
from healthdesk.band.whoop4.constants import (
    CMD_FROM_STRAP_UUID,
    DATA_FROM_STRAP_UUID,
    EVENTS_FROM_STRAP_UUID,
)
from healthdesk.band.whoop4.framing import FrameReassembler, build_frame
from healthdesk.ble import transport
from healthdesk.ble.bumble_backend import SIMULATED, BumbleBleakClient

from .conftest import EchoFirmware, run_in_air

HEART_RATE_MEASUREMENT = "00002a37-0000-1000-8000-00805f9b34fb"
BATTERY_LEVEL = "00002a19-0000-1000-8000-00805f9b34fb"


def test_heart_rate_measurement_follows_the_sig_layout():
    assert heart_rate_measurement(62) == bytes([0x00, 62])
    assert heart_rate_measurement(300) == bytes([0x01]) + (300).to_bytes(2, "little")
    # RR 0.5 s = 512/1024, 1.0 s = 1024/1024
    assert heart_rate_measurement(60, (0.5, 1.0)) == bytes([0x10, 60, 0x00, 0x02, 0x00, 0x04])


def test_addresses_are_stable_random_static_addresses():
    address = address_for_serial("4C1234567")
    assert address == address_for_serial("4C1234567") != address_for_serial("4C1234568")
    assert int(address[:2], 16) >> 6 == 0b11


def test_firmware_hears_the_central_only_after_all_three_subscriptions():
    firmware = EchoFirmware()

    async def body(air):
        band = await air.power_on(firmware)
        async with BleakClient(band.address, backend=BumbleBleakClient, pair=True, timeout=2.0) as client:
            for uuid in (CMD_FROM_STRAP_UUID, DATA_FROM_STRAP_UUID):
                await client.start_notify(uuid, lambda *_: None)
            await asyncio.sleep(0.02)
            assert firmware.events == []
            await client.start_notify(EVENTS_FROM_STRAP_UUID, lambda *_: None)
            await asyncio.wait_for(firmware.connected_event.wait(), 1.0)
            assert firmware.events == ["connected"]

    run_in_air(body)


def test_standard_heart_rate_and_battery_notifications_reach_a_subscriber():
    firmware = EchoFirmware(battery_percent=64)

    async def body(air):
        band = await air.power_on(firmware)
        received: asyncio.Queue[tuple[str, bytes]] = asyncio.Queue()
        async with BleakClient(band.address, backend=BumbleBleakClient, pair=True, timeout=2.0) as client:
            for uuid in (HEART_RATE_MEASUREMENT, BATTERY_LEVEL):
                await client.start_notify(uuid, lambda char, data: received.put_nowait((char.uuid, bytes(data))))
            for uuid in (CMD_FROM_STRAP_UUID, EVENTS_FROM_STRAP_UUID, DATA_FROM_STRAP_UUID):
                await client.start_notify(uuid, lambda *_: None)
            await asyncio.wait_for(firmware.connected_event.wait(), 1.0)
            band.notify_heart_rate(58, (1.03,))
            assert await asyncio.wait_for(received.get(), 1.0) == (HEART_RATE_MEASUREMENT, bytes([0x10, 58]) +
                                                                   round(1.03 * 1024).to_bytes(2, "little"))
            firmware.notify(HEART_RATE_MEASUREMENT, heart_rate_measurement(61))  # the firmware's own path
            assert await asyncio.wait_for(received.get(), 1.0) == (HEART_RATE_MEASUREMENT, bytes([0x00, 61]))
            with pytest.raises(ValueError):
                firmware.notify("0000ffff-0000-1000-8000-00805f9b34fb", b"\x00")
            firmware.battery_percent = 63
            band.notify_battery()
            assert await asyncio.wait_for(received.get(), 1.0) == (BATTERY_LEVEL, bytes([63]))
            assert (await client.read_gatt_char(BATTERY_LEVEL))[0] == 63

    run_in_air(body)


def test_a_burst_of_frames_on_two_characteristics_arrives_complete_and_in_order():
    # lengths from a command response to an R10-sized frame, so some span several notifications
    frames = [build_frame(bytes([0x2F, i % 256]) + bytes((i * j) % 251 for j in range(8 + (i * 37) % 1000)))
              for i in range(300)]
    answers = [build_frame(bytes([0x24, i]) + bytes(6)) for i in range(30)]
    firmware = EchoFirmware()

    def reply(_data: bytes) -> list[tuple[str, bytes]]:
        out: list[tuple[str, bytes]] = []
        for i, frame in enumerate(frames):
            out.append((DATA_FROM_STRAP_UUID, frame))
            if i % 10 == 0:
                out.append((CMD_FROM_STRAP_UUID, answers[i // 10]))
        return out

    firmware.reply = reply

    async def body(air):
        await air.power_on(firmware)
        link = await transport.connect(await transport.find_band(2.0, SIMULATED))
        await link.write_command(b"\xaa")
        streams = {DATA_FROM_STRAP_UUID: FrameReassembler(), CMD_FROM_STRAP_UUID: FrameReassembler()}
        got: dict[str, list[bytes]] = {DATA_FROM_STRAP_UUID: [], CMD_FROM_STRAP_UUID: []}
        while len(got[DATA_FROM_STRAP_UUID]) < len(frames) or len(got[CMD_FROM_STRAP_UUID]) < len(answers):
            note = await asyncio.wait_for(link.notifications.get(), 2.0)
            got[note.characteristic] += streams[note.characteristic].feed(note.data)
        assert got[DATA_FROM_STRAP_UUID] == frames
        assert got[CMD_FROM_STRAP_UUID] == answers
        assert link.notifications.empty()

    run_in_air(body)


def test_a_band_switched_off_disappears_from_the_scan():
    async def body(air):
        first = await air.power_on(EchoFirmware("4C0000001"))
        await air.power_on(EchoFirmware("4C0000002"))
        names = sorted(f.name for f in await transport.scan(0.3, backend=SIMULATED))
        assert names == ["WHOOP 4C0000001", "WHOOP 4C0000002"]
        await air.power_off(first)
        assert [f.name for f in await transport.scan(0.3, backend=SIMULATED)] == ["WHOOP 4C0000002"]
        assert list(air.bands) == [address_for_serial("4C0000002")]

    run_in_air(body)
