"""The WHOOP export's column headers in the languages healthdesk recognises (docs/whoop-export.md).

Each column has one canonical key; a file is identified by its header row, never by its name (the app
translates file names and headers). English is the export's own wording; the German and Spanish sets are our
translations of it, matched after case-folding and whitespace collapsing, so small spelling variants of the
same words still match.
"""

from __future__ import annotations

import re

# key: (English, German, Spanish)
COLUMNS: dict[str, tuple[str, str, str]] = {
    "cycle_start": ("Cycle start time", "Zyklus-Startzeit", "Hora de inicio del ciclo"),
    "cycle_end": ("Cycle end time", "Zyklus-Endzeit", "Hora de finalización del ciclo"),
    "cycle_tz": ("Cycle timezone", "Zyklus-Zeitzone", "Zona horaria del ciclo"),
    "recovery": ("Recovery score %", "Erholungswert %", "Puntuación de recuperación %"),
    "resting_hr": ("Resting heart rate (bpm)", "Ruheherzfrequenz (bpm)", "Frecuencia cardíaca en reposo (lpm)"),
    "hrv_rmssd": ("Heart rate variability (ms)", "Herzfrequenzvariabilität (ms)",
                  "Variabilidad de la frecuencia cardíaca (ms)"),
    "skin_temp": ("Skin temp (celsius)", "Hauttemperatur (Celsius)", "Temperatura de la piel (celsius)"),
    "spo2": ("Blood oxygen %", "Blutsauerstoff %", "Oxígeno en sangre %"),
    "day_strain": ("Day Strain", "Tagesbelastung", "Esfuerzo del día"),
    "calories": ("Energy burned (cal)", "Verbrannte Energie (cal)", "Energía quemada (cal)"),
    "max_hr": ("Max HR (bpm)", "Max. HF (bpm)", "FC máxima (lpm)"),
    "avg_hr": ("Average HR (bpm)", "Durchschnittliche HF (bpm)", "FC media (lpm)"),
    "sleep_onset": ("Sleep onset", "Einschlafzeitpunkt", "Inicio del sueño"),
    "wake_onset": ("Wake onset", "Aufwachzeitpunkt", "Inicio de la vigilia"),
    "sleep_performance": ("Sleep performance %", "Schlafleistung %", "Rendimiento del sueño %"),
    "respiratory_rate": ("Respiratory rate (rpm)", "Atemfrequenz (rpm)", "Frecuencia respiratoria (rpm)"),
    "asleep_min": ("Asleep duration (min)", "Schlafdauer (min)", "Duración del sueño (min)"),
    "in_bed_min": ("In bed duration (min)", "Zeit im Bett (min)", "Duración en cama (min)"),
    "light_min": ("Light sleep duration (min)", "Leichtschlafdauer (min)", "Duración del sueño ligero (min)"),
    "deep_min": ("Deep (SWS) duration (min)", "Tiefschlafdauer (SWS) (min)",
                 "Duración del sueño profundo (SWS) (min)"),
    "rem_min": ("REM duration (min)", "REM-Dauer (min)", "Duración REM (min)"),
    "awake_min": ("Awake duration (min)", "Wachdauer (min)", "Duración despierto (min)"),
    "sleep_need": ("Sleep need (min)", "Schlafbedarf (min)", "Necesidad de sueño (min)"),
    "sleep_debt": ("Sleep debt (min)", "Schlafdefizit (min)", "Deuda de sueño (min)"),
    "sleep_efficiency": ("Sleep efficiency %", "Schlafeffizienz %", "Eficiencia del sueño %"),
    "sleep_consistency": ("Sleep consistency %", "Schlafkonstanz %", "Consistencia del sueño %"),
    "nap": ("Nap", "Nickerchen", "Siesta"),
    "workout_start": ("Workout start time", "Trainingsstartzeit", "Hora de inicio del entrenamiento"),
    "workout_end": ("Workout end time", "Trainingsendzeit", "Hora de finalización del entrenamiento"),
    "duration_min": ("Duration (min)", "Dauer (min)", "Duración (min)"),
    "activity": ("Activity name", "Aktivitätsname", "Nombre de la actividad"),
    "activity_strain": ("Activity Strain", "Aktivitätsbelastung", "Esfuerzo de la actividad"),
    "zone1": ("HR Zone 1 %", "HF-Zone 1 %", "Zona de FC 1 %"),
    "zone2": ("HR Zone 2 %", "HF-Zone 2 %", "Zona de FC 2 %"),
    "zone3": ("HR Zone 3 %", "HF-Zone 3 %", "Zona de FC 3 %"),
    "zone4": ("HR Zone 4 %", "HF-Zone 4 %", "Zona de FC 4 %"),
    "zone5": ("HR Zone 5 %", "HF-Zone 5 %", "Zona de FC 5 %"),
    "gps": ("GPS enabled", "GPS aktiviert", "GPS activado"),
    "distance_m": ("Distance (meters)", "Distanz (Meter)", "Distancia (metros)"),
    "altitude_gain_m": ("Altitude gain (meters)", "Höhengewinn (Meter)", "Ganancia de altitud (metros)"),
    "altitude_change_m": ("Altitude change (meters)", "Höhenänderung (Meter)", "Cambio de altitud (metros)"),
    "question": ("Question text", "Fragetext", "Texto de la pregunta"),
    "answered_yes": ("Answered yes", "Mit Ja beantwortet", "Respondió sí"),
    "notes": ("Notes", "Notizen", "Notas"),
    "source": ("Source", "Quelle", "Fuente"),  # healthdesk's own `export whoop-csv` adds it
}
LANGUAGES = ("en", "de", "es")

SLEEP_COLUMNS = ("sleep_onset", "wake_onset", "sleep_performance", "respiratory_rate", "asleep_min", "in_bed_min",
                 "light_min", "deep_min", "rem_min", "awake_min", "sleep_need", "sleep_debt", "sleep_efficiency",
                 "sleep_consistency")
CYCLE_HEAD = ("cycle_start", "cycle_end", "cycle_tz")
# The columns of each file, in the export's order (what `export whoop-csv` writes, then `source`).
FILE_COLUMNS: dict[str, tuple[str, ...]] = {
    "cycles": CYCLE_HEAD + ("recovery", "resting_hr", "hrv_rmssd", "skin_temp", "spo2", "day_strain", "calories",
                            "max_hr", "avg_hr") + SLEEP_COLUMNS,
    "sleeps": CYCLE_HEAD + SLEEP_COLUMNS + ("nap",),
    "workouts": CYCLE_HEAD + ("workout_start", "workout_end", "duration_min", "activity", "activity_strain",
                              "calories", "max_hr", "avg_hr", "zone1", "zone2", "zone3", "zone4", "zone5", "gps"),
    "journal": CYCLE_HEAD + ("question", "answered_yes", "notes"),
}
# Without these a file cannot be placed in time; any other column may be absent (older exports lack some).
REQUIRED: dict[str, tuple[str, ...]] = {
    "cycles": CYCLE_HEAD + ("recovery",),
    "sleeps": CYCLE_HEAD + ("sleep_onset", "wake_onset", "nap"),
    "workouts": CYCLE_HEAD + ("workout_start", "workout_end"),
    "journal": CYCLE_HEAD + ("question", "answered_yes"),
}
OPTIONAL = {"distance_m", "altitude_gain_m", "altitude_change_m", "source"}
FILE_NAMES = {"cycles": "physiological_cycles.csv", "sleeps": "sleeps.csv", "workouts": "workouts.csv",
              "journal": "journal_entries.csv"}
# What tells the four files apart (checked in this order: the cycles file also has every sleep column).
SIGNATURE = (("workouts", "workout_start"), ("journal", "question"), ("cycles", "recovery"), ("sleeps", "nap"))

TRUE_WORDS = {"true", "yes", "1", "wahr", "ja", "verdadero", "sí", "si"}
FALSE_WORDS = {"false", "no", "0", "falsch", "nein", "falso"}


def normalise(header: str) -> str:
    return re.sub(r"\s+", " ", header.replace("\ufeff", "")).strip().casefold()


_LOOKUP: dict[str, dict[str, str]] = {
    lang: {normalise(names[i]): key for key, names in COLUMNS.items()} for i, lang in enumerate(LANGUAGES)
}


def english(key: str) -> str:
    return COLUMNS[key][0]


class UnrecognisedHeader(ValueError):
    """The header row is not one of the export's four files in a language we know."""


def recognise(header: list[str]) -> tuple[str, str, list[str | None]]:
    """(kind, language, column keys in file order; None for a column we do not use)."""
    names = [normalise(h) for h in header]
    best: tuple[int, str] | None = None
    for lang in LANGUAGES:
        hits = sum(1 for n in names if n in _LOOKUP[lang])
        if best is None or hits > best[0]:
            best = (hits, lang)
    assert best is not None
    hits, lang = best
    keys = [_LOOKUP[lang].get(n) for n in names]
    present = {k for k in keys if k}
    for kind, marker in SIGNATURE:
        if marker in present:
            missing = [k for k in REQUIRED[kind] if k not in present]
            if not missing:
                return kind, lang, keys
            wanted = ", ".join(repr(COLUMNS[k][LANGUAGES.index(lang)]) for k in missing)
            raise UnrecognisedHeader(f"header row lacks {wanted}")
    raise UnrecognisedHeader("header row not recognised (not a WHOOP export file, or a language healthdesk does "
                             "not read: English, German, Spanish)")
