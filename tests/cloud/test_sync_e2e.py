"""End to end: sign in through the real loopback redirect, backfill a simulated year, converge after changes."""

from __future__ import annotations

import copy
import json
from datetime import timedelta

import pytest
from cloud_helpers import connect_through_browser
from fake_whoop.data import parse
from sqlalchemy import select

from healthdesk.store import cloud as local

NOTHING_NEW_REQUESTS = 4  # one page per collection; nothing pending outside the 72 h window


@pytest.fixture
def data(year_history):
    """This module syncs one simulated year."""
    return copy.deepcopy(year_history)


def live_dump(db) -> dict:
    with local.read_session(db) as session:
        dump = local.dump_local_copy(session)
    return {name: [{"id": r["id"], "updated_at": r["updated_at"], "score_state": r["score_state"]}
                   for r in rows if not r["deleted"]] for name, rows in dump.items()}


def deleted_ids(db) -> dict:
    with local.read_session(db) as session:
        dump = local.dump_local_copy(session)
    return {name: {r["id"] for r in rows if r["deleted"]} for name, rows in dump.items()}


def counts(report) -> dict:
    return report.to_dict()["resources"]


@pytest.fixture
def synced(make_stack, fake, db, aio):
    """Connected through the browser flow and backfilled; returns (stack, backfill report)."""
    async def go():
        stack = make_stack()
        outcome = await connect_through_browser(stack, fake)
        assert outcome["status"] == 200 and outcome["final_url"].startswith("http://127.0.0.1:")
        return stack, await stack.syncer().run()

    return aio(go())


def test_backfill_of_a_year_equals_the_server_exactly(synced, db, data, aio):
    _, report = synced
    assert live_dump(db) == data.expected_dump()
    assert deleted_ids(db) == {name: set() for name in local.RESOURCES}
    assert counts(report) == {name: {"new": len(table), "updated": 0, "deleted": 0}
                              for name, table in data.snapshot().items()}
    assert report.requests <= 70 and report.rate_limit_waits == 0
    with local.read_session(db) as session:  # raw JSON kept byte-for-byte in meaning, typed columns filled
        for resource, table in data.snapshot().items():
            stored = {local.record_key(resource, r): r for r in local.raw_records(session, resource)}
            assert stored == table
        sample = next(c for c in data.recoveries.values() if c["score_state"] == "SCORED")
        row = session.get(local.WhoopRecovery, sample["cycle_id"])
        assert (row.recovery_score, row.hrv_rmssd_ms, row.spo2_pct) == (
            sample["score"]["recovery_score"], sample["score"]["hrv_rmssd_milli"], sample["score"]["spo2_percentage"])
        offsets = set(session.scalars(select(local.WhoopCycle.timezone_offset)))
        assert {"Z", "+05:30", "-05:00", "+01:00"} <= offsets
        open_cycle = session.get(local.WhoopCycle, max(data.cycles))
        assert open_cycle.end is None and open_cycle.score_state == "PENDING_SCORE" and open_cycle.strain is None
        profile = session.get(local.WhoopProfile, data.user_id)
        assert profile.max_heart_rate == data.body["max_heart_rate"]


def test_incremental_converges_after_rescores_edits_and_deletes(synced, db, data, fake, aio):
    stack, _ = synced
    rescored = data.rescore_pending()  # the last recovery and the last workout become SCORED
    newest_sleeps = sorted((s for s in data.sleeps.values() if not s["nap"]), key=lambda s: s["start"])
    edited = newest_sleeps[-2]["id"]
    data.edit_sleep(edited, shift_minutes=-25)  # re-scores the sleep and its recovery
    gone_sleep = newest_sleeps[-3]["id"]
    gone_recovery = data.delete_sleep(gone_sleep)  # cascades to its recovery
    recent_workouts = sorted(data.workouts.values(), key=lambda w: w["start"])
    gone_workout = next(w["id"] for w in reversed(recent_workouts)
                        if data.now - parse(w["start"]) < timedelta(hours=60) and ("workout", w["id"]) not in rescored)
    data.delete_workout(gone_workout)
    logged = data.log_workout(days_ago=1.5)
    data.grow_open_cycle()

    report = aio(stack.syncer().run())
    assert live_dump(db) == data.expected_dump()
    assert deleted_ids(db) == {"cycle": set(), "sleep": {gone_sleep}, "recovery": {gone_recovery},
                               "workout": {gone_workout}}
    kinds = {name for name, _ in rescored}
    assert kinds == {"recovery", "workout"}
    assert counts(report) == {
        "cycle": {"new": 0, "updated": 1, "deleted": 0},
        "sleep": {"new": 0, "updated": 1, "deleted": 1},
        "recovery": {"new": 0, "updated": 2, "deleted": 1},
        "workout": {"new": 1, "updated": 1, "deleted": 1},
    }
    assert logged in {r["id"] for r in live_dump(db)["workout"]}

    again = aio(stack.syncer().run())
    assert again.requests == NOTHING_NEW_REQUESTS
    assert counts(again) == {name: {"new": 0, "updated": 0, "deleted": 0} for name in local.RESOURCES}


def test_pending_record_older_than_the_window_is_refetched_by_id(make_stack, fake, db, data, aio):
    old = sorted(data.workouts.values(), key=lambda w: w["start"])[-20]  # weeks old
    old["score_state"] = "PENDING_SCORE"
    old.pop("score")

    async def go():
        stack = make_stack()
        await connect_through_browser(stack, fake)
        await stack.syncer().run()
        data.rescore_pending()
        return await stack.syncer().run()

    report = aio(go())
    assert live_dump(db) == data.expected_dump()
    # + one by-id fetch for the weeks-old workout (today's pending ones and the open cycle are in the window)
    assert report.requests == NOTHING_NEW_REQUESTS + 1
    assert counts(report)["workout"]["updated"] == 2 and counts(report)["recovery"]["updated"] == 1


def test_old_deletion_is_caught_by_the_daily_deep_pass(synced, db, data, clock, aio):
    stack, _ = synced
    ten_days = sorted(data.workouts.values(), key=lambda w: w["start"])[-4]
    assert data.now - parse(ten_days["start"]) > timedelta(hours=72 + 24)
    data.delete_workout(ten_days["id"])
    same_day = aio(stack.syncer().run())
    assert same_day.requests == NOTHING_NEW_REQUESTS and deleted_ids(db)["workout"] == set()
    clock.advance(24 * 3600)
    deep = aio(stack.syncer().run())
    assert deleted_ids(db)["workout"] == {ten_days["id"]}
    assert counts(deep)["workout"]["deleted"] == 1
    assert live_dump(db) == data.expected_dump()


def test_full_resync_changes_nothing_and_never_downgrades(synced, db, data, aio):
    stack, _ = synced
    with local.read_session(db) as session:
        before = {r: sorted(map(json.dumps, local.raw_records(session, r))) for r in local.RESOURCES}
    report = aio(stack.syncer().run(full=True))
    assert counts(report) == {name: {"new": 0, "updated": 0, "deleted": 0} for name in local.RESOURCES}
    with local.read_session(db) as session:
        after = {r: sorted(map(json.dumps, local.raw_records(session, r))) for r in local.RESOURCES}
        assert after == before
        # an older copy of a record must never overwrite the stored one
        cycle = dict(data.cycles[max(data.cycles) - 1])
        stale = dict(cycle, updated_at="2020-01-01T00:00:00.000Z", score_state="PENDING_SCORE")
        stale.pop("score")
        assert local.upsert_records(session, "cycle", [stale], "2026-01-01T00:00:00.000Z") == [(cycle["id"], "unchanged")]


def test_pre_4_strap_has_no_spo2_or_skin_temp(make_stack, fake, db, aio):
    from fake_whoop import simulate_history
    fake.data = simulate_history(days=20, seed=3, pre4_strap=True)

    async def go():
        stack = make_stack()
        await connect_through_browser(stack, fake)
        await stack.syncer().run()

    aio(go())
    with local.read_session(db) as session:
        rows = session.scalars(select(local.WhoopRecovery).where(local.WhoopRecovery.score_state == "SCORED")).all()
        assert rows and all(r.spo2_pct is None and r.skin_temp_c is None and r.hrv_rmssd_ms for r in rows)



def test_incremental_window_is_watermark_minus_overlap(synced, db, data, fake, aio):
    from datetime import datetime

    from healthdesk.cloud.sync import SyncOptions

    stack, _ = synced
    fake.log.clear()
    aio(stack.syncer(SyncOptions(overlap=timedelta(hours=24))).run())
    def window_start(table: dict) -> str:
        newest = max(r["start"] for r in table.values())
        return local.iso_utc(datetime.fromisoformat(newest.replace("Z", "+00:00")) - timedelta(hours=24))

    expected = {"/developer/v2/cycle": window_start(data.cycles),  # recoveries are placed by their cycle
                "/developer/v2/activity/sleep": window_start(data.sleeps),
                "/developer/v2/recovery": window_start(data.cycles),
                "/developer/v2/activity/workout": window_start(data.workouts)}
    collections = [r for r in fake.data_requests() if r.path in expected]
    assert [r.path for r in collections] == list(expected)  # cycles -> sleeps -> recoveries -> workouts
    assert {r.path: r.query["start"] for r in collections} == expected
    assert all(r.query["limit"] == "25" and "end" not in r.query for r in collections)
