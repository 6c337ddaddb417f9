"""Shared, session-scoped inputs for the band tests: the real captures are read in place and decoded once."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from healthdesk.band.whoop4.decode import DecodedBatch, decode_hex_lines

BWRE = "bwanshitong-reverse-engineering-whoop"


@pytest.fixture(scope="session")
def capture_dir(reference_frames: Path) -> Path:
    return reference_frames / BWRE


@pytest.fixture(scope="session")
def overnight_batch(overnight_capture: Path) -> DecodedBatch:
    return decode_hex_lines(overnight_capture.read_bytes())


@pytest.fixture(scope="session")
def curated_frames(reference_frames: Path) -> list[dict]:
    return json.loads((reference_frames / "curated_frames.json").read_text())["frames"]


@pytest.fixture(scope="session")
def parity_cases(reference_frames: Path) -> list[dict]:
    return json.loads((reference_frames / "openstrap-protocol" / "decode_parity_cases.json").read_text())


@pytest.fixture(scope="session")
def whoop_rs_frames(reference_frames: Path) -> dict:
    return json.loads((reference_frames / "whoop-rs" / "real_frames.json").read_text())
