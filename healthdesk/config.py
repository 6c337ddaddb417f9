"""Where healthdesk keeps its data: `--home DIR` / HEALTHDESK_HOME, else the platform's user dirs."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "healthdesk"
HOME_ENV = "HEALTHDESK_HOME"


@dataclass(frozen=True)
class Paths:
    data_dir: Path
    config_dir: Path
    log_dir: Path

    @property
    def database(self) -> Path:
        return self.data_dir / "healthdesk.db"

    @property
    def settings_file(self) -> Path:
        return self.config_dir / "settings.json"

    def ensure(self) -> Paths:
        """Create the folders owner-only (0700) and narrow what an older install left readable to others."""
        from healthdesk.private_files import make_private_by_default, make_private_dir

        make_private_by_default()  # every file this process creates from here on is 0600 (folders 0700)
        for d in (self.data_dir, self.config_dir, self.log_dir):
            make_private_dir(d)
        return self

    def tighten(self) -> int:
        """Owner-only modes on everything already in our folders (an upgrade from 0644 files); the count."""
        from healthdesk.private_files import tighten

        return tighten((self.data_dir, self.config_dir, self.log_dir))


def resolve_paths(home: str | os.PathLike[str] | None = None) -> Paths:
    """One folder for everything when a home is given (tests, portable use); platform dirs otherwise."""
    home = home or os.environ.get(HOME_ENV)
    if home:
        root = Path(home).expanduser().resolve()
        return Paths(root, root, root / "logs")
    return Paths(
        Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)),
        Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)),
        Path(platformdirs.user_log_dir(APP_NAME, appauthor=False)),
    )
