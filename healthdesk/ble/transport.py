"""The BLE transport: the only place product code calls bleak.

    bands = await scan(5.0)                      # radio; scan(5.0, backend=SIMULATED) for the simulated air
    band = await find_band(10.0, address=known)  # or stop at the first (or the remembered) band heard
    link = await connect(bands[0])               # pairs, subscribes 0003/0004/0005, returns a BandLink
    await link.write_command(frame)              # write-without-response, as the official app does
    await link.write_command(frame, confirmed=True)  # Write Request: HELLO, SET_CLOCK, history (§12.3)
    note = await link.notifications.get()        # Notification(characteristic uuid, bytes)

When the link drops, `is_connected` turns False and `LINK_LOST` (an empty Notification) is put on the queue so
a session blocked on `notifications.get()` wakes up. Every bleak/OS failure leaves this module as a
`BandConnectionError` whose text is one actionable line (see errors.py).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from bleak import BleakClient, BleakScanner
from bleak.backends.characteristic import BleakGATTCharacteristic
from bleak.backends.client import BaseBleakClient
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData, BaseBleakScanner

from healthdesk.band.base import Notification
from healthdesk.band.whoop4.constants import (
    ADVERTISED_NAME_PREFIX,
    CMD_FROM_STRAP_UUID,
    CMD_TO_STRAP_UUID,
    DATA_FROM_STRAP_UUID,
    EVENTS_FROM_STRAP_UUID,
    SERVICE_UUID,
)
from healthdesk.ble.errors import BandConnectionError, translated_errors

log = logging.getLogger(__name__)

# Subscribed before the first command, in this order (band-protocol §2.4).
SUBSCRIBED_UUIDS = (CMD_FROM_STRAP_UUID, EVENTS_FROM_STRAP_UUID, DATA_FROM_STRAP_UUID)
# Put on the notifications queue when the link is gone: no characteristic, no data.
LINK_LOST = Notification(characteristic="", data=b"")
DEFAULT_CONNECT_TIMEOUT = 20.0

_DEVICE_INFORMATION = {
    "manufacturer": "00002a29-0000-1000-8000-00805f9b34fb",
    "model": "00002a24-0000-1000-8000-00805f9b34fb",
    "serial": "00002a25-0000-1000-8000-00805f9b34fb",
    "hardware_revision": "00002a27-0000-1000-8000-00805f9b34fb",
    "firmware_revision": "00002a26-0000-1000-8000-00805f9b34fb",
}
BATTERY_LEVEL_UUID = "00002a19-0000-1000-8000-00805f9b34fb"


class Backend(Protocol):
    """A pair of bleak backend classes (None = the platform's own: BlueZ, CoreBluetooth, WinRT)."""

    scanner: type[BaseBleakScanner]
    client: type[BaseBleakClient]


@dataclass(frozen=True)
class FoundBand:
    address: str
    name: str
    rssi: int
    device: BLEDevice = field(repr=False, compare=False)
    backend: Backend | None = field(default=None, repr=False, compare=False)

    @property
    def has_default_name(self) -> bool:
        """False for a band renamed with SET_ADVERTISING_NAME (still a WHOOP by its service UUID)."""
        return self.name.startswith(ADVERTISED_NAME_PREFIX)


async def scan(timeout: float = 5.0, backend: Backend | None = None) -> list[FoundBand]:
    """WHOOP 4.0 bands advertising the vendor service, strongest signal first."""
    with translated_errors():
        seen = await BleakScanner.discover(
            timeout=timeout,
            return_adv=True,
            service_uuids=[SERVICE_UUID],
            backend=backend.scanner if backend else None,
        )
    bands = [band for device, adv in seen.values() if (band := _as_band(device, adv, backend)) is not None]
    return sorted(bands, key=lambda band: (not band.has_default_name, -band.rssi, band.address))


async def find_band(timeout: float = 10.0, backend: Backend | None = None, *, address: str | None = None
                    ) -> FoundBand | None:
    """The first WHOOP 4.0 heard (or the one with `address`), as soon as it is heard; None after `timeout`."""
    wanted = address.upper() if address else None
    with translated_errors():
        async with BleakScanner(service_uuids=[SERVICE_UUID], backend=backend.scanner if backend else None) as scanner:
            try:
                async with asyncio.timeout(timeout):
                    async for device, adv in scanner.advertisement_data():
                        band = _as_band(device, adv, backend)
                        if band is not None and (wanted is None or band.address.upper() == wanted):
                            return band
            except TimeoutError:
                return None
    return None


def _as_band(device: BLEDevice, adv: AdvertisementData, backend: Backend | None) -> FoundBand | None:
    # The OS filter is best effort (other apps may be scanning too): check the advertisement ourselves.
    if SERVICE_UUID not in (u.lower() for u in adv.service_uuids):
        return None
    return FoundBand(device.address, adv.local_name or device.name or "", adv.rssi, device, backend)


async def connect(
    band: FoundBand | str,
    backend: Backend | None = None,
    *,
    pair: bool = True,
    timeout: float = DEFAULT_CONNECT_TIMEOUT,
    write_with_response: bool = False,
) -> BleakBandLink:
    """Connect (and pair) to a band found by `scan`, or to a remembered address, ready for commands."""
    if isinstance(band, FoundBand):
        target: BLEDevice | str = band.device
        backend = backend or band.backend
    else:
        target = band
    link = BleakBandLink(write_with_response=write_with_response)
    client = BleakClient(
        target,
        disconnected_callback=link._on_link_lost,
        timeout=timeout,
        pair=pair,
        backend=backend.client if backend else None,
    )
    link._client = client
    with translated_errors():
        await client.connect()
        try:
            await link._subscribe()
        except BaseException:
            await link.disconnect()
            raise
    return link


class BleakBandLink:
    """`BandLink` over a connected BleakClient."""

    def __init__(self, *, write_with_response: bool = False) -> None:
        self.notifications: asyncio.Queue[Notification] = asyncio.Queue()
        # ATT Write Command (no response) is what the official app sends (band-protocol §2.3).
        self.write_with_response = write_with_response
        self.on_link_lost: Callable[[], None] | None = None
        self._client: BleakClient | None = None
        self._lost = False
        self._closing = False
        self._command: BleakGATTCharacteristic | None = None

    @property
    def is_connected(self) -> bool:
        return self._client is not None and not self._lost and self._client.is_connected

    @property
    def mtu(self) -> int:
        return self._client.mtu_size if self._client is not None else 23

    @property
    def address(self) -> str:
        return self._client.address if self._client is not None else ""

    @property
    def name(self) -> str:
        return self._client.name if self._client is not None else ""

    @property
    def closed_by_us(self) -> bool:
        """True when the link ended through `disconnect()`, False when the band or the radio dropped it."""
        return self._closing

    async def write_command(self, frame: bytes, *, confirmed: bool = False) -> None:
        if not self.is_connected or self._client is None or self._command is None:
            raise BandConnectionError("The band is not connected.", "link_lost")
        # Confirmed writes trigger the "just works" bond where bleak's pair=True does nothing (CoreBluetooth),
        # docs/band-protocol.md §12.3. A frame too long for one Write Command goes as a (long) Write Request.
        response = (confirmed or self.write_with_response
                    or len(frame) > self._command.max_write_without_response_size)
        with translated_errors():
            await self._client.write_gatt_char(self._command, frame, response=response)

    async def disconnect(self) -> None:
        if not self._lost:
            self._closing = True
        if self._client is not None and self._client.is_connected:
            with translated_errors():
                await self._client.disconnect()

    async def read_device_information(self) -> dict[str, Any]:
        """Device Information strings and the battery level (None for any the band does not offer)."""
        if self._client is None or not self.is_connected:
            raise BandConnectionError("The band is not connected.", "link_lost")
        info: dict[str, Any] = {}
        with translated_errors():
            for key, uuid in _DEVICE_INFORMATION.items():
                char = self._client.services.get_characteristic(uuid)
                info[key] = bytes(await self._client.read_gatt_char(char)).decode("utf-8", "replace") if char else None
            battery = self._client.services.get_characteristic(BATTERY_LEVEL_UUID)
            info["battery_percent"] = (await self._client.read_gatt_char(battery))[0] if battery else None
        return info

    async def _subscribe(self) -> None:
        assert self._client is not None
        services = self._client.services
        command = services.get_characteristic(CMD_TO_STRAP_UUID)
        if command is None or any(services.get_characteristic(uuid) is None for uuid in SUBSCRIBED_UUIDS):
            raise BandConnectionError(
                f"{self._client.address} is not a WHOOP 4.0 (its vendor service is missing).", "other"
            )
        self._command = command
        for uuid in SUBSCRIBED_UUIDS:
            await self._client.start_notify(uuid, self._on_notification)

    def _on_notification(self, characteristic: BleakGATTCharacteristic, data: bytearray) -> None:
        self.notifications.put_nowait(Notification(characteristic.uuid, bytes(data)))

    def _on_link_lost(self, _client: BleakClient) -> None:
        if self._lost:
            return
        self._lost = True
        log.info("link to %s closed (%s)", self.address, "by us" if self._closing else "by the band or radio")
        self.notifications.put_nowait(LINK_LOST)
        if self.on_link_lost is not None:
            self.on_link_lost()
