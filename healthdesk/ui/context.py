"""What app.py hands to the window: the task runner, the services, settings and where data lives."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings

from healthdesk.services.dashboard import DashboardService
from healthdesk.ui.tasks import TaskRunner


@dataclass
class AppContext:
    runner: TaskRunner
    settings: QSettings
    data_dir: Path
    demo: bool = False
    settings_file: Path | None = None  # the shared settings.json services read (profile, sync interval)
    # Until `attach` the dashboard answers with the empty state; band and cloud stay None while their
    # services are missing (the pages then say so).
    dashboard: DashboardService = field(default_factory=DashboardService)
    band: Any = None
    cloud: Any = None

    def attach(self, *, dashboard: DashboardService, band: Any = None, cloud: Any = None) -> None:
        self.dashboard = dashboard
        self.band = band
        self.cloud = cloud
