"""healthdesk.ble.transport over the real bleak API, bumble's ATT/GATT/SMP and the simulated band's peripheral."""

from __future__ import annotations

import asyncio
import math

import pytest
from bleak import BleakClient, BleakScanner
from bumble import data_types
from bumble.controller import Controller
from bumble.core import UUID, AdvertisingData
from bumble.device import Connection, Device
from bumble.hci import Address
from bumble.host import Host
from bumble.transport.common import AsyncPipeSink

from healthdesk.band.base import BandLink
from healthdesk.band.whoop4 import commands
from healthdesk.band.whoop4.constants import CMD_FROM_STRAP_UUID, DATA_FROM_STRAP_UUID, SERVICE_UUID
from healthdesk.band.whoop4.framing import FrameReassembler, build_frame, parse_frame
from healthdesk.ble import transport
from healthdesk.ble.bumble_backend import SIMULATED, BumbleBleakScanner
from healthdesk.ble.errors import BandConnectionError

from .conftest import EchoFirmware, run_in_air


async def power_on_other_peripheral(air, name: str = "Polar H10 A1B2C3") -> Device:
    """A heart-rate strap from another maker in the same air: must never be offered as a WHOOP."""
    controller = Controller("other", link=air.link)
    device = Device(name=name, address=Address("C1:22:33:44:55:66"), host=Host(controller, AsyncPipeSink(controller)))
    await device.power_on()
    payload = AdvertisingData([data_types.CompleteListOf16BitServiceUUIDs([UUID.from_16_bits(0x180D)]),
                               data_types.CompleteLocalName(name)])
    await device.start_advertising(advertising_data=bytes(payload), advertising_interval_min=20,
                                   advertising_interval_max=20)
    return device


def test_scan_finds_whoop_by_service_uuid_and_not_another_peripheral():
    async def body(air):
        band = await air.power_on(EchoFirmware("4C1234567"))
        other = await power_on_other_peripheral(air)
        # Without a filter both are on the air, so the filtered result below is a real filtering decision.
        everything = await BleakScanner.discover(timeout=0.3, return_adv=True, backend=BumbleBleakScanner)
        assert {adv.local_name for _, adv in everything.values()} == {"WHOOP 4C1234567", "Polar H10 A1B2C3"}

        found = await transport.scan(0.3, backend=SIMULATED)
        assert [(f.address, f.name) for f in found] == [(band.address, "WHOOP 4C1234567")]
        assert found[0].has_default_name and found[0].rssi < 0
        await other.power_off()

    run_in_air(body)


def test_connect_subscribes_pairs_and_implements_band_link():
    firmware = EchoFirmware()

    async def body(air):
        band = await air.power_on(firmware)
        [found] = await transport.scan(0.3, backend=SIMULATED)
        link = await transport.connect(found)
        assert isinstance(link, BandLink)
        assert link.is_connected and link.mtu == 247 and link.name == firmware.advertised_name
        # the band hears the central only once 0003/0004/0005 are subscribed on an encrypted link
        assert firmware.events == ["connected"]
        assert band._connection is not None and band._connection.is_encrypted
        info = await link.read_device_information()
        assert info == {"manufacturer": "WHOOP Inc.", "model": "WHOOP 4.0", "serial": "4C0000001",
                        "hardware_revision": "4.0", "firmware_revision": "41.16.5.0", "battery_percent": 77}
        await link.disconnect()
        assert not link.is_connected and link.closed_by_us
        assert await asyncio.wait_for(link.notifications.get(), 1.0) == transport.LINK_LOST

    run_in_air(body)


def test_a_1928_byte_frame_arrives_intact_across_several_notifications():
    inner = bytes([0x2B]) + bytes((i * 7) % 256 for i in range(1919))
    frame = build_frame(inner)
    assert len(frame) == 1928
    firmware = EchoFirmware()
    firmware.reply = lambda data: [(DATA_FROM_STRAP_UUID, frame), (CMD_FROM_STRAP_UUID, data)]

    async def body(air):
        await air.power_on(firmware)
        found = await transport.find_band(2.0, SIMULATED)
        link = await transport.connect(found)
        await link.write_command(commands.get_battery(1))
        chunks = []
        while True:
            note = await asyncio.wait_for(link.notifications.get(), 1.0)
            if note.characteristic == CMD_FROM_STRAP_UUID:
                break  # sent after the long frame, so every piece of it came before
            assert note.characteristic == DATA_FROM_STRAP_UUID
            chunks.append(note.data)
        assert len(chunks) == math.ceil(1928 / 244) == 8
        assert all(len(c) <= link.mtu - 3 for c in chunks)
        reassembler = FrameReassembler()
        frames = [f for c in chunks for f in reassembler.feed(c)]
        assert frames == [frame]
        assert parse_frame(frames[0]) == inner
        assert not reassembler.dropped

    run_in_air(body)


@pytest.mark.parametrize("with_response", [False, True])
def test_write_command_reaches_the_firmware_with_the_chosen_write_type(with_response):
    firmware = EchoFirmware()
    sent = [commands.get_hello(5), commands.set_clock(6, 1_700_000_000, 1234), commands.send_historical_data(7)]

    async def body(air):
        await air.power_on(firmware)
        found = await transport.find_band(2.0, SIMULATED)
        link = await transport.connect(found, write_with_response=with_response)
        for frame in sent:
            await link.write_command(frame)
            assert (await asyncio.wait_for(link.notifications.get(), 1.0)).data == frame
        assert firmware.writes == [(frame, with_response) for frame in sent]

    run_in_air(body)


def test_write_without_response_is_the_default():
    firmware = EchoFirmware()

    async def body(air):
        await air.power_on(firmware)
        link = await transport.connect(await transport.find_band(2.0, SIMULATED))
        await link.write_command(commands.get_battery(9))
        await asyncio.wait_for(link.notifications.get(), 1.0)
        assert firmware.writes == [(commands.get_battery(9), False)]

    run_in_air(body)


def test_band_hangs_up_link_reports_lost_and_wakes_the_waiting_reader():
    firmware = EchoFirmware()

    async def body(air):
        band = await air.power_on(firmware)
        link = await transport.connect(await transport.find_band(2.0, SIMULATED))
        lost = []
        link.on_link_lost = lambda: lost.append(True)
        waiting = asyncio.create_task(link.notifications.get())
        await asyncio.sleep(0.01)
        await band.drop_link()
        assert await asyncio.wait_for(waiting, 1.0) == transport.LINK_LOST
        assert not link.is_connected and not link.closed_by_us and lost == [True]
        assert firmware.events == ["connected", "disconnected"]
        with pytest.raises(BandConnectionError) as error:
            await link.write_command(commands.get_battery(1))
        assert error.value.kind == "link_lost"
        await link.disconnect()  # harmless afterwards, and the band still counts as the one that hung up
        assert not link.closed_by_us

        # the band advertises again and a new connection resumes
        again = await transport.connect(await transport.find_band(2.0, SIMULATED))
        assert again.is_connected and firmware.events == ["connected", "disconnected", "connected"]

    run_in_air(body)


def test_firmware_link_dropper_cuts_the_stream_at_once():
    firmware = EchoFirmware()

    async def body(air):
        band = await air.power_on(firmware)

        def reply(data: bytes) -> list[tuple[str, bytes]]:
            firmware.notify(DATA_FROM_STRAP_UUID, build_frame(b"\x2f" + bytes(92)))
            band.drop_link_now()  # what SimulatedBand.link_dropper does mid-batch
            return [(DATA_FROM_STRAP_UUID, build_frame(b"\x2f" + bytes(96)))]

        firmware.reply = reply
        link = await transport.connect(await transport.find_band(2.0, SIMULATED))
        await link.write_command(commands.send_historical_data(1))
        assert await asyncio.wait_for(link.notifications.get(), 1.0) == transport.LINK_LOST
        assert link.notifications.empty() and not link.is_connected

    run_in_air(body)


def test_out_of_range_band_cannot_be_found_or_reached_until_it_comes_back():
    firmware = EchoFirmware()

    async def body(air):
        band = await air.power_on(firmware)
        found = await transport.find_band(2.0, SIMULATED)
        link = await transport.connect(found)
        await band.go_out_of_range()
        assert await asyncio.wait_for(link.notifications.get(), 1.0) == transport.LINK_LOST
        assert await transport.scan(0.3, backend=SIMULATED) == []
        with pytest.raises(BandConnectionError) as error:
            await transport.connect(found.address, SIMULATED, timeout=0.3)
        assert error.value.kind == "out_of_range" and "\n" not in str(error.value)

        await band.come_back_in_range()
        link = await transport.connect(found.address, SIMULATED)  # a remembered address, no scan
        assert link.is_connected

    run_in_air(body)


def test_band_requiring_encryption_ignores_an_unpaired_central():
    firmware = EchoFirmware()

    async def body(air):
        await air.power_on(firmware)
        found = await transport.find_band(2.0, SIMULATED)
        link = await transport.connect(found, pair=False, write_with_response=True)
        with pytest.raises(BandConnectionError) as error:
            await link.write_command(commands.get_hello(1))
        assert error.value.kind == "not_paired"
        link.write_with_response = False  # as the official app writes: no answer at all, the band just ignores it
        await link.write_command(commands.get_hello(2))
        await asyncio.sleep(0.05)
        assert firmware.writes == [] and firmware.events == [] and link.notifications.empty()

    run_in_air(body)


def test_second_connection_reuses_the_bond():
    firmware = EchoFirmware()

    async def body(air):
        band = await air.power_on(firmware)
        found = await transport.find_band(2.0, SIMULATED)
        await (await transport.connect(found)).disconnect()
        adapter = await air.adapter()
        keys = await adapter.keystore.get(band.address)
        assert keys is not None and keys.ltk is not None  # just-works pairing produced a bond
        pairings: list[object] = []
        adapter.on(Connection.EVENT_PAIRING_START, pairings.append)
        link = await transport.connect(found)
        assert link.is_connected and band._connection.is_encrypted
        assert pairings == []  # encryption restarted from the stored key, no new pairing

    run_in_air(body)


def test_band_bonded_to_another_phone_gives_one_clear_line():
    async def body(air):
        await air.power_on(EchoFirmware(), bonded_elsewhere=True)
        found = await transport.find_band(2.0, SIMULATED)
        with pytest.raises(BandConnectionError) as error:
            await transport.connect(found)
        assert error.value.kind == "bonded_elsewhere"
        assert str(error.value).startswith("The band refused to pair: it is bonded to another phone.")

    run_in_air(body)


def test_scan_on_this_machine_without_bluetooth_says_so_in_one_line(monkeypatch, tmp_path):
    # Point BlueZ's D-Bus at a socket that does not exist, so the result does not depend on the host.
    monkeypatch.setenv("DBUS_SYSTEM_BUS_ADDRESS", f"unix:path={tmp_path / 'no-bus'}")

    async def body():
        errors = []
        for attempt in (transport.scan(0.5), transport.find_band(0.5)):
            with pytest.raises(BandConnectionError) as error:
                await attempt
            errors.append(error.value)
        return errors

    for error in asyncio.run(body()):
        assert error.kind == "unavailable"
        assert str(error).startswith("Bluetooth is not available: ") and "\n" not in str(error)


def test_connect_on_this_machine_without_bluetooth_says_so_in_one_line(monkeypatch, tmp_path):
    monkeypatch.setenv("DBUS_SYSTEM_BUS_ADDRESS", f"unix:path={tmp_path / 'no-bus'}")

    async def body():
        with pytest.raises(BandConnectionError) as error:
            await transport.connect("C0:11:22:33:44:55", timeout=1.0)
        return error.value

    error = asyncio.run(body())
    assert error.kind == "unavailable" and str(error).startswith("Bluetooth is not available: ")


def test_scan_filter_is_enforced_even_when_the_os_filter_lets_others_through():
    """A backend that ignores service_uuids (as when another app scans) must not leak foreign devices."""

    class LeakyScanner(BumbleBleakScanner):
        def __init__(self, detection_callback, service_uuids, *args, **kwargs):
            super().__init__(detection_callback, None, *args, **kwargs)

    class Leaky:
        scanner = LeakyScanner
        client = SIMULATED.client

    async def body(air):
        band = await air.power_on(EchoFirmware())
        other = await power_on_other_peripheral(air)
        found = await transport.scan(0.3, backend=Leaky())
        assert [f.address for f in found] == [band.address]
        await other.power_off()

    run_in_air(body)
    assert SERVICE_UUID.startswith("61080001")


def test_connect_to_an_unknown_address_times_out_and_leaves_the_adapter_usable():
    async def body(air):
        await air.power_on(EchoFirmware())
        with pytest.raises(BandConnectionError) as error:
            await transport.connect("C2:00:00:00:00:01", SIMULATED, timeout=0.3)
        assert error.value.kind == "out_of_range"
        assert not air.connection_pending  # the attempt was cancelled, not left hanging in the controller
        found = await transport.find_band(2.0, SIMULATED)
        assert (await transport.connect(found)).is_connected

    run_in_air(body)


def test_unpair_forgets_the_bond_so_the_next_connection_pairs_again():
    async def body(air):
        band = await air.power_on(EchoFirmware())
        client = BleakClient(band.address, backend=SIMULATED.client, pair=True, timeout=2.0)
        await client.connect()
        adapter = await air.adapter()
        assert await adapter.keystore.get(band.address) is not None
        await client.unpair()
        assert not client.is_connected and await adapter.keystore.get(band.address) is None
        pairings: list[object] = []
        adapter.on(Connection.EVENT_PAIRING_START, pairings.append)
        assert (await transport.connect(band.address, SIMULATED)).is_connected
        assert len(pairings) == 1

    run_in_air(body)


def test_find_band_stops_at_the_first_band_or_the_remembered_address():
    async def body(air):
        other = await power_on_other_peripheral(air)
        first = await air.power_on(EchoFirmware("4C0000001"))
        second = await air.power_on(EchoFirmware("4C0000002"))
        anyone = await transport.find_band(2.0, SIMULATED)
        assert anyone is not None and anyone.address in {first.address, second.address}
        wanted = await transport.find_band(2.0, SIMULATED, address=second.address.lower())
        assert wanted is not None and (wanted.address, wanted.name) == (second.address, "WHOOP 4C0000002")
        assert await transport.find_band(0.2, SIMULATED, address="C2:00:00:00:00:09") is None
        await other.power_off()

    run_in_air(body)
