"""Today: recovery gauge, day strain, last night's sleep, resting HR and HRV, and when data last arrived."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from healthdesk.services.dashboard_types import TodaySummary
from healthdesk.ui.context import AppContext
from healthdesk.ui.widgets.common import Card, Page, SourceBadge, format_minutes, format_when, launch_demo
from healthdesk.ui.widgets.gauge import RecoveryGauge
from healthdesk.ui.widgets.tile import MetricTile, reason_text


class RecoveryCard(Card):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Recovery", parent)
        row = QHBoxLayout()
        self.gauge = RecoveryGauge()
        row.addWidget(self.gauge)
        side = QVBoxLayout()
        self.detail = QLabel("")
        self.detail.setObjectName("tileDetail")
        self.detail.setWordWrap(True)
        self.badge = SourceBadge()
        side.addStretch(1)
        side.addWidget(self.detail)
        badge_row = QHBoxLayout()
        badge_row.addWidget(self.badge)
        badge_row.addStretch(1)
        side.addLayout(badge_row)
        side.addStretch(1)
        row.addLayout(side, 1)
        self.body.addLayout(row)


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


class TodayPage(Page):
    navigate = Signal(str)  # a page key the user asked for (the welcome card's buttons)

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__("Today", parent)
        self.context = context
        self.day_label = QLabel("")
        self.day_label.setObjectName("muted")
        self.header.addWidget(self.day_label)
        self.welcome = WelcomeCard(context.demo)
        self.welcome.hide()
        self.welcome.pair.clicked.connect(lambda: self.navigate.emit("band"))
        self.welcome.cloud.clicked.connect(lambda: self.navigate.emit("cloud"))
        self.welcome.demo.clicked.connect(launch_demo)
        self.content.addWidget(self.welcome)
        grid = QGridLayout()
        grid.setSpacing(14)
        self.recovery = RecoveryCard()
        self.strain = MetricTile("Day strain", lambda v: f"{v:.1f}", "of 21")
        self.sleep = MetricTile("Last night's sleep", format_minutes)
        self.resting_hr = MetricTile("Resting heart rate", lambda v: f"{v:.0f}", "bpm")
        self.hrv = MetricTile("Heart rate variability", lambda v: f"{v:.0f}", "ms RMSSD")
        grid.addWidget(self.recovery, 0, 0, 1, 2)
        grid.addWidget(self.strain, 0, 2)
        grid.addWidget(self.sleep, 1, 0)
        grid.addWidget(self.resting_hr, 1, 1)
        grid.addWidget(self.hrv, 1, 2)
        for col in range(3):
            grid.setColumnStretch(col, 1)
        self.content.addLayout(grid)
        self.freshness = QLabel("")
        self.freshness.setObjectName("muted")
        self.content.addWidget(self.freshness)
        self.content.addStretch(1)
        self.summary: TodaySummary | None = None

    def refresh(self) -> None:
        ctx = self.context
        if ctx.dashboard is None:  # the database is not open yet: keep the empty state
            self.loaded.emit()
            return
        ctx.runner.spawn(ctx.runner.run_blocking(ctx.dashboard.today), name="Loading today", on_result=self.show_summary)

    def show_summary(self, summary: TodaySummary) -> None:
        self.summary = summary
        self.welcome.setVisible(summary.day is None and summary.last_drain is None and not self.context.demo)
        v = summary.values
        self.day_label.setText(f"{summary.day:%A %d %B %Y}" if summary.day else "")
        rec = v["recovery"]
        self.recovery.gauge.set_value(rec.value)
        if rec.value is None:
            self.recovery.detail.setText(reason_text(rec.reason) if rec.day else "nothing stored yet")
            self.recovery.badge.set_source(None)
        else:
            band = "green" if rec.value >= 67 else "yellow" if rec.value >= 34 else "red"
            self.recovery.detail.setText(f"{band.capitalize()}: {_recovery_words(band)}")
            self.recovery.badge.set_source(rec.source, rec.confidence)
        # The newest cycle runs until the next sleep starts: its strain keeps growing with each sync.
        self.strain.show_value(v["day_strain"], others=summary.others.get("day_strain"),
                               extra="so far this cycle, as of the last sync")
        sleep_extra = []
        perf, need = v["sleep_performance"], v["sleep_need"]
        if perf.value is not None:
            sleep_extra.append(f"performance {perf.value:.0f} %")
        if need.value is not None:
            sleep_extra.append(f"need {format_minutes(need.value)}")
        self.sleep.show_value(v["sleep_duration"], others=summary.others.get("sleep_duration"),
                              extra=", ".join(sleep_extra))
        self.resting_hr.show_value(v["resting_hr"], summary.baselines.get("resting_hr"),
                                   summary.others.get("resting_hr"))
        self.hrv.show_value(v["hrv_rmssd"], summary.baselines.get("hrv_rmssd"), summary.others.get("hrv_rmssd"))
        self.freshness.setText(
            f"Last band sync: {format_when(summary.last_drain)}      "
            f"Last WHOOP cloud sync: {format_when(summary.last_cloud_sync)}"
        )
        self.loaded.emit()


def _recovery_words(band: str) -> str:
    return {
        "green": "well recovered, ready for strain",
        "yellow": "maintaining, moderate strain",
        "red": "under-recovered, take it easy",
    }[band]
