"""Banners: the error banner at the top of the window (one line per failed job, dismissable) and the
stale-data banner on Today (the newest data is more than a day old)."""

from __future__ import annotations

from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget


class ErrorBanner(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("banner")
        row = QHBoxLayout(self)
        row.setContentsMargins(12, 6, 6, 6)
        self.text = QLabel("")
        self.text.setObjectName("bannerText")
        self.text.setWordWrap(True)
        close = QPushButton("Dismiss")
        close.clicked.connect(self.hide)
        row.addWidget(self.text, 1)
        row.addWidget(close)
        self.hide()

    def show_error(self, title: str, message: str) -> None:
        self.text.setText(f"{title} failed: {message}")
        self.show()


class StaleBanner(QFrame):
    """'Latest band data: 11 Apr 2024 - sync the band'; hidden while the data is fresh. The button opens the
    page that syncs (Band, or WHOOP cloud when there is no band)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("staleBanner")
        row = QHBoxLayout(self)
        row.setContentsMargins(12, 6, 6, 6)
        self.text = QLabel("")
        self.text.setObjectName("bannerText")
        self.text.setWordWrap(True)
        self.action = QPushButton("Sync now")
        row.addWidget(self.text, 1)
        row.addWidget(self.action)
        self.hide()

    def show_text(self, text: str) -> None:
        self.text.setText(text)
        self.setVisible(bool(text))
