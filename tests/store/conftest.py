"""Builders for store tests: synthetic 1 Hz samples and real wire frames carrying them."""

from __future__ import annotations

import struct
from collections.abc import Callable

import numpy as np
import pytest

from healthdesk.band.whoop4.framing import build_frame
from healthdesk.core.models import SAMPLE_DTYPE

TICK = 31504  # 1/32768 s between records (band-protocol §7.1)


def synthetic_samples(
    n: int, *, counter0: int = 1000, unix0: int = 1_712_858_000, version: int = 24, seed: int = 0
) -> np.ndarray:
    """n consecutive records with the band's cadence; HR has off-wrist gaps, gravity wanders with bursts."""
    rng = np.random.default_rng(seed)
    ticks = np.arange(n, dtype=np.int64) * TICK
    out = np.zeros(n, SAMPLE_DTYPE)
    out["version"] = version
    out["counter"] = counter0 + np.arange(n)
    out["unix"] = unix0 + ticks // 32768
    out["subsec"] = ticks % 32768
    hr = rng.integers(48, 140, n)
    hr[rng.random(n) < 0.15] = 0
    out["hr"] = hr
    rr_count = np.where(hr > 0, rng.integers(0, 5, n), 0)
    out["rr_count"] = rr_count
    rr = rng.integers(400, 1600, (n, 4))
    rr[np.arange(4)[None, :] >= rr_count[:, None]] = 0
    out["rr"] = rr
    walk = np.cumsum(rng.normal(0, 0.01, (n, 3)) * (1 + 20 * (rng.random((n, 1)) < 0.1)), axis=0)
    out["gravity"] = (walk + [0.0, 0.0, 1.0]).astype(np.float32)
    return out


def record_frame(sample: np.void) -> bytes:
    """A wire frame with a v24 (96-byte) or v12 (88-byte) record inner (band-protocol §7.2)."""
    inner = bytearray(88 if sample["version"] == 12 else 96)
    inner[0:3] = bytes([0x2F, int(sample["version"]), 5])
    struct.pack_into("<IIH", inner, 3, int(sample["counter"]), int(sample["unix"]), int(sample["subsec"]))
    inner[17], inner[18] = int(sample["hr"]), int(sample["rr_count"])
    struct.pack_into("<4H", inner, 19, *sample["rr"].tolist())
    gravity = struct.pack("<3f", *sample["gravity"].tolist())
    inner[36:48] = gravity
    inner[52:64] = gravity
    return build_frame(bytes(inner))


@pytest.fixture
def make_samples() -> Callable[..., np.ndarray]:
    return synthetic_samples


@pytest.fixture
def make_frames() -> Callable[[np.ndarray], list[bytes]]:
    return lambda samples: [record_frame(s) for s in samples]


def dump_tables(path) -> dict[str, list[tuple]]:
    """Every row of every table, sorted: equal dumps mean equal database content."""
    import sqlite3

    with sqlite3.connect(path) as conn:
        names = [r[0] for r in conn.execute("select name from sqlite_master where type = 'table' order by name")]
        return {n: sorted(conn.execute(f'select * from "{n}"').fetchall(), key=repr) for n in names}


@pytest.fixture
def dump_database() -> Callable[..., dict[str, list[tuple]]]:
    return dump_tables
