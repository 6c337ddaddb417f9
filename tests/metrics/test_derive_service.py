"""The derive job and summary over a real SQLite file: stored values, idempotence, sources side by side,
user-edited workouts, and the CLI as a subprocess."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import update

from healthdesk.band.sim.physiology import generate_history
from healthdesk.band.whoop4.decode import DecodedBatch
from healthdesk.config import resolve_paths
from healthdesk.services.derive import derive
from healthdesk.services.ingest import ingest_decoded
from healthdesk.services.summary import REQUIRED_METRICS, summary
from healthdesk.store.database import open_database
from healthdesk.store.derived import (
    BandWorkoutRow,
    DailyValue,
    daily_values_between,
    preferred,
    put_daily_values,
    workouts_between,
)

TZ = 3600
START = 1_699_988_400  # 2023-11-14 19:00 UTC = 20:00 local
ENTRY = "import sys; from healthdesk.cli import main; sys.exit(main())"


def dump(path: Path) -> dict[str, list[tuple]]:
    with sqlite3.connect(path) as conn:
        return {
            t: sorted(conn.execute(f"select * from {t}").fetchall(), key=repr)
            for t in ("daily_values", "band_sleeps", "band_workouts")
        }


def dump_without_ids(path: Path) -> dict[str, list[tuple]]:
    return {
        t: sorted((row[1:] if t != "daily_values" else row for row in rows), key=repr)
        for t, rows in dump(path).items()
    }


@pytest.fixture(scope="module")
def sim():
    return generate_history(9, seed=77, start_unix=START, tz_offset_s=TZ)


@pytest.fixture(scope="module")
def derived_db(tmp_path_factory, sim) -> Path:
    path = tmp_path_factory.mktemp("derive") / "healthdesk.db"
    with open_database(path) as db:
        ingest_decoded(db, "sim", DecodedBatch(records=sim.records))
        report = derive(db, tz_offset_s=TZ)
    assert report.cycles >= 9 and report.values_written > 0 and report.note == ""
    return path


@pytest.fixture
def db_copy(derived_db, tmp_path) -> Path:
    target = tmp_path / "healthdesk.db"
    shutil.copy(derived_db, target)
    return target


def test_stored_values_match_the_truth(derived_db, sim):
    with open_database(derived_db) as db, db.read() as conn:
        rows = daily_values_between(conn, "2023-11-01", "2023-12-31", metrics=["resting_hr", "hrv_rmssd"])
    by_day = {(r.day, r.metric): r for r in rows}
    checked = 0
    for night in sim.truth.nights:
        from healthdesk.core.timeutil import morning_date

        day = morning_date(night.onset, TZ).isoformat()  # named by the morning it ends (metrics §1)
        assert by_day[(day, "resting_hr")].value == pytest.approx(night.resting_hr, abs=2)
        assert by_day[(day, "hrv_rmssd")].value == pytest.approx(night.rmssd_ms, rel=0.10)
        checked += 1
    assert checked == len(sim.truth.nights) >= 8
    assert all(r.source == "band" for r in rows)


def test_deriving_twice_changes_nothing(db_copy):
    before = dump(db_copy)
    with open_database(db_copy) as db:
        derive(db, tz_offset_s=TZ)
    assert dump(db_copy) == before  # computed_at too: unchanged rows are not rewritten


def test_reimport_and_partial_rederive_give_identical_values(db_copy, sim):
    before = dump_without_ids(db_copy)
    night = sim.truth.nights[4]
    with open_database(db_copy) as db:
        again = ingest_decoded(db, "sim", DecodedBatch(records=sim.records[len(sim.records) // 3 :]))
        assert again.records_new == 0
        report = derive(db, night.onset, night.offset, tz_offset_s=TZ)
    assert 1 <= report.cycles <= 6  # from the night's cycle through the end of the data (later days read it)
    assert dump_without_ids(db_copy) == before


def test_cloud_values_stay_beside_band_values_and_priority_picks_per_metric(db_copy):
    day = "2023-11-18"
    cloud = [
        DailyValue(day, "recovery", "whoop_cloud", 71.0, "%", 1.0),
        DailyValue(day, "resting_hr", "whoop_cloud", 49.0, "bpm", 1.0),
    ]
    with open_database(db_copy) as db:
        with db.write() as conn:
            put_daily_values(conn, cloud)
        derive(db, tz_offset_s=TZ)
        with db.read() as conn:
            rows = daily_values_between(conn, day, day)
        doc = summary(db, date(2023, 11, 18), date(2023, 11, 18))
    assert {r.source for r in rows if r.metric == "recovery"} == {"band", "whoop_cloud"}
    shown = preferred(rows)
    assert shown[(day, "recovery")].source == "whoop_cloud"  # WHOOP's calibrated score leads
    assert shown[(day, "resting_hr")].source == "band"  # measured directly: the band leads
    entries = doc["days"][0]["metrics"]["recovery"]
    assert [e["source"] for e in entries] == ["whoop_cloud", "band"] and entries[0]["value"] == 71.0


def test_user_edited_workouts_survive_rederivation(db_copy):
    with open_database(db_copy) as db:
        with db.read() as conn:
            found = workouts_between(conn, 0, 2e9)
        assert found, "the simulated week has workouts"
        target = found[0]
        with db.write() as conn:
            conn.execute(
                update(BandWorkoutRow)
                .where(BandWorkoutRow.start == target.start)
                .values(user_edited=True, strain=15.5, kind="rowing")
            )
        derive(db, tz_offset_s=TZ)
        with db.read() as conn:
            after = workouts_between(conn, 0, 2e9)
    edited = [w for w in after if w.start == target.start]
    assert len(edited) == 1 and edited[0].strain == 15.5 and edited[0].kind == "rowing"
    assert not any(w.start < target.end and target.start < w.end for w in after if w.start != target.start)
    assert len(after) == len(found)


def test_empty_database_derives_nothing_and_summarises_dashes(tmp_path):
    with open_database(tmp_path / "empty.db") as db:
        assert derive(db).note == "no band data"
        doc = summary(db, date(2024, 1, 1), date(2024, 1, 2))
    assert [d["date"] for d in doc["days"]] == ["2024-01-01", "2024-01-02"]
    for d in doc["days"]:
        assert set(REQUIRED_METRICS) <= set(d["metrics"]) and all(v == [] for v in d["metrics"].values())
        assert d["sleeps"] == [] and d["workouts"] == []


def run_cli(home: Path, *args: str) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [sys.executable, "-c", ENTRY, "--home", str(home), *args], capture_output=True, text=True, timeout=300
    )
    assert "Traceback" not in done.stderr, done.stderr
    return done


def test_cli_derive_and_summary_json_shape(tmp_path, derived_db):
    paths = resolve_paths(tmp_path)
    paths.ensure()
    shutil.copy(derived_db, paths.database)
    done = run_cli(tmp_path, "derive", "--from", "2023-11-17T00:00:00Z", "--to", "2023-11-18T00:00:00Z")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["cycles"] >= 1 and report["note"] == ""
    done = run_cli(tmp_path, "summary", "--from", "2023-11-15", "--to", "2023-11-25", "--json")
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert [d["date"] for d in doc["days"]][0] == "2023-11-15" and len(doc["days"]) == 11
    for d in doc["days"]:
        assert set(d) == {"date", "metrics", "sleeps", "workouts"}
        assert set(REQUIRED_METRICS) <= set(d["metrics"])
        for entries in d["metrics"].values():
            for e in entries:
                assert set(e) == {"value", "unit", "confidence", "source"} and 0 <= e["confidence"] <= 1
                assert e["source"] in ("band", "whoop_cloud")
                assert (e["value"] is None) <= (e["confidence"] == 0)
        for s in d["sleeps"]:
            assert set(s) == {"start", "end", "asleep_min", "main", "source"} and s["start"].endswith("Z")
        for w in d["workouts"]:
            assert set(w) == {"start", "end", "strain", "source"} and w["strain"] >= 8.0
    with_sleep = [d for d in doc["days"] if any(s["main"] for s in d["sleeps"])]
    assert len(with_sleep) >= 7
    assert all(d["metrics"]["resting_hr"][0]["value"] is not None for d in with_sleep)
    past_end = doc["days"][-1]  # 2023-11-25: after the simulated week, nothing derived
    assert all(v == [] for v in past_end["metrics"].values()) and past_end["sleeps"] == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("summary", "--from", "2024-13-01", "--to", "2024-12-02", "--json"),
            "--from '2024-13-01' is not a date (use YYYY-MM-DD)",  # the shared day parser (cli/journal)
        ),
        (("derive", "--from", "yesterday"), "--from: 'yesterday' is not an ISO 8601 time"),  # cli/frames
    ],
)
def test_cli_bad_input_is_one_line(tmp_path, args, message):
    done = run_cli(tmp_path, *args)
    assert done.returncode == 2
    lines = [x for x in done.stderr.splitlines() if x.strip()]
    assert len(lines) == 1 and message in lines[0]


def test_cli_ranges_must_be_ordered(tmp_path):
    import argparse

    from healthdesk.cli import CliError
    from healthdesk.cli.metrics import _derive, _summary

    paths = resolve_paths(tmp_path)
    with pytest.raises(CliError, match="--to must not be before --from"):
        _summary(argparse.Namespace(d_from="2024-02-02", d_to="2024-02-01", json=True), paths)
    with pytest.raises(CliError, match="--to must be later than --from"):
        _derive(argparse.Namespace(t_from="2024-02-02", t_to="2024-02-01"), paths)


def _band_calories(home: Path, day: str) -> dict:
    done = run_cli(home, "summary", "--from", day, "--to", day, "--json")
    assert done.returncode == 0, done.stderr
    return next(e for e in json.loads(done.stdout)["days"][0]["metrics"]["calories"] if e["source"] == "band")


def test_the_saved_profile_feeds_calories_and_without_it_they_stay_dashes(tmp_path, derived_db):
    paths = resolve_paths(tmp_path)
    paths.ensure()
    shutil.copy(derived_db, paths.database)
    day = "2023-11-18"
    assert _band_calories(tmp_path, day) == {"value": None, "unit": "kcal", "confidence": 0.0, "source": "band"}
    paths.settings_file.write_text(json.dumps(
        {"profile": {"weight_kg": 72.0, "height_cm": 178.0, "birth_year": 1990, "sex": "female"}}))
    done = run_cli(tmp_path, "derive", "--from", "2023-11-17T00:00:00Z", "--to", "2023-11-20T00:00:00Z")
    assert done.returncode == 0, done.stderr
    entry = _band_calories(tmp_path, day)
    # A day's energy for a 72 kg adult: at least the resting metabolic rate (Mifflin-St Jeor ~1,500 kcal).
    assert 1400 < entry["value"] < 6000 and entry["confidence"] > 0
