"""Capture files of hex frames (one frame per line), read as a stream: regular files only, one line at a time
with a length limit, in chunks of CHUNK_FRAMES lines - peak memory is a chunk whatever the file's size
(docs/architecture.md, "Input edges")."""

from __future__ import annotations

import binascii
import functools
import itertools
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO


@dataclass
class HexFile:
    frames: list[bytes]
    bad_lines: list[int]  # 1-based numbers of lines that are not hex


CHUNK_FRAMES = 50_000  # lines per stored transaction (a 1 GB capture is never held in memory at once)
MAX_LINE_BYTES = 64 * 1024  # a frame's hex is under 2 KB: a longer "line" is not a frame


def open_capture(path: Path) -> BinaryIO:
    """Open a capture for reading; only a regular file (a FIFO would hang, /dev/zero never ends). Raises
    ValueError with a one-line reason."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise ValueError("no such file") from None
    except OSError as exc:
        raise ValueError(f"cannot read: {exc.strerror or exc}") from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        kind = "a directory" if stat.S_ISDIR(mode) else "a FIFO" if stat.S_ISFIFO(mode) else \
            "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "not a regular file"
        raise ValueError(f"is {kind}, not a file of hex frames")
    if hasattr(os, "set_blocking"):
        os.set_blocking(fd, True)
    return os.fdopen(fd, "rb")


def iter_hex_chunks(path: Path) -> Iterator[HexFile]:
    """The capture as successive chunks of up to CHUNK_FRAMES frames (one frame per line, hex; blank lines
    skipped). Lines are read one at a time with a length limit - no large buffer is ever allocated, so peak
    memory is a chunk's frames whatever the file's size. Raises ValueError (one line) when the file is
    unusable as a whole: missing, not regular, binary, empty."""
    with open_capture(path) as fh:
        read_line = functools.partial(fh.readline, MAX_LINE_BYTES + 1)
        line_no = 0
        checked = False
        any_line = saw_bad = False
        while True:
            lines = list(itertools.islice(iter(read_line, b""), CHUNK_FRAMES))
            if not lines:
                break
            if not checked:
                head = b"".join(lines[:64])
                if b"\0" in head or not head.isascii():
                    raise ValueError("binary file, not hex frames (expected one hex-encoded frame per line)")
                checked = True
            bad: list[int] = []
            for i, line in enumerate(lines):
                if len(line) > MAX_LINE_BYTES and not line.endswith(b"\n"):  # endless: count once, skip it
                    bad.append(line_no + i + 1)
                    lines[i] = b""
                    _skip_rest_of_line(read_line)
            stripped = list(map(bytes.strip, lines))
            any_line = any_line or any(stripped)
            frames, bad_hex = _parse_lines(stripped, line_no)
            line_no += len(lines)
            saw_bad = saw_bad or bool(bad)
            yield HexFile(frames, sorted(bad + bad_hex))
        if not any_line and not saw_bad:
            raise ValueError("empty file, no frames")


def _skip_rest_of_line(read_line) -> None:
    while True:
        rest = read_line()
        if not rest or rest.endswith(b"\n"):
            return


def _parse_lines(lines: list[bytes], line_no: int) -> tuple[list[bytes], list[int]]:
    """Fast path (every non-blank line clean hex) at C speed; else line by line with the bad line numbers."""
    try:
        return list(map(binascii.unhexlify, filter(None, lines))), []
    except (binascii.Error, ValueError):
        pass
    frames, bad = [], []
    for number, line in enumerate(lines, line_no + 1):
        if not line:
            continue
        try:
            frames.append(binascii.unhexlify(line))
        except (binascii.Error, ValueError):
            bad.append(number)
    return frames, bad


def read_hex_frames(path: Path) -> HexFile:
    """The whole capture in memory (tests and benchmarks; import-frames streams with iter_hex_chunks)."""
    frames: list[bytes] = []
    bad: list[int] = []
    for chunk in iter_hex_chunks(path):
        frames += chunk.frames
        bad += chunk.bad_lines
    return HexFile(frames, bad)
