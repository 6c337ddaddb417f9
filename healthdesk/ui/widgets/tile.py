"""A metric tile: title, big value, detail line (baseline or the reason for a dash), source badge."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from healthdesk.services.dashboard_types import SOURCE_LABELS, BaselineBand, MetricValue
from healthdesk.ui.widgets.common import DASH, Card, SourceBadge

Formatter = Callable[[float], str]


def reason_text(reason: str) -> str:
    """Machine notes ('need_baseline:have=3,need=4') -> words a person reads."""
    if not reason:
        return "no data for this day"
    key, _, rest = reason.partition(":")
    words = {
        "no_data": "no data for this day",
        "no_sleep": "no sleep recorded",
        "need_baseline": "building your baseline",
        "need_profile": "needs your profile (Settings)",
        "not_worn": "band not worn",
        "degenerate_baseline": "baseline too flat to compare",
        "gate": "not enough clean data",
    }
    text = words.get(key, reason.replace("_", " "))
    if key == "need_baseline" and rest:
        parts = dict(p.split("=", 1) for p in rest.split(",") if "=" in p)
        if "have" in parts and "need" in parts:
            text = f"building your baseline ({parts['have']} of {parts['need']} nights)"
    return text


class MetricTile(Card):
    def __init__(self, title: str, formatter: Formatter, unit_label: str = "", parent: QWidget | None = None):
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
            lines.append(f"your range {self._format(baseline.low)}\u2013{self._format(baseline.high)}")
        for other in others or []:
            if other.value is not None and other.source:
                lines.append(f"{SOURCE_LABELS.get(other.source, other.source)}: {self._format(other.value)}")
        self.detail.setText("\n".join(lines))
        self.badge.set_source(value.source, value.confidence)

    @property
    def shown_text(self) -> str:
        return self.value_label.text()
