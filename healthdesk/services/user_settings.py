"""The shared settings file (`<config>/settings.json`): read it forgivingly, update keys atomically.

Services read their keys from here (cloud_sync: `whoop_sync_interval_hours`); the app's Settings page writes
them, plus `profile` ({weight_kg, height_cm, birth_year, sex}, each null when not set) and `units`.
"""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path
from typing import Any

from healthdesk.core.metrics.calories import Profile


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


def saved_profile(path: Path, today: date | None = None) -> Profile | None:
    """The profile the Settings page saved, as the metrics engine wants it (age from the birth year)."""
    raw = read_settings(path).get("profile")
    if not isinstance(raw, dict):
        return None

    def number(key: str) -> float | None:
        value = raw.get(key)
        return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None

    birth_year = number("birth_year")
    age = (today or date.today()).year - birth_year if birth_year else None
    sex = raw.get("sex") if raw.get("sex") in ("male", "female") else None
    profile = Profile(weight_kg=number("weight_kg"), height_cm=number("height_cm"), age=age, sex=sex)
    return None if profile == Profile() else profile


# The patient's name and birth date for the clinician report (Share & export page). Part of the profile the
# user keeps on this computer; printed on reports saved from the app, never sent anywhere.
PATIENT_KEY = "patient"


def saved_patient(path: Path) -> tuple[str | None, date | None]:
    """(name, birth date) as saved; anything missing or unreadable is None."""
    raw = read_settings(path).get(PATIENT_KEY)
    if not isinstance(raw, dict):
        return None, None
    name = raw.get("name") if isinstance(raw.get("name"), str) and raw.get("name", "").strip() else None
    try:
        born = date.fromisoformat(raw["birth_date"]) if isinstance(raw.get("birth_date"), str) else None
    except ValueError:
        born = None
    return (name.strip() if name else None), born


def save_patient(path: Path, name: str | None, birth_date: date | None) -> None:
    update_settings(path, **{PATIENT_KEY: {"name": (name or "").strip() or None,
                                           "birth_date": birth_date.isoformat() if birth_date else None}})
