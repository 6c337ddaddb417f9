"""healthdesk-cli export-records: CSV / JSON round trip against the decoder's records, one-line errors."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from healthdesk.band.whoop4.decode import decode_hex_lines
from healthdesk.cli import main

FROM, TO = "2024-04-11T00:00:00Z", "2024-04-13T00:00:00+00:00"


@pytest.fixture(scope="session")
def overnight_records(overnight_capture) -> np.ndarray:
    """Ground truth: the decoder's records, one per (version, counter), in time order."""
    records = decode_hex_lines(overnight_capture.read_bytes()).records
    _, first = np.unique(records[["version", "counter"]], return_index=True)
    records = records[np.sort(first)]
    return records[np.lexsort((records["subsec"], records["unix"]))]


def _iso(unix: int, subsec: int) -> str:
    moment = datetime.fromtimestamp(unix, UTC) + timedelta(milliseconds=subsec * 1000 // 32768)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _assert_rows_match(rows: list[dict], records: np.ndarray) -> None:
    assert len(rows) == len(records) == 12_984
    for row, rec in zip(rows, records, strict=True):
        assert row["time_utc"] == _iso(int(rec["unix"]), int(rec["subsec"]))
        assert [int(row[k]) for k in ("unix", "subsec", "version", "counter", "hr")] == [
            int(rec[k]) for k in ("unix", "subsec", "version", "counter", "hr")]
        assert list(row["rr_ms"]) == rec["rr"][: rec["rr_count"]].tolist()
        stored = np.array([row["gx"], row["gy"], row["gz"]], dtype=np.float64).astype(np.float32)
        assert stored.tobytes() == rec["gravity"].tobytes()  # the text round-trips the float32 exactly


def test_csv_export_round_trips_the_decoded_records(overnight_home, overnight_records, tmp_path, cli):
    out = tmp_path / "records.csv"
    run = cli(overnight_home.home, "export-records", "--from", FROM, "--to", TO, "--out", out)
    assert run.returncode == 0, run.stderr
    with out.open(newline="") as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames == ["time_utc", "unix", "subsec", "version", "counter", "hr", "rr_ms",
                                     "gx", "gy", "gz"]
        rows = [dict(r, rr_ms=[int(v) for v in r["rr_ms"].split()]) for r in reader]
    _assert_rows_match(rows, overnight_records)
    assert list(tmp_path.glob("*.part")) == []


def test_json_export_round_trips_the_decoded_records(overnight_home, overnight_records, cli):
    run = cli(overnight_home.home, "export-records", "--from", FROM, "--to", TO, "--format", "json")
    assert run.returncode == 0, run.stderr
    _assert_rows_match(json.loads(run.stdout), overnight_records)


def test_export_window_is_half_open(overnight_home, overnight_records, cli):
    t = overnight_records["unix"].astype(np.int64)
    start, end = int(t[100]), int(t[5000])
    run = cli(overnight_home.home, "export-records", "--format", "json", "--device", "overnight-band",
              "--from", datetime.fromtimestamp(start, UTC).isoformat(),
              "--to", datetime.fromtimestamp(end, UTC).isoformat())
    expected = overnight_records[(t >= start) & (t < end)]
    assert [r["counter"] for r in json.loads(run.stdout)] == expected["counter"].tolist()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "yesterday", "--to", TO], "--from: 'yesterday' is not an ISO 8601 time (e.g. 2024-04-10T22:00:00Z)"),
        (["--from", FROM, "--to", "2024-13-01"], "--to: '2024-13-01' is not an ISO 8601 time (e.g. 2024-04-10T22:00:00Z)"),
        (["--from", TO, "--to", FROM], f"--to ({FROM}) must be later than --from ({TO})"),
        (["--from", FROM, "--to", TO, "--device", "nobody"], "no device named 'nobody'"),
        (["--from", FROM, "--to", TO, "--out", "/nonexistent-folder/x.csv"], "--out: folder /nonexistent-folder does not exist"),
    ],
)
def test_export_errors_are_one_line(overnight_home, capsys, args, message):
    # In-process: the subprocess path is covered above; this checks messages and exit codes only.
    assert main(["--home", str(overnight_home.home), "export-records", *args]) == 2
    out, err = capsys.readouterr()
    assert err.splitlines() == [f"healthdesk-cli: {message}"] and out == ""


def test_export_without_a_database_says_so(tmp_path, capsys):
    assert main(["--home", str(tmp_path / "empty-home"), "export-records", "--from", FROM, "--to", TO]) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"healthdesk-cli: no database at {tmp_path / 'empty-home' / 'healthdesk.db'}: import frames first"]


def test_an_empty_range_gives_a_header_or_an_empty_array(overnight_home, capsys):
    home = str(overnight_home.home)
    window = ["--from", "2020-01-01T00:00:00Z", "--to", "2020-01-03T00:00:00Z"]
    assert main(["--home", home, "export-records", *window]) == 0
    assert capsys.readouterr().out == "time_utc,unix,subsec,version,counter,hr,rr_ms,gx,gy,gz\n"
    assert main(["--home", home, "export-records", *window, "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
