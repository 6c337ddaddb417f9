"""The daily history the insights engine reads: one value per metric and one answer per tag per morning date.

Pure input type (numpy + stdlib). Index i is the morning date `first + i`; arrays are float64, NaN where there
is no value (a metric not measured, a tag not answered). Tags hold 1.0 (yes) / 0.0 (no) / NaN (not answered):
a day without an answer is neither tagged nor untagged (docs/insights.md §2).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np


@dataclass(frozen=True)
class DailyHistory:
    first: date
    n_days: int
    values: Mapping[str, np.ndarray] = field(default_factory=dict)
    tags: Mapping[str, np.ndarray] = field(default_factory=dict)

    @classmethod
    def from_maps(cls, first: date, last: date, values: Mapping[str, Mapping[date, float | None]],
                  tags: Mapping[str, Mapping[date, bool]] | None = None) -> DailyHistory:
        """Build from {metric: {day: value}} and {tag: {day: yes}}; days outside [first, last] are ignored."""
        n = max(0, (last - first).days + 1)

        def fill(points: Mapping[date, float | bool | None]) -> np.ndarray:
            out = np.full(n, np.nan)
            for day, value in points.items():
                i = (day - first).days
                if 0 <= i < n and value is not None:
                    out[i] = float(value)
            return out

        return cls(first, n, {m: fill(p) for m, p in values.items()},
                   {t: fill(p) for t, p in (tags or {}).items()})

    @property
    def last(self) -> date:
        return self.first + timedelta(days=self.n_days - 1)

    def day(self, i: int) -> date:
        return self.first + timedelta(days=int(i))

    def index(self, day: date) -> int:
        return (day - self.first).days

    def weekdays(self) -> np.ndarray:
        """Monday = 0 ... Sunday = 6 for every index."""
        return (np.arange(self.n_days) + self.first.weekday()) % 7

    def metric(self, name: str) -> np.ndarray:
        """The metric's series, all NaN when it was never measured."""
        return self.values.get(name, np.full(self.n_days, np.nan))

    def window(self, start: date, end: date) -> DailyHistory:
        """The days start..end (inclusive), clipped to the history."""
        lo = max(0, self.index(start))
        hi = min(self.n_days, self.index(end) + 1)
        hi = max(hi, lo)
        return DailyHistory(self.day(lo), hi - lo, {k: v[lo:hi] for k, v in self.values.items()},
                            {k: v[lo:hi] for k, v in self.tags.items()})
