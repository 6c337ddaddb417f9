"""Sleep: one night in full (hours against need, debt, stages with totals and %, efficiency, respiratory rate,
disturbances, the hypnogram with its minute heart rate), the week's bedtimes and wake times, and the history
charts (duration against need, performance, efficiency, respiratory rate)."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from healthdesk.services.dashboard_types import SOURCE_LABELS, MetricHistory, NightDetail, SleepPeriod
from healthdesk.services.sleep_view import NightFacts, WeekConsistency, night_facts, week_consistency
from healthdesk.ui.charts.night import NightChart
from healthdesk.ui.context import AppContext
from healthdesk.ui.pages.history import HistoryPage
from healthdesk.ui.widgets.common import DASH, Card, EmptyState, format_hours, format_minutes
from healthdesk.ui.widgets.stage_bar import StageBar


@dataclass(frozen=True)
class SleepData:
    histories: list[MetricHistory]
    need: MetricHistory
    nights: list[SleepPeriod]
    detail: NightDetail | None
    facts: NightFacts | None
    week: WeekConsistency


class NightFactsGrid(QWidget):
    """Label / value pairs of one night; a missing number is a dash with its reason."""

    FIELDS = ("Asleep", "Need", "Sleep debt", "Efficiency", "Respiratory rate", "Disturbances", "Performance")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(24)
        self.values: dict[str, QLabel] = {}
        for i, name in enumerate(self.FIELDS):
            title = QLabel(name)
            title.setObjectName("tileDetail")
            value = QLabel(DASH)
            value.setObjectName("factValue")
            grid.addWidget(title, 0, i)
            grid.addWidget(value, 1, i)
            self.values[name] = value

    def set_facts(self, facts: NightFacts | None) -> None:
        f = facts
        met = f.need_met_pct if f else None
        asleep = format_hours(f.asleep_min) if f else DASH
        texts = {
            "Asleep": asleep + (f"  ({met:.0f} % of need)" if met is not None else ""),
            "Need": format_hours(f.need_min) if f and f.need_min is not None else f"{DASH} (a few nights first)",
            "Sleep debt": (DASH if not f or f.debt_min is None else
                           "none" if f.debt_min <= 0 else format_hours(f.debt_min)),
            "Efficiency": DASH if not f or f.efficiency_pct is None else f"{f.efficiency_pct:.0f} %",
            "Respiratory rate": DASH if not f or f.respiratory_rate is None else f"{f.respiratory_rate:.1f} /min",
            "Disturbances": DASH if not f or f.disturbances is None else f"{f.disturbances:.0f}",
            "Performance": DASH if not f or f.performance_pct is None else f"{f.performance_pct:.0f} %",
        }
        for name, text in texts.items():
            self.values[name].setText(text)


class WeekTable(QTableWidget):
    COLUMNS = ("Night ending", "Bedtime", "Wake", "Asleep")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, len(self.COLUMNS), parent)
        self.setHorizontalHeaderLabels(self.COLUMNS)
        self.verticalHeader().hide()
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.setFixedHeight(250)

    def set_week(self, week: WeekConsistency) -> None:
        self.setRowCount(len(week.nights))
        for i, n in enumerate(week.nights):
            cells = (f"{n.day:%a %d %b}", f"{n.onset:%H:%M}", f"{n.wake:%H:%M}", format_hours(n.asleep_min))
            for j, text in enumerate(cells):
                self.setItem(i, j, QTableWidgetItem(text))


def week_words(week: WeekConsistency) -> str:
    if not week.nights:
        return "No nights recorded yet."
    parts = []
    if week.onset_spread_min is not None and week.wake_spread_min is not None:
        parts.append(f"Over the last {len(week.nights)} nights your bedtime varied by about "
                     f"\u00b1{week.onset_spread_min:.0f} min and your wake time by \u00b1{week.wake_spread_min:.0f} min.")
    else:
        parts.append("Three nights are needed to say how regular your sleep is.")
    if week.consistency_pct is not None:
        parts.append(f"Sleep consistency {week.consistency_pct:.0f} % (how alike your sleep and wake "
                     "times were, day to day).")
    return " ".join(parts)


class SleepPage(HistoryPage):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(
            "Sleep",
            context,
            {
                "sleep_duration": (format_minutes, None),
                "sleep_performance": (lambda v: f"{v:.0f}", (0.0, 100.0)),
                "sleep_efficiency": (lambda v: f"{v:.0f}", (0.0, 100.0)),
                "respiratory_rate": (lambda v: f"{v:.1f}", None),
            },
            parent,
        )
        card = Card("Night")
        pick_row = QHBoxLayout()
        pick_row.addWidget(QLabel("Night ending"))
        self.night_picker = QComboBox()
        self.night_picker.setMinimumContentsLength(28)
        pick_row.addWidget(self.night_picker)
        from healthdesk.ui.dialogs.corrections import correct_button  # reject or move a night (corrections)

        pick_row.addWidget(correct_button(self, "sleep", lambda: self._sleeps[self.night_picker.currentIndex()].day
                                          if 0 <= self.night_picker.currentIndex() < len(self._sleeps) else None))
        pick_row.addStretch(1)
        card.body.addLayout(pick_row)
        self.facts = NightFactsGrid()
        self.stages = StageBar()
        card.body.addWidget(self.facts)
        card.body.addWidget(self.stages)
        self.night_empty = EmptyState("No sleep recorded yet.")
        self.night_chart = NightChart()
        card.body.addWidget(self.night_empty)
        card.body.addWidget(self.night_chart)
        self.night_chart.hide()
        self.content.insertWidget(1, card)
        week_card = Card("This week")
        self.week_text = QLabel(" ")
        self.week_text.setWordWrap(True)
        self.week_table = WeekTable()
        week_card.body.addWidget(self.week_text)
        week_card.body.addWidget(self.week_table)
        self.content.insertWidget(2, week_card)
        self.content.addStretch(1)
        self._sleeps: list[SleepPeriod] = []
        self.night_facts: NightFacts | None = None
        self.night_picker.currentIndexChanged.connect(self._night_chosen)

    def refresh(self) -> None:
        ctx = self.context
        if ctx.dashboard is None:  # the database is not open yet: keep the empty state
            self.loaded.emit()
            return
        dashboard = ctx.dashboard
        metrics = list(self.cards)

        def load() -> SleepData:
            histories = [dashboard.history(m) for m in metrics]
            nights = dashboard.nights()  # one per morning date, newest first
            detail = dashboard.night(nights[0]) if nights else None
            facts = night_facts(dashboard, nights[0]) if nights else None
            return SleepData(histories, dashboard.history("sleep_need"), nights, detail, facts,
                             week_consistency(dashboard, nights))

        ctx.runner.spawn(ctx.runner.run_blocking(load), name="Loading sleep", on_result=self._show)

    def _show(self, data: SleepData) -> None:
        self._sleeps = list(data.nights)
        self.night_picker.blockSignals(True)
        self.night_picker.clear()
        for s in self._sleeps:
            label = f"{s.day or s.end.astimezone().date():%a %d %b}  ·  {format_hours(s.asleep_min)} asleep"
            self.night_picker.addItem(f"{label}  ·  {SOURCE_LABELS.get(s.source, s.source)}")
        self.night_picker.setCurrentIndex(0 if self._sleeps else -1)
        self.night_picker.blockSignals(False)
        self._show_night((data.detail, data.facts))
        self.week_text.setText(week_words(data.week))
        self.week_table.set_week(data.week)
        self.week_table.setVisible(bool(data.week.nights))
        self.set_histories(data.histories)
        self.cards["sleep_duration"].chart.set_reference(data.need, "your sleep need")
        self.after_histories()
        self.loaded.emit()

    def _show_night(self, result: tuple[NightDetail | None, NightFacts | None]) -> None:
        detail, facts = result
        self.night_facts = facts
        self.facts.set_facts(facts)
        self.stages.set_stages(facts.stages if facts else [])
        self.facts.setVisible(facts is not None)
        self.stages.setVisible(facts is not None)
        if detail is None:
            self.night_chart.clear()
        else:
            self.night_chart.set_night(detail)
        self.night_chart.setVisible(detail is not None)
        self.night_empty.setVisible(detail is None)

    def _night_chosen(self, index: int) -> None:
        if not 0 <= index < len(self._sleeps) or self.context.dashboard is None:
            return
        dashboard = self.context.dashboard
        sleep = self._sleeps[index]
        self.context.runner.spawn(
            self.context.runner.run_blocking(lambda: (dashboard.night(sleep), night_facts(dashboard, sleep))),
            name="Loading night", on_result=self._show_night,
        )
