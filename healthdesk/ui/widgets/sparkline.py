"""A 7-day sparkline painted with QPainter (Today needs no chart library): the typical range as a soft band,
the days as a line with dots, the newest day emphasised; a day without a value leaves a gap."""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from healthdesk.ui import theme


class Sparkline(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.values = np.empty(0)
        self.low: float | None = None
        self.high: float | None = None
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMinimumWidth(96)
        self.setMaximumWidth(260)
        self.setFixedHeight(self.sizeHint().height())
        self.setToolTip("The last 7 days; the shaded band is your typical range")

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(96, 36)

    def set_values(self, values: np.ndarray, low: float | None = None, high: float | None = None) -> None:
        self.values = np.asarray(values, dtype=np.float64)
        self.low, self.high = low, high
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        finite = self.values[np.isfinite(self.values)] if self.values.size else self.values
        if finite.size == 0:
            return
        lo = float(finite.min())
        hi = float(finite.max())
        if self.low is not None and self.high is not None:
            lo, hi = min(lo, self.low), max(hi, self.high)
        if hi - lo < 1e-9:
            lo, hi = lo - 1.0, hi + 1.0
        pad = 4.0
        w, h = self.width() - 2 * pad, self.height() - 2 * pad
        n = max(self.values.size - 1, 1)

        def point(i: int, v: float) -> QPointF:
            return QPointF(pad + w * i / n, pad + h * (1 - (v - lo) / (hi - lo)))

        colors = theme.colors()
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if self.low is not None and self.high is not None:
            top, bottom = point(0, self.high).y(), point(0, self.low).y()
            painter.fillRect(QRectF(pad, top, w, max(bottom - top, 1.0)), theme.qcolor(colors.baseline_fill))
        pen = QPen(QColor(colors.accent))
        pen.setWidthF(1.6)
        painter.setPen(pen)
        previous: QPointF | None = None
        for i, v in enumerate(self.values):
            if not math.isfinite(v):
                previous = None
                continue
            p = point(i, float(v))
            if previous is not None:
                painter.drawLine(previous, p)
            previous = p
        painter.setBrush(QColor(colors.accent))
        for i, v in enumerate(self.values):
            if math.isfinite(v):
                radius = 3.2 if i == self.values.size - 1 else 1.8
                painter.drawEllipse(point(i, float(v)), radius, radius)
        painter.end()
