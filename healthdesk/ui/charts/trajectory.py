"""A trajectory: observed daily values, the fitted projection and its prediction band widening with horizon."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

from healthdesk.services.dashboard_types import METRIC_TITLES, Trajectory
from healthdesk.ui import theme
from healthdesk.ui.charts.axes import DurationAxisItem
from healthdesk.ui.charts.history import DAY_S, UNIT_LABELS, make_plot
from healthdesk.ui.widgets.common import Card, format_minutes

READ_UNITS = {"min": "h", "bpm": "bpm", "ms": "ms", "%": "points", "strain": "strain"}


class TrajectoryCard(Card):
    def __init__(self, metric: str, parent: QWidget | None = None) -> None:
        super().__init__(METRIC_TITLES.get(metric, metric), parent)
        self.metric_name = metric
        self.label = QLabel(" ")
        self.label.setObjectName("tileDetail")
        self.label.setWordWrap(True)
        self.plot = make_plot(days=True)
        self.plot.setFixedHeight(200)
        self.plot.setMouseEnabled(x=False, y=False)
        self.body.addWidget(self.label)
        self.body.addWidget(self.plot)
        self.body.addStretch(1)
        self.trajectory: Trajectory | None = None

    def set_trajectory(self, traj: Trajectory) -> None:
        self.trajectory = traj
        self.plot.clear()
        colors = theme.colors()
        if traj.unit == "min" and not isinstance(self.plot.getAxis("left"), DurationAxisItem):
            axis = DurationAxisItem("left")
            self.plot.getPlotItem().setAxisItems({"left": axis})
            axis.setTextPen(pg.mkPen(colors.muted))
            axis.setPen(pg.mkPen(colors.border))
            axis.setWidth(60)
        self.plot.setLabel("left", UNIT_LABELS.get(traj.unit, traj.unit), color=colors.muted)
        finite = np.isfinite(traj.history_y)
        # Nothing to draw: no axes at all (an empty plot would show a meaningless 0-1 scale).
        self.plot.setVisible(bool(finite.any()))
        if finite.any():
            self.plot.plot(
                traj.history_t[finite], traj.history_y[finite], pen=None, symbol="o", symbolSize=5,
                symbolBrush=colors.muted, symbolPen=None,
            )
        if traj.status == "ok" and traj.proj_t.size:
            low = pg.PlotCurveItem(traj.proj_t, traj.proj_low, pen=pg.mkPen(colors.accent, width=1,
                                                                               style=Qt.PenStyle.DotLine))
            high = pg.PlotCurveItem(traj.proj_t, traj.proj_high, pen=pg.mkPen(colors.accent, width=1,
                                                                                 style=Qt.PenStyle.DotLine))
            self.plot.addItem(low)
            self.plot.addItem(high)
            self.plot.addItem(pg.FillBetweenItem(low, high, brush=pg.mkBrush(colors.baseline_fill)))
            self.plot.plot(traj.proj_t, traj.proj_y, pen=pg.mkPen(colors.accent, width=2, style=Qt.PenStyle.DashLine))
            self.label.setText(self.describe(traj))
        else:
            self.label.setText(self.describe(traj))
        ts = [traj.history_t[finite]] + ([traj.proj_t] if traj.proj_t.size else [])
        ts = [t for t in ts if t.size]
        if ts:
            self.plot.setXRange(min(float(t.min()) for t in ts) - DAY_S / 2,
                                max(float(t.max()) for t in ts) + DAY_S / 2, padding=0)

    @staticmethod
    def describe(traj: Trajectory) -> str:
        if traj.status != "ok":
            why = traj.note or "no values in the last 30 days"
            why = why.replace("R\u00b2", "fit").replace("least squares", "").strip()
            if "too noisy" in why:
                return "No projection: the values go up and down too much for a direction to show."
            if "days needed" in why or "no value" in why:
                return f"Not enough history for a projection: {why}."
            return f"No projection: {why}."
        unit = READ_UNITS.get(traj.unit, traj.unit)
        direction = "holding steady"
        if traj.slope_per_day is not None and abs(traj.slope_per_day) >= 0.01:
            word = "rising" if traj.slope_per_day > 0 else "falling"
            step = abs(traj.slope_per_day) * 7
            amount = format_minutes(step) + " h" if traj.unit == "min" else f"{step:.1f} {unit}"
            direction = f"{word} by about {amount} a week"
        horizon = int(round((traj.proj_t[-1] - traj.proj_t[0]) / DAY_S)) if traj.proj_t.size > 1 else 0
        return (
            f"Projection, not a measurement: {direction} if the last {traj.n_days} days continue. The shaded band "
            f"is where the next {horizon} days' values would fall 95 times in 100; it widens the further ahead "
            "it looks."
        )
