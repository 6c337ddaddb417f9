"""WHOOP cloud sync benchmark against the fake WHOOP server (a real HTTP server on 127.0.0.1).

    .venv/bin/python bench/cloud_sync.py [--days 365]

Measured in the same run, on one simulated account (seeded, --days of history):
  * healthdesk backfill: connect + first sync into a fresh SQLite database (limit=25 pages, profile, body);
  * healthdesk incremental with nothing new, and after a realistic day of changes (re-scores, an edit,
    deletes, a retroactive workout);
  * baseline: what a naive client costs for the same data: a full walk of every collection at WHOOP's
    default page size (limit=10, no `start`) - both for the backfill and for every later sync, since it
    has no watermark/overlap window.
Targets (issue 5): backfill <= 70 requests for a year; an incremental sync with nothing new <= 6 requests.
The server's own limit is 100 requests/min; the client paces itself at 90/min (waits are real time here).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "cloud")]

from fake_whoop import FakeWhoop, FakeWhoopServer, simulate_history  # noqa: E402

from healthdesk.cloud.connection import CloudStack, connect  # noqa: E402
from healthdesk.cloud.endpoints import Endpoints  # noqa: E402
from healthdesk.cloud.secrets import ClientCredentials, MemorySecretStore  # noqa: E402
from healthdesk.store.database import open_database  # noqa: E402

COLLECTIONS = ("/v2/cycle", "/v2/activity/sleep", "/v2/recovery", "/v2/activity/workout")


async def sign_in(stack: CloudStack, fake: FakeWhoop) -> None:
    def show(url: str) -> None:
        redirect = httpx.URL(url).params["redirect_uri"]
        fake.register_app("bench", "bench-secret", redirect)
        threading.Thread(target=httpx.get, args=(url,), kwargs={"follow_redirects": True}, daemon=True).start()

    await connect(stack, ClientCredentials("bench", "bench-secret"), 0, "/callback", show, timeout=30)


async def naive_full_walk(base: str, access: str) -> int:
    """Every collection, whole history, WHOOP's default page size: the cost without sync state."""
    requests = 0
    async with httpx.AsyncClient(headers={"User-Agent": "bench", "Authorization": f"Bearer {access}"}) as http:
        for path in COLLECTIONS:
            params: dict[str, str | int] = {"limit": 10}
            while True:
                body = (await http.get(f"{base}/developer{path}", params=params)).json()
                requests += 1
                if not body.get("next_token"):
                    break
                params["nextToken"] = body["next_token"]
    return requests


def make_changes(fake: FakeWhoop) -> None:
    data = fake.data
    data.rescore_pending()
    mains = sorted((s for s in data.sleeps.values() if not s["nap"]), key=lambda s: s["start"])
    data.edit_sleep(mains[-2]["id"], -20)
    data.delete_sleep(mains[-3]["id"])
    data.delete_workout(sorted(data.workouts.values(), key=lambda w: w["start"])[-2]["id"])
    data.log_workout(days_ago=1.2)
    data.grow_open_cycle()


async def run(days: int) -> list[tuple[str, int, float, int, float]]:
    data = simulate_history(days=days, seed=2026)
    fake = FakeWhoop(data)
    rows = []
    with FakeWhoopServer(fake) as server, tempfile.TemporaryDirectory() as tmp:
        db = open_database(Path(tmp) / "bench.db")
        stack = CloudStack.create(MemorySecretStore(), db, Endpoints.resolve(server.base_url))
        await sign_in(stack, fake)
        access = stack.store.get_tokens().access_token

        fake.per_minute = 10**6  # the baseline only counts requests; keep it out of the rate budget
        t = time.perf_counter()
        naive_backfill = await naive_full_walk(server.base_url, access)
        naive_s = time.perf_counter() - t
        fake.per_minute, fake.windows = 100, {}

        phases = (("backfill (year)" if days == 365 else f"backfill ({days} d)", None),
                  ("incremental, nothing new", None), ("incremental after changes", make_changes))
        for label, before in phases:
            if before:
                before(fake)
            t = time.perf_counter()
            report = await stack.syncer().run()
            seconds = time.perf_counter() - t
            rows.append((label, report.requests, seconds, naive_backfill, naive_s))
        assert fake.limit_429s == 0, "the client's own pace caused a 429"
        await stack.aclose()
        db.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=365)
    args = parser.parse_args()
    rows = asyncio.run(run(args.days))
    print(f"cloud sync benchmark, {args.days} days of history, {os.cpu_count()} cores")
    print(f"{'phase':28} {'requests':>8} {'seconds':>8} {'naive req':>9} {'naive s':>8} {'req ratio':>9}")
    for label, requests, seconds, naive, naive_s in rows:
        print(f"{label:28} {requests:8d} {seconds:8.2f} {naive:9d} {naive_s:8.2f} {requests / naive:9.3f}")
    backfill, idle = rows[0][1], rows[1][1]
    print(f"targets: backfill <= 70 requests: {'met' if backfill <= 70 else 'MISSED'} ({backfill}); "
          f"nothing-new sync <= 6 requests: {'met' if idle <= 6 else 'MISSED'} ({idle})")


if __name__ == "__main__":
    main()
