"""Domain types shared by store, metrics, services and UI: typed numpy arrays for samples and rollups.

`SAMPLE_DTYPE` is the 1 Hz biometric record as the decoder produces it (band/whoop4/decode.py re-exports it as
`RECORD_DTYPE`) and as the store keeps and returns it. It lives here because core, store and UI must not import
the band package.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

# Band ticks: consecutive 1 Hz records are 31504/32768 s apart (band-protocol §7.1), about 62.4 per minute.
SUBSEC_PER_SECOND = 32768
RECORD_PERIOD_S = 31504 / SUBSEC_PER_SECOND
RECORDS_PER_MINUTE = 60 / RECORD_PERIOD_S

SAMPLE_DTYPE = np.dtype(
    [
        ("version", "u1"),
        ("counter", "<u4"),
        ("unix", "<u4"),
        ("subsec", "<u2"),  # 1/32768 s
        ("hr", "u1"),  # bpm, 0 = no reading
        ("rr_count", "u1"),  # valid RR slots, 0..4
        ("rr", "<u2", (4,)),  # ms, unused slots 0
        ("gravity", "<f4", (3,)),  # g
    ]
)

# One row per (device, UTC minute). hr_* are NaN/0 when the minute has no heart-rate reading.
ROLLUP_DTYPE = np.dtype(
    [
        ("minute", "<i8"),  # unix seconds of the minute start (multiple of 60)
        ("records", "<u2"),  # 1 Hz records stored in this minute
        ("hr_count", "<u2"),  # records with hr > 0
        ("hr_mean", "<f4"),  # NaN when hr_count == 0
        ("hr_min", "u1"),  # 0 when hr_count == 0
        ("hr_max", "u1"),
        ("rr_count", "<u2"),  # valid R-R intervals in the minute
        ("motion", "<f4"),  # mean |delta gravity| (g) between consecutive records of the minute; NaN if < 2
        ("active_count", "<u2"),  # consecutive-record steps with |delta gravity| > ACTIVITY_THRESHOLD_G
        ("worn_fraction", "<f4"),  # hr_count / RECORDS_PER_MINUTE, capped at 1
    ]
)


def sample_time(samples: np.ndarray) -> np.ndarray:
    """Float unix seconds (UTC) of each sample, sub-second ticks included."""
    return samples["unix"].astype(np.float64) + samples["subsec"].astype(np.float64) / SUBSEC_PER_SECOND


@dataclass(frozen=True)
class Metric:
    """One derived value: `None` with confidence 0 whenever its inputs are missing (architecture §4.4).

    `note` is machine readable (e.g. `need_baseline:have=3,need=7`); `detail` holds JSON-able extras.
    """

    value: float | None
    unit: str
    confidence: float
    source: str = "band"
    note: str = ""
    detail: dict[str, Any] | None = field(default=None, compare=True)

    def __post_init__(self) -> None:
        # numpy scalars become plain floats here: SQLite would store a numpy int as a BLOB
        if self.value is not None:
            object.__setattr__(self, "value", float(self.value))
        object.__setattr__(self, "confidence", float(self.confidence))
        if self.value is None and self.confidence != 0:
            object.__setattr__(self, "confidence", 0.0)
        if not 0.0 <= self.confidence <= 1.0:
            raise ValueError(f"confidence {self.confidence} outside 0..1")

    @classmethod
    def missing(cls, unit: str, note: str, source: str = "band") -> Metric:
        return cls(None, unit, 0.0, source, note)
