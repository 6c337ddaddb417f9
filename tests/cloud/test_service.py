"""The sync job: at start, every N hours, on demand; next run known; disconnect stops and keeps data."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import pytest
from cloud_helpers import connect_through_browser

from healthdesk.cloud.clock import VirtualClock
from healthdesk.cloud.secrets import MemorySecretStore, TokenPair
from healthdesk.config import resolve_paths
from healthdesk.services.cloud_sync import (
    CloudSyncService,
    SyncEvent,
    interval_from_settings,
    options_from_settings,
)
from healthdesk.store import cloud as local


class ManualClock(VirtualClock):
    """Sleeps wait until the test moves time on, so a timer cannot run ahead of the test."""

    async def sleep(self, seconds: float) -> None:
        target = self.time() + max(0.0, seconds)
        while self.time() < target:
            await asyncio.sleep(0.001)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


async def until(condition, clock: ManualClock | None = None, step: float = 0.0) -> None:
    for _ in range(20_000):
        if condition():
            return
        if clock is not None and step:
            clock.advance(step)
        await asyncio.sleep(0.001)
    raise AssertionError("condition not reached")


@pytest.fixture
def service(db, server, clock, fake, aio):
    events: list[SyncEvent] = []
    svc = CloudSyncService(db, api_base=server.base_url, clock=clock, store=MemorySecretStore(),
                           interval_hours=2.0, on_event=events.append)
    svc.events = events
    aio(connect_through_browser(svc.stack, fake))
    yield svc
    aio(svc.aclose())


def finished(svc) -> int:
    return sum(1 for e in svc.events if e.kind == "finished")


def test_syncs_at_start_then_every_interval(service, clock, db, data, aio):
    t0 = clock.time()
    seen: list[tuple[float, float | None]] = []
    record = service.on_event
    service.on_event = lambda e: (record(e), e.kind == "finished" and seen.append((clock.time(),
                                                                                  service.next_run_at)))

    async def run_three():
        service.start()
        for n in (1, 2, 3):
            await until(lambda n=n: len(seen) == n)
            if n < 3:
                await asyncio.sleep(0.01)
                assert len(seen) == n  # nothing runs before the interval is over
                clock.advance(7200)
        await service.stop()

    aio(run_three())
    assert [t - t0 for t, _ in seen] == pytest.approx([0, 7200, 14400])  # at start, then every 2 h
    assert [n - t for t, n in seen] == pytest.approx([7200] * 3)  # the next run is always known
    progress = [e for e in service.events if e.kind == "progress"]
    assert [e.resource for e in progress][:1] == ["cycle"] and progress[-1].resource == "workout"
    assert {e.resource for e in progress} == {"cycle", "sleep", "recovery", "workout"}
    reports = [e.report for e in service.events if e.kind == "finished"]
    assert reports[0].resources["cycle"].new == len(data.cycles)  # the first run is the backfill
    assert all(r.resources["cycle"].new == 0 for r in reports[1:])
    with local.read_session(db) as session:
        assert local.get_connection(session).next_sync_at is not None
    assert service.next_run_at is None  # stopped


def test_on_demand_sync_reschedules_the_timer(service, clock, aio):
    async def scenario():
        service.start()
        await until(lambda: finished(service) == 1)
        scheduled = service.next_run_at
        clock.advance(3600)  # an hour later the user presses "Sync now"
        await service.sync_now()
        moved = service.next_run_at
        await service.stop()
        return scheduled, moved

    scheduled, moved = aio(scenario())
    assert moved == pytest.approx(scheduled + 3600)
    assert finished(service) == 2


def test_failed_sync_reports_and_keeps_the_timer(service, fake, clock, aio):
    fake.fail_next = [503] * 20

    async def scenario():
        service.start()
        await until(lambda: any(e.kind == "failed" for e in service.events), clock, step=5.0)
        next_at = service.next_run_at
        await service.stop()
        return next_at

    next_at = aio(scenario())
    failure = next(e for e in service.events if e.kind == "failed")
    assert "HTTP 503" in failure.error and failure.needs_reauth is False
    assert next_at is not None


def test_disconnect_with_revoke_keeps_the_data(service, fake, db, aio):
    aio(service.sync_now())
    with local.read_session(db) as session:
        before = local.dump_local_copy(session)
    warning = aio(service.disconnect(revoke=True))
    assert warning is None
    assert not any(g.alive for g in fake.grants.values())
    assert service.store.get_tokens() is None and service.store.get_credentials() is None
    assert service.status()["status"] == "disconnected" and service.next_run_at is None
    with local.read_session(db) as session:
        assert local.dump_local_copy(session) == before


def test_interval_and_overlap_settings(tmp_path):
    paths = resolve_paths(tmp_path).ensure()
    assert interval_from_settings(paths) == 2.0
    assert options_from_settings(paths).overlap == timedelta(hours=72)
    paths.settings_file.write_text(json.dumps({"whoop_sync_interval_hours": 6, "whoop_sync_overlap_hours": 24}))
    assert interval_from_settings(paths) == 6.0
    assert options_from_settings(paths).overlap == timedelta(hours=24)
    paths.settings_file.write_text("{not json")
    assert interval_from_settings(paths) == 2.0 and options_from_settings(paths).overlap == timedelta(hours=72)


def test_from_paths_reads_settings_and_warns_without_keyring(db, tmp_path):
    paths = resolve_paths(tmp_path).ensure()
    paths.settings_file.write_text(json.dumps({"whoop_sync_interval_hours": 3, "whoop_sync_overlap_hours": 48}))
    svc = CloudSyncService.from_paths(db, paths)
    assert svc.interval_s == 3 * 3600 and svc.options.overlap == timedelta(hours=48)
    assert svc.lock_path == paths.config_dir / "whoop-token.lock"
    svc.store.set_tokens(TokenPair("a", "r", 1.0))
    assert svc.keyring_warning is not None and "in memory" in svc.keyring_warning  # tests run on the fail backend


def test_scheduling_before_any_sign_in_does_not_mark_the_account_connected(tmp_path):
    from healthdesk.store import cloud as local
    from healthdesk.store.database import open_database

    db = open_database(tmp_path / "healthdesk.db")
    try:
        with local.write_session(db) as session:
            local.put_connection(session, next_sync_at="2026-11-21T10:00:00Z")
        with local.read_session(db) as session:
            assert session.get(local.WhoopConnection, 1).status == "disconnected"
    finally:
        db.close()
