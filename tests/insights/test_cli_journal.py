"""CLI journal/insights and the WHOOP export journal round trip, on a real SQLite file and real subprocesses."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import subprocess
import sys
from datetime import date, timedelta

import numpy as np
import pytest

from healthdesk.cli import main
from healthdesk.services.journal import JournalService, import_whoop_journal_rows, tag_for_question
from healthdesk.store.database import open_database
from healthdesk.store.derived import DailyValue, put_daily_values
from tests.insights.simulate import history

UNITS = {"recovery": "%", "hrv_rmssd": "ms", "resting_hr": "bpm", "sleep_performance": "%",
         "sleep_duration": "min", "day_strain": "strain", "sleep_debt": "min"}


def cli(home, *args: str) -> subprocess.CompletedProcess:
    """In-process `healthdesk-cli` (the same main() the console script runs): stdout, stderr, exit code."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(["--home", str(home), *args])
        except SystemExit as exc:  # argparse errors
            code = int(exc.code or 0)
    return subprocess.CompletedProcess(args, code, out.getvalue(), err.getvalue())


def cli_process(home, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "healthdesk.cli", "--home", str(home), *args],
                          capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def filled_home(tmp_path_factory):
    """160 days of values (band source) and journal answers with a planted tag, in a real database."""
    home = tmp_path_factory.mktemp("insights-home")
    h = history(0, n_days=160, first=date(2026, 6, 1))
    with open_database(home / "healthdesk.db") as db, db.write() as conn:
        rows = [DailyValue(h.day(i).isoformat(), m, "band", float(v[i]), UNITS[m], 1.0)
                for m, v in h.values.items() for i in range(h.n_days)]
        put_daily_values(conn, rows)
        from healthdesk.store import journal as store

        store.ensure_tag(conn, "planted", "Planted habit", "user")
        store.upsert_entries(conn, [store.JournalEntry(h.day(i), "planted", bool(h.tags["planted"][i]))
                                    for i in range(h.n_days)])
    return home, h


def test_journal_cli_add_list_tags_and_bad_input(home):
    ok = cli_process(home, "journal", "add", "2026-12-06", "Late meal", "--note", "pasta at 22:30")
    assert ok.returncode == 0, ok.stderr
    assert cli(home, "journal", "add", "2026-12-06", "alcohol", "--no").returncode == 0
    listed = json.loads(cli(home, "journal", "list", "--from", "2026-12-01", "--to", "2026-12-07", "--json").stdout)
    assert listed["entries"] == [
        {"day": "2026-12-06", "tag": "alcohol", "yes": False, "note": None, "source": "cli"},
        {"day": "2026-12-06", "tag": "late_meal", "yes": True, "note": "pasta at 22:30", "source": "cli"}]
    tags = json.loads(cli(home, "journal", "tags", "--json").stdout)
    assert [t["name"] for t in tags][:10] == ["alcohol", "caffeine_after_2pm", "late_meal", "screen_in_bed",
                                              "high_stress", "feeling_ill", "travel", "sauna", "shared_bed",
                                              "medication"]
    assert cli(home, "journal", "tags", "--add", "Cold shower").returncode == 0
    assert cli(home, "journal", "add", "2026-12-06", "cold shower").returncode == 0
    for args in (("journal", "add", "2026-13-01", "alcohol"), ("journal", "add", "2026-12-01", "unicorns"),
                 ("journal", "list", "--from", "2026-12-07", "--to", "2026-12-01"),
                 ("journal", "tags", "--add", "!!!"), ("insights", "review", "--end", "yesterday")):
        bad = cli(home, *args)
        assert bad.returncode != 0 and "Traceback" not in bad.stderr
        assert len(bad.stderr.strip().splitlines()) == 1, bad.stderr


def test_whoop_export_journal_round_trip(tmp_path):
    """journal_entries.csv (whoop-export.md columns) -> store -> the same answers back, idempotently."""
    path = tmp_path / "journal_entries.csv"
    header = ["Cycle start time", "Cycle end time", "Cycle timezone", "Question text", "Answered yes", "Notes"]
    written = [
        ["2026-11-02 23:41:00", "2026-11-03 23:05:00", "UTC+01:00", "Did you have any alcoholic drinks?", "true", ""],
        ["2026-11-02 23:41:00", "2026-11-03 23:05:00", "UTC+01:00", "Did you use a screen device in bed?", "false", ""],
        ["2026-11-04 00:20:00", "2026-11-04 23:30:00", "UTC+01:00", "Did you meditate?", "true", "10 min"],
        ["2026-11-04 00:20:00", "2026-11-04 23:30:00", "UTC+01:00", "Did you take a sauna?", "maybe", ""],
    ]
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([header, *written])
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    service = JournalService.open(tmp_path / "healthdesk.db")
    try:
        for _ in range(2):  # re-importing the same file writes the same rows
            with service._db.write() as conn:
                assert import_whoop_journal_rows(conn, rows) == 3
        got = service.entries(date(2026, 11, 1), date(2026, 11, 30))
        tags = {t.name: t for t in service.tags()}
    finally:
        service.close()
    # onset 23:41 on Nov 2 -> the morning of Nov 3; onset 00:20 on Nov 4 -> the morning of Nov 4
    assert [(e.day, e.tag, e.answered_yes, e.note) for e in got] == [
        (date(2026, 11, 3), "alcohol", True, None), (date(2026, 11, 3), "screen_in_bed", False, None),
        (date(2026, 11, 4), "did_you_meditate", True, "10 min")]
    assert tags["did_you_meditate"].label == "Did you meditate?" and tags["did_you_meditate"].source == "whoop"
    assert tag_for_question("Caffeine after 2pm?")[0] == "caffeine_after_2pm"
    assert tag_for_question("Shared your bed?")[0] == "shared_bed"


def test_insights_cli_drivers_review_records(filled_home):
    home, h = filled_home
    out = cli(home, "insights", "drivers", "--json")
    assert out.returncode == 0, out.stderr
    payload = json.loads(out.stdout)
    assert payload["tested"] == 5 + 2  # one tag x five outcomes + two continuous pairs
    planted = [d for d in payload["drivers"] if d["tag"] == "planted"]
    assert planted and planted[0]["outcome"] == "recovery" and planted[0]["delta"] < -7
    assert {"tag", "outcome", "delta", "d", "p", "q", "n_tagged", "n_untagged"} <= set(planted[0])
    assert all(d["q"] <= 0.10 and abs(d["d"]) >= 0.5 for d in payload["drivers"])

    end = h.last - timedelta(days=3)
    review = json.loads(cli(home, "insights", "review", "--period", "week", "--end", end.isoformat(),
                            "--json").stdout)
    assert review["status"] == "ok" and review["end"] == end.isoformat() and review["sentences"]
    rhr = next(m for m in review["metrics"] if m["metric"] == "resting_hr")
    window = h.metric("resting_hr")[h.index(end) - 6:h.index(end) + 1]
    assert rhr["median"] == pytest.approx(float(np.median(window)))
    text = cli(home, "insights", "review", "--period", "month")
    assert text.returncode == 0 and text.stdout.startswith("Month")
    records = json.loads(cli(home, "insights", "records", "--json").stdout)
    best = next(b for b in records["bests"] if b["key"] == "best_recovery")
    assert best["value"] == pytest.approx(float(np.nanmax(h.metric("recovery"))))
    assert next(s for s in records["streaks"] if s["key"] == "days_worn")["longest"] == 160


def test_insights_cli_without_data_says_so_in_one_line(home):
    out = cli_process(home, "insights", "drivers", "--json")
    assert out.returncode != 0 and len(out.stderr.strip().splitlines()) == 1 and "Traceback" not in out.stderr


CYCLE_HEADER = ["Cycle start time", "Cycle end time", "Cycle timezone", "Recovery score %",
                "Resting heart rate (bpm)", "Heart rate variability (ms)", "Skin temp (celsius)", "Blood oxygen %",
                "Day Strain", "Energy burned (cal)", "Max HR (bpm)", "Average HR (bpm)", "Sleep onset", "Wake onset",
                "Sleep performance %", "Respiratory rate (rpm)", "Asleep duration (min)", "In bed duration (min)",
                "Light sleep duration (min)", "Deep (SWS) duration (min)", "REM duration (min)",
                "Awake duration (min)", "Sleep need (min)", "Sleep debt (min)", "Sleep efficiency %",
                "Sleep consistency %"]


def test_whoop_export_importer_writes_journal_answers_by_the_cycles_morning_date(tmp_path):
    """Through the export importer (services/whoop_export): the morning date comes from the cycle's wake."""
    from healthdesk.services.whoop_export import import_export

    folder = tmp_path / "export"
    folder.mkdir()
    # onset 00:40 after midnight on Nov 5 but the wake is on Nov 5: the cycle is Nov 5's
    cycles = [["2026-11-02 23:41:00", "2026-11-04 00:40:00", "UTC+01:00", "55", "52", "60", "33.1", "96", "12.1",
               "2100", "170", "70", "2026-11-02 23:41:00", "2026-11-03 07:10:00", "88", "15", "420", "450", "200",
               "100", "120", "30", "480", "20", "93", "80"],
              ["2026-11-04 00:40:00", "", "UTC+01:00", "61", "51", "63", "33.0", "97", "8.0", "1900", "150", "66",
               "2026-11-04 00:40:00", "2026-11-04 08:02:00", "90", "15", "430", "460", "210", "100", "120", "30",
               "470", "10", "93", "82"]]
    journal = [["2026-11-02 23:41:00", "2026-11-04 00:40:00", "UTC+01:00", "Did you have any alcoholic drinks?",
                "true", "two glasses"],
               ["2026-11-04 00:40:00", "", "UTC+01:00", "Did you read before bed?", "false", ""]]
    with (folder / "physiological_cycles.csv").open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([CYCLE_HEADER, *cycles])
    with (folder / "journal_entries.csv").open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([["Cycle start time", "Cycle end time", "Cycle timezone", "Question text",
                                  "Answered yes", "Notes"], *journal])
    with open_database(tmp_path / "healthdesk.db") as db:
        assert import_export(db, folder).journal_entries_written == 2
        import_export(db, folder)  # the same export again changes nothing
        service = JournalService(db)
        got = service.entries(date(2026, 11, 1), date(2026, 11, 30))
    assert [(e.day, e.tag, e.answered_yes, e.note, e.source) for e in got] == [
        (date(2026, 11, 3), "alcohol", True, "two glasses", "whoop_export"),
        (date(2026, 11, 4), "did_you_read_before_bed", False, None, "whoop_export")]


def test_a_whoop_export_feeds_insights_values_and_journal_on_the_same_morning_dates(tmp_path):
    """Export -> daily values (source whoop_export) + journal -> InsightsService.history, aligned by morning date."""
    from healthdesk.services.insights import InsightsService
    from healthdesk.services.whoop_export import import_export

    folder = tmp_path / "export"
    folder.mkdir()
    rng = np.random.default_rng(5)
    first = date(2026, 9, 1)  # the first onset is the evening of Sep 1: its cycle is the morning of Sep 2
    cycles, journal, truth = [], [], {}
    for i in range(30):
        onset, wake = first + timedelta(days=i), first + timedelta(days=i + 1)
        recovery = int(rng.integers(20, 95))
        truth[wake] = recovery
        start = f"{onset} 23:10:00"
        cycles.append([start, f"{wake} 23:20:00", "UTC+01:00", str(recovery), "55", "60", "33.1", "96", "10.0",
                       "2000", "160", "70", start, f"{wake} 07:05:00", "85", "15", "420", "450", "200", "100",
                       "120", "30", "480", "20", "93", "80"])
        journal.append([start, f"{wake} 23:20:00", "UTC+01:00", "Did you have any alcoholic drinks?",
                        "true" if i % 3 == 0 else "false", ""])
    with (folder / "physiological_cycles.csv").open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([CYCLE_HEADER, *cycles])
    with (folder / "journal_entries.csv").open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([["Cycle start time", "Cycle end time", "Cycle timezone", "Question text",
                                  "Answered yes", "Notes"], *journal])
    with open_database(tmp_path / "healthdesk.db") as db:
        import_export(db, folder)
        service = InsightsService(db)
        span = service.span()
        history = service.history(*span)
    assert span == (first + timedelta(days=1), first + timedelta(days=30))
    for day, recovery in truth.items():
        assert history.metric("recovery")[history.index(day)] == recovery
    alcohol = history.tags["alcohol"]
    assert list(np.flatnonzero(alcohol == 1)) == list(range(0, 30, 3))  # answered on the cycle's own morning
