"""import-whoop-export over real files (zip and folder) into a real SQLite file: languages, timezones, °F,
the open cycle, unscored cells, malformed and foreign files, idempotent re-import, journal entries, the CLI."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from healthdesk.services.whoop_export import import_export
from healthdesk.services.whoop_export.synthetic import generate, to_csv, write_export
from healthdesk.store.database import open_database
from healthdesk.store.journal import entries_between
from tests.export.helpers import cli, dump_export

DAYS = 75  # covers all three timezone spellings (UTC+01:00, UTCZ, GMT-5) and unscored cycles


@pytest.fixture(scope="module")
def rows():
    return generate(DAYS, seed=11)


@pytest.fixture(scope="module")
def english_db(tmp_path_factory, rows) -> Path:
    folder = tmp_path_factory.mktemp("en")
    write_export(folder / "export.zip", rows, "en")
    with open_database(folder / "h.db") as db:
        report = import_export(db, folder / "export.zip")
    assert report.warnings == [] and report.rows_skipped == 0
    assert report.counts["cycles"].new == DAYS
    return folder / "h.db"


def _unix(local: str, offset_h: float) -> float:
    return datetime.fromisoformat(local).replace(tzinfo=UTC).timestamp() - offset_h * 3600


def test_every_generated_value_lands_in_the_store(english_db, rows):
    dump = dump_export(english_db)
    stored = [json.loads(r[4]) for r in sorted(dump["whoop_export_cycles"])]  # by start: the files' order
    assert len(stored) == DAYS
    for fields, row in zip(stored, rows["cycles"], strict=True):
        for key in ("recovery", "hrv_rmssd", "resting_hr", "spo2", "asleep_min", "sleep_debt", "day_strain"):
            assert fields[key] == (float(row[key]) if row[key] else None), key
    values = {(d, m): v for d, m, _s, v, *_ in dump["daily_values"]}
    assert len(dump["whoop_export_sleeps"]) == len(rows["sleeps"])
    assert len(dump["whoop_export_workouts"]) == len(rows["workouts"])
    assert {m for _d, m in values} >= {"recovery", "resting_hr", "hrv_rmssd", "day_strain", "sleep_duration",
                                       "time_in_bed", "sleep_performance", "sleep_need", "sleep_debt",
                                       "sleep_efficiency", "sleep_consistency", "respiratory_rate", "calories",
                                       "spo2", "skin_temp"}
    unscored = [v for (d, m), v in values.items() if m == "recovery" and v is None]
    assert len(unscored) == len([r for r in rows["cycles"] if not r["recovery"]]) > 0  # empty cell -> missing
    assert all(r[5] == 0.0 for r in dump["daily_values"] if r[3] is None)  # missing values carry confidence 0
    kcal = {v for (d, m), v in values.items() if m == "calories"}
    assert kcal == {float(r["calories"]) for r in rows["cycles"]}  # kcal kept as kcal


def test_cycles_are_named_by_the_local_date_of_wake_and_the_open_cycle_has_no_end(english_db, rows):
    with sqlite3.connect(english_db) as conn:
        cycles = conn.execute('select start, "end", day, fields from whoop_export_cycles order by start').fetchall()
    for (_start, end, day, _fields), row in zip(cycles, rows["cycles"], strict=True):
        assert day == row["wake_onset"][:10]
        assert (end is None) == (row["cycle_end"] == "")
    assert cycles[-1][1] is None and json.loads(cycles[-1][3])["day_strain"] is None
    assert sum(1 for c in cycles if c[1] is None) == 1


def test_three_timezone_spellings_give_the_same_instants(tmp_path):
    header = to_csv("cycles", [])
    lines = ["2024-03-10 23:00:00,2024-03-11 23:00:00,UTC+01:00,50,,,,,,,,,2024-03-10 23:00:00,"
             "2024-03-11 06:30:00,,,,,,,,,,,,",
             "2024-03-11 22:00:00,2024-03-12 22:00:00,UTCZ,60,,,,,,,,,2024-03-11 22:00:00,2024-03-12 05:00:00,,,,,,,,,,,,",
             "2024-03-12 17:00:00,,GMT-5,70,,,,,,,,,2024-03-12 17:00:00,2024-03-13 01:30:00,,,,,,,,,,,,"]
    (tmp_path / "export").mkdir()
    (tmp_path / "export" / "any name at all.csv").write_text(header + "\n".join(lines) + "\n", encoding="utf-8")
    with open_database(tmp_path / "h.db") as db:
        report = import_export(db, tmp_path / "export")
    assert report.counts["cycles"].new == 3 and report.warnings == []
    with sqlite3.connect(tmp_path / "h.db") as conn:
        got = conn.execute('select start, "end", tz_offset_s, day from whoop_export_cycles order by start').fetchall()
    t = _unix("2024-03-10 22:00:00", 0)
    assert [g[0] for g in got] == [t, t + 86400, t + 2 * 86400]  # 22:00 UTC each night, whatever the spelling
    assert [g[2] for g in got] == [3600, 0, -18000]
    assert got[0][1] == t + 86400 and got[1][1] == t + 2 * 86400 and got[2][1] is None
    assert [g[3] for g in got] == ["2024-03-11", "2024-03-12", "2024-03-13"]  # the local date of each wake


@pytest.mark.parametrize("language, as_zip", [("de", False), ("es", True)])
def test_translated_file_sets_import_the_same_as_english(tmp_path, rows, english_db, language, as_zip):
    target = write_export(tmp_path / ("export.zip" if as_zip else "export"), rows, language)
    with open_database(tmp_path / "h.db") as db:
        report = import_export(db, target)
    assert report.warnings == []
    assert {f["language"] for f in report.files} == {language}
    assert dump_export(tmp_path / "h.db") == dump_export(english_db)


def test_fahrenheit_skin_temperature_is_detected_and_converted(tmp_path, rows):
    celsius = [float(r["skin_temp"]) for r in rows["cycles"]]
    hot = generate(DAYS, seed=11, fahrenheit=True)
    write_export(tmp_path / "f", {"cycles": hot["cycles"]})
    with open_database(tmp_path / "h.db") as db:
        report = import_export(db, tmp_path / "f")
    assert report.warnings == ["physiological_cycles.csv: skin temperature given in °F; converted to °C"]
    with sqlite3.connect(tmp_path / "h.db") as conn:
        stored = [json.loads(f)["skin_temp"] for (f,) in conn.execute(
            "select fields from whoop_export_cycles order by start")]
    assert stored == pytest.approx(celsius, abs=0.01)  # both files were written with 2 decimals


def test_malformed_and_foreign_files_give_one_line_each_and_import_nothing_from_them(tmp_path, rows):
    folder = write_export(tmp_path / "export", rows, "en")
    broken = to_csv("sleeps", rows["sleeps"]).splitlines()
    broken[3] = broken[3].replace(rows["sleeps"][2]["asleep_min"], "lots", 1)
    (folder / "sleeps.csv").write_text("\n".join(broken) + "\n", encoding="utf-8")
    (folder / "cycles_fr.csv").write_text("Heure de début du cycle,Score de récupération %\n2024-01-01 23:00:00,50\n",
                                          encoding="utf-8")
    with open_database(tmp_path / "h.db") as db:
        report = import_export(db, folder)
    assert len(report.warnings) == 2
    sleeps_line = next(w for w in report.warnings if w.startswith("sleeps.csv"))
    assert "row 4" in sleeps_line and "nothing imported" in sleeps_line and "\n" not in sleeps_line
    assert any(w.startswith("cycles_fr.csv") and "not recognised" in w for w in report.warnings)
    assert report.counts["sleeps"].new == 0 and report.counts["cycles"].new == DAYS


def test_reimport_is_idempotent_and_a_newer_export_updates_only_what_changed(tmp_path, rows):
    write_export(tmp_path / "a.zip", rows)
    newer = {k: [dict(r) for r in v] for k, v in rows.items()}
    newer["cycles"][10]["recovery"] = "1" if newer["cycles"][10]["recovery"] != "1" else "2"
    newer["workouts"][3]["activity"] = "Rowing"
    newer["cycles"][-1]["cycle_end"] = "2099-01-01 00:00:00"  # a later export: the open cycle has closed
    write_export(tmp_path / "b.zip", newer)
    with open_database(tmp_path / "h.db") as db:
        import_export(db, tmp_path / "a.zip")
        snapshot = dump_export(tmp_path / "h.db")
        again = import_export(db, tmp_path / "a.zip")
        assert {k: (c.new, c.updated) for k, c in again.counts.items()} == {
            "cycles": (0, 0), "sleeps": (0, 0), "workouts": (0, 0), "journal": (0, 0)}
        assert dump_export(tmp_path / "h.db") == snapshot
        later = import_export(db, tmp_path / "b.zip")
    assert (later.counts["cycles"].new, later.counts["cycles"].updated) == (0, 2)
    assert (later.counts["workouts"].new, later.counts["workouts"].updated) == (0, 1)
    assert later.counts["sleeps"].updated == 0 and later.counts["journal"].updated == 0


def test_journal_answers_become_journal_entries_on_morning_dates(english_db, rows):
    with open_database(english_db) as db, db.read() as conn:
        entries = entries_between(conn, date(2020, 1, 1), date(2030, 1, 1))
    assert len(entries) == len(rows["journal"])
    first = rows["cycles"][0]
    alcohol = [e for e in entries if e.tag == "alcohol" and e.day.isoformat() == first["wake_onset"][:10]]
    answer = [r for r in rows["journal"] if r["cycle_start"] == first["cycle_start"] and "alcohol" in r["question"]]
    assert len(alcohol) == len(answer) <= 1
    if answer:
        assert alcohol[0].answered_yes == (answer[0]["answered_yes"] == "true")
        assert alcohol[0].source == "whoop_export"


def test_cli_prints_one_json_object_and_bad_paths_are_one_line(tmp_path, rows):
    write_export(tmp_path / "x.zip", {k: v[:20] for k, v in rows.items()})
    home = tmp_path / "home"
    done = cli(home, "import-whoop-export", tmp_path / "x.zip")
    out = json.loads(done.stdout)
    assert set(out) == {"cycles", "sleeps", "workouts", "journal", "rows_skipped", "warnings"}
    assert out["cycles"] == {"new": 20, "updated": 0}
    (tmp_path / "notzip.zip").write_text("hello")
    for bad in (tmp_path / "missing.zip", tmp_path / "notzip.zip"):
        done = cli(home, "import-whoop-export", bad, check=False)
        assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1 and done.stdout == ""


def test_imported_history_never_changes_band_derived_values(derived_db, tmp_path):
    """Band scores use band history only (metrics.md §12, §18): importing WHOOP's values for the same days and
    deriving again leaves every band value as it was; the imported ones sit beside them."""
    import shutil

    from healthdesk.services.derive import derive
    from tests.export.conftest import TZ

    shutil.copy(derived_db, tmp_path / "h.db")
    band = "select day, metric, value, confidence from daily_values where source = 'band' order by day, metric"
    with sqlite3.connect(tmp_path / "h.db") as conn:
        before = conn.execute(band).fetchall()
    write_export(tmp_path / "x.zip", generate(12, seed=8, first_day=date(2023, 11, 13)))
    with open_database(tmp_path / "h.db") as db:
        import_export(db, tmp_path / "x.zip")
        derive(db, tz_offset_s=TZ)
    with sqlite3.connect(tmp_path / "h.db") as conn:
        assert conn.execute(band).fetchall() == before
        both = conn.execute("select count(*) from daily_values a join daily_values b on a.day = b.day and "
                            "a.metric = b.metric where a.source = 'band' and b.source = 'whoop_export'").fetchone()
    assert both[0] > 50
