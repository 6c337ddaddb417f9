"""Pins the bleak backend contract healthdesk relies on, through bleak's PUBLIC API only.

If a bleak release changes what a custom backend must provide (3.1 already changed the client constructor),
these tests fail before the product code does.
"""

from __future__ import annotations

import asyncio

from bleak import BleakClient, BleakScanner
from bleak.backends.characteristic import BleakGATTCharacteristic
from bleak.backends.client import BaseBleakClient
from bleak.backends.scanner import BaseBleakScanner

from healthdesk.band.whoop4.constants import (
    CMD_FROM_STRAP_UUID,
    CMD_TO_STRAP_UUID,
    DATA_FROM_STRAP_UUID,
    EVENTS_FROM_STRAP_UUID,
    MEMFAULT_UUID,
    SERVICE_UUID,
)
from healthdesk.ble.bumble_backend import BumbleBleakClient, BumbleBleakScanner

from .conftest import EchoFirmware, run_in_air

CCCD = "00002902-0000-1000-8000-00805f9b34fb"


def sig(short: int) -> str:
    return f"0000{short:04x}-0000-1000-8000-00805f9b34fb"


EXPECTED_PROPERTIES = {
    CMD_TO_STRAP_UUID: {"write", "write-without-response"},
    CMD_FROM_STRAP_UUID: {"notify"},
    EVENTS_FROM_STRAP_UUID: {"notify"},
    DATA_FROM_STRAP_UUID: {"notify"},
    MEMFAULT_UUID: {"notify"},
    sig(0x2A29): {"read"},  # manufacturer name
    sig(0x2A24): {"read"},  # model number
    sig(0x2A25): {"read"},  # serial number
    sig(0x2A26): {"read"},  # firmware revision
    sig(0x2A27): {"read"},  # hardware revision
    sig(0x2A19): {"read", "notify"},  # battery level
    sig(0x2A37): {"notify"},  # heart rate measurement
    sig(0x2A00): {"read"},  # GAP device name
}


def test_backend_classes_implement_every_abstract_member():
    assert issubclass(BumbleBleakClient, BaseBleakClient) and not BumbleBleakClient.__abstractmethods__
    assert issubclass(BumbleBleakScanner, BaseBleakScanner) and not BumbleBleakScanner.__abstractmethods__


def test_public_api_scan_connect_discover_mtu_and_round_trip():
    firmware = EchoFirmware()

    async def body(air):
        band = await air.power_on(firmware)
        scanner = BleakScanner(service_uuids=[SERVICE_UUID], backend=BumbleBleakScanner)
        assert scanner.backend_id == "BumbleBleakScanner"
        # find_device_by_filter registers its callback only after start(): proves advertisements come later
        device = await BleakScanner.find_device_by_filter(
            lambda d, adv: adv.local_name == firmware.advertised_name,
            timeout=2.0,
            service_uuids=[SERVICE_UUID],
            backend=BumbleBleakScanner,
        )
        assert device is not None and device.address == band.address

        disconnects: list[BleakClient] = []
        client = BleakClient(device, disconnects.append, backend=BumbleBleakClient, pair=True, timeout=5.0)
        assert client.backend_id == "BumbleBleakClient"
        async with client:
            assert client.is_connected
            assert client.mtu_size == 247
            assert client.name == firmware.advertised_name

            services = client.services
            assert services.get_service(SERVICE_UUID) is not None
            for uuid, properties in EXPECTED_PROPERTIES.items():
                char = services.get_characteristic(uuid)
                assert char is not None, uuid
                assert set(char.properties) == properties, uuid
                has_cccd = char.get_descriptor(CCCD) is not None
                assert has_cccd == bool(properties & {"notify", "indicate"}), uuid
            vendor = {c.uuid for c in services.get_service(SERVICE_UUID).characteristics}
            assert vendor == {CMD_TO_STRAP_UUID, CMD_FROM_STRAP_UUID, EVENTS_FROM_STRAP_UUID,
                              DATA_FROM_STRAP_UUID, MEMFAULT_UUID}
            command = services.get_characteristic(CMD_TO_STRAP_UUID)
            assert command.max_write_without_response_size == 244

            assert bytes(await client.read_gatt_char(sig(0x2A29))) == b"WHOOP Inc."
            assert bytes(await client.read_gatt_char(sig(0x2A25))) == firmware.serial.encode()
            assert bytes(await client.read_gatt_char(sig(0x2A26))) == firmware.firmware_version.encode()
            assert bytes(await client.read_gatt_char(sig(0x2A00))) == firmware.advertised_name.encode()
            assert (await client.read_gatt_char(sig(0x2A19)))[0] == 77

            received: asyncio.Queue[tuple[str, bytes]] = asyncio.Queue()

            def on_notify(sender: BleakGATTCharacteristic, data: bytearray) -> None:
                received.put_nowait((sender.uuid, bytes(data)))

            for uuid in (CMD_FROM_STRAP_UUID, EVENTS_FROM_STRAP_UUID, DATA_FROM_STRAP_UUID):
                await client.start_notify(uuid, on_notify)
            await asyncio.wait_for(firmware.connected_event.wait(), 1.0)

            await client.write_gatt_char(CMD_TO_STRAP_UUID, b"\xaa\x01ping", response=True)
            assert await asyncio.wait_for(received.get(), 1.0) == (CMD_FROM_STRAP_UUID, b"\xaa\x01ping")
            await client.write_gatt_char(CMD_TO_STRAP_UUID, b"\xaa\x02pong", response=False)
            assert await asyncio.wait_for(received.get(), 1.0) == (CMD_FROM_STRAP_UUID, b"\xaa\x02pong")
            assert firmware.writes == [(b"\xaa\x01ping", True), (b"\xaa\x02pong", False)]

            await client.stop_notify(CMD_FROM_STRAP_UUID)
            await client.write_gatt_char(CMD_TO_STRAP_UUID, b"\xaa\x03", response=True)
            await asyncio.sleep(0.05)
            assert received.empty()  # unsubscribed: the band's answer is not delivered any more

        assert not client.is_connected
        await asyncio.sleep(0)
        assert disconnects == [client]  # a local disconnect also reports, as BlueZ does
        assert firmware.events == ["connected", "disconnected"]

    run_in_air(body)
