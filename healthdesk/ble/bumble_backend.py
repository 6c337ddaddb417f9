"""bleak backend classes that reach simulated bands over bumble's in-process link.

Passed through bleak's public `backend=` argument (`BleakScanner(..., backend=BumbleBleakScanner)`,
`BleakClient(device, backend=BumbleBleakClient)`), they let the product code use the real bleak API over a
real ATT/GATT/SMP stack: advertisements, MTU exchange, discovery, notifications, writes of both types,
"just works" pairing and link loss all travel through bumble virtual controllers on one `LocalLink`.

The link, the bands powered on in it and the host's adapter live in sim_air.py (`simulated_air()`,
re-exported here).
"""

from __future__ import annotations

import asyncio
import uuid as pyuuid
from collections.abc import Iterable
from typing import Any

from bleak.backends.characteristic import BleakGATTCharacteristic
from bleak.backends.client import BaseBleakClient, NotifyCallback
from bleak.backends.descriptor import BleakGATTDescriptor
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData, AdvertisementDataCallback, BaseBleakScanner
from bleak.backends.service import BleakGATTService, BleakGATTServiceCollection
from bleak.exc import BleakError, BleakGATTProtocolError
from bumble import core, hci
from bumble.att import ATT_Error
from bumble.core import UUID, AdvertisingData
from bumble.device import Advertisement, Connection, Device, Peer
from bumble.gatt import GATT_DEVICE_NAME_CHARACTERISTIC, Characteristic
from bumble.gatt_client import CharacteristicProxy, DescriptorProxy
from bumble.hci import Address

from healthdesk.ble.errors import PairingRejectedError
from healthdesk.ble.sim_air import SimulatedAir, quietly, simulated_air

__all__ = ["SIMULATED", "BumbleBleakClient", "BumbleBleakScanner", "SimulatedAir", "simulated_air"]

CENTRAL_MAX_MTU = 517  # what BlueZ offers; the band answers 247

_PROPERTY_NAMES = (
    (Characteristic.Properties.BROADCAST, "broadcast"),
    (Characteristic.Properties.READ, "read"),
    (Characteristic.Properties.WRITE_WITHOUT_RESPONSE, "write-without-response"),
    (Characteristic.Properties.WRITE, "write"),
    (Characteristic.Properties.NOTIFY, "notify"),
    (Characteristic.Properties.INDICATE, "indicate"),
    (Characteristic.Properties.AUTHENTICATED_SIGNED_WRITES, "authenticated-signed-writes"),
    (Characteristic.Properties.EXTENDED_PROPERTIES, "extended-properties"),
)
_UUID_LIST_TYPES = (
    AdvertisingData.Type.COMPLETE_LIST_OF_16_BIT_SERVICE_CLASS_UUIDS,
    AdvertisingData.Type.INCOMPLETE_LIST_OF_16_BIT_SERVICE_CLASS_UUIDS,
    AdvertisingData.Type.COMPLETE_LIST_OF_32_BIT_SERVICE_CLASS_UUIDS,
    AdvertisingData.Type.INCOMPLETE_LIST_OF_32_BIT_SERVICE_CLASS_UUIDS,
    AdvertisingData.Type.COMPLETE_LIST_OF_128_BIT_SERVICE_CLASS_UUIDS,
    AdvertisingData.Type.INCOMPLETE_LIST_OF_128_BIT_SERVICE_CLASS_UUIDS,
)


def bleak_uuid(uuid: UUID) -> str:
    """bumble UUID -> bleak's form (lower-case 128-bit string)."""
    return str(pyuuid.UUID(bytes=bytes(reversed(uuid.to_bytes(force_128=True)))))


class BumbleBleakScanner(BaseBleakScanner):
    """BaseBleakScanner over the simulated air: real advertising PDUs received by the host adapter."""

    def __init__(
        self,
        detection_callback: AdvertisementDataCallback | None,
        service_uuids: list[str] | None,
        scanning_mode: str = "active",
        **kwargs: Any,  # bluez=, cb= and other backends' options do not apply
    ) -> None:
        super().__init__(detection_callback, service_uuids)
        self._active = scanning_mode != "passive"
        self._adapter: Device | None = None

    async def start(self) -> None:
        self.seen_devices = {}
        air = simulated_air()
        # Reports arrive from the link on later loop iterations, i.e. only after start() has returned.
        self._adapter = await air.start_scanning(active=self._active)
        self._adapter.on(Device.EVENT_ADVERTISEMENT, self._on_advertisement)

    async def stop(self) -> None:
        if self._adapter is None:
            return
        self._adapter.remove_listener(Device.EVENT_ADVERTISEMENT, self._on_advertisement)
        self._adapter = None
        await simulated_air().stop_scanning()

    def _on_advertisement(self, advertisement: Advertisement) -> None:
        data = advertisement.data
        service_uuids: list[str] = []
        for ad_type in _UUID_LIST_TYPES:
            for uuids in data.get_all(ad_type):
                service_uuids += [u for u in map(bleak_uuid, uuids) if u not in service_uuids]
        if not self.is_allowed_uuid(service_uuids):
            return
        name = data.get(AdvertisingData.Type.COMPLETE_LOCAL_NAME) or data.get(
            AdvertisingData.Type.SHORTENED_LOCAL_NAME
        )
        service_data = {bleak_uuid(u): bytes(v) for u, v in data.get_all(AdvertisingData.Type.SERVICE_DATA_128_BIT_UUID)}
        service_data.update(
            {bleak_uuid(u): bytes(v) for u, v in data.get_all(AdvertisingData.Type.SERVICE_DATA_16_BIT_UUID)}
        )
        manufacturer = dict(data.get_all(AdvertisingData.Type.MANUFACTURER_SPECIFIC_DATA))
        tx_power = advertisement.tx_power if advertisement.tx_power != Advertisement.TX_POWER_NOT_AVAILABLE else None
        adv = AdvertisementData(
            local_name=name,
            manufacturer_data={int(k): bytes(v) for k, v in manufacturer.items()},
            service_data=service_data,
            service_uuids=service_uuids,
            tx_power=tx_power,
            rssi=advertisement.rssi,
            platform_data=(advertisement,),
        )
        address = advertisement.address.to_string(False)
        device = self.create_or_update_device(address, address, name, advertisement.address, adv)
        self.call_detection_callbacks(device, adv)


class BumbleBleakClient(BaseBleakClient):
    """BaseBleakClient over the simulated air: a bumble central connection and GATT client."""

    def __init__(
        self,
        address_or_ble_device: BLEDevice | str,
        *,
        disconnected_callback: Any,
        timeout: float,
        services: Iterable[str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(address_or_ble_device, disconnected_callback=disconnected_callback, timeout=timeout)
        details = address_or_ble_device.details if isinstance(address_or_ble_device, BLEDevice) else None
        self._peer_address = details if isinstance(details, Address) else Address(self.address)
        self._name = address_or_ble_device.name if isinstance(address_or_ble_device, BLEDevice) else None
        self._service_filter = set(services) if services else None
        self._connection: Connection | None = None
        self._peer: Peer | None = None
        self._subscribers: dict[int, Any] = {}

    # ---- connection ---------------------------------------------------------------------------------

    @property
    def name(self) -> str:
        return self._name or self.address

    @property
    def mtu_size(self) -> int:
        return self._connection.att_mtu if self._connection is not None else 23

    @property
    def is_connected(self) -> bool:
        return self._connection is not None

    async def connect(self, pair: bool, **kwargs: Any) -> None:
        adapter = await simulated_air().adapter()
        try:
            # bumble first looks for the bonded band's resolvable address with no time limit: bound it all
            async with asyncio.timeout(self._timeout):
                connection = await adapter.connect(self._peer_address, timeout=self._timeout)
        except (TimeoutError, core.TimeoutError) as error:
            if simulated_air().connection_pending:
                await quietly(adapter.send_sync_command(hci.HCI_LE_Create_Connection_Cancel_Command()))
            raise TimeoutError(f"{self.address} did not answer within {self._timeout:g} s") from error
        except core.ConnectionError as error:
            raise BleakError(f"connection to {self.address} failed: {error}") from error
        self._connection = connection
        connection.on(connection.EVENT_DISCONNECTION, self._on_disconnection)
        try:
            self._peer = Peer(connection)
            await self._gatt(self._peer.request_mtu(CENTRAL_MAX_MTU))
            if pair:
                await self.pair()
            self.services = await self._discover()
            if self._name is None:
                await self._read_name()
        except BaseException:
            await self.disconnect()
            raise

    async def disconnect(self) -> None:
        connection = self._connection
        if connection is None:
            return
        closed = asyncio.get_running_loop().create_future()
        connection.once(connection.EVENT_DISCONNECTION, lambda *_: closed.done() or closed.set_result(None))
        try:
            await connection.disconnect()
            await asyncio.wait_for(closed, self._timeout)
        except core.BaseBumbleError:
            pass  # already gone

    def _on_disconnection(self, reason: int) -> None:
        self._connection = None
        self._peer = None
        self._subscribers.clear()
        if self._disconnected_callback is not None:
            # bleak schedules the callback on the loop, for a local or a remote hang-up alike (as BlueZ does)
            asyncio.get_running_loop().call_soon(self._disconnected_callback)

    async def pair(self, *args: Any, **kwargs: Any) -> None:
        """Just-works pairing; with an existing bond only the link encryption is restarted."""
        connection = self._require_connection()
        if connection.is_encrypted:
            return
        adapter = await simulated_air().adapter()
        keys = await adapter.keystore.get(str(connection.peer_address)) if adapter.keystore else None
        try:
            if keys is not None:
                await connection.encrypt()
            else:
                await connection.pair()
        except core.ProtocolError as error:  # the band answered with an SMP Pairing Failed
            raise PairingRejectedError(f"pairing with {self.address} rejected: {error.error_name or error}") from error
        except core.BaseBumbleError as error:
            raise BleakError(f"pairing with {self.address} failed: {error}") from error

    async def unpair(self) -> None:
        adapter = await simulated_air().adapter()
        if adapter.keystore is not None:
            try:
                await adapter.keystore.delete(str(self._peer_address))
            except KeyError:
                pass
        await self.disconnect()

    # ---- GATT ---------------------------------------------------------------------------------------

    async def _discover(self) -> BleakGATTServiceCollection:
        assert self._peer is not None
        collection = BleakGATTServiceCollection()
        for service_proxy in await self._gatt(self._peer.discover_services()):
            service_uuid = bleak_uuid(service_proxy.uuid)
            if self._service_filter is not None and service_uuid not in self._service_filter:
                continue
            service = BleakGATTService(service_proxy, service_proxy.handle, service_uuid)
            collection.add_service(service)
            for proxy in await self._gatt(service_proxy.discover_characteristics()):
                characteristic = BleakGATTCharacteristic(
                    proxy,
                    proxy.handle,
                    bleak_uuid(proxy.uuid),
                    [name for flag, name in _PROPERTY_NAMES if proxy.properties & flag],  # type: ignore[misc]
                    lambda: self.mtu_size - 3,
                    service,
                )
                collection.add_characteristic(characteristic)
                for descriptor in await self._gatt(proxy.discover_descriptors()):
                    collection.add_descriptor(
                        BleakGATTDescriptor(descriptor, descriptor.handle, bleak_uuid(descriptor.type), characteristic)
                    )
        return collection

    async def _read_name(self) -> None:
        assert self._peer is not None
        for proxy in self._peer.get_characteristics_by_uuid(GATT_DEVICE_NAME_CHARACTERISTIC):
            self._name = bytes(await self._gatt(proxy.read_value())).decode("utf-8", "replace")

    async def read_gatt_char(
        self, characteristic: BleakGATTCharacteristic, *, use_cached: bool = False, **kwargs: Any
    ) -> bytearray:
        peer = self._require_peer()
        proxy: CharacteristicProxy = characteristic.obj
        if use_cached and proxy.handle in peer.gatt_client.cached_values:
            return bytearray(peer.gatt_client.cached_values[proxy.handle][1])
        return bytearray(await self._gatt(peer.read_value(proxy)))

    async def read_gatt_descriptor(
        self, descriptor: BleakGATTDescriptor, *, use_cached: bool = False, **kwargs: Any
    ) -> bytearray:
        proxy: DescriptorProxy = descriptor.obj
        return bytearray(await self._gatt(self._require_peer().read_value(proxy)))

    async def write_gatt_char(self, characteristic: BleakGATTCharacteristic, data: Any, response: bool) -> None:
        peer = self._require_peer()
        await self._gatt(peer.write_value(characteristic.obj, bytes(data), with_response=response))

    async def write_gatt_descriptor(self, descriptor: BleakGATTDescriptor, data: Any) -> None:
        peer = self._require_peer()
        await self._gatt(peer.write_value(descriptor.obj, bytes(data), with_response=True))

    async def start_notify(
        self, characteristic: BleakGATTCharacteristic, callback: NotifyCallback, **kwargs: Any
    ) -> None:
        self._require_peer()
        proxy: CharacteristicProxy = characteristic.obj

        def subscriber(value: bytes) -> None:
            callback(bytearray(value))

        self._subscribers[proxy.handle] = subscriber
        await self._gatt(proxy.subscribe(subscriber))

    async def stop_notify(self, characteristic: BleakGATTCharacteristic) -> None:
        self._require_peer()
        proxy: CharacteristicProxy = characteristic.obj
        await self._gatt(proxy.unsubscribe(self._subscribers.pop(proxy.handle, None)))

    # ---- helpers ------------------------------------------------------------------------------------

    def _require_connection(self) -> Connection:
        if self._connection is None:
            raise BleakError("Not connected")
        return self._connection

    def _require_peer(self) -> Peer:
        self._require_connection()
        assert self._peer is not None
        return self._peer

    async def _gatt(self, awaitable: Any) -> Any:
        """Run one GATT procedure; bumble errors become bleak's, a link lost mid-request a BleakError."""
        try:
            return await awaitable
        except ATT_Error as error:
            raise BleakGATTProtocolError(error.error_code) from error
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if self._connection is None and task is not None and not task.cancelling():
                # bumble cancels the pending response future when the link drops
                raise BleakError("Not connected: the link was lost during a GATT request") from None
            raise
        except core.TimeoutError as error:
            raise TimeoutError(f"GATT request to {self.address} timed out") from error


class SimulatedBackend:
    """The pair of backend classes for `healthdesk.ble.transport` (`backend=SIMULATED`)."""

    scanner = BumbleBleakScanner
    client = BumbleBleakClient
    name = "simulated (bumble in-process link)"


SIMULATED = SimulatedBackend()
