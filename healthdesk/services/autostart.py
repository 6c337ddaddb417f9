"""Start at login. Linux (and other XDG desktops): a `healthdesk.desktop` file in `$XDG_CONFIG_HOME/autostart`
that starts the app in the tray. macOS and Windows are not set up (no LaunchAgent / Run key yet): `supported()`
says so and the tray menu shows the option disabled.
"""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from pathlib import Path

DESKTOP_NAME = "healthdesk.desktop"


def supported() -> bool:
    return sys.platform.startswith(("linux", "freebsd", "openbsd"))


def autostart_file(environ: dict[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    config = Path(env.get("XDG_CONFIG_HOME") or Path(env.get("HOME", str(Path.home()))) / ".config")
    return config / "autostart" / DESKTOP_NAME


def launch_command() -> list[str]:
    """The installed `healthdesk` script when there is one, else this interpreter with the module."""
    script = shutil.which("healthdesk")
    return [script, "--tray"] if script else [sys.executable, "-m", "healthdesk.app", "--tray"]


def desktop_entry(command: list[str]) -> str:
    return "\n".join([
        "[Desktop Entry]",
        "Type=Application",
        "Name=healthdesk",
        "Comment=Keeps your WHOOP data in sync from the tray",
        f"Exec={shlex.join(command)}",
        "Icon=healthdesk",
        "Terminal=false",
        "X-GNOME-Autostart-enabled=true",
        "",
    ])


def is_enabled(environ: dict[str, str] | None = None) -> bool:
    return autostart_file(environ).is_file()


def set_enabled(enabled: bool, environ: dict[str, str] | None = None) -> Path:
    """Write or remove the autostart entry; returns its path. OSError reaches the caller (one line there)."""
    path = autostart_file(environ)
    if enabled:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(desktop_entry(launch_command()), encoding="utf-8")
    else:
        path.unlink(missing_ok=True)
    return path
