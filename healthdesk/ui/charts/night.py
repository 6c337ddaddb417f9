"""One night: the hypnogram (or plain sleep/wake timeline) with the minute heart rate under it, x-linked."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from healthdesk.services.dashboard_types import (
    STAGE_ASLEEP,
    STAGE_AWAKE,
    STAGE_DEEP,
    STAGE_LIGHT,
    STAGE_NAMES,
    STAGE_REM,
    NightDetail,
)
from healthdesk.ui import theme
from healthdesk.ui.charts.history import make_plot


def _stage_color(stage: int) -> str:
    return theme.stage_color(stage)

# Rows of the hypnogram from bottom to top.
STAGED_ROWS = (STAGE_DEEP, STAGE_LIGHT, STAGE_REM, STAGE_AWAKE)
PLAIN_ROWS = (STAGE_ASLEEP, STAGE_AWAKE)


class NightChart(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        self.caption = QLabel(" ")
        self.caption.setObjectName("tileDetail")
        self.caption.setWordWrap(True)
        self.stages = make_plot()
        self.stages.setFixedHeight(170)
        self.stages.setMouseEnabled(x=False, y=False)
        self.stages.showGrid(x=False, y=False)
        self.stages.getAxis("left").setWidth(56)
        self.hr = make_plot()
        self.hr.setFixedHeight(150)
        self.hr.setMouseEnabled(x=False, y=False)
        self.hr.getAxis("left").setWidth(56)
        self.hr.setLabel("left", "HR", units="bpm", color=theme.colors().muted)
        self.hr.setXLink(self.stages)
        self.stages.getAxis("bottom").setStyle(showValues=False)
        layout.addWidget(self.caption)
        layout.addWidget(self.stages, 3)
        layout.addWidget(self.hr, 2)
        self.detail: NightDetail | None = None

    def clear(self) -> None:
        self.stages.clear()
        self.hr.clear()
        self.detail = None

    def set_night(self, detail: NightDetail) -> None:
        self.clear()
        self.detail = detail
        colors = theme.colors()
        self.hr.setLabel("left", "HR", units="bpm", color=colors.muted)  # the theme may have changed since
        rows = STAGED_ROWS if detail.stages_estimated else PLAIN_ROWS
        # One bar per segment on its stage's row; minutes without data (band off) stay empty.
        for i, stage in enumerate(rows):
            mask = detail.stage == stage
            if mask.any():
                self.stages.addItem(pg.BarGraphItem(
                    x0=detail.stage_start[mask], x1=detail.stage_end[mask], y0=i - 0.35, height=0.7,
                    brush=pg.mkBrush(_stage_color(stage)), pen=pg.mkPen(None),
                ))
        self.stages.getAxis("left").setTicks([[(i, STAGE_NAMES[s]) for i, s in enumerate(rows)]])
        self.stages.setYRange(-0.5, len(rows) - 0.5, padding=0)
        finite = np.isfinite(detail.hr_bpm)
        if finite.any():
            self.hr.plot(detail.hr_t, detail.hr_bpm, pen=pg.mkPen(colors.red, width=1.5), connect="finite")
            low, high = float(np.nanmin(detail.hr_bpm)), float(np.nanmax(detail.hr_bpm))
            self.hr.setYRange(low - 3, high + 3, padding=0)
        start = detail.sleep.start.timestamp()
        end = detail.sleep.end.timestamp()
        self.stages.setXRange(start, end, padding=0.01)
        self.caption.setText(self._caption(detail))

    @staticmethod
    def _caption(detail: NightDetail) -> str:
        sleep = detail.sleep
        span = f"{sleep.start.astimezone():%a %d %b %H:%M} \u2192 {sleep.end.astimezone():%H:%M}"
        if detail.stage.size == 0:
            return f"{span}   ·   no minute-by-minute timeline for this sleep (WHOOP cloud reports totals only)"
        if detail.stages_estimated:
            return (
                f"{span}   ·   stages are estimates from wrist motion and heart rate "
                f"(confidence {detail.stage_confidence:.0%})"
            )
        return f"{span}   ·   sleep / wake timeline"
