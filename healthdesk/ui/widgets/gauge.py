"""Today's gauges: recovery (a 270° arc, 0-100 %, coloured by its zone over the red / yellow / green bands) and
day strain (0-21 against the target band that suits the recovery zone)."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from healthdesk.ui import theme

START_DEG = 225.0  # Qt angles: 0° at 3 o'clock, counter-clockwise positive
SPAN_DEG = -270.0
BANDS = ((0.0, 33.5, "red"), (33.5, 66.5, "yellow"), (66.5, 100.0, "green"))


class _Gauge(QWidget):
    """What both gauges share: a fixed square, a clamped value, the square the arc is drawn in."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._value: float | None = None
        self.setMinimumSize(170, 170)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.setAccessibleName(name)

    def sizeHint(self) -> QSize:
        return QSize(180, 180)

    @property
    def value(self) -> float | None:
        return self._value

    def _square(self) -> QRectF:
        side = min(self.width(), self.height()) - 20
        return QRectF((self.width() - side) / 2, (self.height() - side) / 2, side, side)


class RecoveryGauge(_Gauge):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Recovery gauge", parent)

    def set_value(self, value: float | None) -> None:
        self._value = None if value is None else max(0.0, min(100.0, float(value)))
        self.setAccessibleDescription("no value" if value is None else f"{value:.0f} percent")
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        colors = theme.colors()
        rect = self._square()
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        # The three bands as a thin track, so the scale is readable even without a value.
        for low, high, name in BANDS:
            pen = QPen(QColor(getattr(colors, name)))
            pen.setWidthF(5)
            pen.setCapStyle(Qt.PenCapStyle.FlatCap)
            painter.setPen(pen)
            painter.setOpacity(0.35)
            painter.drawArc(rect, _angle(low), _span(low, high))
        painter.setOpacity(1.0)
        if self._value is not None:
            pen = QPen(QColor(theme.recovery_color(self._value)))
            pen.setWidthF(13)
            pen.setCapStyle(Qt.PenCapStyle.RoundCap)
            painter.setPen(pen)
            painter.drawArc(rect.adjusted(4, 4, -4, -4), _angle(0), _span(0, max(self._value, 0.5)))
        painter.setPen(QColor(colors.text))
        font = QFont(self.font())
        font.setPointSizeF(max(self.font().pointSizeF(), 9) * 2.4)
        font.setWeight(QFont.Weight.DemiBold)
        painter.setFont(font)
        text = "\u2013" if self._value is None else f"{self._value:.0f}%"
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
        small = QFont(self.font())
        painter.setFont(small)
        painter.setPen(QColor(colors.muted))
        painter.drawText(rect.adjusted(0, rect.height() * 0.62, 0, 0), Qt.AlignmentFlag.AlignHCenter, "recovery")
        painter.end()


def _angle(value: float) -> int:
    return int((START_DEG + SPAN_DEG * value / 100.0) * 16)


def _span(low: float, high: float) -> int:
    return int(SPAN_DEG * (high - low) / 100.0 * 16)


STRAIN_MAX = 21.0


class StrainGauge(_Gauge):
    """Day strain on its 0-21 scale; the target band for today's recovery zone is drawn as a wide track."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Strain gauge", parent)
        self.target: tuple[float, float] | None = None

    def set_value(self, value: float | None, target: tuple[float, float] | None = None) -> None:
        self._value = None if value is None else max(0.0, min(STRAIN_MAX, float(value)))
        self.target = target
        self.setAccessibleDescription("no value" if value is None else f"strain {value:.1f} of 21")
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        colors = theme.colors()
        rect = self._square()
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        track = QPen(QColor(colors.border))
        track.setWidthF(5)
        track.setCapStyle(Qt.PenCapStyle.FlatCap)
        painter.setPen(track)
        painter.drawArc(rect, _angle(0), _span(0, 100))
        if self.target is not None:
            low, high = (100 * t / STRAIN_MAX for t in self.target)
            band = QPen(QColor(colors.accent))
            band.setWidthF(9)
            band.setCapStyle(Qt.PenCapStyle.FlatCap)
            painter.setOpacity(0.35)
            painter.setPen(band)
            painter.drawArc(rect, _angle(low), _span(low, high))
            painter.setOpacity(1.0)
        if self._value is not None:
            pen = QPen(QColor(colors.cloud if colors is theme.DARK else colors.accent_text))
            pen.setWidthF(13)
            pen.setCapStyle(Qt.PenCapStyle.RoundCap)
            painter.setPen(pen)
            share = 100 * self._value / STRAIN_MAX
            painter.drawArc(rect.adjusted(4, 4, -4, -4), _angle(0), _span(0, max(share, 0.5)))
        painter.setPen(QColor(colors.text))
        font = QFont(self.font())
        font.setPointSizeF(max(self.font().pointSizeF(), 9) * 2.4)
        font.setWeight(QFont.Weight.DemiBold)
        painter.setFont(font)
        text = "\u2013" if self._value is None else f"{self._value:.1f}"
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
        painter.setFont(QFont(self.font()))
        painter.setPen(QColor(colors.muted))
        painter.drawText(rect.adjusted(0, rect.height() * 0.62, 0, 0), Qt.AlignmentFlag.AlignHCenter, "of 21")
        painter.end()
