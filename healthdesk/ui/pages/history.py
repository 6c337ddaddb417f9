"""History pages (Recovery, Strain, Sleep share this): one chart card per metric under one range selector."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget

from healthdesk.services.dashboard_types import METRIC_TITLES, MetricHistory
from healthdesk.ui.charts.history import HistoryChart
from healthdesk.ui.context import AppContext
from healthdesk.ui.widgets.common import Card, EmptyState, Page, RangeSelector

DURATION_METRICS = ("sleep_duration", "sleep_need", "sleep_debt")


# Titles of the charts the service's METRIC_TITLES does not name, and what an empty chart says.
TITLES = {
    "sleep_duration": "Sleep (hours asleep against your need)", "sleep_efficiency": "Sleep efficiency",
    "respiratory_rate": "Respiratory rate", "spo2": "Blood oxygen (SpO\u2082)", "skin_temp": "Skin temperature",
}
CLOUD_ONLY = ("spo2", "skin_temp")  # the band's data cannot give these; WHOOP's scores carry them
EMPTY_TEXT = "No values stored yet. Sync your band (Band page) or connect WHOOP cloud to fill this chart."
CLOUD_EMPTY_TEXT = ("WHOOP measures this with sensors healthdesk cannot read: connect WHOOP cloud (WHOOP cloud "
                    "page) to see it here.")


class ChartCard(Card):
    def __init__(self, metric: str, chart: HistoryChart, parent: QWidget | None = None) -> None:
        super().__init__(TITLES.get(metric) or METRIC_TITLES.get(metric, metric.replace("_", " ").capitalize()),
                         parent)
        self.metric_name = metric
        self.chart = chart
        self.empty = EmptyState(CLOUD_EMPTY_TEXT if metric in CLOUD_ONLY else EMPTY_TEXT)
        self.body.addWidget(self.empty)
        self.body.addWidget(chart)
        chart.hide()

    def set_history(self, history: MetricHistory) -> None:
        self.chart.set_history(history)
        self.empty.setVisible(history.is_empty)
        self.chart.setVisible(not history.is_empty)


class HistoryPage(Page):
    """`metrics` maps each charted metric to (value formatter, fixed y range or None). `open_day` asks for a
    day in the day explorer (a double-click on a chart)."""

    open_day = Signal(object)  # datetime.date

    def __init__(
        self,
        title: str,
        context: AppContext,
        metrics: dict[str, tuple[Callable[[float], str], tuple[float, float] | None]],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(title, parent)
        self.context = context
        self.ranges = RangeSelector(default_days=30)
        self.header.addWidget(self.ranges)
        self.cards: dict[str, ChartCard] = {}
        first: HistoryChart | None = None
        for metric, (fmt, y_range) in metrics.items():
            chart = HistoryChart(fmt, y_range, duration=metric in DURATION_METRICS)
            card = ChartCard(metric, chart)
            self.cards[metric] = card
            self.content.addWidget(card)
            # One time axis per page: zooming one chart zooms them all, like the range buttons do.
            if first is None:
                first = chart
            else:
                chart.plot.setXLink(first.plot)
            chart.user_zoomed.connect(self.ranges.clear_choice)
            chart.day_chosen.connect(lambda t: self.open_day.emit(datetime.fromtimestamp(t).date()))
        self.ranges.range_chosen.connect(self.set_range_days)

    def set_range_days(self, days: int) -> None:
        if self.ranges.chosen != days and days in self.ranges.buttons:
            self.ranges.buttons[days].setChecked(True)
        for card in self.cards.values():
            card.chart.set_range_days(days)

    def refresh(self) -> None:
        ctx = self.context
        if ctx.dashboard is None:  # the database is not open yet: keep the empty state
            self.loaded.emit()
            return
        metrics = list(self.cards)
        ctx.runner.spawn(
            ctx.runner.run_blocking(lambda: [ctx.dashboard.history(m) for m in metrics]),
            name=f"Loading {self.title.lower()}",
            on_result=self.show_histories,
        )

    def set_histories(self, histories: list[MetricHistory]) -> None:
        """New data: every chart back at the chosen preset (after a zoom: 30 d, lit again)."""
        days = self.ranges.chosen
        if days is None:
            days = 30
            self.ranges.buttons[days].setChecked(True)
        for history in histories:
            card = self.cards[history.metric]
            card.chart.set_range_days(days)  # before the data, so set_history keeps it
            card.set_history(history)

    def show_histories(self, histories: list[MetricHistory]) -> None:
        self.set_histories(histories)
        self.after_histories()
        self.loaded.emit()

    def after_histories(self) -> None:
        """Hook for pages that load more after the charts (workouts, nights)."""


def recovery_page(context: AppContext) -> HistoryPage:
    return HistoryPage(
        "Recovery",
        context,
        {
            "recovery": (lambda v: f"{v:.0f}", (0.0, 100.0)),
            "hrv_rmssd": (lambda v: f"{v:.0f}", None),
            "resting_hr": (lambda v: f"{v:.0f}", None),
            "spo2": (lambda v: f"{v:.1f}", None),
            "skin_temp": (lambda v: f"{v:.1f}", None),
        },
    )
