"""The simulated band's non-volatile memory: flash frames + the small state that must survive the app dying.

Layout of a band folder:
    flash.bin    every stored frame, concatenated wire frames (self-delimiting), append-only
    state.json   cursor, freed-frame count, token second word, clock offset, identity; replaced atomically

The band and the app share one process when the band is simulated over the in-process BLE link, so a SIGKILL of
the app is also a power cut of the band: whatever the band must remember (the read cursor after an ACK) is written
to state.json before the band answers the command that changed it.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

FLASH_FILE = "flash.bin"
STATE_FILE = "state.json"


@dataclass
class BandState:
    serial: str
    second_word: int  # constant per band, the HISTORY_END token's second u32 (band-protocol §6.2)
    cursor_page: int  # first token word of the last ACKed batch
    freed_frames: int = 0  # frames before this index are trimmed (ACKed)
    tx_seq: int = 0
    rtc_offset: float | None = None  # band unix = host time + offset; None = never set (counts from 1971)
    rtc_unset_base: float = 0.0  # host time the unset RTC counts from
    battery_percent: float = 87.0
    next_counter: int = 0  # tick counter of the next record the band writes itself
    extra: dict[str, object] = field(default_factory=dict)


def split_frames(blob: bytes) -> list[bytes]:
    """Concatenated wire frames -> frames, using each header's declared length."""
    out, pos, end = [], 0, len(blob)
    while pos + 4 <= end:
        length = blob[pos + 1] | blob[pos + 2] << 8
        out.append(blob[pos : pos + 4 + length])
        pos += 4 + length
    if pos != end:
        raise ValueError(f"flash file ends inside a frame ({end - pos} stray bytes)")
    return out


class BandStorage:
    """flash.bin + state.json in one folder."""

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.folder = Path(folder)

    def exists(self) -> bool:
        return (self.folder / STATE_FILE).is_file() and (self.folder / FLASH_FILE).is_file()

    def create(self, state: BandState, frames: list[bytes]) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        tmp = self.folder / (FLASH_FILE + ".tmp")
        tmp.write_bytes(b"".join(frames))
        os.replace(tmp, self.folder / FLASH_FILE)
        self.save_state(state)

    def load(self) -> tuple[BandState, list[bytes]]:
        try:
            raw = json.loads((self.folder / STATE_FILE).read_text())
            state = BandState(**raw)
            frames = split_frames((self.folder / FLASH_FILE).read_bytes())
        except (OSError, ValueError, TypeError) as exc:
            raise ValueError(f"simulated band in {self.folder} is unreadable: {exc}") from exc
        return state, frames

    def save_state(self, state: BandState) -> None:
        tmp = self.folder / (STATE_FILE + ".tmp")
        tmp.write_text(json.dumps(asdict(state)))
        os.replace(tmp, self.folder / STATE_FILE)

    def append_frames(self, frames: list[bytes]) -> None:
        with open(self.folder / FLASH_FILE, "ab") as fh:
            fh.write(b"".join(frames))
