"""Shared, expensive inputs for the metrics tests: one simulated fortnight, derived once per session."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from healthdesk.band.sim.physiology import SimulatedHistory, generate_history
from healthdesk.core.metrics.engine import CycleResult, derive_span
from healthdesk.core.metrics.features import minute_features

TZ = 3600  # UTC+1: local days and noon windows must follow the wearer's clock, not UTC
# 2023-11-14 20:00 local: the wearer puts the band on in the evening, so every cycle after the first night has
# a measured resting HR to anchor strain and workout detection.
START = 1_699_988_400  # 19:00 UTC


@dataclass
class Fortnight:
    history: SimulatedHistory
    minutes: np.ndarray
    results: list[CycleResult]


@pytest.fixture(scope="session")
def fortnight() -> Fortnight:
    history = generate_history(14, seed=2024, start_unix=START, tz_offset_s=TZ)
    minutes = minute_features(history.records)
    return Fortnight(history, minutes, derive_span(minutes, TZ))
