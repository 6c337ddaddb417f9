"""Today: is today normal for me? Recovery with its drivers, strain against its target, sleep against its need,
the vitals against their typical range with a 7-day sparkline; every tile opens its page; a banner when the
newest data is more than a day old."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from healthdesk.services.dashboard_today import TodayContext, calibrating_note, today_context
from healthdesk.services.dashboard_types import BaselineBand, MetricValue, TodaySummary
from healthdesk.services.sleep_view import StageTotal
from healthdesk.ui.context import AppContext
from healthdesk.ui.widgets.banner import StaleBanner
from healthdesk.ui.widgets.common import (
    Card,
    ClickableCard,
    Page,
    SourceBadge,
    format_hours,
    format_minutes,
    format_when,
    launch_demo,
)
from healthdesk.ui.widgets.gauge import RecoveryGauge, StrainGauge
from healthdesk.ui.widgets.journal_panel import JournalPanel
from healthdesk.ui.widgets.stage_bar import StageBar
from healthdesk.ui.widgets.tile import MetricTile, reason_text

ZONE_WORDS = {
    "green": "Green \u2013 well recovered, ready for strain",
    "yellow": "Yellow \u2013 maintaining, moderate strain suits today",
    "red": "Red \u2013 under-recovered, take it easy",
}
# Which page each tile opens (page keys of main_window.PAGES).
TILE_PAGES = {"recovery": "recovery", "strain": "strain", "sleep": "sleep", "resting_hr": "recovery",
              "hrv": "recovery", "respiratory_rate": "sleep"}


class RecoveryCard(ClickableCard):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Recovery", parent)
        row = QHBoxLayout()
        self.gauge = RecoveryGauge()
        row.addWidget(self.gauge)
        side = QVBoxLayout()
        self.zone = QLabel("")
        self.zone.setWordWrap(True)
        self.detail = QLabel("")
        self.detail.setObjectName("tileDetail")
        self.detail.setWordWrap(True)
        for label in (self.zone, self.detail):  # wrap to the column's share instead of widening it
            label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
            label.setMinimumWidth(120)
        self.badge = SourceBadge()
        side.addStretch(1)
        side.addWidget(self.zone)
        side.addWidget(self.detail)
        badge_row = QHBoxLayout()
        badge_row.addWidget(self.badge)
        badge_row.addStretch(1)
        side.addLayout(badge_row)
        side.addStretch(1)
        row.addLayout(side, 1)
        self.body.addLayout(row)


class StrainCard(MetricTile):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Day strain", lambda v: f"{v:.1f}", "of 21", parent)
        self.gauge = StrainGauge()
        self.body.insertWidget(1, self.gauge)
        # The gauge shows the number; the big label stays for screen readers and tests, not twice on screen.
        self.value_label.hide()
        self.unit.hide()


class SleepCard(MetricTile):
    """Hours slept against the night's need, with the bar showing how much of the need was met."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Last night's sleep", format_minutes, "h", parent)
        self.bar = QProgressBar()
        self.bar.setRange(0, 100)
        self.bar.setTextVisible(True)
        self.bar.hide()
        self.body.insertWidget(2, self.bar)
        self.stages = StageBar()
        self.stages.hide()
        self.body.insertWidget(4, self.stages)


class WelcomeCard(Card):
    """First run: nothing stored yet. Three ways in, one of them needs no band and no account."""

    def __init__(self, demo: bool, parent: QWidget | None = None) -> None:
        super().__init__("Welcome", parent)
        text = QLabel(
            "Nothing is stored here yet. Pair your WHOOP 4.0 to copy its history to this computer, connect your "
            "WHOOP account to bring in WHOOP's own scores, or look around with a simulated band first."
        )
        text.setWordWrap(True)
        self.body.addWidget(text)
        row = QHBoxLayout()
        self.pair = QPushButton("Pair your band")
        self.pair.setObjectName("primary")
        self.cloud = QPushButton("Connect WHOOP")
        self.demo = QPushButton("Try the demo band")
        self.demo.setVisible(not demo)
        for button in (self.pair, self.cloud, self.demo):
            row.addWidget(button)
        row.addStretch(1)
        self.body.addLayout(row)


@dataclass(frozen=True)
class TodayData:
    summary: TodaySummary
    context: TodayContext


class TodayPage(Page):
    navigate = Signal(str)  # a page key the user asked for (tiles, the welcome card's buttons, the banner)

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__("Today", parent)
        self.context = context
        self.day_label = QLabel("")
        self.day_label.setObjectName("muted")
        self.header.addWidget(self.day_label)
        self.stale = StaleBanner()
        self.stale.action.clicked.connect(self._sync_asked)
        self.content.addWidget(self.stale)
        self.welcome = WelcomeCard(context.demo)
        self.welcome.hide()
        self.welcome.pair.clicked.connect(lambda: self.navigate.emit("band"))
        self.welcome.cloud.clicked.connect(lambda: self.navigate.emit("cloud"))
        self.welcome.demo.clicked.connect(launch_demo)
        self.content.addWidget(self.welcome)
        grid = QGridLayout()
        grid.setSpacing(14)
        self.recovery = RecoveryCard()
        self.strain = StrainCard()
        self.sleep = SleepCard()
        self.resting_hr = MetricTile("Resting heart rate", lambda v: f"{v:.0f}", "bpm", sparkline=True)
        self.hrv = MetricTile("Heart rate variability", lambda v: f"{v:.0f}", "ms RMSSD", sparkline=True)
        self.respiratory_rate = MetricTile("Respiratory rate", lambda v: f"{v:.1f}", "breaths/min", sparkline=True)
        grid.addWidget(self.recovery, 0, 0)
        grid.addWidget(self.strain, 0, 1)
        grid.addWidget(self.sleep, 0, 2)
        grid.addWidget(self.resting_hr, 1, 0)
        grid.addWidget(self.hrv, 1, 1)
        grid.addWidget(self.respiratory_rate, 1, 2)
        for col in range(3):
            grid.setColumnStretch(col, 1)
        self.content.addLayout(grid)
        self.tiles: dict[str, ClickableCard] = {
            "recovery": self.recovery, "strain": self.strain, "sleep": self.sleep, "resting_hr": self.resting_hr,
            "hrv": self.hrv, "respiratory_rate": self.respiratory_rate,
        }
        for key, tile in self.tiles.items():
            tile.clicked.connect(lambda key=key: self.navigate.emit(TILE_PAGES[key]))
            tile.setToolTip("Open its history")
        self.journal = JournalPanel(context)  # yesterday's yes/no chips (insights work, docs/insights.md §1)
        self.content.addWidget(self.journal)
        foot = QHBoxLayout()
        self.freshness = QLabel("")
        self.freshness.setObjectName("muted")
        self.explore = QPushButton("Every second of this day \u2192")
        self.explore.clicked.connect(lambda: self.navigate.emit("explorer"))
        foot.addWidget(self.freshness, 1)
        foot.addWidget(self.explore)
        self.content.addLayout(foot)
        self.content.addStretch(1)
        self.summary: TodaySummary | None = None
        self.today_context: TodayContext | None = None

    def refresh(self) -> None:
        ctx = self.context
        self.journal.refresh()
        if ctx.dashboard is None:  # the database is not open yet: keep the empty state
            self.loaded.emit()
            return
        dashboard = ctx.dashboard

        def load() -> TodayData:
            summary = dashboard.today()
            return TodayData(summary, today_context(dashboard, summary.day, summary.values["recovery"].value))

        ctx.runner.spawn(ctx.runner.run_blocking(load), name="Loading today", on_result=self.show_data)

    def show_data(self, data: TodayData) -> None:
        self.today_context = data.context
        self.show_summary(data.summary, data.context)

    def _sync_asked(self) -> None:
        fresh = self.today_context.freshness if self.today_context else None
        self.navigate.emit("band" if fresh is None or fresh.what == "band" else "cloud")

    def show_summary(self, summary: TodaySummary, extra: TodayContext | None = None) -> None:
        self.summary = summary
        extra = extra or TodayContext(summary.day)
        self.welcome.setVisible(summary.day is None and summary.last_drain is None and not self.context.demo)
        self.stale.show_text(extra.freshness.banner_text())
        v = summary.values
        self.day_label.setText(f"{summary.day:%A %d %B %Y}" if summary.day else "")
        self._show_recovery(v["recovery"], extra)
        # The newest cycle runs until the next sleep starts: its strain keeps growing with each sync.
        strain = v["day_strain"]
        target = extra.strain_target
        words = "so far this cycle, as of the last sync"
        if target is not None:
            words += f"\ntarget for a {extra.zone} recovery: {target[0]:.0f}\u2013{target[1]:.0f}"
        self.strain.show_value(strain, others=summary.others.get("day_strain"), extra=words)
        self.strain.gauge.set_value(strain.value, target)
        self._show_sleep(summary, extra)
        vitals = extra.vitals
        for metric, tile in (("resting_hr", self.resting_hr), ("hrv_rmssd", self.hrv),
                             ("respiratory_rate", self.respiratory_rate)):
            vital = vitals.get(metric)
            value = vital.value if vital else v.get(metric) or MetricValue.missing(metric, "", "no_data", summary.day)
            typical = vital.typical if vital else None
            band = BaselineBand(typical.centre, typical.low, typical.high, typical.days) if typical else None
            tile.show_value(value, band, summary.others.get(metric), position=vital.position if vital else None)
            if vital is not None:
                tile.show_spark(vital.spark_y, typical.low if typical else None, typical.high if typical else None)
        self.freshness.setText(
            f"Last band sync: {format_when(summary.last_drain)}      "
            f"Last WHOOP cloud sync: {format_when(summary.last_cloud_sync)}"
        )
        self.explore.setVisible(summary.day is not None)
        self.loaded.emit()

    def _show_recovery(self, rec: MetricValue, extra: TodayContext) -> None:
        self.recovery.gauge.set_value(rec.value)
        if rec.value is None:
            self.recovery.zone.setText("")
            self.recovery.detail.setText(reason_text(rec.reason) if rec.day else "nothing stored yet")
            self.recovery.badge.set_source(None)
            return
        self.recovery.zone.setText(ZONE_WORDS.get(extra.zone or "", ""))
        lines = [extra.drivers] if extra.drivers else []
        calibrating = calibrating_note(extra.recovery_note or rec.reason)
        if calibrating:
            lines.append(calibrating)
        self.recovery.detail.setText("\n".join(lines))
        self.recovery.badge.set_source(rec.source, rec.confidence)

    def _show_sleep(self, summary: TodaySummary, extra: TodayContext) -> None:
        v = summary.values
        duration, need, perf = v["sleep_duration"], v["sleep_need"], v["sleep_performance"]
        lines = []
        if need.value is not None:
            lines.append(f"need {format_hours(need.value)}")
        debt = extra.sleep_debt
        if debt is not None and debt.value is not None:
            lines.append(f"debt {format_hours(debt.value)}" if debt.value > 0 else "no sleep debt")
        if perf.value is not None:
            lines.append(f"performance {perf.value:.0f} %")
        self.sleep.show_value(duration, others=summary.others.get("sleep_duration"), extra="  \u00b7  ".join(lines))
        total = sum(m for _, m in extra.stages)
        self.sleep.stages.set_stages([StageTotal(name, m, 100.0 * m / total) for name, m in extra.stages]
                                     if total > 0 and duration.value is not None else [])
        self.sleep.stages.setVisible(total > 0 and duration.value is not None)
        if duration.value is not None and need.value:
            share = 100 * duration.value / need.value
            self.sleep.bar.setValue(int(min(share, 100)))
            self.sleep.bar.setFormat(f"{share:.0f} % of need")
            self.sleep.bar.show()
        else:
            self.sleep.bar.hide()
