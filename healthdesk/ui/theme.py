"""Light and dark palettes, the stylesheet and the chart colours; follows the system colour scheme."""

from __future__ import annotations

import string
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPalette
from PySide6.QtWidgets import QApplication

RESOURCES = Path(__file__).resolve().parents[2] / "resources"


@dataclass(frozen=True)
class Colors:
    window: str
    sidebar: str
    card: str
    border: str
    hover: str
    text: str
    muted: str
    accent: str
    accent_soft: str
    accent_text: str
    on_accent: str
    cloud: str
    cloud_soft: str
    cloud_text: str
    error: str
    error_soft: str
    # Recovery colour bands (WHOOP thresholds: green >= 67, yellow 34..66, red <= 33).
    green: str
    yellow: str
    red: str
    baseline_fill: str
    grid: str
    progress: str  # the filled part of a progress bar: light enough for the percentage to read on it
    # Sleep stages: four hues far apart in both themes (deep and light never share a colour).
    stage_deep: str
    stage_light: str
    stage_rem: str
    stage_awake: str
    heart: str  # the heart-rate line
    workout: str


LIGHT = Colors(
    window="#f6f7f9", sidebar="#eceef2", card="#ffffff", border="#d9dde3", hover="#e3e6eb", text="#1d2329",
    muted="#5d6673", accent="#1f7a63", accent_soft="#d4ece4", accent_text="#155745", on_accent="#ffffff",
    cloud="#8a4fd1", cloud_soft="#eadff8", cloud_text="#5a2d96", error="#c43c3c", error_soft="#fbe3e3",
    green="#2e9e5b", yellow="#d8a31a", red="#d0473f", baseline_fill="#1f7a6326", grid="#d9dde3",
    progress="#8fd1b8", stage_deep="#1f4e9c", stage_light="#74aee6", stage_rem="#8a4fd1", stage_awake="#e39b2d",
    heart="#d0473f", workout="#1f7a63",
)
DARK = Colors(
    window="#16191d", sidebar="#1d2126", card="#22272d", border="#343b44", hover="#2c323a", text="#e6e9ed",
    muted="#9aa3ae", accent="#3fb58f", accent_soft="#1f3d34", accent_text="#8fe0c2", on_accent="#0d1f19",
    cloud="#b58cf0", cloud_soft="#33284a", cloud_text="#d7c2f7", error="#e06666", error_soft="#3d2323",
    green="#47c079", yellow="#e8bb3a", red="#e8655c", baseline_fill="#3fb58f2e", grid="#343b44",
    progress="#2f7d65", stage_deep="#4f7fe0", stage_light="#a9d4fb", stage_rem="#b06ef0", stage_awake="#f0b44a",
    heart="#f0736a", workout="#3fb58f",
)

_current: Colors = LIGHT


def colors() -> Colors:
    """The palette in effect; charts read their pens from here."""
    return _current


def source_color(source: str | None) -> str:
    return _current.cloud if (source or "").startswith("whoop") else _current.accent  # cloud and export


def recovery_color(score: float | None) -> str:
    if score is None:
        return _current.muted
    if score >= 67:
        return _current.green
    if score >= 34:
        return _current.yellow
    return _current.red


def stage_color(stage: int) -> str:
    """dashboard_types stage codes: 0 deep, 1 light, 2 REM, 3 awake, 4 asleep (stages unknown)."""
    c = _current
    return {0: c.stage_deep, 1: c.stage_light, 2: c.stage_rem, 3: c.stage_awake}.get(stage, c.stage_light)


def qcolor(color: str) -> QColor:
    """'#rrggbb' or '#rrggbbaa' (pyqtgraph's order; QColor alone would read 8 digits as #aarrggbb)."""
    if len(color) == 9:
        return QColor(int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16), int(color[7:9], 16))
    return QColor(color)


def with_alpha(color: str, alpha: int) -> str:
    """'#rrggbb' + alpha 0..255 -> '#rrggbbaa' (pyqtgraph's brush notation)."""
    return f"{color[:7]}{alpha:02x}"


def system_prefers_dark() -> bool:
    hints = QGuiApplication.styleHints()
    return hints.colorScheme() == Qt.ColorScheme.Dark


def resolve_scheme(setting: str) -> str:
    """'light', 'dark' or 'system' -> 'light' | 'dark'."""
    if setting in ("light", "dark"):
        return setting
    return "dark" if system_prefers_dark() else "light"


def apply(app: QApplication, scheme: str) -> None:
    """Install the palette, stylesheet and pyqtgraph defaults for 'light' or 'dark'."""
    global _current
    _current = DARK if scheme == "dark" else LIGHT
    app.setStyle("Fusion")
    app.setPalette(_qt_palette(_current))
    app.setStyleSheet(stylesheet(_current))
    if "pyqtgraph" in sys.modules:  # charts loaded already; otherwise charts/history.py calls this on import
        configure_charts()
        restyle_charts(app)


def restyle_charts(app: QApplication) -> None:
    """Charts built under the other theme: background and axis pens (their data pens follow on refresh)."""
    import pyqtgraph as pg

    for widget in app.allWidgets():
        if isinstance(widget, pg.PlotWidget):
            widget.setBackground(_current.card)
            for name in ("left", "bottom"):
                axis = widget.getPlotItem().getAxis(name)
                axis.setTextPen(pg.mkPen(_current.muted))
                axis.setPen(pg.mkPen(_current.border))


def configure_charts() -> None:
    import pyqtgraph as pg

    pg.setConfigOptions(antialias=True, background=_current.card, foreground=_current.muted)


def stylesheet(palette: Colors) -> str:
    path = RESOURCES / "style.qss"
    template = path.read_text(encoding="utf-8") if path.is_file() else ""
    return string.Template(template).safe_substitute(asdict(palette))


def app_icon() -> QIcon:
    path = RESOURCES / "icons" / "healthdesk.svg"
    return QIcon(str(path)) if path.is_file() else QIcon()


def _qt_palette(c: Colors) -> QPalette:
    pal = QPalette()
    roles = {
        QPalette.ColorRole.Window: c.window,
        QPalette.ColorRole.WindowText: c.text,
        QPalette.ColorRole.Base: c.card,
        QPalette.ColorRole.AlternateBase: c.sidebar,
        QPalette.ColorRole.Text: c.text,
        QPalette.ColorRole.Button: c.card,
        QPalette.ColorRole.ButtonText: c.text,
        QPalette.ColorRole.Highlight: c.accent,
        QPalette.ColorRole.HighlightedText: c.on_accent,
        QPalette.ColorRole.ToolTipBase: c.card,
        QPalette.ColorRole.ToolTipText: c.text,
        QPalette.ColorRole.PlaceholderText: c.muted,
    }
    for role, value in roles.items():
        pal.setColor(role, QColor(value))
    pal.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text, QColor(c.muted))
    pal.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText, QColor(c.muted))
    return pal
