"""`healthdesk-cli band simulate --faults` / `band drain --sim --sim-faults` as real subprocesses (issue 13)."""

from __future__ import annotations

import json

from healthdesk.band.sim.faults import V25_EVERY
from healthdesk.band.sim.flash import generate

from .drain_helpers import START_UNIX
from .test_band_cli import assert_one_line_error, cli


def test_simulate_with_flash_faults_writes_v25_and_unset_clock_records(tmp_path):
    out = tmp_path / "band.hex"
    done = cli(tmp_path, "band", "simulate", "--days", "1", "--seed", "5", "--start-unix", str(START_UNIX),
               "--faults", "v25,unset_clock", "--out", str(out))
    assert done.returncode == 0, done.stderr
    imported = cli(tmp_path, "import-frames", str(out))
    assert imported.returncode == 0, imported.stderr
    report = json.loads(imported.stdout)
    records = len(generate(1, 5, START_UNIX).records)
    assert report["frames_invalid"]["unknown_version"] == records // V25_EVERY
    # import-frames stores what the file says: the unset-clock third lands in 1971 (a drain re-dates it)
    assert report["first_ts"].startswith("1971-")


def test_fault_names_are_checked_in_one_line(tmp_path):
    assert_one_line_error(cli(tmp_path, "band", "drain", "--sim", "--sim-faults", "raw_stream,gremlins"),
                          r"unknown fault 'gremlins'")
    assert_one_line_error(cli(tmp_path, "band", "simulate", "--days", "1", "--faults", "flaky", "--out",
                              str(tmp_path / "x.hex")), r"flaky happens on the link")
