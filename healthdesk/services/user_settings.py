"""The one home of the user's settings (`<config>/settings.json`): read forgivingly, updated atomically, 0600.

Services read their keys from here (cloud_sync: `whoop_sync_interval_hours`); the app's Settings page writes
them, plus `profile` ({weight_kg, height_cm, birth_year, sex}, each null when not set), `units` and `theme`.
Qt's QSettings (healthdesk-ui.ini) keeps window state only - geometry, last page, last folders - never a
setting; `adopt_legacy` moves what v0.1 kept there into this file once.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

from healthdesk.core.metrics.calories import Profile
from healthdesk.private_files import write_private_bytes


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
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    write_private_bytes(path, json.dumps(data, indent=2, sort_keys=True).encode("utf-8"))  # weight, birth year
    return data


THEMES = ("system", "light", "dark")
UNITS = ("metric", "imperial")
LEGACY_KEYS = ("profile/weight_kg", "profile/height_cm", "profile/birth_year", "profile/sex", "units", "theme",
               "cloud/sync_interval_h")


def choice(path: Path, key: str, allowed: tuple[str, ...]) -> str:
    """A one-of setting (`theme`, `units`); the first allowed value when unset or unknown."""
    value = read_settings(path).get(key)
    return value if value in allowed else allowed[0]


def adopt_legacy(path: Path, legacy: Mapping[str, Any]) -> bool:
    """Move the settings v0.1 kept in QSettings into this file, once (keys already here win). True when any
    value was adopted; the caller then removes LEGACY_KEYS from QSettings."""
    if not legacy:
        return False
    data = read_settings(path)
    adopted: dict[str, Any] = {}

    def number(key: str) -> float | None:
        try:
            value = float(legacy[key])
        except (KeyError, TypeError, ValueError):
            return None
        return value or None

    if "profile" not in data and any(k.startswith("profile/") for k in legacy):
        birth = number("profile/birth_year")
        sex = legacy.get("profile/sex")
        adopted["profile"] = {"weight_kg": number("profile/weight_kg"), "height_cm": number("profile/height_cm"),
                              "birth_year": int(birth) if birth else None,
                              "sex": sex if sex in ("female", "male") else None}
    for key, allowed in (("units", UNITS), ("theme", THEMES)):
        if key not in data and legacy.get(key) in allowed:
            adopted[key] = legacy[key]
    if "whoop_sync_interval_hours" not in data and number("cloud/sync_interval_h"):
        adopted["whoop_sync_interval_hours"] = number("cloud/sync_interval_h")
    if adopted:
        update_settings(path, **adopted)
    return bool(adopted)


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
