"""Share server benchmark: requests/s and latency for the clinician view and /fhir/Observation.

    .venv/bin/python bench/share.py [--requests 2000] [--clients 20]

A one-year store (+30 lead-in days) of WHOOP-cloud records written with the store's own upsert; the server
runs in this process exactly as the app runs it (uvicorn in a background thread); the load generator is a
separate process on loopback with `--clients` keep-alive connections, each sending requests back to back.
Baseline, measured in the same run: the flat 404 of an unknown token (routing, guard, token check, no data).
Target: p95 <= 100 ms at 20 concurrent clients.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # the synthetic data generators live with the tests


def load_worker(url: str, token: str | None, n: int, clients: int) -> None:
    """Runs in the child process: `n` GETs over `clients` keep-alive connections; prints latencies as JSON.

    A minimal HTTP/1.1 client on asyncio streams (the server's responses always carry Content-Length), so
    the generator costs far less CPU than the server it measures on the same two cores.
    """
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    auth = f"Authorization: Bearer {token}\r\n" if token else ""
    request = f"GET {target} HTTP/1.1\r\nHost: {parts.netloc}\r\n{auth}\r\n".encode()

    async def main() -> None:
        latencies: list[float] = []
        errors = 0
        remaining = [n]

        async def worker() -> None:
            nonlocal errors
            reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
            while remaining[0] > 0:
                remaining[0] -= 1
                t0 = time.perf_counter()
                writer.write(request)
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                              if line.lower().startswith(b"content-length:"))
                await reader.readexactly(length)
                latencies.append(time.perf_counter() - t0)
                errors += head[9:12] not in (b"200", b"404")
            writer.close()

        t0 = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(clients)))
        wall = time.perf_counter() - t0
        print(json.dumps({"latencies": latencies, "wall": wall, "errors": errors}))

    asyncio.run(main())


def run_load(url: str, token: str | None, n: int, clients: int) -> dict:
    args = [sys.executable, __file__, "--worker", url, token or "-", str(n), str(clients)]
    done = subprocess.run(args, capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def summary(result: dict) -> tuple[float, float, float, float, int]:
    lat = sorted(result["latencies"])
    q = statistics.quantiles(lat, n=100)
    return len(lat) / result["wall"], q[49] * 1000, q[94] * 1000, q[98] * 1000, result["errors"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--clients", type=int, default=20)
    args = ap.parse_args()

    from healthdesk.clinical.share.guard import MissLimiter
    from healthdesk.services.share import LinkRequest, ShareService
    from healthdesk.store.database import open_database
    from tests.clinical.store_fill import fill_cloud

    year = (date(2025, 11, 1), date(2026, 10, 31))
    with tempfile.TemporaryDirectory() as tmp:
        db_path = Path(tmp) / "healthdesk.db"
        db = open_database(db_path)
        t0 = time.perf_counter()
        fill_cloud(db, year[0] - timedelta(days=30), year[1])
        t_fill = time.perf_counter() - t0
        db.close()
        service = ShareService(db_path, Path(tmp), key=os.urandom(32))
        info = service.start_server(port=0, limiter=MissLimiter(burst=10**9))
        sections = frozenset({"vitals", "sleep", "workouts", "wellness"})
        year_link = service.create_link(LinkRequest("bench year", *year, sections, True, 7, "Europe/Berlin"))
        month_link = service.create_link(LinkRequest("bench month", date(2026, 10, 1), year[1], sections, True, 7,
                                                     "Europe/Berlin"))
        # First (cold) opens: load + render from SQLite before the per-link cache serves repeats.
        import httpx
        cold = {}
        for name, url, token in (("view, 1 year", year_link.url, None),
                                 ("/fhir/Observation, 1 year", f"{info.base_url}/fhir/Observation",
                                  year_link.token)):
            t0 = time.perf_counter()
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            httpx.get(url, headers=headers, timeout=60).raise_for_status()
            cold[name] = time.perf_counter() - t0
        httpx.get(month_link.url, timeout=60).raise_for_status()

        cases = [
            ("flat 404 (baseline)", f"{info.base_url}/c/hds_{'0' * 48}", None),
            ("view, 30 days", month_link.url, None),
            ("view, 1 year", year_link.url, None),
            ("/fhir/Observation, 1 year (_count=50)", f"{info.base_url}/fhir/Observation", year_link.token),
            ("/fhir/Observation, 1 year (_count=200)", f"{info.base_url}/fhir/Observation?_count=200",
             year_link.token),
        ]
        rows = []
        for name, url, token in cases:
            cpu0 = time.process_time()  # the server runs in this process; the generator does not
            result = run_load(url, token, args.requests, args.clients)
            cpu_ms = (time.process_time() - cpu0) * 1000 / args.requests
            rows.append((name, *summary(result), cpu_ms))
        service.close()

    print(f"share server benchmark ({os.cpu_count()} cores, {args.clients} concurrent loopback clients, "
          f"{args.requests} requests per row; load generator in a separate process on the same machine)\n")
    print("| endpoint | req/s | p50 ms | p95 ms | p99 ms | errors | server CPU ms/req | p95 / baseline |")
    print("|---|---|---|---|---|---|---|---|")
    base_p95 = rows[0][3]
    for name, rps, p50, p95, p99, errors, cpu in rows:
        print(f"| {name} | {rps:.0f} | {p50:.1f} | {p95:.1f} | {p99:.1f} | {errors} | {cpu:.2f} | "
              f"{p95 / base_p95:.2f}x |")
    print(f"\none-year store filled in {t_fill:.1f} s; first (uncached) open: "
          + ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in cold.items()))
    print(f"target: p95 <= 100 ms at 20 concurrent clients; load average during the run "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        _, _, url, token, n, clients = sys.argv
        load_worker(url, None if token == "-" else token, int(n), int(clients))
    else:
        main()
