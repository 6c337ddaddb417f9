"""The simulated WHOOP 4.0 served as a real bumble GATT peripheral (band-protocol §1, §2).

`BandPeripheral` wraps any `SimulatedFirmware` in a bumble `Device` whose virtual controller sits on an
in-process `LocalLink`: no kernel, D-Bus, radio or root, one asyncio loop. A central on the same link (bleak
through `healthdesk.ble.bumble_backend`) scans, connects, negotiates the MTU, pairs ("just works") and
talks real ATT to it. Fault injection for tests: `drop_link()` (the band hangs up) and `go_out_of_range()`
(the link times out and the band stops being heard until `come_back_in_range()`).
"""

from __future__ import annotations

import asyncio
import contextvars
import hashlib
import logging
from collections.abc import Callable
from typing import Any

from bumble import data_types
from bumble.att import ATT_Error, ATT_Handle_Value_Notification, ErrorCode
from bumble.core import UUID, AdvertisingData
from bumble.device import (
    AdvertisingEventProperties,
    AdvertisingParameters,
    AdvertisingSet,
    Connection,
    Device,
)
from bumble.gatt import (
    GATT_HEART_RATE_MEASUREMENT_CHARACTERISTIC,
    GATT_HEART_RATE_SERVICE,
    Characteristic,
    CharacteristicValue,
    Service,
)
from bumble.hci import Address, HCI_ErrorCode
from bumble.link import LocalLink
from bumble.pairing import PairingConfig, PairingDelegate
from bumble.profiles.battery_service import BatteryService
from bumble.profiles.device_information_service import DeviceInformationService
from bumble.transport.common import AsyncPipeSink

from healthdesk.band.base import SimulatedFirmware
from healthdesk.band.sim.radio import SimController, SimHost
from healthdesk.band.whoop4.constants import (
    CMD_FROM_STRAP_UUID,
    CMD_TO_STRAP_UUID,
    DATA_FROM_STRAP_UUID,
    EVENTS_FROM_STRAP_UUID,
    MEMFAULT_UUID,
    SERVICE_UUID,
)

log = logging.getLogger(__name__)

BAND_MTU = 247  # what the official app negotiates (band-protocol §2.4)
# LE Data Length Extension: 251-byte link-layer packets, so one 247-byte ATT PDU is one ACL packet.
LINK_LAYER_OCTETS = 251
ADVERTISING_INTERVAL_MS = 20.0  # fast in simulation so a scan of a fraction of a second finds the band
# Clients subscribe to these three before the first command (§2.4); 0007 is optional.
REQUIRED_SUBSCRIPTIONS = frozenset({CMD_FROM_STRAP_UUID, EVENTS_FROM_STRAP_UUID, DATA_FROM_STRAP_UUID})
HEART_RATE_MEASUREMENT_UUID = "00002a37-0000-1000-8000-00805f9b34fb"
NOTIFY_UUIDS = (CMD_FROM_STRAP_UUID, EVENTS_FROM_STRAP_UUID, DATA_FROM_STRAP_UUID, MEMFAULT_UUID)

# bumble hands a characteristic write to our callback without saying which ATT opcode carried it; the
# request handlers run in their own task, which copies this variable as set around the dispatch.
_WRITE_WITH_RESPONSE: contextvars.ContextVar[bool] = contextvars.ContextVar("write_with_response")


def address_for_serial(serial: str) -> str:
    """A stable random static address per band (top two bits set, as the spec requires)."""
    digest = bytearray(hashlib.sha256(serial.encode()).digest()[:6])
    digest[0] |= 0xC0
    return ":".join(f"{b:02X}" for b in digest)


def advertising_payload(name: str) -> bytes:
    """Flags + the vendor service UUID + the complete local name, as one extended advertisement."""
    return bytes(
        AdvertisingData(
            [
                data_types.Flags(
                    AdvertisingData.Flags.LE_GENERAL_DISCOVERABLE_MODE | AdvertisingData.Flags.BR_EDR_NOT_SUPPORTED
                ),
                data_types.CompleteListOf128BitServiceUUIDs([UUID(SERVICE_UUID)]),
                data_types.CompleteLocalName(name),
            ]
        )
    )


def heart_rate_measurement(bpm: int, rr_intervals_s: tuple[float, ...] = ()) -> bytes:
    """SIG Heart Rate Measurement: flags, uint8/uint16 HR, RR intervals in 1/1024 s."""
    wide = bpm > 0xFF
    flags = (0x01 if wide else 0) | (0x10 if rr_intervals_s else 0)
    out = bytearray([flags]) + bpm.to_bytes(2 if wide else 1, "little")
    for rr in rr_intervals_s:
        out += round(rr * 1024).to_bytes(2, "little")
    return bytes(out)


class _BandPairingDelegate(PairingDelegate):
    """No display, no keyboard: "just works". Refuses a second phone while bonded to another one."""

    def __init__(self, peripheral: BandPeripheral) -> None:
        super().__init__(io_capability=PairingDelegate.IoCapability.NO_OUTPUT_NO_INPUT)
        self._peripheral = peripheral

    async def accept(self) -> bool:
        return not self._peripheral.bonded_elsewhere


class BandPeripheral:
    """One simulated band on a bumble LocalLink. Create, `await power_on()`, and it advertises."""

    def __init__(
        self,
        firmware: SimulatedFirmware,
        link: LocalLink,
        *,
        address: str | None = None,
        model_number: str = "WHOOP 4.0",
        hardware_revision: str = "4.0",
        require_encryption: bool = True,
        bonded_elsewhere: bool = False,
    ) -> None:
        self.firmware = firmware
        self.link = link
        self.address = address or address_for_serial(firmware.serial)
        self.model_number = model_number
        self.hardware_revision = hardware_revision
        # The real band only acts on commands over an encrypted (bonded) link (band-protocol §2.4).
        self.require_encryption = require_encryption
        self.bonded_elsewhere = bonded_elsewhere
        self.in_range = True
        self.connections_seen = 0
        self._device: Device | None = None
        self._controller: SimController | None = None
        self._advertising: AdvertisingSet | None = None
        self._connection: Connection | None = None
        self._subscribed: set[str] = set()
        self._firmware_connected = False
        self._dropping = False
        self._outbox: asyncio.Queue[tuple[Characteristic, bytes] | None] = asyncio.Queue()
        self._sender: asyncio.Task[None] | None = None
        self._background: set[asyncio.Task[Any]] = set()
        self._characteristics: dict[str, Characteristic] = {}
        self._heart_rate: Characteristic | None = None
        self._battery: BatteryService | None = None

    # ---- life cycle ---------------------------------------------------------------------------------

    @property
    def name(self) -> str:
        return self.firmware.advertised_name

    @property
    def is_powered(self) -> bool:
        return self._device is not None

    @property
    def is_connected(self) -> bool:
        return self._connection is not None

    @property
    def mtu(self) -> int:
        return self._connection.att_mtu if self._connection else 23

    async def power_on(self) -> None:
        if self._device is not None:
            return
        controller = SimController(f"band-{self.firmware.serial}", link=self.link)
        controller.le_acl_data_packet_length = LINK_LAYER_OCTETS
        device = Device(name=self.name, address=Address(self.address), host=SimHost(controller, AsyncPipeSink(controller)))
        device.gatt_server.max_mtu = BAND_MTU
        self._wrap_write_handlers(device)
        device.pairing_config_factory = lambda _connection: PairingConfig(
            sc=True, mitm=False, bonding=True, delegate=_BandPairingDelegate(self)
        )
        device.add_services(self._services())
        device.on(device.EVENT_CONNECTION, self._on_connection)
        device.on("characteristic_subscription", self._on_subscription)
        self._controller, self._device = controller, device
        if hasattr(self.firmware, "link_dropper"):  # the firmware's own fault injection hangs up through us
            self.firmware.link_dropper = self.drop_link_now
        await device.power_on()
        self._sender = asyncio.create_task(self._send_notifications(), name=f"{self.name} notifications")
        await self._start_advertising()

    async def power_off(self) -> None:
        """Switch the band off: hang up, stop advertising, leave the air."""
        if self._device is None:
            return
        await self.drop_link()
        await self._stop_advertising(remove=True)
        if self._sender is not None:
            self._sender.cancel()
            await asyncio.gather(self._sender, return_exceptions=True)
        for task in list(self._background):
            task.cancel()
        await asyncio.gather(*self._background, return_exceptions=True)
        device, controller = self._device, self._controller
        self._device = self._controller = self._sender = None
        await device.power_off()
        if controller in self.link.controllers:
            self.link.remove_controller(controller)

    # ---- fault injection ----------------------------------------------------------------------------

    async def drop_link(self, reason: int = HCI_ErrorCode.REMOTE_USER_TERMINATED_CONNECTION_ERROR) -> None:
        """The band hangs up (peripheral-initiated disconnect). It advertises again afterwards if in range."""
        connection = self._connection
        if connection is None:
            return
        closed = asyncio.get_running_loop().create_future()
        connection.once(connection.EVENT_DISCONNECTION, lambda *_: closed.done() or closed.set_result(None))
        await connection.disconnect(reason)
        await asyncio.wait_for(closed, 2.0)

    def drop_link_now(self) -> None:
        """Synchronous hang-up (for firmware code): nothing queued after this call reaches the central."""
        self._clear_outbox()
        self._dropping = True
        self._spawn(self.drop_link())

    async def go_out_of_range(self) -> None:
        """The link dies with a supervision timeout and nothing from this band reaches the air any more."""
        self.in_range = False
        await self.drop_link(HCI_ErrorCode.CONNECTION_TIMEOUT_ERROR)
        await self._stop_advertising()
        if self._controller in self.link.controllers:
            self.link.remove_controller(self._controller)

    async def come_back_in_range(self) -> None:
        self.in_range = True
        if self._controller is not None and self._controller not in self.link.controllers:
            self.link.add_controller(self._controller)
        await self._start_advertising()

    # ---- standard services the firmware can drive ---------------------------------------------------

    def notify_battery(self) -> None:
        """Send the firmware's current battery_percent to 0x2A19 subscribers."""
        if self._device is not None and self._battery is not None:
            self._spawn(self._device.notify_subscribers(self._battery.battery_level_characteristic))

    def notify_heart_rate(self, bpm: int, rr_intervals_s: tuple[float, ...] = ()) -> None:
        """One standard 0x2A37 measurement (only heard by a subscribed central)."""
        if self._heart_rate is not None:
            self._outbox.put_nowait((self._heart_rate, heart_rate_measurement(bpm, rr_intervals_s)))

    # ---- GATT database ------------------------------------------------------------------------------

    def _services(self) -> list[Service]:
        # Encryption is checked in _on_command_write, so an unencrypted Write Command is dropped quietly.
        command = Characteristic(
            CMD_TO_STRAP_UUID,
            Characteristic.Properties.WRITE | Characteristic.Properties.WRITE_WITHOUT_RESPONSE,
            Characteristic.WRITEABLE,
            CharacteristicValue(write=self._on_command_write),
        )
        self._characteristics = {
            uuid: Characteristic(uuid, Characteristic.Properties.NOTIFY, Characteristic.READABLE, b"")
            for uuid in NOTIFY_UUIDS
        }
        self._heart_rate = Characteristic(
            GATT_HEART_RATE_MEASUREMENT_CHARACTERISTIC, Characteristic.Properties.NOTIFY, Characteristic.READABLE, b""
        )
        self._battery = BatteryService(lambda _connection: self.firmware.battery_percent)
        # the firmware may also send standard heart-rate measurements through its NotifyFn
        self._characteristics[HEART_RATE_MEASUREMENT_UUID] = self._heart_rate
        return [
            DeviceInformationService(
                manufacturer_name="WHOOP Inc.",
                model_number=self.model_number,
                serial_number=self.firmware.serial,
                hardware_revision=self.hardware_revision,
                firmware_revision=self.firmware.firmware_version,
            ),
            self._battery,
            Service(GATT_HEART_RATE_SERVICE, [self._heart_rate]),
            Service(SERVICE_UUID, [command, *(self._characteristics[uuid] for uuid in NOTIFY_UUIDS)]),
        ]

    @staticmethod
    def _wrap_write_handlers(device: Device) -> None:
        server = device.gatt_server
        for handler_name, with_response in (("on_att_write_request", True), ("on_att_write_command", False)):
            original: Callable[..., None] = getattr(server, handler_name)

            def dispatch(bearer: Any, request: Any, _original=original, _flag=with_response) -> None:
                token = _WRITE_WITH_RESPONSE.set(_flag)
                try:
                    _original(bearer, request)
                finally:
                    _WRITE_WITH_RESPONSE.reset(token)

            setattr(server, handler_name, dispatch)

    # ---- events -------------------------------------------------------------------------------------

    def _on_connection(self, connection: Connection) -> None:
        self._connection = connection
        self._subscribed = set()
        self._firmware_connected = False
        self.connections_seen += 1
        connection.on(connection.EVENT_DISCONNECTION, lambda reason: self._on_disconnection(connection, reason))
        connection.on(connection.EVENT_CONNECTION_ENCRYPTION_CHANGE, self._maybe_start_firmware)

    def _on_disconnection(self, connection: Connection, reason: int) -> None:
        if connection is not self._connection:
            return
        log.debug("%s: link closed (reason 0x%02X)", self.name, reason)
        self._connection = None
        self._subscribed = set()
        self._clear_outbox()  # frames queued for a dead link are lost, as on a real radio
        self._dropping = False
        if self._firmware_connected:
            self._firmware_connected = False
            self.firmware.disconnected()
        if self.in_range and self._device is not None:
            self._spawn(self._start_advertising())

    def _on_subscription(self, connection: Connection, characteristic: Characteristic, notify: bool, _ind: bool) -> None:
        uuid = str(characteristic.uuid).lower()
        if connection is not self._connection:
            return
        if notify:
            self._subscribed.add(uuid)
        else:
            self._subscribed.discard(uuid)
        self._maybe_start_firmware()

    def _maybe_start_firmware(self) -> None:
        connection = self._connection
        if self._firmware_connected or connection is None or not REQUIRED_SUBSCRIPTIONS <= self._subscribed:
            return
        if self.require_encryption and not connection.is_encrypted:
            return  # the band stays silent until the link is encrypted
        self._firmware_connected = True
        self.firmware.connected(self._notify)

    def _on_command_write(self, connection: Connection, value: bytes) -> None:
        with_response = _WRITE_WITH_RESPONSE.get(True)
        if self.require_encryption and not connection.is_encrypted:
            # Commands on an unbonded link are "silently dropped" (band-protocol §2.4); a Write Request
            # still needs an ATT answer, and Insufficient Encryption is what tells a central to pair.
            if with_response:
                raise ATT_Error(ErrorCode.INSUFFICIENT_ENCRYPTION)
            return
        if connection is self._connection and self._firmware_connected:
            self.firmware.command_written(bytes(value), with_response)

    # ---- notifications ------------------------------------------------------------------------------

    def _notify(self, characteristic_uuid: str, frame: bytes) -> None:
        """NotifyFn for the firmware: queue one whole frame, split to fit the negotiated MTU."""
        if self._connection is None or self._dropping:
            return
        characteristic = self._characteristics.get(characteristic_uuid.lower())
        if characteristic is None:
            raise ValueError(f"the simulated band has no notifiable characteristic {characteristic_uuid}")
        size = self._connection.att_mtu - 3
        for start in range(0, len(frame), size):
            self._outbox.put_nowait((characteristic, bytes(frame[start : start + size])))

    def _clear_outbox(self) -> None:
        while not self._outbox.empty():
            self._outbox.get_nowait()

    async def _send_notifications(self) -> None:
        while True:
            item = await self._outbox.get()
            if item is None or self._connection is None or self._device is None or self._dropping:
                continue
            characteristic, chunk = item
            self._notify_subscriber(self._connection, characteristic, chunk)

    def _notify_subscriber(self, connection: Connection, characteristic: Characteristic, chunk: bytes) -> None:
        """Device.notify_subscriber minus bumble's eager debug formatting of every PDU (a hot path in a drain)."""
        assert self._device is not None
        server = self._device.gatt_server
        cccd = server.subscribers.get(connection, {}).get(characteristic.handle)
        if not cccd or not cccd[0] & 0x01:
            return  # the central did not ask for notifications on this characteristic
        pdu = ATT_Handle_Value_Notification(attribute_handle=characteristic.handle, attribute_value=chunk)
        server.send_gatt_pdu(connection, bytes(pdu))

    # ---- advertising --------------------------------------------------------------------------------

    async def _start_advertising(self) -> None:
        if self._device is None or not self.in_range or self._connection is not None:
            return
        if self._advertising is None:
            self._advertising = await self._device.create_advertising_set(
                advertising_parameters=AdvertisingParameters(
                    advertising_event_properties=AdvertisingEventProperties(is_connectable=True),
                    primary_advertising_interval_min=ADVERTISING_INTERVAL_MS,
                    primary_advertising_interval_max=ADVERTISING_INTERVAL_MS,
                ),
                advertising_data=advertising_payload(self.name),
            )
        elif not self._advertising.enabled:  # a connection ended the previous advertising round
            await self._advertising.start()

    async def _stop_advertising(self, *, remove: bool = False) -> None:
        advertising = self._advertising
        if advertising is None or self._device is None:
            return
        if advertising.enabled:
            await advertising.stop()
        if remove:
            self._advertising = None
            await advertising.remove()

    def _spawn(self, coroutine: Any) -> None:
        task = asyncio.create_task(coroutine)
        self._background.add(task)
        task.add_done_callback(self._background.discard)
