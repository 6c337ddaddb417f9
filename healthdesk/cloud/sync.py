"""Incremental WHOOP sync into the local copy (store/cloud.py).

Per resource, in the order cycles -> sleeps -> recoveries -> workouts (a recovery is placed in time by its
sleep, so sleeps land first):
- backfill (first run or --full): walk the whole collection without `start`, 25 per page;
- incremental: walk from `watermark - overlap` (72 h), because WHOOP re-scores and users edit after the fact
  and there is no "changed since" query; once a day the window deepens to 30 days;
- then re-fetch by id whatever WHOOP may still change and the walk did not return: PENDING_SCORE records
  and the open cycle (a 404 there is a deletion);
- reconcile deletions only inside a fully walked, non-empty window, as soft deletes.
Each page is one transaction, so a failure mid-walk leaves only whole, valid pages behind; the watermark
moves only after a resource completed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from healthdesk.cloud.client import WhoopClient
from healthdesk.cloud.clock import Clock
from healthdesk.cloud.errors import BadResponse, CloudError
from healthdesk.core.timeutil import parse_iso
from healthdesk.store import cloud as local

log = logging.getLogger(__name__)
T = TypeVar("T")

COLLECTION_PATHS = {"cycle": "/v2/cycle", "sleep": "/v2/activity/sleep", "recovery": "/v2/recovery",
                    "workout": "/v2/activity/workout"}


def by_id_path(resource: str, key: int | str) -> str:
    return {"cycle": f"/v2/cycle/{key}", "sleep": f"/v2/activity/sleep/{key}",
            "recovery": f"/v2/cycle/{key}/recovery", "workout": f"/v2/activity/workout/{key}"}[resource]


@dataclass(frozen=True)
class SyncOptions:
    overlap: timedelta = timedelta(hours=72)
    deep_window: timedelta = timedelta(days=30)
    deep_every: timedelta = timedelta(days=1)


@dataclass
class ResourceCounts:
    new: int = 0
    updated: int = 0
    deleted: int = 0


@dataclass
class SyncReport:
    requests: int = 0
    rate_limit_waits: int = 0
    resources: dict[str, ResourceCounts] = field(
        default_factory=lambda: {name: ResourceCounts() for name in local.RESOURCES})

    def to_dict(self) -> dict[str, Any]:
        return {"requests": self.requests, "rate_limit_waits": self.rate_limit_waits,
                "resources": {name: asdict(c) for name, c in self.resources.items()}}


def _iso(epoch: float) -> str:
    return local.iso_utc(datetime.fromtimestamp(epoch, UTC))


def _key_of(resource: str, record: dict[str, Any]) -> int | str:
    try:
        return local.record_key(resource, record)
    except (KeyError, TypeError) as exc:
        raise BadResponse(f"WHOOP sent a {resource} record without its id") from exc


class WhoopSync:
    def __init__(self, client: WhoopClient, db: Any, clock: Clock, options: SyncOptions | None = None,
                 on_changed: Callable[[Any, dict[str, set[int | str]]], None] | None = None,
                 on_progress: Callable[[str, SyncReport], None] | None = None) -> None:
        """`db` is a store Database; `on_changed(session, keys by resource)` runs in the final transaction
        (used to project WHOOP values into the daily values table); `on_progress(resource, report so far)`
        runs on the event loop after every stored page."""
        self.client, self.db, self.clock = client, db, clock
        self.options = options or SyncOptions()
        self.on_changed = on_changed
        self.on_progress = on_progress or (lambda resource, report: None)
        self.report = SyncReport()

    async def _in_db(self, work: Callable[[Session], T]) -> T:
        """Run `work(session)` as one write transaction on a worker thread: SQL never runs on the event loop
        (which is the UI thread under qasync)."""
        def job() -> T:
            with local.write_session(self.db) as session:
                return work(session)

        return await asyncio.to_thread(job)

    async def run(self, full: bool = False) -> SyncReport:
        stats = self.client.stats
        base_requests, base_waits = stats.requests, stats.rate_limit_waits
        self._base_requests = base_requests
        self.report = SyncReport()
        changed: dict[str, set[int | str]] = {name: set() for name in local.RESOURCES}
        deep_any = False
        try:
            for resource in local.RESOURCES:
                deep_any |= await self._sync_resource(resource, full, changed[resource])
            if deep_any:
                await self._sync_profile()

            def finish(session: Session) -> None:
                local.put_connection(session, last_sync_at=_iso(self.clock.time()), last_sync_error=None)
                if self.on_changed is not None:
                    self.on_changed(session, changed)

            await self._in_db(finish)
        except CloudError as exc:
            message = str(exc)
            await self._in_db(lambda session: local.put_connection(session, last_sync_error=message))
            raise
        finally:
            self.report.requests = stats.requests - base_requests
            self.report.rate_limit_waits = stats.rate_limit_waits - base_waits
        return self.report

    def _window(self, session: Session, resource: str, full: bool) -> tuple[str | None, bool]:
        """(window start or None for the whole history, whether this is a deep pass)."""
        state = session.get(local.WhoopSyncState, resource)
        watermark = state.watermark if state else None
        if full or state is None or not state.backfill_done or watermark is None:
            return None, True
        mark = parse_iso(watermark)
        now = datetime.fromtimestamp(self.clock.time(), UTC)
        last_deep = state.last_deep_pass_at
        deep = last_deep is None or now - parse_iso(last_deep) \
            >= self.options.deep_every
        return local.iso_utc(mark - (self.options.deep_window if deep else self.options.overlap)), deep

    async def _sync_resource(self, resource: str, full: bool, changed: set[int | str]) -> bool:
        window_start, deep = await self._in_db(lambda session: self._window(session, resource, full))
        counts = self.report.resources[resource]
        seen: set[int | str] = set()

        def soft_delete(session: Session, keys: set[int | str]) -> None:
            now = _iso(self.clock.time())
            for key in keys:
                if local.soft_delete(session, resource, key, now):
                    counts.deleted += 1
                    changed.add(key)

        def reconcile(session: Session) -> set[int | str]:
            if seen:  # an empty walk proves nothing: never delete on it
                soft_delete(session, local.live_keys_starting_at_or_after(session, resource, window_start) - seen)
            return local.keys_to_recheck(session, resource) - seen

        try:
            async for page in self.client.pages(COLLECTION_PATHS[resource], start=window_start):
                await self._store_page(resource, page, seen, changed, counts)
            recheck = await self._in_db(reconcile)
            for key in sorted(recheck, key=str):
                record = await self.client.get(by_id_path(resource, key))
                if record is None:  # gone at WHOOP
                    await self._in_db(lambda session, key=key: soft_delete(session, {key}))
                else:
                    await self._store_page(resource, [record], seen, changed, counts)
        except CloudError as exc:
            message = str(exc)

            def note_error(session: Session) -> None:
                state = local.get_sync_state(session, resource)
                state.last_error, state.last_error_at = message, _iso(self.clock.time())

            await self._in_db(note_error)
            raise

        def done(session: Session) -> None:
            state = local.get_sync_state(session, resource)
            state.watermark = local.max_start(session, resource) or state.watermark
            state.backfill_done = True
            state.last_success_at = _iso(self.clock.time())
            state.last_error = state.last_error_at = None
            if deep:
                state.last_deep_pass_at = state.last_success_at

        await self._in_db(done)
        log.info("WHOOP %s synced: %s", resource, counts)
        return deep

    async def _store_page(self, resource: str, records: list[dict[str, Any]], seen: set[int | str],
                          changed: set[int | str], counts: ResourceCounts) -> None:
        for record in records:
            if not isinstance(record, dict):
                raise BadResponse(f"WHOOP sent a malformed {resource} record")
            _key_of(resource, record)
        outcomes = await self._in_db(lambda session: self._write_page(session, resource, records))
        for key, outcome in outcomes:
            seen.add(key)
            if outcome == "new":
                counts.new += 1
            elif outcome == "updated":
                counts.updated += 1
            if outcome != "unchanged":
                changed.add(key)
        self.report.requests = self.client.stats.requests - self._base_requests
        self.on_progress(resource, self.report)

    def _write_page(self, session: Session, resource: str,
                    records: list[dict[str, Any]]) -> list[tuple[int | str, str]]:
        """One page, one transaction: a malformed record rolls the whole page back."""
        try:
            return local.upsert_records(session, resource, records, _iso(self.clock.time()))
        except (KeyError, TypeError, ValueError) as exc:
            raise BadResponse(f"WHOOP sent a malformed {resource} record ({type(exc).__name__}: {exc})") from exc

    async def _sync_profile(self) -> None:
        profile = await self.client.get("/v2/user/profile/basic")
        body = await self.client.get("/v2/user/measurement/body")  # some accounts have none (404)
        if profile is None or "user_id" not in profile:
            return
        user_id = int(profile["user_id"])

        def store(session: Session) -> None:
            local.put_profile(session, user_id, profile, body, _iso(self.clock.time()))
            local.put_connection(session, user_id=user_id)

        await self._in_db(store)
