"""Energy expenditure (metrics.md §11): HR-flex with Keytel above RHR + 0.40 HRR, Mifflin-St Jeor BMR below.

Needs weight, height, age and sex (no 70 kg / 30 y defaults, §24.8). Unworn minutes count BMR/1440 and
lower the confidence to the worn fraction.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from healthdesk.core.models import Metric

KJ_PER_KCAL = 4.184
FLEX_HRR_FRACTION = 0.40


@dataclass(frozen=True)
class Profile:
    weight_kg: float | None = None
    height_cm: float | None = None
    age: float | None = None
    sex: str | None = None  # 'male' | 'female'

    @property
    def complete(self) -> bool:
        return None not in (self.weight_kg, self.height_cm, self.age) and self.sex in ("male", "female")


def bmr_kcal_per_day(p: Profile) -> float:
    base = 10 * p.weight_kg + 6.25 * p.height_cm - 5 * p.age  # type: ignore[operator]
    return base + (5 if p.sex == "male" else -161)


def keytel_kcal_per_min(hr: np.ndarray, p: Profile) -> np.ndarray:
    if p.sex == "male":
        kj = -55.0969 + 0.6309 * hr + 0.1988 * p.weight_kg + 0.2017 * p.age  # type: ignore[operator]
    else:
        kj = -20.4022 + 0.4472 * hr - 0.1263 * p.weight_kg + 0.074 * p.age  # type: ignore[operator]
    return kj / KJ_PER_KCAL


def calories(
    hr_per_minute: np.ndarray,
    worn: np.ndarray,
    total_minutes: int,
    rhr: float | None,
    hrmax: float | None,
    profile: Profile | None,
) -> Metric:
    """kcal over a cycle of `total_minutes`; hr_per_minute/worn cover its recorded minutes."""
    if profile is None or not profile.complete:
        return Metric.missing("kcal", "need:profile(weight,height,age,sex)")
    if rhr is None or hrmax is None:
        return Metric.missing("kcal", "need:rhr,hrmax")
    rest = bmr_kcal_per_day(profile) / 1440.0
    hr = np.asarray(hr_per_minute, dtype=np.float64)
    active = worn & np.isfinite(hr) & (hr >= rhr + FLEX_HRR_FRACTION * (hrmax - rhr))
    per_min = np.where(active, np.maximum(keytel_kcal_per_min(np.nan_to_num(hr), profile), rest), rest)
    unrecorded = max(0, total_minutes - len(hr))
    total = float(per_min.sum() + unrecorded * rest)
    coverage = float(np.count_nonzero(worn)) / max(1, total_minutes)
    return Metric(
        total,
        "kcal",
        round(min(1.0, coverage), 3),
        detail={"kj": round(total * KJ_PER_KCAL, 1), "active_kcal": round(total - rest * total_minutes, 1)},
    )
