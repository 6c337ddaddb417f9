"""Throughput of the simulated BLE path: firmware -> bumble peripheral -> bleak backend -> BandLink queue.

Streams record-sized (104-byte) and R10-sized (1928-byte) frames as a paced-off simulated band would, reassembles
them on the host side, and prints frames/s next to a baseline measured in the same run: the same frames pushed
through a plain asyncio.Queue (no BLE), so the ratio shows what the bumble/bleak stack costs.

    .venv/bin/python bench/ble_link.py [--frames 20000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time

from healthdesk.band.base import NotifyFn
from healthdesk.band.whoop4.constants import DATA_FROM_STRAP_UUID
from healthdesk.band.whoop4.framing import FrameReassembler, build_frame
from healthdesk.ble import transport
from healthdesk.ble.bumble_backend import SIMULATED, simulated_air


class StreamingFirmware:
    """Sends `frames` on 0005 after the first command, yielding to the loop after each (pacing off)."""

    advertised_name = "WHOOP 4C0000099"
    serial = "4C0000099"
    firmware_version = "41.16.5.0"
    battery_percent = 90

    def __init__(self, frames: list[bytes]) -> None:
        self.frames = frames
        self.notify: NotifyFn | None = None
        self.task: asyncio.Task[None] | None = None

    def connected(self, notify: NotifyFn) -> None:
        self.notify = notify

    def disconnected(self) -> None:
        self.notify = None

    def command_written(self, data: bytes, with_response: bool) -> None:
        self.task = asyncio.get_running_loop().create_task(self._stream())

    async def _stream(self) -> None:
        for frame in self.frames:
            if self.notify is None:
                return
            self.notify(DATA_FROM_STRAP_UUID, frame)
            await asyncio.sleep(0)


async def over_ble(frames: list[bytes]) -> tuple[float, float]:
    air = simulated_air()
    try:
        await air.power_on(StreamingFirmware(frames))
        link = await transport.connect((await transport.scan(0.3, backend=SIMULATED))[0])
        reassembler = FrameReassembler()
        got = 0
        wall, cpu = time.perf_counter(), time.process_time()
        await link.write_command(b"\xaa")
        while got < len(frames):
            note = await link.notifications.get()
            got += len(reassembler.feed(note.data))
        return time.perf_counter() - wall, time.process_time() - cpu
    finally:
        await air.close()


async def over_queue(frames: list[bytes]) -> tuple[float, float]:
    queue: asyncio.Queue[bytes] = asyncio.Queue()

    async def produce() -> None:
        for frame in frames:
            queue.put_nowait(frame)
            await asyncio.sleep(0)

    reassembler = FrameReassembler()
    wall, cpu = time.perf_counter(), time.process_time()
    producer = asyncio.create_task(produce())
    got = 0
    while got < len(frames):
        got += len(reassembler.feed(await queue.get()))
    await producer
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=20_000)
    args = parser.parse_args()
    cases = {
        "104-byte frames (1 Hz records)": [build_frame(bytes([0x2F, i % 256]) + bytes(94)) for i in range(args.frames)],
        "1928-byte frames (R10)": [build_frame(bytes([0x2B, i % 256]) + bytes(1918)) for i in range(args.frames // 10)],
    }
    print(f"cores: {os.cpu_count()}")
    print(f"{'case':34} {'frames':>7} {'BLE frames/s':>13} {'queue frames/s':>15} {'ratio':>6} {'BLE CPU us/frame':>17}")
    for label, frames in cases.items():
        ble_wall, ble_cpu = asyncio.run(over_ble(frames))
        base_wall, _ = asyncio.run(over_queue(frames))
        ble_rate, base_rate = len(frames) / ble_wall, len(frames) / base_wall
        print(f"{label:34} {len(frames):>7} {ble_rate:>13,.0f} {base_rate:>15,.0f} {base_rate / ble_rate:>5.1f}x "
              f"{ble_cpu / len(frames) * 1e6:>17.0f}")


if __name__ == "__main__":
    main()
