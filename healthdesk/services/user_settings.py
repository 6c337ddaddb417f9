"""The shared settings file (`<config>/settings.json`): read it forgivingly, update keys atomically.

Services read their keys from here (cloud_sync: `whoop_sync_interval_hours`); the app's Settings page writes
them, plus `profile` ({weight_kg, height_cm, birth_year, sex}, each null when not set) and `units`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any


def read_settings(path: Path) -> dict[str, Any]:
    """The settings as a dict; a missing or broken file reads as empty (it never stops the app)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def update_settings(path: Path, **values: Any) -> dict[str, Any]:
    """Merge `values` into the file and replace it in one rename, so a crash never leaves half a file."""
    data = read_settings(path)
    data.update(values)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True), encoding="utf-8")
    os.replace(tmp, path)
    return data
