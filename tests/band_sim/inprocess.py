"""An in-process BandLink that calls the simulated firmware directly.

A test double BELOW the BLE seam (the real path is healthdesk.ble over bumble): it lets the session and the
firmware be tested alone, fast. Frames longer than the ATT payload are split like a real link would.
"""

from __future__ import annotations

import asyncio

from healthdesk.band.base import Notification
from healthdesk.band.sim.firmware import SimulatedBand


class InProcessLink:
    def __init__(self, band: SimulatedBand, mtu: int = 247) -> None:
        self.band = band
        self.notifications: asyncio.Queue[Notification] = asyncio.Queue()
        self._mtu = mtu
        self._connected = True
        band.link_dropper = self._drop
        band.connected(self._notify)

    @property
    def is_connected(self) -> bool:
        return self._connected

    @property
    def mtu(self) -> int:
        return self._mtu

    def _notify(self, characteristic: str, frame: bytes) -> None:
        step = self._mtu - 3
        for i in range(0, len(frame), step):
            self.notifications.put_nowait(Notification(characteristic, frame[i : i + step]))

    def _drop(self) -> None:
        self._connected = False

    async def write_command(self, frame: bytes, *, confirmed: bool = False) -> None:
        if not self._connected:
            raise ConnectionError("not connected")
        self.band.command_written(frame, confirmed)
        await asyncio.sleep(0)

    async def disconnect(self) -> None:
        if self._connected:
            self._connected = False
            self.band.disconnected()
