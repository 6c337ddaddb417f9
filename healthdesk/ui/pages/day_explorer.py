"""Day explorer: page day by day (arrows, a calendar, Alt+Left/Right) through every stored second of heart
rate, with sleep stages, workouts and band events as bands, and R-R intervals when zoomed in."""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QDateEdit, QLabel, QPushButton, QWidget

from healthdesk.services.day_explorer import DayExplorerService, DayTrace, today_local
from healthdesk.ui import theme
from healthdesk.ui.charts.day_trace import DayTraceChart
from healthdesk.ui.context import AppContext
from healthdesk.ui.widgets.common import Card, EmptyState, Page


def _qdate(d: date) -> QDate:
    return QDate(d.year, d.month, d.day)


class DayExplorerPage(Page):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__("Day explorer", parent)
        self.context = context
        self.previous = QPushButton("\u25c0")
        self.previous.setToolTip("The day before (Alt+Left)")
        self.next = QPushButton("\u25b6")
        self.next.setToolTip("The day after (Alt+Right)")
        self.calendar = QDateEdit()
        self.calendar.setCalendarPopup(True)
        self.calendar.setDisplayFormat("ddd d MMM yyyy")
        self.latest = QPushButton("Latest")
        for w in (self.previous, self.calendar, self.next, self.latest):
            self.header.addWidget(w)
        self.previous.clicked.connect(lambda: self.show_day(self.day - timedelta(days=1)))
        self.next.clicked.connect(lambda: self.show_day(self.day + timedelta(days=1)))
        self.latest.clicked.connect(lambda: self.show_day(self.bounds[1] if self.bounds else self.day))
        self.calendar.dateChanged.connect(lambda q: self.show_day(date(q.year(), q.month(), q.day())))
        for keys, step in (("Alt+Left", -1), ("Alt+Right", 1)):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(lambda step=step: self.show_day(self.day + timedelta(days=step)))
        card = Card()
        self.empty = EmptyState("No band data stored yet. Pair your band (Band page) or try the demo band: "
                                "every second of heart rate it records can be looked at here.")
        self.chart = DayTraceChart()
        self.legend = QLabel(self._legend())
        self.legend.setObjectName("tileDetail")
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        card.body.addWidget(self.empty)
        card.body.addWidget(self.chart)
        card.body.addWidget(self.legend)
        self.content.addWidget(card)
        self.content.addStretch(1)
        self.chart.hide()
        self.day: date = date.today()
        self.bounds: tuple[date, date] | None = None
        self.trace: DayTrace | None = None
        self._service: DayExplorerService | None = None
        self._cache: dict[date, DayTrace] = {}
        self._reading: set[date] = set()
        self._wanted: date | None = None

    @property
    def service(self) -> DayExplorerService | None:
        if self._service is None and self.context.dashboard is not None:
            self._service = DayExplorerService(self.context.dashboard)
        return self._service

    def refresh(self) -> None:
        self._cache.clear()  # new data may have arrived for any day
        service = self.service
        if service is None:
            self.loaded.emit()
            return

        def load() -> tuple[tuple[date, date] | None, DayTrace | None]:
            bounds = service.bounds()
            first_time = self.trace is None
            day = (bounds[1] if bounds else today_local(service._dashboard)) if first_time else self.day
            if self._wanted is not None and bounds:
                day = min(max(self._wanted, bounds[0]), bounds[1])
                self._wanted = None
            return bounds, service.day(day) if bounds else None

        self.context.runner.spawn(self.context.runner.run_blocking(load), name="Loading the day explorer",
                                  on_result=self._show_loaded)

    def _show_loaded(self, result: tuple[tuple[date, date] | None, DayTrace | None]) -> None:
        self.bounds, trace = result
        if trace is None:
            self.empty.show()
            self.chart.hide()
            self._set_controls(self.day)
            self.loaded.emit()
            return
        self.show_trace(trace)

    def show_day(self, day: date) -> None:
        """Load and show `day` (clamped to the days with band data)."""
        service = self.service
        if service is None or self.bounds is None:
            self._wanted = day  # shown once the page has loaded which days exist
            return
        day = min(max(day, self.bounds[0]), self.bounds[1])
        if self.trace is not None and day == self.trace.day:
            self._set_controls(day)
            return
        self.day = day
        self._set_controls(day)
        cached = self._cache.get(day)
        if cached is not None:  # read ahead while the previous day was on screen: draw only
            self.show_trace(cached)
            return
        self.context.runner.spawn(self.context.runner.run_blocking(service.day, day), name="Loading a day",
                                  on_result=self.show_trace)

    def _read_ahead(self, day: date) -> None:
        """The days either side of the one shown, read on the reader thread while it is looked at, so paging
        with the arrows only draws (a day is ~90 000 records; three are kept, ~8 MB)."""
        service = self.service
        if service is None or self.bounds is None:
            return
        for near in (day + timedelta(days=1), day - timedelta(days=1)):
            if self.bounds[0] <= near <= self.bounds[1] and near not in self._cache and near not in self._reading:
                self._reading.add(near)
                self.context.runner.spawn(self.context.runner.run_blocking(service.day, near),
                                          name="Reading ahead a day", on_result=self._keep, background=True)

    def _keep(self, trace: DayTrace) -> None:
        self._reading.discard(trace.day)
        self._cache[trace.day] = trace
        keep = {self.day - timedelta(days=1), self.day, self.day + timedelta(days=1)}
        for day in [d for d in self._cache if d not in keep]:
            del self._cache[day]

    def show_trace(self, trace: DayTrace) -> None:
        self.trace = trace
        self.day = trace.day
        self._cache[trace.day] = trace
        self._set_controls(trace.day)
        self.empty.hide()
        self.chart.show()
        self.chart.set_trace(trace)
        self.legend.setText(self._legend())
        self.loaded.emit()
        self._read_ahead(trace.day)

    def _set_controls(self, day: date) -> None:
        self.calendar.blockSignals(True)
        if self.bounds:
            self.calendar.setDateRange(_qdate(self.bounds[0]), _qdate(self.bounds[1]))
        self.calendar.setDate(_qdate(day))
        self.calendar.blockSignals(False)
        has = self.bounds is not None
        self.previous.setEnabled(has and day > self.bounds[0])  # type: ignore[index]
        self.next.setEnabled(has and day < self.bounds[1])  # type: ignore[index]
        self.latest.setEnabled(has and day != self.bounds[1])  # type: ignore[index]

    @staticmethod
    def _legend() -> str:
        c = theme.colors()
        items = [("deep sleep", c.stage_deep), ("light sleep", c.stage_light), ("REM", c.stage_rem),
                 ("awake", c.stage_awake), ("workout", c.workout), ("off wrist / charging", c.muted)]
        return "&nbsp;&nbsp;&nbsp;".join(f'<span style="color:{col}">\u2588\u2588</span> {name}' for name, col in items)
