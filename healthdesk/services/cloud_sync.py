"""WHOOP cloud sync as a job: at app start, every N hours while open (default 2), and on demand.

The next scheduled time is always known (`next_run_at`, also stored for `whoop status`). Runs are serialised:
an on-demand sync while a scheduled one runs waits for it instead of racing it. Disconnect stops the timer,
optionally revokes WHOOP access, forgets the keys and keeps every synced record.

For the app: `svc = CloudSyncService.from_paths(db, paths, on_event)`; on the running loop `svc.start()`;
`await svc.connect(ClientCredentials(id, secret), port, "/callback", show_url)`; `await svc.sync_now()`;
`svc.status()` (a dict, also what `whoop status --json` prints); `await svc.disconnect(revoke=True)`;
`await svc.aclose()` at shutdown. Events: SyncEvent("started" | "finished" | "failed", report, error,
needs_reauth).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from healthdesk.cloud.clock import Clock, SystemClock
from healthdesk.cloud.connection import CloudStack, connect, connection_status, disconnect
from healthdesk.cloud.daily import project_daily_values
from healthdesk.cloud.endpoints import Endpoints
from healthdesk.cloud.errors import CloudError, NeedsReauth
from healthdesk.cloud.secrets import ClientCredentials, SecretStore, default_secret_store
from healthdesk.cloud.sync import SyncOptions, SyncReport
from healthdesk.config import Paths
from healthdesk.store import cloud as local

log = logging.getLogger(__name__)

DEFAULT_INTERVAL_HOURS = 2.0
SETTINGS_KEY = "whoop_sync_interval_hours"
OVERLAP_KEY = "whoop_sync_overlap_hours"


def _setting(paths: Paths, key: str, default: float) -> float:
    """A positive number from settings.json, else the default (a broken file never stops a sync)."""
    try:
        value = float(json.loads(paths.settings_file.read_text()).get(key, default))
    except (OSError, ValueError, AttributeError, TypeError):
        return default
    return value if value > 0 else default


def interval_from_settings(paths: Paths) -> float:
    """The user's sync interval (settings.json `whoop_sync_interval_hours`), else 2 h."""
    return _setting(paths, SETTINGS_KEY, DEFAULT_INTERVAL_HOURS)


def options_from_settings(paths: Paths) -> SyncOptions:
    """Sync options; the overlap window (settings.json `whoop_sync_overlap_hours`) defaults to 72 h."""
    default = SyncOptions()
    hours = _setting(paths, OVERLAP_KEY, default.overlap.total_seconds() / 3600)
    return SyncOptions(overlap=timedelta(hours=hours), deep_window=default.deep_window,
                       deep_every=default.deep_every)


def stored_api_base(db: Any) -> str | None:
    with local.read_session(db) as session:
        row = local.get_connection(session)
        return row.api_base if row else None


@dataclass
class SyncEvent:
    kind: str  # "started", "progress" (after each stored page), "finished", "failed"
    report: SyncReport | None = None
    error: str | None = None
    needs_reauth: bool = False
    resource: str | None = None  # for "progress": the resource being walked


class CloudSyncService:
    def __init__(self, db: Any, lock_path: Path | None = None, store: SecretStore | None = None,
                 api_base: str | None = None, interval_hours: float = DEFAULT_INTERVAL_HOURS,
                 clock: Clock | None = None, options: SyncOptions | None = None,
                 on_event: Callable[[SyncEvent], None] | None = None) -> None:
        self.db, self.lock_path = db, lock_path
        self.store = store or default_secret_store()
        self.endpoints = Endpoints.resolve(api_base or stored_api_base(db))
        self.interval_s = interval_hours * 3600.0
        self.clock = clock or SystemClock()
        self.options = options
        self.on_event = on_event or (lambda event: None)
        self.next_run_at: float | None = None
        self.last_report: SyncReport | None = None
        self._stack: CloudStack | None = None
        self._run_lock = asyncio.Lock()
        self._timer: asyncio.Task[None] | None = None

    @classmethod
    def from_paths(cls, db: Any, paths: Paths,
                   on_event: Callable[[SyncEvent], None] | None = None) -> CloudSyncService:
        """The app's service: OS keyring, the shared token lock file, interval and overlap from settings."""
        return cls(db, lock_path=paths.config_dir / "whoop-token.lock", interval_hours=interval_from_settings(paths),
                   options=options_from_settings(paths), on_event=on_event)

    @property
    def keyring_warning(self) -> str | None:
        """Set when secrets live in memory only (no usable system keyring): show it to the user."""
        return self.store.warning

    @property
    def stack(self) -> CloudStack:
        if self._stack is None:
            self._stack = CloudStack.create(self.store, self.db, self.endpoints, self.clock, self.lock_path)
        return self._stack

    # ---- sign-in ---------------------------------------------------------------------------------------
    async def connect(self, creds: ClientCredentials, port: int, path: str, show_url: Callable[[str], None],
                      timeout: float = 300.0) -> None:
        await connect(self.stack, creds, port, path, show_url, timeout)

    async def disconnect(self, revoke: bool = False) -> str | None:
        await self.stop()
        async with self._run_lock:
            warning = await disconnect(self.stack, revoke)
        self.next_run_at = None
        return warning

    def status(self) -> dict[str, Any]:
        return connection_status(self.db, self.store)

    # ---- running ---------------------------------------------------------------------------------------
    async def sync_now(self, full: bool = False) -> SyncReport:
        """One sync (waits for a running one first); reschedules the next timed run from now."""
        async with self._run_lock:
            self.on_event(SyncEvent("started"))
            try:
                project = lambda session, changed: project_daily_values(session, changed, self.clock.time())  # noqa: E731
                progress = lambda resource, so_far: self.on_event(  # noqa: E731
                    SyncEvent("progress", report=so_far, resource=resource))
                report = await self.stack.syncer(self.options, project, progress).run(full=full)
            except CloudError as exc:
                self.on_event(SyncEvent("failed", error=str(exc), needs_reauth=isinstance(exc, NeedsReauth)))
                raise
            finally:
                self._schedule_next()
            self.last_report = report
            self.on_event(SyncEvent("finished", report=report))
            return report

    def _schedule_next(self) -> None:
        if self._timer is None:
            return
        self.next_run_at = self.clock.time() + self.interval_s
        at = local.iso_utc(datetime.fromtimestamp(self.next_run_at, UTC))
        with local.write_session(self.db) as session:
            local.put_connection(session, next_sync_at=at)

    def start(self) -> None:
        """Sync now (app start) and then every interval while the app runs."""
        if self._timer is None:
            self._timer = asyncio.get_running_loop().create_task(self._run_timer(), name="whoop-sync-timer")

    async def _run_timer(self) -> None:
        self.next_run_at = self.clock.time()
        while True:
            delay = self.next_run_at - self.clock.time()
            if delay > 0:
                await self.clock.sleep(delay)
                if self.next_run_at > self.clock.time():  # an on-demand run moved the schedule
                    continue
            if self.status()["status"] != "connected":
                self._schedule_next()
                continue  # not connected (or needs sign-in): keep the timer, try again next interval
            try:
                await self.sync_now()
            except CloudError as exc:
                log.warning("scheduled WHOOP sync failed: %s", exc)

    async def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            try:
                await self._timer
            except asyncio.CancelledError:
                pass
            self._timer = None
        self.next_run_at = None

    async def aclose(self) -> None:
        await self.stop()
        if self._stack is not None:
            await self._stack.aclose()
            self._stack = None
