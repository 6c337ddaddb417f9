"""Small building blocks shared by the pages: cards, page scaffolding, empty states, formatting."""

from __future__ import annotations

import sys
from datetime import datetime

from PySide6.QtCore import QProcess, Qt, Signal
from PySide6.QtGui import QKeyEvent, QMouseEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from healthdesk.services.dashboard_types import SOURCE_LABELS

DASH = "\u2013"  # the "no value" mark: an en dash, always with a reason next to it


class Card(QFrame):
    def __init__(self, title: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("card")
        self.body = QVBoxLayout(self)
        self.body.setContentsMargins(16, 14, 16, 14)
        self.body.setSpacing(6)
        if title:
            label = QLabel(title.upper())
            label.setObjectName("tileTitle")
            label.setWordWrap(True)  # a narrow window wraps a long title instead of cutting it
            self.body.addWidget(label)


class ClickableCard(Card):
    """A card that opens a page: click, or Enter/Space when focused (keyboard users reach it with Tab)."""

    clicked = Signal()

    def __init__(self, title: str = "", parent: QWidget | None = None) -> None:
        super().__init__(title, parent)
        self.setProperty("clickable", True)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if event.button() == Qt.MouseButton.LeftButton and self.rect().contains(event.position().toPoint()):
            self.clicked.emit()
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space):
            self.clicked.emit()
            return
        super().keyPressEvent(event)


class Page(QWidget):
    """A scrolling page with a title row; subclasses fill `self.content`.

    `loaded` fires each time the page has applied fresh data (or its empty state).
    """

    loaded = Signal()

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("page")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        inner = QWidget()
        inner.setObjectName("page")
        self.content = QVBoxLayout(inner)
        self.content.setContentsMargins(24, 18, 24, 18)
        self.content.setSpacing(14)
        self.header = QHBoxLayout()
        heading = QLabel(title)
        heading.setObjectName("pageTitle")
        self.header.addWidget(heading)
        self.header.addStretch(1)
        self.content.addLayout(self.header)
        scroll.setWidget(inner)
        outer.addWidget(scroll)
        self.title = title
        self.has_loaded = False  # set once the page has shown data (or its empty state) for the first time
        self.loaded.connect(self._mark_loaded)

    def _mark_loaded(self) -> None:
        self.has_loaded = True

    def refresh(self) -> None:
        """Reload the page's data off the paint path (pages override)."""
        self.loaded.emit()


class EmptyState(QLabel):
    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.setObjectName("muted")
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setWordWrap(True)
        self.setMinimumHeight(80)


class RangeSelector(QWidget):
    """The 7 d / 30 d / 90 d / 1 y / all presets; emits the chosen number of days (0 = all)."""

    PRESETS = (("7 d", 7), ("30 d", 30), ("90 d", 90), ("1 y", 365), ("All", 0))
    range_chosen = Signal(int)

    def __init__(self, default_days: int = 30, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(4)
        self.group = QButtonGroup(self)
        self.buttons: dict[int, QPushButton] = {}
        for label, days in self.PRESETS:
            button = QPushButton(label)
            button.setObjectName("rangeButton")
            button.setCheckable(True)
            button.setChecked(days == default_days)
            button.clicked.connect(lambda _=False, d=days: self.range_chosen.emit(d))
            self.group.addButton(button)
            self.buttons[days] = button
            row.addWidget(button)

    def choose(self, days: int) -> None:
        self.buttons[days].setChecked(True)
        self.range_chosen.emit(days)

    def clear_choice(self) -> None:
        """A custom span (the user zoomed): no preset is lit."""
        self.group.setExclusive(False)
        for button in self.buttons.values():
            button.setChecked(False)
        self.group.setExclusive(True)

    @property
    def chosen(self) -> int | None:
        return next((days for days, b in self.buttons.items() if b.isChecked()), None)


class SourceBadge(QLabel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("badge")
        self.set_source(None)

    def set_source(self, source: str | None, confidence: float | None = None) -> None:
        self.setText(badge_text(source, confidence))
        label = SOURCE_LABELS.get(source or "", "")
        self.setToolTip(
            f"From {'your band' if source == 'band' else label}; confidence says how complete the data behind "
            "this value was" if source else "Nothing stored for this day"
        )
        self.setProperty("source", source or "none")
        self.style().unpolish(self)
        self.style().polish(self)


def badge_text(source: str | None, confidence: float | None) -> str:
    """'confidence 95 %' (a WHOOP score says so); never 'Band · 95%', which reads like a battery level."""
    if source is None:
        return "No data"
    prefix = "WHOOP score · " if source.startswith("whoop") else ""  # cloud, export, or both agreeing
    if confidence is None:
        return prefix.rstrip(" ·") or SOURCE_LABELS.get(source, source)
    return f"{prefix}confidence {confidence * 100:.0f} %"


def format_minutes(minutes: float | None) -> str:
    """The one duration format of the app: h:mm ('7:05'); callers add ' h' where no unit label is next to it."""
    if minutes is None or minutes != minutes:
        return DASH
    total = int(round(minutes))
    sign = "−" if total < 0 else ""
    total = abs(total)
    return f"{sign}{total // 60}:{total % 60:02d}"


def format_hours(minutes: float | None) -> str:
    """h:mm with its unit: '7:05 h'."""
    text = format_minutes(minutes)
    return text if text == DASH else f"{text} h"


def format_when(moment: datetime | None, never: str = "never") -> str:
    if moment is None:
        return never
    local = moment.astimezone()
    today = datetime.now().astimezone().date()
    if local.date() == today:
        return f"today {local:%H:%M}"
    return f"{local:%a %d %b %H:%M}"


def format_number(value: float | None, decimals: int = 0) -> str:
    if value is None:
        return DASH
    return f"{value:.{decimals}f}"


def launch_demo() -> bool:
    """The demo runs as its own process with its own data folder, so it never mixes with real data."""
    # Frozen, sys.executable is the app itself; from source it is the interpreter.
    args = ["--demo"] if getattr(sys, "frozen", False) else ["-m", "healthdesk.app", "--demo"]
    return QProcess.startDetached(sys.executable, args)[0]
