"""The simulated air: one bumble LocalLink, the simulated bands powered on in it, and the host's adapter.

`simulated_air()` returns the air of the running event loop, so a test or `band ... --sim` can power a band on
(`await simulated_air().power_on(firmware)`) and then find it with an ordinary scan through the bleak backend
classes in bumble_backend.py.
"""

from __future__ import annotations

import asyncio
from typing import Any

from bumble import core, hci
from bumble.device import Device
from bumble.hci import Address
from bumble.link import LocalLink
from bumble.transport.common import AsyncPipeSink

from healthdesk.band.base import SimulatedFirmware
from healthdesk.band.sim.peripheral import LINK_LAYER_OCTETS, BandPeripheral
from healthdesk.band.sim.radio import SimController, SimHost

ADAPTER_ADDRESS = "F0:DE:5C:00:00:01"  # the simulated host adapter (random static)


class _AdapterController(SimController):
    """bumble's virtual controller with LE Create Connection Cancel completed as the spec says (Core Vol 4,
    Part E, 7.8.13): the pending attempt ends with an LE Connection Complete "Unknown Connection Identifier".
    bumble 0.0.236 acknowledges the cancel but keeps the attempt pending forever, so a connect to a band out
    of range would never time out and would block every later connect."""

    def on_hci_le_create_connection_cancel_command(self, command: Any) -> hci.HCI_StatusReturnParameters:
        pending = self.pending_le_connection
        if pending is None:
            return hci.HCI_StatusReturnParameters(hci.HCI_ErrorCode.COMMAND_DISALLOWED_ERROR)
        self.pending_le_connection = None
        failure = hci.HCI_LE_Connection_Complete_Event(
            status=hci.HCI_ErrorCode.UNKNOWN_CONNECTION_IDENTIFIER_ERROR,
            connection_handle=0,
            role=hci.Role.CENTRAL,
            peer_address_type=pending.peer_address_type,
            peer_address=pending.peer_address,
            connection_interval=0,
            peripheral_latency=0,
            supervision_timeout=0,
            central_clock_accuracy=0,
        )
        # after the Command Complete that the caller sends for our return value
        asyncio.get_running_loop().call_soon(self.send_hci_packet, failure)
        return hci.HCI_StatusReturnParameters(hci.HCI_ErrorCode.SUCCESS)


class SimulatedAir:
    """One in-process radio space: a bumble LocalLink, the simulated bands in it, the host adapter."""

    def __init__(self) -> None:
        self.link = LocalLink()
        self.bands: dict[str, BandPeripheral] = {}  # by address
        self._adapter: Device | None = None
        self._adapter_controller: _AdapterController | None = None
        self._adapter_lock = asyncio.Lock()
        self._scanners = 0

    async def power_on(self, firmware: SimulatedFirmware, **peripheral_options: Any) -> BandPeripheral:
        """Switch a simulated band on in this air; it advertises until a central connects."""
        band = BandPeripheral(firmware, self.link, **peripheral_options)
        await band.power_on()
        self.bands[band.address] = band
        return band

    async def power_off(self, band: BandPeripheral) -> None:
        """Switch one band off and take it out of this air."""
        await band.power_off()
        self.bands.pop(band.address, None)

    async def adapter(self) -> Device:
        """The host's Bluetooth adapter in this air, powered on at first use."""
        async with self._adapter_lock:
            if self._adapter is None:
                controller = _AdapterController("host-adapter", link=self.link)
                controller.le_acl_data_packet_length = LINK_LAYER_OCTETS
                device = Device(
                    name="healthdesk", address=Address(ADAPTER_ADDRESS), host=SimHost(controller, AsyncPipeSink(controller))
                )
                await device.power_on()
                self._adapter, self._adapter_controller = device, controller
            return self._adapter

    @property
    def connection_pending(self) -> bool:
        """The adapter is still trying to reach some band (an LE Create Connection is outstanding)."""
        return self._adapter_controller is not None and self._adapter_controller.pending_le_connection is not None

    async def start_scanning(self, *, active: bool) -> Device:
        adapter = await self.adapter()
        self._scanners += 1
        if self._scanners == 1:
            await adapter.start_scanning(active=active, filter_duplicates=False)
        return adapter

    async def stop_scanning(self) -> None:
        self._scanners = max(0, self._scanners - 1)
        if self._scanners == 0 and self._adapter is not None and self._adapter.is_scanning:
            await self._adapter.stop_scanning()

    async def close(self) -> None:
        """Power every band and the adapter off (test teardown, end of a `--sim` command)."""
        for band in list(self.bands.values()):
            await band.power_off()
        self.bands.clear()
        if self._adapter is not None:
            adapter, self._adapter, self._adapter_controller = self._adapter, None, None
            for connection in list(adapter.connections.values()):
                await quietly(connection.disconnect())
            await adapter.power_off()


_current: tuple[asyncio.AbstractEventLoop, SimulatedAir] | None = None


def simulated_air() -> SimulatedAir:
    """The simulated air of the running event loop (a new loop gets a new, empty air)."""
    global _current
    loop = asyncio.get_running_loop()
    if _current is None or _current[0] is not loop:
        _current = (loop, SimulatedAir())
    return _current[1]


async def quietly(awaitable: Any) -> None:
    try:
        await awaitable
    except (TimeoutError, core.BaseBumbleError):
        pass
