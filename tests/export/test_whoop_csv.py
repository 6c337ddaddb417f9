"""Round trip: `export whoop-csv` of a generated history (an imported WHOOP export plus band-derived days), then
`import-whoop-export` of those four files into an empty home, reproduces every value."""

from __future__ import annotations

import csv
import json
import shutil
import sqlite3
from datetime import date
from pathlib import Path

import pytest

from healthdesk.services.whoop_export import import_export
from healthdesk.services.whoop_export.importer import CYCLE_METRICS, SLEEP_METRICS
from healthdesk.services.whoop_export.synthetic import generate, write_export
from healthdesk.store.database import open_database
from healthdesk.store.journal import JournalEntry, entries_between, upsert_entries
from tests.export.conftest import TZ
from tests.export.helpers import EXPORT_TABLES, cli

BAND_DAYS = ("2023-11-15", "2023-11-24")


@pytest.fixture(scope="module")
def round_trip(derived_db, tmp_path_factory):
    root = tmp_path_factory.mktemp("roundtrip")
    home_a, home_b = root / "a", root / "b"
    home_a.mkdir()
    shutil.copy(derived_db, home_a / "healthdesk.db")
    write_export(root / "whoop.zip", generate(40, seed=5, first_day=date(2023, 9, 1)))
    with open_database(home_a / "healthdesk.db") as db:
        import_export(db, root / "whoop.zip")
        with db.write() as conn:  # answers the user gave in the app, on a band day
            upsert_entries(conn, [JournalEntry(date(2023, 11, 17), "alcohol", True, "wedding", "app"),
                                  JournalEntry(date(2023, 11, 17), "sauna", False, None, "app")])
    done = cli(home_a, "export", "whoop-csv", "--from", "2023-08-01", "--to", "2023-12-31", "--out", root / "csv",
               env={"TZ": "Etc/GMT-1"})
    assert "wrote" in done.stdout
    cli(home_b, "import-whoop-export", root / "csv")
    return home_a / "healthdesk.db", home_b / "healthdesk.db", root / "csv"


def _table(db: Path, table: str, where: str = "") -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return sorted(conn.execute(f"select * from {table} {where}").fetchall(), key=repr)


def test_the_four_files_are_the_exports_english_format_with_a_source_column(round_trip):
    _, _, folder = round_trip
    names = sorted(p.name for p in folder.iterdir())
    assert names == ["journal_entries.csv", "physiological_cycles.csv", "sleeps.csv", "workouts.csv"]
    with open(folder / "physiological_cycles.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert rows[0]["Cycle start time"] and "Recovery score %" in rows[0] and "Skin temp (celsius)" in rows[0]
    sources = {r["Source"] for r in rows}
    assert "whoop_export" in sources and any(s.startswith("band") for s in sources)


def test_imported_whoop_rows_come_back_identical(round_trip):
    a, b, _ = round_trip
    where = "where day < '2023-11-01'"
    for table in EXPORT_TABLES:
        assert _table(b, table, where) == _table(a, table, where), table
    values = "select day, metric, value, unit, confidence from daily_values where source='whoop_export' and day < " \
             "'2023-11-01' order by day, metric"
    with sqlite3.connect(a) as ca, sqlite3.connect(b) as cb:
        assert cb.execute(values).fetchall() == ca.execute(values).fetchall()


def test_band_days_come_back_as_the_same_values(round_trip):
    a, b, _ = round_trip
    with sqlite3.connect(a) as ca, sqlite3.connect(b) as cb:
        band = {(d, m): v for d, m, v in ca.execute(
            "select day, metric, value from daily_values where source='band' and day between ? and ?", BAND_DAYS)}
        back = {(d, m): v for d, m, v in cb.execute(
            "select day, metric, value from daily_values where source='whoop_export' and day between ? and ?",
            BAND_DAYS)}
        band_sleeps = ca.execute("select start, \"end\", main, tib_min, asleep_min from band_sleeps "
                                 "where day between ? and ? order by start", BAND_DAYS).fetchall()
        sleeps_back = cb.execute("select start, \"end\", nap, fields from whoop_export_sleeps "
                                 "where day between ? and ? order by start", BAND_DAYS).fetchall()
        band_workouts = ca.execute("select start, \"end\", strain from band_workouts order by start").fetchall()
        workouts_back = cb.execute("select start, \"end\", strain from whoop_export_workouts "
                                   "where day >= '2023-11-01' order by start").fetchall()
    metrics = [m for m, _u in {**CYCLE_METRICS, **SLEEP_METRICS}.values()]
    compared = 0
    for (day, metric), value in band.items():
        if metric in metrics and value is not None and day in {d for d, _m in back}:
            assert back[(day, metric)] == pytest.approx(value, rel=1e-12), (day, metric)
            compared += 1
    assert compared >= 30
    assert [(s, e, not main) for s, e, main, *_ in band_sleeps] == [(s, e, bool(n)) for s, e, n, _f in sleeps_back]
    for (_s, _e, _m, tib, asleep), (*_, fields) in zip(band_sleeps, sleeps_back, strict=True):
        f = json.loads(fields)
        assert (f["in_bed_min"], f["asleep_min"]) == pytest.approx((tib, asleep), rel=1e-12)
    assert workouts_back == band_workouts and len(workouts_back) >= 3
    assert TZ == 3600


def test_the_apps_journal_answers_come_back_as_journal_entries(round_trip):
    _, b, folder = round_trip
    with open(folder / "journal_entries.csv", encoding="utf-8") as f:
        app_rows = [r for r in csv.DictReader(f) if r["Source"] == "app"]
    assert sorted((r["Question text"], r["Answered yes"], r["Notes"]) for r in app_rows) == [
        ("Alcohol", "true", "wedding"), ("Sauna", "false", "")]
    with open_database(b) as db, db.read() as conn:
        back = [(e.tag, e.answered_yes, e.note) for e in entries_between(conn, date(2023, 11, 17), date(2023, 11, 17))]
    assert sorted(back) == [("alcohol", True, "wedding"), ("sauna", False, None)]
