"""Small building blocks shared by the pages: cards, page scaffolding, empty states, formatting."""

from __future__ import annotations

import sys
from datetime import datetime

from PySide6.QtCore import QProcess, Qt, Signal
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
            self.body.addWidget(label)


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


class SourceBadge(QLabel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("badge")
        self.set_source(None)

    def set_source(self, source: str | None, confidence: float | None = None) -> None:
        text = SOURCE_LABELS.get(source or "", "No data")
        if source is not None and confidence is not None:
            text = f"{text} · {confidence:.0%}"
        self.setText(text)
        self.setToolTip("Source and confidence of this value" if source else "Nothing stored for this day")
        self.setProperty("source", source or "none")
        self.style().unpolish(self)
        self.style().polish(self)


def format_minutes(minutes: float | None) -> str:
    if minutes is None:
        return DASH
    total = int(round(minutes))
    return f"{total // 60} h {total % 60:02d} min"


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
