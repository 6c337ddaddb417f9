"""What app.py hands to the window: the task runner, the typed services, settings and where data lives.

Pages talk to these services only; none builds a service of its own. The service modules pull in SQLAlchemy,
bleak, httpx or the share server, so they are imported for type checking only: the window is built before they
are needed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings

from healthdesk.config import Paths
from healthdesk.services.share_access import ShareAccess
from healthdesk.ui.tasks import TaskRunner

if TYPE_CHECKING:
    from healthdesk.services.background_sync import BackgroundSync
    from healthdesk.services.band_control import BandControl
    from healthdesk.services.cloud_sync import CloudSyncService
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
    band: BandControl | None = None
    cloud: CloudSyncService | None = None
    background: BackgroundSync | None = None
    # The share service opens on first use (it reads the keyring); made here when app.py passes none.
    share: ShareAccess = field(default=None)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        if self.share is None:
            self.share = ShareAccess(self.paths.database, self.paths.config_dir)

    @property
    def paths(self) -> Paths:
        """The app's folders: data in data_dir, config beside settings.json (data_dir itself in tests)."""
        config_dir = self.settings_file.parent if self.settings_file else self.data_dir
        return Paths(self.data_dir, config_dir, self.data_dir / "logs")

    def attach(self, *, dashboard: DashboardService | None = None, band: BandControl | None = None,
               cloud: CloudSyncService | None = None, background: BackgroundSync | None = None) -> None:
        """Hand over services as they become ready; an argument left out keeps what is attached."""
        if dashboard is not None:
            self.dashboard = dashboard
        if band is not None:
            self.band = band
        if cloud is not None:
            self.cloud = cloud
        if background is not None:
            self.background = background
