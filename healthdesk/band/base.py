"""Seams between device support, the BLE transport and the simulated band.

`BandLink` is what a protocol session needs from a connected band; `ble/` implements it over bleak (a radio, or
the bumble in-process link to the simulated band). `SimulatedFirmware` is what the bumble peripheral needs from
the simulated band's firmware. Neither side imports the other.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable


@dataclass(frozen=True)
class Notification:
    characteristic: str  # full 128-bit UUID, lower case
    data: bytes  # one BLE notification: a whole frame, part of one, or several


@runtime_checkable
class BandLink(Protocol):
    """A connected band as the session sees it."""

    notifications: asyncio.Queue[Notification]

    @property
    def is_connected(self) -> bool: ...

    @property
    def mtu(self) -> int: ...

    async def write_command(self, frame: bytes, *, confirmed: bool = False) -> None:
        """Write one whole command frame to CMD_TO_STRAP. `confirmed` asks for an ATT Write Request (with
        response): some stacks only bond on one, and some bands act only on acknowledged writes
        (docs/band-protocol.md §12.3); otherwise the transport picks the write type."""

    async def disconnect(self) -> None: ...


# The firmware calls this to send a whole frame on a vendor characteristic; the peripheral splits it into
# notifications no longer than the negotiated MTU allows.
NotifyFn = Callable[[str, bytes], None]


@runtime_checkable
class SimulatedFirmware(Protocol):
    advertised_name: str
    serial: str
    firmware_version: str
    battery_percent: int

    def connected(self, notify: NotifyFn) -> None:
        """A central connected and subscribed; frames may now be sent through `notify`."""

    def disconnected(self) -> None:
        """The link is gone: stop sending, keep the flash cursor (the un-ACKed batch comes back next time)."""

    def command_written(self, data: bytes, with_response: bool) -> None:
        """Bytes written to CMD_TO_STRAP (one ATT write; a whole command frame in practice)."""
