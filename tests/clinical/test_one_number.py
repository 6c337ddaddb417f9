"""One number per night (docs/metrics.md §26.6, issue 12): a night's asleep minutes, its recovery and its cycle's
strain carry one date and one value in the dashboard read model, `summary --json` (a real CLI subprocess), the
PDF text (pypdf), the FHIR bundle and the share view (real HTTP on 127.0.0.1).

The store holds five simulated band days (derived by the real pipeline) and WHOOP cloud records for the same
nights (synced-record shapes, projected by cloud/daily), so both the band and the cloud read model are checked.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from pypdf import PdfReader

from healthdesk.band.sim.physiology import generate_history
from healthdesk.band.whoop4.decode import DecodedBatch
from healthdesk.clinical.catalogue import METRICS, format_value
from healthdesk.clinical.report_data import SECTIONS
from healthdesk.cloud.daily import project_daily_values
from healthdesk.config import resolve_paths
from healthdesk.services.dashboard import DashboardService
from healthdesk.services.derive import derive
from healthdesk.services.export import ExportRequest, export
from healthdesk.services.ingest import ingest_decoded
from healthdesk.services.share import LinkRequest, ShareService
from healthdesk.store.cloud import upsert_records, write_session
from healthdesk.store.database import open_database

from .whoop_records import records_for

TZ = "UTC"
START = int(datetime(2026, 10, 10, 20, 0, tzinfo=UTC).timestamp())  # the band goes on Sat evening
NIGHTS = [date(2026, 10, 11) + timedelta(days=i) for i in range(5)]  # the five simulated nights
NIGHT = NIGHTS[-1]  # the newest night: its cycle is the open one, what Today shows
GEN = datetime(2026, 10, 20, 9, 0, tzinfo=UTC)
ENTRY = "import sys; from healthdesk.cli import main; sys.exit(main())"
SHORT = {"band": "Band", "whoop_cloud": "WHOOP cloud"}
KEY = bytes(range(32))
HOME: list[Path] = []  # the store's HEALTHDESK home (the CLI finds the database there)


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    home = tmp_path_factory.mktemp("one-number-home")
    HOME[:] = [home]
    path = resolve_paths(home).database
    sim = generate_history(5, seed=5, start_unix=START, tz_offset_s=0)
    with open_database(path) as db:
        ingest_decoded(db, "sim", DecodedBatch(records=sim.records), received_at=1_800_000_000)
        derive(db, tz_offset_s=0)
        by_resource: dict[str, list[dict]] = {"cycle": [], "sleep": [], "recovery": [], "workout": []}
        for day in NIGHTS:
            for resource, record in records_for(day).items():
                by_resource[resource].append(record)
        with write_session(db) as session:
            for resource, records in by_resource.items():
                upsert_records(session, resource, records, "2026-10-20T00:00:00.000Z")
            changed = {r: {x["cycle_id"] if r == "recovery" else x["id"] for x in recs}
                       for r, recs in by_resource.items()}
            project_daily_values(session, changed, computed_at=1.0)
    return path


@pytest.fixture(scope="module")
def summary_day(store) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", ENTRY, "--home", str(HOME[0]), "summary", "--json",
         "--from", NIGHTS[0].isoformat(), "--to", NIGHT.isoformat()],
        capture_output=True, text=True, timeout=120, check=True)
    days = json.loads(out.stdout)["days"]
    assert [d["date"] for d in days] == [d.isoformat() for d in NIGHTS]
    return next(d for d in days if d["date"] == NIGHT.isoformat())


@pytest.fixture(scope="module")
def night_numbers(store, summary_day) -> dict:
    """The night's numbers as `summary --json` gives them (each checked below against every other place)."""
    main = {s["source"]: s["asleep_min"] for s in summary_day["sleeps"] if s["main"]}
    assert set(main) == {"band", "whoop_cloud"}  # both sources saw the night, under the same date
    shown = {k: summary_day["metrics"][k][0] for k in ("recovery", "day_strain", "sleep_duration")}
    assert shown["recovery"]["value"] is not None and shown["day_strain"]["value"] is not None
    assert main[shown["sleep_duration"]["source"]] == pytest.approx(shown["sleep_duration"]["value"])
    return {"asleep": main, "shown": shown}


def test_dashboard_read_model(store, night_numbers):
    with open_database(store) as db:
        dash = DashboardService(db, tz_offset_s=0)
        sleeps = [s for s in dash.sleeps() if s.main and s.day == NIGHT]
        assert {s.source: s.asleep_min for s in sleeps} == pytest.approx(night_numbers["asleep"])
        nights = dash.nights()
        assert [n.day for n in nights] == sorted({n.day for n in nights}, reverse=True)  # none twice
        picked = next(n for n in nights if n.day == NIGHT)
        assert picked.asleep_min == pytest.approx(night_numbers["shown"]["sleep_duration"]["value"])
        today = dash.today()
    assert today.day == NIGHT  # the open cycle is "today", named by its morning
    for metric in ("recovery", "day_strain"):
        shown = night_numbers["shown"][metric]
        assert (today.values[metric].value, today.values[metric].source) == (shown["value"], shown["source"])


def _pdf_text(store: Path, tmp_path: Path) -> str:
    out = tmp_path / "r.pdf"
    export(store, ExportRequest("pdf", NIGHT, NIGHT, out, timezone=TZ, generated_at=GEN))
    return " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(out.read_bytes())).pages)


def _expected(metric: str, value: float) -> str:
    return format_value(value, METRICS[metric].decimals)


def test_pdf_text(store, night_numbers, tmp_path):
    text = _pdf_text(store, tmp_path)
    for source, asleep in night_numbers["asleep"].items():
        row = re.search(rf"{NIGHT.isoformat()} {SHORT[source]} \d\d:\d\d-\d\d:\d\d (\d+) ", text)
        assert row and row.group(1) == f"{asleep:.0f}", source
    assert f"Night ending {NIGHTS[0].isoformat()}" not in text  # only the period's own night is listed
    for metric, label in (("recovery", "Recovery"), ("day_strain", "Day strain")):
        shown = night_numbers["shown"][metric]
        v = _expected(metric, shown["value"])
        # the summary row of a one-day period: days 1, min = median = max = the night's value
        assert re.search(rf"{label} [^A-Z]*{SHORT[shown['source']]} 1 {re.escape(v)} {re.escape(v)} {re.escape(v)} ",
                         text), (metric, v)


def _fhir(store: Path, tmp_path: Path) -> list[dict]:
    out = tmp_path / "b.json"
    export(store, ExportRequest("fhir", NIGHT, NIGHT, out, timezone=TZ, generated_at=GEN))
    bundle = json.loads(out.read_text("utf-8"))
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Observation"]


def test_fhir_bundle(store, night_numbers, tmp_path):
    obs = _fhir(store, tmp_path)
    sessions = [o for o in obs if o["code"]["coding"][0]["code"] == "93832-4"]
    got = {o["meta"]["tag"][0]["code"]: o for o in sessions}
    assert len(sessions) == len(got) == 2  # one per source for this one night; naps never carry 93832-4
    for source, asleep in night_numbers["asleep"].items():
        o = got[source]
        assert o["valueQuantity"]["unit"] == "min" and round(o["valueQuantity"]["value"]) == round(asleep)
        assert o["effectivePeriod"]["end"][:10] == NIGHT.isoformat()
        assert any(n["text"] == f"Night ending {NIGHT.isoformat()}." for n in o["note"])
    for metric, code in (("recovery", "recovery-score"), ("day_strain", "day-strain")):
        shown = night_numbers["shown"][metric]
        (o,) = [o for o in obs if o["code"]["coding"][0]["code"] == code
                and o["meta"]["tag"][0]["code"] == shown["source"]]
        assert o["effectivePeriod"]["end"][:10] == NIGHT.isoformat()
        assert o["valueQuantity"]["value"] == round(shown["value"], METRICS[metric].decimals + 1)


def test_share_view_over_http(store, night_numbers):
    service = ShareService(store, HOME[0], key=KEY)
    try:
        info = service.start_server(port=0)
        assert info.base_url.startswith(("http://127.0.0.1", "https://127.0.0.1"))
        link = service.create_link(LinkRequest("Dr. Test", NIGHT, NIGHT, frozenset(SECTIONS), True, 7, TZ))
        with httpx.Client(timeout=30, verify=False) as client:
            html = client.get(link.url).text
    finally:
        service.close()
    cells = re.findall(r"<tr>(.*?)</tr>", html)
    for source, asleep in night_numbers["asleep"].items():
        row = next(c for c in cells if c.startswith(f"<td>{NIGHT.isoformat()}</td><td>{SHORT[source]}</td>"))
        assert re.findall(r">([^<]*)</td>", row)[3] == f"{asleep:.0f}", source
    assert "Night ending" in html and "Night of" not in html
    for metric, label in (("recovery", "Recovery"), ("day_strain", "Day strain")):
        shown = night_numbers["shown"][metric]
        row = next(c for c in cells if c.startswith(f"<td>{label}</td>") and f"<td>{SHORT[shown['source']]}</td>" in c)
        v = _expected(metric, shown["value"])
        assert re.findall(r">([^<]*)</td>", row)[3:7] == ["1", v, v, v], metric


def test_the_running_cycle_is_today_but_never_a_trend_point(store):
    from healthdesk.services.dashboard import trend_points
    from healthdesk.store.derived import daily_values_between

    with open_database(store) as db, db.read() as conn:
        rows = daily_values_between(conn, NIGHTS[0], NIGHT + timedelta(days=1), metrics=["day_strain"])
    running = [r for r in rows if (r.detail or {}).get("open_cycle")]
    assert {r.day for r in running} == {NIGHT.isoformat()}  # only the newest cycle is still open
    assert {r.source for r in running} == {"band"}  # WHOOP's records here are all closed cycles
    band = [r for r in rows if r.source == "band"]
    points = {day for day, _ in trend_points(band)}
    assert NIGHT.isoformat() not in points and NIGHTS[1].isoformat() in points  # (day 1: no RHR anchor yet)
    # with WHOOP's closed cycle for that day, WHOOP's (final) value is the trend point instead
    assert trend_points(rows)[(NIGHT.isoformat(), "day_strain")].source == "whoop_cloud"
