"""A daily-metric history chart: date axis, one line per source, the typical range (median ± 1σ̂,
docs/metrics.md §18) or recovery's zones, hover read-out.

The whole history is plotted once; range presets only move the view, so switching 30 d -> 1 y -> all costs a
re-layout, not a query.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication, QLabel, QScrollArea, QVBoxLayout, QWidget

from healthdesk.services.dashboard_types import SOURCE_LABELS, MetricHistory
from healthdesk.ui import theme
from healthdesk.ui.charts.axes import DayAxisItem, DurationAxisItem

DAY_S = 86400.0
MAX_DAYS_WITH_DOTS = 100
UNIT_LABELS = {
    "min": "hours (h:mm)", "%": "%", "bpm": "bpm", "ms": "ms", "strain": "strain (0\u201321)",
    "br/min": "breaths/min", "ratio": "ratio", "kcal": "kcal", "count": "count", "trimp": "load (TRIMP)",
    "\u00b0C": "\u00b0C",
}
READOUT_UNITS = {"min": "h"}  # durations read out as h:mm
theme.configure_charts()


class PagePlotWidget(pg.PlotWidget):
    """A chart inside a scrolling page: the plain mouse wheel scrolls the page (the event goes on to the
    scroll area); Ctrl+wheel zooms the time axis. Dragging pans, right-drag zooms (pyqtgraph's own)."""

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            super().wheelEvent(event)
            event.accept()
            return
        # Handed to the page's scroll bar explicitly: Qt only passes a wheel event on to the parents when it
        # came from the window system, and a chart must never swallow the page's scrolling.
        scroller = self._page_scroll_area()
        if scroller is None:
            event.ignore()
            return
        QApplication.sendEvent(scroller.verticalScrollBar(), event.clone())
        event.accept()

    def _page_scroll_area(self) -> QScrollArea | None:
        parent = self.parentWidget()
        while parent is not None and not isinstance(parent, QScrollArea):
            parent = parent.parentWidget()
        return parent


def make_plot(parent: QWidget | None = None, *, dates: bool = True, days: bool = False) -> pg.PlotWidget:
    """days=True: an axis of whole days (daily values); dates=True: clock times (one night, live HR)."""
    axis = {"bottom": DayAxisItem()} if days else {"bottom": pg.DateAxisItem(orientation="bottom")} if dates else {}
    plot = PagePlotWidget(parent=parent, axisItems=axis)
    plot.setBackground(theme.colors().card)
    plot.showGrid(x=False, y=True, alpha=0.25)
    plot.setMenuEnabled(False)
    plot.getPlotItem().hideButtons()
    plot.setMouseEnabled(x=True, y=False)
    for name in ("left", "bottom"):
        axis_item = plot.getAxis(name)
        axis_item.setTextPen(pg.mkPen(theme.colors().muted))
        axis_item.setPen(pg.mkPen(theme.colors().border))
    plot.getAxis("left").setWidth(60)
    # pyqtgraph makes its context menus without a parent; give them one so they die with the chart.
    item = plot.getPlotItem()
    for menu in (item.ctrlMenu, item.vb.menu):
        if menu is not None:
            menu.setParent(plot, menu.windowFlags())
    return plot


ZONES = ((0.0, 33.5, "red"), (33.5, 66.5, "yellow"), (66.5, 100.0, "green"))  # metrics.md §12 zones


class HistoryChart(QWidget):
    """`set_history` once per load; `set_range_days` for the presets (0 = everything).

    Recovery is drawn over its zone shading with zone-coloured points; other metrics over the typical-range
    band the service supplies. `user_zoomed` fires when a person zooms or pans (Ctrl+wheel, drag), so the
    page can let go of its range button.
    """

    user_zoomed = Signal()
    day_chosen = Signal(float)  # POSIX time of a double-clicked point on the time axis

    def __init__(
        self,
        value_format: Callable[[float], str] = lambda v: f"{v:.0f}",
        y_range: tuple[float, float] | None = None,
        parent: QWidget | None = None,
        *,
        duration: bool = False,
    ) -> None:
        super().__init__(parent)
        self._format = value_format
        self._fixed_y = y_range
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        self.readout = QLabel(" ")
        self.readout.setObjectName("tileDetail")
        self.readout.setWordWrap(True)  # never wider than the page: a long key wraps
        self.plot = make_plot(days=True)
        if duration:
            axis = DurationAxisItem("left")
            self.plot.getPlotItem().setAxisItems({"left": axis})
            axis.setTextPen(pg.mkPen(theme.colors().muted))
            axis.setPen(pg.mkPen(theme.colors().border))
            axis.setWidth(60)
        self._duration = duration
        self.plot.setMinimumHeight(220)
        self.plot.setMaximumHeight(300)
        layout.addWidget(self.readout)
        layout.addWidget(self.plot, 1)
        self._history: MetricHistory | None = None
        self._days = 30
        self._items: list[pg.GraphicsObject] = []
        self._curves: list[pg.PlotDataItem] = []
        self._hover_line = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen(theme.colors().border))
        self._hover_line.setVisible(False)
        self.plot.addItem(self._hover_line, ignoreBounds=True)
        self._mouse = pg.SignalProxy(self.plot.scene().sigMouseMoved, rateLimit=30, slot=self._mouse_moved)
        self.plot.getViewBox().sigRangeChangedManually.connect(self._zoomed)
        self.plot.scene().sigMouseClicked.connect(self._clicked)
        self.legend_html = " "

    @property
    def history(self) -> MetricHistory | None:
        return self._history

    @property
    def range_days(self) -> int:
        return self._days

    @property
    def zoned(self) -> bool:
        return self._history is not None and self._history.metric == "recovery"

    def _zoomed(self, *_: object) -> None:
        self._days = -1  # a custom span: no preset matches
        lo, hi = self.plot.getViewBox().viewRange()[0]
        self._fit_y(lo, hi)
        self.user_zoomed.emit()

    def _clicked(self, event: object) -> None:
        if getattr(event, "double", lambda: False)():
            x = self.plot.getPlotItem().vb.mapSceneToView(event.scenePos()).x()  # type: ignore[attr-defined]
            self.day_chosen.emit(float(x))

    def visible_days(self) -> float:
        lo, hi = self.plot.getViewBox().viewRange()[0]
        return (hi - lo) / DAY_S

    def _add(self, item: pg.GraphicsObject) -> None:
        self.plot.addItem(item)
        self._items.append(item)

    def set_history(self, history: MetricHistory) -> None:
        for item in self._items:
            self.plot.removeItem(item)
        self._items.clear()
        self._curves = []
        self._history = history
        colors = theme.colors()
        self.plot.setLabel("left", UNIT_LABELS.get(history.unit, history.unit), color=colors.muted)
        if history.metric == "recovery":
            for low, high, name in ZONES:
                region = pg.LinearRegionItem((low, high), orientation="horizontal", movable=False,
                                             brush=pg.mkBrush(theme.with_alpha(getattr(colors, name), 0x30)),
                                             pen=pg.mkPen(None))
                region.setZValue(-20)
                self._add(region)
        elif history.baseline_t.size:
            low = pg.PlotCurveItem(history.baseline_t, history.baseline_low, pen=pg.mkPen(None), connect="finite")
            high = pg.PlotCurveItem(history.baseline_t, history.baseline_high, pen=pg.mkPen(None), connect="finite")
            band = pg.FillBetweenItem(low, high, brush=pg.mkBrush(colors.baseline_fill))
            for item in (low, high, band):
                self._add(item)
        for series in history.series:
            color = theme.source_color(series.source)
            brushes: object = color
            pen_color = color
            if history.metric == "recovery":
                # Three shared brushes: pyqtgraph renders one symbol per distinct brush object.
                zone_brush = {c: pg.mkBrush(c) for c in (colors.red, colors.yellow, colors.green, colors.muted)}
                brushes = [zone_brush[theme.recovery_color(v if np.isfinite(v) else None)] for v in series.value]
                pen_color = theme.with_alpha(colors.muted, 0xB0)
            curve = self.plot.plot(
                series.t, series.value, pen=pg.mkPen(pen_color, width=2), connect="finite",
                symbol="o", symbolSize=7 if history.metric == "recovery" else 5, symbolBrush=brushes,
                symbolPen=None, name=SOURCE_LABELS.get(series.source, series.source),
            )
            curve.setProperty("line_color", pen_color)
            self._items.append(curve)
            self._curves.append(curve)
        self.legend_html = legend_html(history)
        self.readout.setText(self.legend_html)
        self.set_range_days(self._days if self._days >= 0 else 30)

    def set_reference(self, history: MetricHistory, label: str) -> None:
        """A second metric drawn as a dashed line for comparison (sleep need under sleep duration)."""
        colors = theme.colors()
        shown = [s for s in history.series if np.isfinite(s.value).any()]
        if not shown:
            return
        s = shown[0]
        curve = self.plot.plot(s.t, s.value, pen=pg.mkPen(colors.muted, width=1.5, style=Qt.PenStyle.DashLine),
                               connect="finite")
        self._items.append(curve)
        self.legend_html += (f'&nbsp;&nbsp;&nbsp;<span style="color:{colors.muted}">- - -</span> {label}')
        self.readout.setText(self.legend_html)

    def set_range_days(self, days: int) -> None:
        self._days = days
        history = self._history
        end = time.time() + DAY_S * 0.6
        start = end - days * DAY_S
        if history is not None:
            ts = [s.t[np.isfinite(s.value)] for s in history.series]
            ts = [t for t in ts if t.size]
            if ts:
                end = max(float(t.max()) for t in ts) + DAY_S * 0.6
                first = min(float(t.min()) for t in ts) - DAY_S * 0.6
                # 'All' over a short history still shows a week, so one point is not stretched edge to edge.
                start = min(first, end - 7 * DAY_S) if days == 0 else end - days * DAY_S - DAY_S * 0.2
            else:
                return  # nothing to show (the card says so): leave the page's shared time axis alone
        elif days == 0:
            start = end - 30 * DAY_S
        self.plot.setXRange(start, end, padding=0)
        self._fit_y(start, end)
        # Dots and a 2 px line help on a week or a month; over a year the dots are a blur and a wide
        # antialiased pen costs most of the repaint (measured: 43 ms vs 6 ms for 1 px at 365 points).
        close_up = (end - start) / DAY_S <= MAX_DAYS_WITH_DOTS
        dots = close_up or self.zoned  # recovery keeps its zone-coloured dots at every range
        for curve in self._curves:
            if curve.property("close_up") == close_up:
                continue  # restyling a curve costs a re-render of its points; only when the look changes
            curve.setProperty("close_up", close_up)
            curve.setSymbol("o" if dots else None)
            curve.setSymbolSize(7 if close_up and self.zoned else 5 if close_up else 4)
            curve.setPen(pg.mkPen(curve.property("line_color"), width=2 if close_up else 1))

    def _fit_y(self, start: float, end: float) -> None:
        if self._fixed_y is not None:
            self.plot.setYRange(*self._fixed_y, padding=0.02)
            return
        values: list[np.ndarray] = []
        history = self._history
        if history is not None:
            for s in history.series:
                mask = (s.t >= start) & (s.t <= end) & np.isfinite(s.value)
                values.append(s.value[mask])
            if history.baseline_t.size:
                mask = (history.baseline_t >= start) & (history.baseline_t <= end)
                values.extend([history.baseline_low[mask], history.baseline_high[mask]])
        finite = np.concatenate(values) if values else np.empty(0)
        finite = finite[np.isfinite(finite)]
        if finite.size:
            low, high = float(finite.min()), float(finite.max())
            # One point (or a flat run) still gets a readable axis: at least ±8 % of the value around it.
            pad = max((high - low) * 0.12, abs(high + low) / 2 * 0.08, 30.0 if self._duration else 1.0)
            self.plot.setYRange(max(low - pad, 0.0) if low >= 0 else low - pad, high + pad, padding=0)

    def _mouse_moved(self, event: tuple) -> None:
        pos = event[0]
        history = self._history
        if history is None or not self.plot.sceneBoundingRect().contains(pos):
            return
        x = self.plot.getPlotItem().vb.mapSceneToView(pos).x()
        self.readout.setText(self.readout_at(x))

    def readout_at(self, x: float) -> str:
        """The hover text for the day nearest to POSIX time x: date, each source's value, baseline."""
        history = self._history
        if history is None:
            return " "
        best_t: float | None = None
        for s in history.series:
            finite = np.isfinite(s.value)
            if finite.any():
                t = s.t[finite]
                candidate = float(t[np.argmin(np.abs(t - x))])
                if best_t is None or abs(candidate - x) < abs(best_t - x):
                    best_t = candidate
        if best_t is None or abs(best_t - x) > DAY_S:
            self._hover_line.setVisible(False)
            return self.legend_html
        self._hover_line.setPos(best_t)
        self._hover_line.setVisible(True)
        parts = [datetime.fromtimestamp(best_t).strftime("%a %d %b %Y")]
        for s in history.series:
            hit = np.nonzero(np.isclose(s.t, best_t, atol=DAY_S / 4) & np.isfinite(s.value))[0]
            if hit.size:
                i = int(hit[0])
                parts.append(
                    f"{SOURCE_LABELS.get(s.source, s.source)} {self._format(float(s.value[i]))} {READOUT_UNITS.get(history.unit, history.unit)}"
                    f" (confidence {float(s.confidence[i]):.0%})"
                )
        if history.baseline_t.size and history.metric != "recovery":
            hit = np.nonzero(np.isclose(history.baseline_t, best_t, atol=DAY_S / 4))[0]
            if hit.size and np.isfinite(history.baseline_low[hit[0]]):
                i = int(hit[0])
                parts.append(
                    f"your range {self._format(float(history.baseline_low[i]))}"
                    f"\u2013{self._format(float(history.baseline_high[i]))}"
                )
        return "   ·   ".join(parts)


def legend_html(history: MetricHistory) -> str:
    """The key above the chart (a legend inside the plot would sit on the newest points)."""
    colors = theme.colors()
    parts = [
        f'<span style="color:{theme.source_color(s.source)}">\u25cf\u2500</span> '
        f"{SOURCE_LABELS.get(s.source, s.source)}"
        for s in history.series
    ]
    if history.metric == "recovery":
        parts.append(" ".join(f'<span style="color:{getattr(colors, name)}">\u2588\u2588</span> {name} {label}'
                              for name, label in (("green", "\u2265 67"), ("yellow", "34\u201366"),
                                                  ("red", "\u2264 33"))))
    elif history.baseline_t.size:
        parts.append(f'<span style="color:{colors.accent_soft}">\u2588\u2588</span> your typical range '
                     "(about two days in three of the previous 30)")
    return ("&nbsp;&nbsp;&nbsp;".join(parts)
            + "&nbsp;&nbsp;&nbsp;<i>point at a day: its values \u00b7 double-click: every second \u00b7 "
            "Ctrl+wheel: zoom</i>")
