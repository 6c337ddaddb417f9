"""One day, second by second: the 1 Hz heart rate over lanes of what happened (sleep stages, workouts, band
events), and the R-R intervals once the view is narrow enough to tell beats apart.

All three plots share the time axis. The heart-rate curve is drawn with pyqtgraph's peak downsampling and
clipped to the view, so a whole day (86 400 points) paints as fast as an hour. R-R dots are only handed to
the scatter for the visible stretch and only at <= RR_MAX_SPAN_S wide.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from healthdesk.services.day_explorer import DayTrace
from healthdesk.ui import theme
from healthdesk.ui.charts.history import make_plot

RR_MAX_SPAN_S = 30 * 60.0
LANES = ("Sleep", "Workout", "Band")  # bottom to top in the lane plot: index = y
LANE_OF = {"sleep": 0, "workout": 1, "event": 2}


class DayTraceChart(QWidget):
    view_changed = Signal(float, float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        colors = theme.colors()
        self.hr = make_plot()
        self.hr.setMinimumHeight(260)
        self.hr.setLabel("left", "heart rate", units="bpm", color=colors.muted)
        self.hr.getAxis("left").setWidth(64)
        self.hr.hideAxis("bottom")  # the time axis is drawn once, under the lanes
        self.hr.setClipToView(True)
        self.hr.setDownsampling(auto=True, mode="peak")
        # No antialiasing: the peak-downsampled day is ~2 points a pixel, where smoothing costs and shows nothing.
        self.curve = self.hr.plot([], [], pen=pg.mkPen(colors.heart, width=1), connect="finite", antialias=False)
        self.lanes = make_plot()
        self.lanes.setFixedHeight(110)
        self.lanes.setMouseEnabled(x=True, y=False)
        self.lanes.showGrid(x=False, y=False)
        self.lanes.getAxis("left").setWidth(64)
        self.lanes.getAxis("left").setTicks([[(i, name) for i, name in enumerate(LANES)]])
        self.lanes.setYRange(-0.5, len(LANES) - 0.5, padding=0)
        self.lanes.setXLink(self.hr)
        self.rr = make_plot()
        self.rr.setFixedHeight(150)
        self.rr.setLabel("left", "R-R interval", units="ms", color=colors.muted)
        self.rr.getAxis("left").setWidth(64)
        self.rr.getAxis("left").enableAutoSIPrefix(False)
        self.hr.getAxis("left").enableAutoSIPrefix(False)
        self.rr.setXLink(self.hr)
        self.rr_dots = pg.ScatterPlotItem(size=4, pen=None, brush=pg.mkBrush(colors.accent))
        self.rr.addItem(self.rr_dots)
        self.rr_note = QLabel(" ")
        self.rr_note.setObjectName("tileDetail")
        self.readout = QLabel(" ")
        self.readout.setObjectName("tileDetail")
        layout.addWidget(self.readout)
        layout.addWidget(self.hr, 3)
        layout.addWidget(self.lanes)
        layout.addWidget(self.rr_note)
        layout.addWidget(self.rr)
        self._lane_items: list[pg.GraphicsObject] = []
        self.trace: DayTrace | None = None
        self.rr_shown = 0
        self.hr.getViewBox().sigXRangeChanged.connect(self._x_changed)

    def set_trace(self, trace: DayTrace) -> None:
        self.trace = trace
        colors = theme.colors()
        self.hr.setLabel("left", "heart rate", units="bpm", color=colors.muted)
        self.rr.setLabel("left", "R-R interval", units="ms", color=colors.muted)
        self.curve.setPen(pg.mkPen(colors.heart, width=1))
        self.rr_dots.setBrush(pg.mkBrush(colors.accent))
        self.curve.setData(trace.hr_t, trace.hr_bpm.astype(np.float64), connect="finite")
        for item in self._lane_items:
            self.lanes.removeItem(item)
        self._lane_items.clear()
        for kind, lane in LANE_OF.items():
            bands = [b for b in trace.bands if b.kind == kind]
            if not bands:
                continue
            if kind == "sleep":
                brushes = [pg.mkBrush(theme.stage_color(b.stage)) for b in bands]
            elif kind == "workout":
                brushes = [pg.mkBrush(colors.workout)] * len(bands)
            else:
                brushes = [pg.mkBrush(colors.muted)] * len(bands)
            bars = pg.BarGraphItem(x0=[b.start for b in bands], x1=[b.end for b in bands], y0=lane - 0.35,
                                   height=0.7, brushes=brushes, pen=pg.mkPen(None))
            self.lanes.addItem(bars)
            self._lane_items.append(bars)
        for at, label in trace.marks:
            line = pg.InfiniteLine(at, angle=90, pen=pg.mkPen(colors.muted, width=1),
                                   label=label, labelOpts={"position": 0.9, "color": colors.muted})
            self.lanes.addItem(line)
            self._lane_items.append(line)
        finite = trace.hr_bpm[np.isfinite(trace.hr_bpm)]
        if finite.size:
            self.hr.setYRange(max(float(finite.min()) - 5, 0), float(finite.max()) + 5, padding=0)
        else:
            self.hr.setYRange(40, 120, padding=0)
        self.readout.setText(self.describe(trace))
        self.hr.setXRange(trace.t0, trace.t1, padding=0)
        self._x_changed()

    def show_span(self, t0: float, t1: float) -> None:
        self.hr.setXRange(t0, t1, padding=0)

    def view_span(self) -> tuple[float, float]:
        lo, hi = self.hr.getViewBox().viewRange()[0]
        return float(lo), float(hi)

    def _x_changed(self, *_: object) -> None:
        trace = self.trace
        lo, hi = self.view_span()
        if trace is not None and trace.has_heart_rate:  # the heart-rate axis follows the stretch in view
            i0, i1 = np.searchsorted(trace.hr_t, [lo, hi])
            seen = trace.hr_bpm[i0:i1]
            seen = seen[np.isfinite(seen)]
            if seen.size:
                self.hr.setYRange(max(float(seen.min()) - 5, 0), float(seen.max()) + 5, padding=0)
        if trace is None or not trace.has_rr:
            self.rr_dots.setData([], [])
            self.rr_shown = 0
            self.rr.hide()
            self.rr_note.setText("No R-R intervals stored for this day." if trace is not None else " ")
            return
        if hi - lo > RR_MAX_SPAN_S:
            self.rr_dots.setData([], [])
            self.rr_shown = 0
            self.rr.hide()  # an empty plot would show meaningless axes
            self.rr_note.setText(
                "R-R intervals (beat to beat): zoom to 30 minutes or less to see them "
                "(Ctrl+wheel over the chart, or right-drag)."
            )
            self.view_changed.emit(lo, hi)
            return
        t, ms = trace.rr_between(lo, hi)
        self.rr_dots.setData(t, ms)
        self.rr_shown = int(t.size)
        self.rr.show()
        if t.size:
            self.rr.setYRange(float(ms.min()) - 20, float(ms.max()) + 20, padding=0)
        self.rr_note.setText(f"R-R intervals (beat to beat): {t.size} beats in view")
        self.view_changed.emit(lo, hi)

    @staticmethod
    def describe(trace: DayTrace) -> str:
        if not trace.has_heart_rate:
            return "No heart rate stored for this day: the band was not worn or not synced."
        finite = trace.hr_bpm[np.isfinite(trace.hr_bpm)]
        hours = trace.seconds_with_hr / 3600
        return (f"{hours:.1f} h of heart rate, one reading a second  \u00b7  lowest {finite.min():.0f} bpm, "
                f"highest {finite.max():.0f} bpm  \u00b7  Ctrl+wheel or right-drag to zoom, drag to pan")
