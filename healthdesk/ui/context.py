"""What app.py hands to the window: the task runner, the services, settings and where data lives."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSettings

from healthdesk.ui.tasks import TaskRunner

if TYPE_CHECKING:  # the service module pulls in SQLAlchemy; the window is built before it is needed
    from healthdesk.services.dashboard import DashboardService


@dataclass
class AppContext:
    runner: TaskRunner
    settings: QSettings
    data_dir: Path
    demo: bool = False
    settings_file: Path | None = None  # the shared settings.json services read (profile, sync interval)
    # None until app.py has opened the database (pages then keep their empty state); band and cloud stay None
    # while their services are missing or still starting (the pages then say so).
    dashboard: DashboardService | None = None
    band: Any = None
    cloud: Any = None

    def attach(self, *, dashboard: DashboardService | None = None, band: Any = None, cloud: Any = None) -> None:
        """Hand over services as they become ready; an argument left out keeps what is attached."""
        if dashboard is not None:
            self.dashboard = dashboard
        if band is not None:
            self.band = band
        if cloud is not None:
            self.cloud = cloud
