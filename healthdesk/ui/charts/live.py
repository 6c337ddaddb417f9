"""Live heart rate: a scrolling two-minute window fed one reading at a time."""

from __future__ import annotations

import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QVBoxLayout, QWidget

from healthdesk.ui import theme
from healthdesk.ui.charts.history import make_plot

WINDOW_S = 120.0


class LiveHeartRateChart(QWidget):
    def __init__(self, capacity: int = 600, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.plot = make_plot(dates=True)
        self.plot.setMinimumHeight(160)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.setLabel("left", "HR", units="bpm", color=theme.colors().muted)
        layout.addWidget(self.plot)
        self._t = np.full(capacity, np.nan)
        self._hr = np.full(capacity, np.nan)
        self._n = 0
        self._curve = self.plot.plot([], [], pen=pg.mkPen(theme.colors().red, width=2), connect="finite")

    @property
    def count(self) -> int:
        return self._n

    def clear(self) -> None:
        self._t[:] = np.nan
        self._hr[:] = np.nan
        self._n = 0
        self._curve.setData([], [])

    def add_reading(self, bpm: float, at: float | None = None) -> None:
        at = time.time() if at is None else at
        cap = self._t.size
        if self._n == cap:  # drop the oldest half in one move instead of shifting every sample
            keep = cap // 2
            self._t[:keep] = self._t[cap - keep:]
            self._hr[:keep] = self._hr[cap - keep:]
            self._n = keep
        self._t[self._n] = at
        self._hr[self._n] = bpm
        self._n += 1
        self._curve.setData(self._t[: self._n], self._hr[: self._n], connect="finite")
        self.plot.setXRange(at - WINDOW_S, at + 2, padding=0)
