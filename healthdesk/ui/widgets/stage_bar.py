"""One night's sleep stages as a single stacked bar (deep, light, REM, awake in their theme colours), with the
total and share of each written under it in h:mm and %."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

from healthdesk.services.sleep_view import StageTotal
from healthdesk.ui import theme
from healthdesk.ui.widgets.common import format_minutes

STAGE_INDEX = {"Deep": 0, "Light": 1, "REM": 2, "Awake": 3}


class _Bar(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.stages: list[StageTotal] = []
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setFixedHeight(16)

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(300, 16)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        x = 0.0
        for stage in self.stages:
            width = self.width() * stage.percent / 100.0
            painter.fillRect(QRectF(x, 0, width, self.height()), QColor(theme.stage_color(STAGE_INDEX[stage.name])))
            x += width
        painter.end()


class StageBar(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        self.bar = _Bar()
        self.text = QLabel(" ")
        self.text.setObjectName("tileDetail")
        self.text.setWordWrap(True)
        layout.addWidget(self.bar)
        layout.addWidget(self.text)

    def set_stages(self, stages: list[StageTotal]) -> None:
        self.bar.stages = stages
        self.bar.update()
        self.bar.setVisible(bool(stages))
        # Non-breaking spaces inside an item: a narrow card wraps between items, never inside one.
        self.text.setText(" &nbsp; ".join(
            f'<span style="color:{theme.stage_color(STAGE_INDEX[s.name])}">\u2588\u2588</span>&nbsp;'
            f"{s.name}&nbsp;{format_minutes(s.minutes)}&nbsp;h&nbsp;({s.percent:.0f}&nbsp;%)" for s in stages
        ) if stages else "No stage breakdown for this night.")
