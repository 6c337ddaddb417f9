"""Trends: the trajectory projection of each daily metric, or why there is none yet."""

from __future__ import annotations

from PySide6.QtWidgets import QGridLayout, QLabel, QWidget

from healthdesk.core.metrics.trajectory import METHOD_WORDS as TREND_METHOD
from healthdesk.services.dashboard_types import TRAJECTORY_METRICS, Trajectory
from healthdesk.ui.charts.trajectory import TrajectoryCard
from healthdesk.ui.context import AppContext
from healthdesk.ui.widgets.common import Page


class TrendsPage(Page):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__("Trends", parent)
        self.context = context
        intro = QLabel(
            f"Where each number is heading if the last 30 days continue: {TREND_METHOD}. Dots are your daily "
            "values; the dashed line and shaded band are the projection, widening the further ahead it looks."
        )
        intro.setObjectName("muted")
        self.intro = intro
        intro.setWordWrap(True)
        self.content.addWidget(intro)
        grid = QGridLayout()
        grid.setSpacing(14)
        self.cards: dict[str, TrajectoryCard] = {}
        for i, metric in enumerate(TRAJECTORY_METRICS):
            card = TrajectoryCard(metric)
            card.label.setText("Not enough history for a projection: no values in the last 30 days yet.")
            self.cards[metric] = card
            grid.addWidget(card, i // 2, i % 2)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        self.content.addLayout(grid)
        self.content.addStretch(1)

    def refresh(self) -> None:
        ctx = self.context
        if ctx.dashboard is None:  # the database is not open yet: keep the empty state
            self.loaded.emit()
            return
        ctx.runner.spawn(
            ctx.runner.run_blocking(ctx.dashboard.trajectories), name="Loading trends", on_result=self.show_trajectories
        )

    def show_trajectories(self, trajectories: list[Trajectory]) -> None:
        for traj in trajectories:
            if traj.metric in self.cards:
                self.cards[traj.metric].set_trajectory(traj)
        self.loaded.emit()
