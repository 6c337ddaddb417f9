"""Training load: the acute:chronic workload ratio over its sweet-spot band (0.8-1.3, metrics.md §15), and
fitness / fatigue / form (metrics.md §16) as three lines on one load axis."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from healthdesk.services.dashboard_types import MetricHistory
from healthdesk.services.workout_view import ACWR_SWEET_SPOT, TrainingLoad
from healthdesk.ui import theme
from healthdesk.ui.charts.history import DAY_S, make_plot

SHOWN_DAYS = 90


def _first_series(history: MetricHistory) -> tuple[np.ndarray, np.ndarray] | None:
    for s in history.series:
        if np.isfinite(s.value).any():
            return s.t, s.value
    return None


class LoadChart(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        self.acwr_caption = QLabel(" ")
        self.acwr_caption.setObjectName("tileDetail")
        self.acwr_caption.setWordWrap(True)
        self.acwr = make_plot(days=True)
        self.acwr.setFixedHeight(200)
        self.pmc_caption = QLabel(" ")
        self.pmc_caption.setObjectName("tileDetail")
        self.pmc_caption.setWordWrap(True)
        self.pmc = make_plot(days=True)
        self.pmc.setFixedHeight(200)
        self.pmc.setXLink(self.acwr)
        for w in (self.acwr_caption, self.acwr, self.pmc_caption, self.pmc):
            layout.addWidget(w)
        self.load: TrainingLoad | None = None

    def set_load(self, load: TrainingLoad) -> None:
        self.load = load
        colors = theme.colors()
        self.acwr.clear()
        self.pmc.clear()
        self.acwr.setLabel("left", "acute : chronic", color=colors.muted)
        self.pmc.setLabel("left", "load (TRIMP)", color=colors.muted)
        spot = pg.LinearRegionItem(ACWR_SWEET_SPOT, orientation="horizontal", movable=False,
                                   brush=pg.mkBrush(theme.with_alpha(colors.green, 0x30)), pen=pg.mkPen(None))
        self.acwr.addItem(spot)
        acwr = _first_series(load.acwr)
        ends: list[float] = []
        starts: list[float] = []
        if acwr is not None:
            t, v = acwr
            self.acwr.plot(t, v, pen=pg.mkPen(colors.text, width=2), connect="finite")
            finite = v[np.isfinite(v)]
            self.acwr.setYRange(min(0.5, float(finite.min()) - 0.1), max(1.6, float(finite.max()) + 0.1), padding=0)
            ends.append(float(t[np.isfinite(v)].max()))
            starts.append(float(t[np.isfinite(v)].min()))
            self.acwr_caption.setText(
                f"Acute:chronic load ratio: last week's training against the last four weeks'. Latest "
                f"{finite[-1]:.2f}; the green band ({ACWR_SWEET_SPOT[0]}\u2013{ACWR_SWEET_SPOT[1]}) is the "
                "range usually linked with a steady build-up, above it a sudden jump in load.")
        else:
            self.acwr.setYRange(0.5, 1.6, padding=0)
            self.acwr_caption.setText("Acute:chronic load ratio: needs four weeks of heart-rate data.")
        lines = ((load.fitness, "fitness (42-day load)", colors.accent),
                 (load.fatigue, "fatigue (7-day load)", colors.red),
                 (load.form, "form (fitness \u2212 fatigue)", colors.cloud))
        shown = []
        for history, label, color in lines:
            series = _first_series(history)
            if series is None:
                continue
            t, v = series
            style = Qt.PenStyle.DashLine if "form" in label else Qt.PenStyle.SolidLine
            self.pmc.plot(t, v, pen=pg.mkPen(color, width=2, style=style), connect="finite")
            shown.append(f'<span style="color:{color}">\u2500\u2500</span> {label}')
            ends.append(float(t[np.isfinite(v)].max()))
            starts.append(float(t[np.isfinite(v)].min()))
        self.pmc_caption.setText("&nbsp;&nbsp;&nbsp;".join(shown) if shown
                                 else "Fitness, fatigue and form: need two weeks of heart-rate data.")
        self.pmc.setVisible(bool(shown))
        self.acwr.setVisible(acwr is not None)
        if ends:
            end = max(ends) + DAY_S * 0.6
            start = max(min(starts) - DAY_S * 0.6, end - SHOWN_DAYS * DAY_S)
            self.acwr.setXRange(min(start, end - 14 * DAY_S), end, padding=0)
