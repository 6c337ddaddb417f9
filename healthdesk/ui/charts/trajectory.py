"""A trajectory: observed daily values, the fitted projection and its prediction band widening with horizon."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

from healthdesk.services.dashboard_types import METRIC_TITLES, Trajectory
from healthdesk.ui import theme
from healthdesk.ui.charts.history import DAY_S, make_plot
from healthdesk.ui.widgets.common import Card


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
        finite = np.isfinite(traj.history_y)
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
            if "days needed" in why or "no value" in why:
                return f"Not enough history for a projection: {why}."
            return f"No projection: {why}."
        direction = "stable"
        if traj.slope_per_day is not None and abs(traj.slope_per_day) >= 0.01:
            direction = "rising" if traj.slope_per_day > 0 else "falling"
        horizon = int(round((traj.proj_t[-1] - traj.proj_t[0]) / DAY_S)) if traj.proj_t.size > 1 else 0
        slope = f" {abs(traj.slope_per_day):.2f} {traj.unit}/day" if traj.slope_per_day is not None else ""
        r2 = f", R\u00b2 {traj.r_squared:.2f}" if traj.r_squared is not None else ""
        return (
            f"Projection, not a measurement: {direction}{slope if direction != 'stable' else ''} over the next "
            f"{horizon} days. {traj.method or 'Linear fit'} on {traj.n_days} days{r2}."
        )
