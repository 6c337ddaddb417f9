"""Helpers for the BLE tests: a tiny echo firmware and a runner that gives each test its own loop and air."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from healthdesk.band.base import NotifyFn
from healthdesk.band.whoop4.constants import CMD_FROM_STRAP_UUID
from healthdesk.ble.bumble_backend import SimulatedAir, simulated_air

TEST_TIMEOUT_S = 5.0


class EchoFirmware:
    """SimulatedFirmware that records everything and answers each write with `reply(data)` on 0003."""

    def __init__(self, serial: str = "4C0000001", *, battery_percent: int = 77) -> None:
        self.serial = serial
        self.advertised_name = "WHOOP " + serial
        self.firmware_version = "41.16.5.0"
        self.battery_percent = battery_percent
        self.writes: list[tuple[bytes, bool]] = []
        self.events: list[str] = []
        self.notify: NotifyFn | None = None
        self.reply: Callable[[bytes], list[tuple[str, bytes]]] = lambda data: [(CMD_FROM_STRAP_UUID, data)]
        self.connected_event = asyncio.Event()

    def connected(self, notify: NotifyFn) -> None:
        self.notify = notify
        self.events.append("connected")
        self.connected_event.set()

    def disconnected(self) -> None:
        self.notify = None
        self.events.append("disconnected")

    def command_written(self, data: bytes, with_response: bool) -> None:
        self.writes.append((data, with_response))
        if self.notify is not None:
            for uuid, frame in self.reply(data):
                self.notify(uuid, frame)


def run_in_air(body: Callable[[SimulatedAir], Awaitable[Any]]) -> Any:
    """Run `body(air)` on a fresh loop with a fresh simulated air, closing the air afterwards."""

    async def main() -> Any:
        air = simulated_air()
        try:
            return await asyncio.wait_for(body(air), TEST_TIMEOUT_S)
        finally:
            await air.close()

    return asyncio.run(main())


@pytest.fixture
def echo_firmware() -> Callable[..., EchoFirmware]:
    return EchoFirmware
