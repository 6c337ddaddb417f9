"""A generated WHOOP export (any length, any of our languages): for tests, the benchmark and the demo.

Values are plausible, not physiological: what matters is that every column, the open cycle, unscored cells,
naps, travel across timezones and journal answers occur, with known values to compare an import against.
"""

from __future__ import annotations

import csv
import io
import random
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path

from healthdesk.services.whoop_export.headers import COLUMNS, FILE_COLUMNS, LANGUAGES
from healthdesk.services.whoop_export.parse import format_tz, unix_to_local

LOCAL_NAMES = {
    "en": {"cycles": "physiological_cycles.csv", "sleeps": "sleeps.csv", "workouts": "workouts.csv",
           "journal": "journal_entries.csv"},
    "de": {"cycles": "physiologische_zyklen.csv", "sleeps": "Schlaf.csv", "workouts": "Trainings.csv",
           "journal": "Tagebucheinträge.csv"},
    "es": {"cycles": "ciclos_fisiológicos.csv", "sleeps": "sueños.csv", "workouts": "entrenamientos.csv",
           "journal": "entradas_del_diario.csv"},
}
QUESTIONS = ("Did you drink any alcohol?", "Did you have any caffeine after 2pm?", "Did you feel stressed?",
             "Did you view a screen device in bed?", "Did you eat a late meal?", "Did you use a sauna?")
ACTIVITIES = ("Running", "Cycling", "Functional Fitness", "Weightlifting", "Walking", "Yoga")
TZ_SPELLINGS = {3600: "UTC+01:00", 0: "UTCZ", -18000: "GMT-5"}
BOOL_WORDS = {"en": ("true", "false"), "de": ("true", "false"), "es": ("true", "false")}


def _r(x: float, nd: int = 1) -> str:
    return str(round(x, nd))


def generate(days: int, *, first_day: date = date(2021, 1, 1), seed: int = 7, fahrenheit: bool = False,
             naps_per_day: float = 0.26, workouts_per_day: float = 0.82, questions_per_day: int = 5,
             ) -> dict[str, list[dict[str, str]]]:
    """Rows per file kind, keyed by canonical column key, cells as the export writes them."""
    rng = random.Random(seed)
    out: dict[str, list[dict[str, str]]] = {k: [] for k in FILE_COLUMNS}
    base = datetime(first_day.year, first_day.month, first_day.day, tzinfo=UTC).timestamp()
    # travel: a week in UTC and a week at UTC-5 every ~10 weeks, UTC+1 otherwise
    tz_of = [0 if i % 70 in range(30, 37) else -18000 if i % 70 in range(50, 57) else 3600 for i in range(days + 1)]
    onsets = [base + i * 86400 + 22.5 * 3600 + rng.uniform(-1.5, 1.5) * 3600 - tz_of[i] for i in range(days + 1)]
    onsets = [round(o) for o in onsets]
    for i in range(days):
        tz, tzs = tz_of[i], TZ_SPELLINGS[tz_of[i]]
        start, end = onsets[i], onsets[i + 1]
        in_bed = rng.uniform(380, 540)
        wake = round(start + in_bed * 60)
        awake = rng.uniform(15, 60)
        asleep = in_bed - awake
        light, deep = asleep * rng.uniform(0.45, 0.55), asleep * rng.uniform(0.15, 0.25)
        rem = asleep - light - deep
        is_open = i == days - 1
        unscored = i % 17 == 5
        head = {"cycle_start": unix_to_local(start, tz), "cycle_end": "" if is_open else unix_to_local(end, tz),
                "cycle_tz": tzs}
        temp = rng.uniform(33.0, 35.5)
        sleep = {"sleep_onset": unix_to_local(start, tz), "wake_onset": unix_to_local(wake, tz),
                 "sleep_performance": str(rng.randint(55, 100)), "respiratory_rate": _r(rng.uniform(13, 17)),
                 "asleep_min": _r(asleep), "in_bed_min": _r(in_bed), "light_min": _r(light), "deep_min": _r(deep),
                 "rem_min": _r(rem), "awake_min": _r(awake), "sleep_need": _r(rng.uniform(420, 540)),
                 "sleep_debt": _r(rng.uniform(0, 90)), "sleep_efficiency": str(rng.randint(80, 98)),
                 "sleep_consistency": str(rng.randint(50, 95))}
        cycle = {**head, "recovery": "" if unscored else str(rng.randint(5, 99)),
                 "resting_hr": str(rng.randint(45, 62)), "hrv_rmssd": "" if unscored else str(rng.randint(35, 120)),
                 "skin_temp": _r(temp * 9 / 5 + 32, 2) if fahrenheit else _r(temp, 2),
                 "spo2": _r(rng.uniform(94, 99.5)), "day_strain": "" if is_open else _r(rng.uniform(4, 19)),
                 "calories": str(rng.randint(1800, 3600)), "max_hr": str(rng.randint(120, 190)),
                 "avg_hr": str(rng.randint(58, 80)), **sleep}
        out["cycles"].append(cycle)
        out["sleeps"].append({**head, **sleep, "nap": "false"})
        if rng.random() < naps_per_day:
            n0 = wake + rng.uniform(5, 8) * 3600
            n1 = n0 + rng.uniform(20, 60) * 60
            nap_min = (n1 - n0) / 60
            out["sleeps"].append({**head, "sleep_onset": unix_to_local(n0, tz), "wake_onset": unix_to_local(n1, tz),
                                  "sleep_performance": "", "respiratory_rate": _r(rng.uniform(13, 17)),
                                  "asleep_min": _r(nap_min - 3), "in_bed_min": _r(nap_min), "light_min": _r(nap_min - 8),
                                  "deep_min": "5.0", "rem_min": "0.0", "awake_min": "3.0", "sleep_need": "",
                                  "sleep_debt": "", "sleep_efficiency": str(rng.randint(80, 98)),
                                  "sleep_consistency": "", "nap": "true"})
        if rng.random() < workouts_per_day:
            w0 = wake + rng.uniform(1, 10) * 3600
            dur = rng.uniform(20, 100)
            zones = [rng.random() for _ in range(5)]
            total = sum(zones)
            z = [round(100 * x / total) for x in zones]
            out["workouts"].append({**head, "workout_start": unix_to_local(w0, tz),
                                    "workout_end": unix_to_local(w0 + dur * 60, tz), "duration_min": _r(dur),
                                    "activity": rng.choice(ACTIVITIES), "activity_strain": _r(rng.uniform(3, 18)),
                                    "calories": str(rng.randint(100, 900)), "max_hr": str(rng.randint(130, 195)),
                                    "avg_hr": str(rng.randint(100, 160)), "zone1": str(z[0]), "zone2": str(z[1]),
                                    "zone3": str(z[2]), "zone4": str(z[3]), "zone5": str(z[4]),
                                    "gps": rng.choice(("true", "false"))})
        for q in rng.sample(QUESTIONS, min(questions_per_day, len(QUESTIONS))):
            out["journal"].append({**head, "question": q, "answered_yes": rng.choice(("true", "false")),
                                   "notes": rng.choice(("", "", "felt fine", "late, with friends"))})
    return out


def to_csv(kind: str, rows: list[dict[str, str]], language: str = "en", extra: tuple[str, ...] = ()) -> str:
    lang = LANGUAGES.index(language)
    keys = FILE_COLUMNS[kind] + extra
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([COLUMNS[k][lang] for k in keys])
    for row in rows:
        writer.writerow([row.get(k, "") for k in keys])
    return buffer.getvalue()


def write_export(target: Path, rows: dict[str, list[dict[str, str]]], language: str = "en") -> Path:
    """A folder (target without .zip) or a zip, with the language's own file names."""
    files = {LOCAL_NAMES[language][k]: to_csv(k, v, language) for k, v in rows.items()}
    if target.suffix == ".zip":
        target.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as z:
            for name, text in files.items():
                z.writestr(f"my_whoop_data/{name}", text)
    else:
        target.mkdir(parents=True, exist_ok=True)
        for name, text in files.items():
            (target / name).write_text(text, encoding="utf-8")
    return target


__all__ = ["TZ_SPELLINGS", "format_tz", "generate", "to_csv", "write_export"]
