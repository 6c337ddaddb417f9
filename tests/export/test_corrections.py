"""Corrections over a real derived database (simulated band history): they survive derive, a re-detection from
scratch after an algorithm-version bump, and show as edited; the CLI names records DAY#N."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import delete

from healthdesk.core.metrics import version
from healthdesk.services import corrections
from healthdesk.services.derive import derive
from healthdesk.store.database import open_database
from healthdesk.store.derived import (
    BandSleepRow,
    BandWorkoutRow,
    daily_values_between,
    sleeps_between,
    workouts_between,
)
from tests.export.conftest import TZ
from tests.export.helpers import cli

SPAN = (date(2023, 11, 1), date(2023, 12, 1))


@pytest.fixture
def db_path(derived_db, tmp_path) -> Path:
    target = tmp_path / "home" / "healthdesk.db"
    target.parent.mkdir()
    shutil.copy(derived_db, target)
    return target


def _bump_and_rederive_from_scratch(db, monkeypatch) -> None:
    """What a new algorithm version does: every band detection is thrown away and made again."""
    bumped = version.ALGORITHM_VERSION + 1
    monkeypatch.setattr(version, "ALGORITHM_VERSION", bumped)
    monkeypatch.setattr("healthdesk.services.derive.ALGORITHM_VERSION", bumped)
    with db.write() as conn:  # and nothing of the old detections is left to lean on
        conn.execute(delete(BandSleepRow).where(BandSleepRow.source == "band"))
        conn.execute(delete(BandWorkoutRow).where(BandWorkoutRow.source == "band"))
    report = derive(db, tz_offset_s=TZ)
    assert report.upgraded_from_older_algorithm  # the stored values were all outdated: full re-derive


def _sleeps(db):
    with db.read() as conn:
        return sleeps_between(conn, 0, 2e9)


def test_rejected_nap_and_edited_sleep_survive_derive_and_a_version_bump(db_path, monkeypatch):
    with open_database(db_path) as db:
        items = corrections.list_items(db, "sleep", *SPAN)
        nap = next(i for i in items if i.kind == "nap")
        main = next(i for i in items if i.kind == "main" and i.ref.endswith("#1") and i.ref > "2023-11-16")
        onset, wake = main.start + 1800, main.end - 1200
        corrections.reject(db, "sleep", nap.ref)
        corrections.edit_sleep(db, main.ref, onset, wake)

        def check() -> None:
            sleeps = _sleeps(db)
            assert not any(corrections.overlaps(nap.start, nap.end, s.start, s.end) for s in sleeps)
            edited = [s for s in sleeps if s.main and corrections.overlaps(main.start, main.end, s.start, s.end)]
            assert len(edited) == 1
            assert (edited[0].start, edited[0].end) == (onset, wake)
            assert edited[0].detail["edited"] is True and edited[0].tib_min == pytest.approx((wake - onset) / 60)
            with db.read() as conn:
                tib = [v for v in daily_values_between(conn, edited[0].day, edited[0].day, ["time_in_bed"], "band")]
            assert tib[0].value == pytest.approx((wake - onset) / 60)
            listed = {i.ref: i for i in corrections.list_items(db, "sleep", *SPAN)}
            assert any(i.rejected and i.start == nap.start for i in listed.values())
            assert any(i.edited and i.start == onset for i in listed.values())

        derive(db, main.start - 43200, main.end + 43200, tz_offset_s=TZ)
        check()  # the partial re-derive a correction triggers (CLI, app), through the end of the data
        _bump_and_rederive_from_scratch(db, monkeypatch)
        check()  # detections made again from scratch


def test_relabelled_workout_keeps_its_label_and_a_rejected_one_stays_away_after_redetection(db_path, monkeypatch):
    with open_database(db_path) as db:
        workouts = corrections.list_items(db, "workout", *SPAN)
        assert len(workouts) >= 2
        relabel, drop = workouts[0], workouts[1]
        corrections.label_workout(db, relabel.ref, "cycling")
        corrections.reject(db, "workout", drop.ref)
        _bump_and_rederive_from_scratch(db, monkeypatch)
        with db.read() as conn:
            stored = workouts_between(conn, 0, 2e9)
    same = [w for w in stored if corrections.overlaps(relabel.start, relabel.end, w.start, w.end)]
    assert [w.kind for w in same] == ["Cycling"]
    assert not any(corrections.overlaps(drop.start, drop.end, w.start, w.end) for w in stored)
    with pytest.raises(corrections.CorrectionError, match="not an activity"):
        corrections.activity_label("Quidditch")


def test_manual_workout_survives_derive_and_is_listed_as_edited(db_path):
    with open_database(db_path) as db:
        start = 1_700_226_000.0  # 2023-11-17 13:00 UTC, no detected workout near
        corrections.add_workout(db, start, start + 2700, "Yoga", "2023-11-17")
        derive(db, tz_offset_s=TZ)
        listed = corrections.list_items(db, "workout", *SPAN)
    manual = [i for i in listed if i.start == start]
    assert len(manual) == 1 and manual[0].kind == "Yoga" and manual[0].edited and manual[0].source == "manual"


def test_cli_lists_rejects_and_names_bad_records_in_one_line(db_path, monkeypatch):
    home = db_path.parent
    monkeypatch.setenv("TZ", "Etc/GMT-1")  # the wearer's clock (UTC+1), as the simulated history
    listed = json.loads(cli(home, "sleep", "list", "--from", "2023-11-14", "--to", "2023-11-30", "--json").stdout)
    nap = next(i for i in listed if i["kind"] == "nap")
    done = cli(home, "sleep", "reject", nap["ref"])
    assert done.stdout.startswith(f"rejected {nap['ref']}")
    again = json.loads(cli(home, "sleep", "list", "--from", "2023-11-14", "--to", "2023-11-30", "--json").stdout)
    assert any(i["rejected"] and i["start"] == nap["start"] for i in again)
    assert not any(i["kind"] == "nap" and i["start"] == nap["start"] for i in again)
    bad = cli(home, "sleep", "reject", "2023-11-16#9", check=False)
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1
    bad = cli(home, "workout", "label", "2023-11-16#1", "Quidditch", check=False)
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1


def test_first_night_moved_earlier_survives_a_full_derive(db_path):
    """The first night's onset moved 40 min earlier: full derives keep exactly one copy, the moved one."""
    with open_database(db_path) as db:
        first = next(i for i in corrections.list_items(db, "sleep", *SPAN) if i.kind == "main")
        corrections.edit_sleep(db, first.ref, first.start - 2400, None)
        derive(db, tz_offset_s=TZ)
        derive(db, tz_offset_s=TZ)
        near = [s for s in _sleeps(db) if corrections.overlaps(first.start, first.end, s.start, s.end)]
    assert [(s.start, s.end) for s in near] == [(first.start - 2400, first.end)]


def test_a_rejected_main_sleep_is_never_scored_and_its_night_joins_the_cycle_before(db_path):
    """The correction reaches the metrics, not only the list: the rejected night gives no recovery and no
    night of its own; the cycle before it simply continues (metrics.md §1, multi-day cycles)."""
    with open_database(db_path) as db:
        mains = [i for i in corrections.list_items(db, "sleep", *SPAN) if i.kind == "main"]
        night = mains[4]
        day = night.ref.split("#")[0]
        with db.read() as conn:
            assert daily_values_between(conn, day, day, ["recovery"], "band")  # scored before
        corrections.reject(db, "sleep", night.ref)
        derive(db, tz_offset_s=TZ)
        with db.read() as conn:
            recovery = daily_values_between(conn, day, day, ["recovery"], "band")
        mains_after = [s for s in _sleeps(db) if s.main]
    assert recovery == []
    assert not any(corrections.overlaps(night.start, night.end, s.start, s.end) for s in mains_after)
    assert len(mains_after) == len(mains) - 1


def test_a_moved_window_keeps_the_detected_minutes_and_counts_added_ones_asleep():
    import numpy as np

    from healthdesk.core.metrics.sleep import ASLEEP, WAKE, SleepPeriod
    from healthdesk.store.corrections import Correction

    t = 1_700_000_040.0 - 1_700_000_040.0 % 60
    state = np.array([WAKE, ASLEEP, ASLEEP, WAKE, ASLEEP, ASLEEP], dtype=np.int8)
    stages = np.array([3, 0, 1, 3, 2, 2], dtype=np.int8)
    detected = SleepPeriod(t, t + 360, True, state, 0.9, stages)
    nap = SleepPeriod(t + 7200, t + 7800, False, np.full(10, ASLEEP, np.int8), 0.8, None)
    moved = Correction("sleep", "edit", t, t + 360, t - 120, t + 240)  # 2 min earlier, 2 min cut at the end
    rejected = Correction("sleep", "reject", t + 7200, t + 7800)
    (p,) = corrections.adjust_periods([detected, nap], [moved, rejected])
    assert (p.start, p.end, p.main) == (t - 120, t + 240, True)
    assert p.state.tolist() == [ASLEEP, ASLEEP, WAKE, ASLEEP, ASLEEP, WAKE]
    assert p.stages.tolist() == [1, 1, 3, 0, 1, 3] and p.tib_min == 6 and p.tst_min == 4
