"""A date axis for daily values: whole days, weeks or months as ticks, labelled '12 Nov' / 'Nov 2026'.

pyqtgraph's DateAxisItem labels day ticks with the bare day number and the month on its own tick, which runs
into the neighbouring label ('29 Nov03') at daily spacing; days are what these charts are about.
"""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta

import pyqtgraph as pg

DAY_S = 86400.0
DAY_STEPS = (1, 2, 7, 14)
MONTH_STEPS = (1, 2, 3, 6, 12)
MIN_LABEL_PX = 64


def _local_noon(d: date) -> float:
    return datetime(d.year, d.month, d.day, 12).timestamp()


def day_ticks(lo: float, hi: float, max_ticks: int) -> tuple[list[float], str]:
    """Tick positions (local noon of whole days or month starts) and the strftime format to label them."""
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo or max_ticks < 1:
        return [], "%d %b"
    first = datetime.fromtimestamp(lo).date()
    last = datetime.fromtimestamp(hi).date()
    span_days = (last - first).days + 1
    for step in DAY_STEPS:
        if span_days / step <= max_ticks:
            start = first if step < 7 else first + timedelta(days=(7 - first.weekday()) % 7)  # Mondays
            ticks = [_local_noon(start + timedelta(days=k)) for k in range(0, span_days + 1, step)]
            return [t for t in ticks if lo <= t <= hi], "%d %b"
    months = (last.year - first.year) * 12 + last.month - first.month + 1
    for step in MONTH_STEPS:
        if months / step <= max_ticks:
            break
    ticks = []
    y, m = first.year, first.month
    while (y, m) <= (last.year, last.month):
        if (m - 1) % step == 0:
            ticks.append(datetime(y, m, 1).timestamp())
        m += 1
        if m > 12:
            y, m = y + 1, 1
    return [t for t in ticks if lo <= t <= hi], "%b %Y" if step >= 3 or months > 12 else "%b"


class DayAxisItem(pg.AxisItem):
    def __init__(self, orientation: str = "bottom", **kwargs: object) -> None:
        super().__init__(orientation, **kwargs)
        self._format = "%d %b"

    def tickValues(self, minVal: float, maxVal: float, size: float) -> list[tuple[float, list[float]]]:  # noqa: N802
        ticks, self._format = day_ticks(minVal, maxVal, max(1, int(size // MIN_LABEL_PX)))
        return [(DAY_S, ticks)]

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:  # noqa: N802
        return [datetime.fromtimestamp(v).strftime(self._format) for v in values]


HOUR_STEPS_MIN = (30, 60, 120, 180, 240)


class DurationAxisItem(pg.AxisItem):
    """A value axis in minutes labelled h:mm ('7:30'), the app's one duration format, on whole-hour steps."""

    def __init__(self, orientation: str = "left", **kwargs: object) -> None:
        super().__init__(orientation, **kwargs)

    def tickValues(self, minVal: float, maxVal: float, size: float) -> list[tuple[float, list[float]]]:  # noqa: N802
        if not (math.isfinite(minVal) and math.isfinite(maxVal)) or maxVal <= minVal:
            return []
        max_ticks = max(2, int(size // 40))
        step = next((s for s in HOUR_STEPS_MIN if (maxVal - minVal) / s <= max_ticks), 360)
        first = math.ceil(minVal / step) * step
        return [(float(step), [float(v) for v in range(int(first), int(maxVal) + 1, step)])]

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:  # noqa: N802
        out = []
        for v in values:
            total = int(round(v))
            out.append(f"{total // 60}:{total % 60:02d}")
        return out
