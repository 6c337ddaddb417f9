"""The error banner at the top of the window: one line per failed job, dismissable."""

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
