"""A metric tile: title, big value, "your range", a 7-day sparkline, the reason for a dash, a confidence badge.

Tiles are clickable cards: Today opens the page with each number's history.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from healthdesk.services.dashboard_types import SOURCE_LABELS, BaselineBand, MetricValue
from healthdesk.ui.widgets.common import DASH, ClickableCard, SourceBadge
from healthdesk.ui.widgets.sparkline import Sparkline

Formatter = Callable[[float], str]

# Machine notes (core/metrics Metric.note) -> words a person reads. Never show a note itself: an unknown note
# falls back to a plain sentence (docs/architecture.md "honest numbers").
REASONS = {
    "no_data": "no data for this day",
    "no_sleep": "no sleep recorded",
    "no_main_sleep": "no night's sleep recorded",
    "no_stages": "sleep stages not available",
    "no_records": "the band recorded nothing",
    "no_effort": "no hard effort recorded yet",
    "need_baseline": "building your baseline",
    "calibrating": "calibrating",
    "need_profile": "needs your profile (Settings)",
    "not_worn": "band not worn",
    "degenerate_baseline": "your recent nights are too alike to compare",
    "gate": "not enough clean data",
    "missing_input": "an input is missing for this day",
    "chronic=0": "no training load in the last four weeks",
    "constant_load": "training load was the same every day",
    "need_days": "needs more days of data",
    "need_nights": "needs a night of sleep",
    "need_windows": "too few quiet stretches of sleep to count breaths",
    "need_nrem_windows": "too few deep-sleep stretches to measure",
}
NEEDS = {
    "rhr_baseline,max_hr": "needs a few nights of resting heart rate and a hard effort first",
    "rhr,hrmax": "needs your resting and maximum heart rate first",
    "profile(weight,height,age,sex)": "needs your weight, height, age and sex (Settings)",
    "hrv": "needs last night's heart rate variability",
    "sleep_need": "needs your sleep need (a few nights first)",
    ">=2_inputs_with_baseline": "needs a few nights of heart rate data first",
    "2_days_with_1200_common_minutes": "needs two full days of wear",
    "previous_night": "needs the night before",
    "30_contiguous_worn_sleep_minutes": "needs 30 minutes of worn sleep",
    "effort>=140bpm_or_age": "needs a hard effort or your birth year (Settings)",
    "10_worn_minutes": "band worn for less than 10 minutes",
}


def _counts(rest: str) -> dict[str, str]:
    return dict(p.split("=", 1) for p in rest.split(",") if "=" in p)


def reason_text(reason: str) -> str:
    """A machine note ('need_baseline:have=3,need=4') -> a plain sentence ('building your baseline (3 of 4
    nights)'). Never returns the code itself."""
    if not reason:
        return "no data for this day"
    if reason in REASONS:
        return REASONS[reason]
    key, _, rest = reason.partition(":")
    if key == "need":
        return NEEDS.get(rest, "needs more data first")
    parts = _counts(rest)
    if key in ("need_baseline", "calibrating") and "have" in parts and "need" in parts:
        word = "calibrating" if key == "calibrating" else "building your baseline"
        return f"{word} ({parts['have']} of {parts['need']} nights)"
    if key in ("need_days", "need_nights", "need_windows", "need_nrem_windows") and "have" in parts:
        return f"{REASONS[key]} ({parts['have']} of {parts.get('need', '?')})"
    if key in REASONS:
        return REASONS[key]
    if key == "estimate":
        return "estimated"
    return "not enough data for this day"


class MetricTile(ClickableCard):
    def __init__(self, title: str, formatter: Formatter, unit_label: str = "", parent: QWidget | None = None,
                 *, sparkline: bool = False):
        super().__init__(title, parent)
        self._format = formatter
        self._unit_label = unit_label
        row = QHBoxLayout()
        row.setSpacing(6)
        self.value_label = QLabel(DASH)
        self.value_label.setObjectName("tileValue")
        self.unit = QLabel(unit_label)
        self.unit.setObjectName("tileDetail")
        row.addWidget(self.value_label)
        row.addWidget(self.unit)
        row.addStretch(1)
        self.body.addLayout(row)
        self.spark: Sparkline | None = None
        if sparkline:  # under the value, so a narrow tile (1024 px window) never cuts the number
            self.spark = Sparkline()
            self.body.addWidget(self.spark)
        self.detail = QLabel("")
        self.detail.setObjectName("tileDetail")
        self.detail.setWordWrap(True)
        self.body.addWidget(self.detail)
        self.badge = SourceBadge()
        badge_row = QHBoxLayout()
        badge_row.addWidget(self.badge)
        badge_row.addStretch(1)
        self.body.addLayout(badge_row)
        self.body.addStretch(1)
        self.setMinimumWidth(200)

    def show_value(
        self,
        value: MetricValue,
        baseline: BaselineBand | None = None,
        others: list[MetricValue] | None = None,
        extra: str = "",
        *,
        position: str | None = None,
    ) -> None:
        if value.value is None:
            self.value_label.setText(DASH)
            self.unit.setText("")
            self.detail.setText(reason_text(value.reason) if value.day else "nothing stored yet")
            self.badge.set_source(None)
            return
        self.value_label.setText(self._format(value.value))
        self.unit.setText(self._unit_label)
        lines = [extra] if extra else []
        if baseline is not None:
            where = {"below": " \u2013 below it today", "above": " \u2013 above it today",
                     "within": " \u2013 normal today"}.get(position or "", "")
            lines.append(f"your range {self._format(baseline.low)}\u2013{self._format(baseline.high)}{where}")
        for other in others or []:
            if other.value is not None and other.source:
                lines.append(f"{SOURCE_LABELS.get(other.source, other.source)}: {self._format(other.value)}")
        self.detail.setText("\n".join(lines))
        self.badge.set_source(value.source, value.confidence)

    def show_spark(self, y: np.ndarray, low: float | None = None, high: float | None = None) -> None:
        if self.spark is not None:
            self.spark.set_values(y, low, high)

    @property
    def shown_text(self) -> str:
        return self.value_label.text()
