"""healthdesk-cli import-frames, run as a subprocess on the real captures and on broken files."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest

from healthdesk.band.whoop4.decode import decode_hex_lines
from healthdesk.services.ingest import iso_utc
from healthdesk.store.database import open_database

OVERNIGHT_RECORDS = 12_984  # unique v12 records in the capture (reference-frames README)


def test_overnight_capture_imports_to_exactly_the_unique_records(overnight_home, overnight_capture):
    report = overnight_home.first.json
    assert report.pop("days_derived") >= 1  # the night's cycle got its daily values right after the import
    decoded = decode_hex_lines(overnight_capture.read_bytes())
    times = decoded.records["unix"] + decoded.records["subsec"] / 32768
    assert report == {
        "frames_total": 13_689,
        "frames_invalid": {},
        "records_new": OVERNIGHT_RECORDS,
        "records_duplicate": 0,
        "records_conflicting": 0,
        "events": 54,
        "events_duplicate": 0,
        "first_ts": iso_utc(times.min()),
        "last_ts": iso_utc(times.max()),
    }
    assert overnight_home.first.error_lines == []


def test_second_import_adds_nothing_and_leaves_the_database_unchanged(overnight_home, overnight_capture, tmp_path, cli, dump_db):
    home = overnight_home.copy_to(tmp_path / "home")
    before = dump_db(home / "healthdesk.db")
    again = cli(home, "import-frames", overnight_capture, "--device", "overnight-band")
    assert again.returncode == 0
    assert again.json["records_new"] == 0 and again.json["records_duplicate"] == OVERNIGHT_RECORDS
    assert again.json["records_conflicting"] == 0
    assert again.json["events"] == 0 and again.json["events_duplicate"] == 54
    assert again.json["days_derived"] == 0  # nothing new, nothing recomputed
    after = dump_db(home / "healthdesk.db")
    assert after == before  # archive included: identical frames are not archived twice
    assert any(row[2] == "band" for row in after["daily_values"])  # (day, metric, source, ...)
    assert len(after["sample_chunks"]) > 0 and sum(r[3] for r in after["sample_chunks"]) == OVERNIGHT_RECORDS


def _frame_lines(capture: Path, n: int) -> list[str]:
    return capture.read_text().splitlines()[:n]


def test_bad_files_each_get_one_clear_line_and_good_lines_are_kept(overnight_capture, tmp_path, cli):
    lines = _frame_lines(overnight_capture, 60)
    partly = tmp_path / "partly.txt"
    partly.write_text("\n".join(lines[:20] + ["not a frame", "zz11"] + lines[20:] + ["abc"]) + "\n")
    empty = tmp_path / "empty.txt"
    empty.write_text("\n  \n")
    binary = tmp_path / "binary.txt"
    binary.write_bytes(bytes(range(256)) * 4)
    missing = tmp_path / "missing.txt"

    run = cli(tmp_path / "home", "import-frames", missing, partly, empty, binary)
    assert run.returncode == 0  # something could be read
    assert run.error_lines == [
        f"healthdesk-cli: {missing}: no such file",
        f"healthdesk-cli: {partly}: 3 lines are not hex frames (first: line 21), skipped",
        f"healthdesk-cli: {empty}: empty file, no frames",
        f"healthdesk-cli: {binary}: binary file, not hex frames (expected one hex-encoded frame per line)",
    ]
    expected = decode_hex_lines("\n".join(lines))
    assert run.json["frames_total"] == 60
    assert run.json["records_new"] == len(np.unique(expected.records["counter"])) > 0


@pytest.mark.parametrize("kind", ["missing", "empty", "binary", "all-garbage"])
def test_nothing_readable_exits_non_zero_with_one_line(tmp_path, kind, cli):
    path = tmp_path / f"{kind}.txt"
    if kind == "empty":
        path.write_text("")
    elif kind == "binary":
        path.write_bytes(b"\x00\x01\x02aa\xff" * 100)
    elif kind == "all-garbage":
        path.write_text("hello\nworld\n")
    run = cli(tmp_path / "home", "import-frames", path)
    assert run.returncode == 1
    assert len(run.error_lines) == 1 and run.error_lines[0].startswith(f"healthdesk-cli: {path}: ")
    assert run.json["records_new"] == 0


def test_a_file_failing_inside_its_transaction_stores_nothing(reference_frames, tmp_path, cli, dump_db):
    captures = reference_frames / "bwanshitong-reverse-engineering-whoop"
    first = captures / "61080005-8d6d-82b8-614a-1c8cb0f8dcc6.txt"
    second = captures / "61080005-8d6d-82b8-614a-1c8cb0f8dcc6-reloading-22.25-after-5mins.txt"
    # Reference: the first file alone.
    alone = tmp_path / "alone"
    assert cli(alone, "import-frames", first).returncode == 0
    # Same, plus a second file whose transaction fails at its last write (the raw archive blob), after its
    # sample chunks, events, rollups and device update were already written.
    home = tmp_path / "home"
    open_database(home / "healthdesk.db").close()
    with sqlite3.connect(home / "healthdesk.db") as conn:
        conn.execute(
            "create trigger injected_failure before insert on raw_frame_batches "
            "when (select count(*) from raw_frame_batches) >= 1 begin select raise(abort, 'disk on fire'); end"
        )
    run = cli(home, "import-frames", first, second)
    assert run.returncode == 1
    assert len(run.error_lines) == 1
    assert run.error_lines[0].startswith(f"healthdesk-cli: {second}: not stored, nothing of it was written")
    assert "disk on fire" in run.error_lines[0]
    assert run.json["records_new"] == 569  # the first file only
    receive_times = {"raw_frame_batches": {"received_at"}, "devices": {"last_contact_at"},
                     "daily_values": {"computed_at"}, "journal_tags": {"created_at"}}  # seeded at migration time
    assert dump_db(home / "healthdesk.db", receive_times) == dump_db(alone / "healthdesk.db", receive_times)


def test_no_derive_stores_records_but_leaves_daily_values_for_later(reference_frames, tmp_path, cli, dump_db):
    capture = reference_frames / "bwanshitong-reverse-engineering-whoop" / "61080005-8d6d-82b8-614a-1c8cb0f8dcc6.txt"
    run = cli(tmp_path, "import-frames", "--no-derive", capture)
    assert run.returncode == 0 and run.json["records_new"] == 569 and run.json["days_derived"] == 0
    assert dump_db(tmp_path / "healthdesk.db")["daily_values"] == []
