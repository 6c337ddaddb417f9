"""Sleep: duration and performance history, and one night's hypnogram with its minute heart rate."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QWidget

from healthdesk.services.dashboard_types import SOURCE_LABELS, MetricHistory, NightDetail, SleepPeriod
from healthdesk.ui.charts.night import NightChart
from healthdesk.ui.context import AppContext
from healthdesk.ui.pages.history import HistoryPage
from healthdesk.ui.widgets.common import Card, EmptyState, format_minutes


class SleepPage(HistoryPage):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(
            "Sleep",
            context,
            {
                "sleep_duration": (lambda v: format_minutes(v), None),
                "sleep_performance": (lambda v: f"{v:.0f}", (0.0, 100.0)),
            },
            parent,
        )
        card = Card("Night")
        pick_row = QHBoxLayout()
        pick_row.addWidget(QLabel("Night ending"))
        self.night_picker = QComboBox()
        self.night_picker.setMinimumContentsLength(28)
        pick_row.addWidget(self.night_picker)
        pick_row.addStretch(1)
        card.body.addLayout(pick_row)
        self.night_empty = EmptyState("No sleep recorded yet.")
        self.night_chart = NightChart()
        card.body.addWidget(self.night_empty)
        card.body.addWidget(self.night_chart)
        self.night_chart.hide()
        self.content.insertWidget(1, card)
        self.content.addStretch(1)
        self._sleeps: list[SleepPeriod] = []
        self.night_picker.currentIndexChanged.connect(self._night_chosen)

    def refresh(self) -> None:
        ctx = self.context
        if ctx.dashboard is None:  # the database is not open yet: keep the empty state
            self.loaded.emit()
            return

        def load() -> tuple[list[MetricHistory], list[SleepPeriod], NightDetail | None]:
            histories = [ctx.dashboard.history(m) for m in self.cards]
            nights = ctx.dashboard.nights()  # one per morning date, newest first
            detail = ctx.dashboard.night(nights[0]) if nights else None
            return histories, nights, detail

        ctx.runner.spawn(ctx.runner.run_blocking(load), name="Loading sleep", on_result=self._show)

    def _show(self, result: tuple[list[MetricHistory], list[SleepPeriod], NightDetail | None]) -> None:
        histories, sleeps, detail = result
        # Newest main sleep first in the picker; naps are listed in the history charts, not here.
        self._sleeps = list(sleeps)
        self.night_picker.blockSignals(True)
        self.night_picker.clear()
        for s in self._sleeps:
            label = f"{s.day or s.end.astimezone().date():%a %d %b}  ·  {format_minutes(s.asleep_min)} asleep"
            self.night_picker.addItem(f"{label}  ·  {SOURCE_LABELS.get(s.source, s.source)}")
        self.night_picker.setCurrentIndex(0 if self._sleeps else -1)
        self.night_picker.blockSignals(False)
        self._show_night(detail)
        self.show_histories(histories)

    def _show_night(self, detail: NightDetail | None) -> None:
        if detail is None:
            self.night_chart.clear()
        else:
            self.night_chart.set_night(detail)
        self.night_chart.setVisible(detail is not None)
        self.night_empty.setVisible(detail is None)

    def _night_chosen(self, index: int) -> None:
        if not 0 <= index < len(self._sleeps):
            return
        ctx = self.context
        sleep = self._sleeps[index]
        ctx.runner.spawn(
            ctx.runner.run_blocking(ctx.dashboard.night, sleep), name="Loading night", on_result=self._show_night
        )
