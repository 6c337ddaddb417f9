"""`healthdesk-cli band …` as a real subprocess: the simulated band, the real (absent) adapter, bad input."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from healthdesk.band.sim.flash import generate
from healthdesk.band.sim.physiology import PhysiologyTruth
from healthdesk.config import resolve_paths
from healthdesk.store.database import open_database

from .drain_helpers import START_UNIX, assert_exact_record_set, stored_records

CLI = str(Path(sys.executable).with_name("healthdesk-cli"))


def cli(home: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CLI, "--home", str(home), *args], capture_output=True, text=True, timeout=timeout)


def assert_one_line_error(done: subprocess.CompletedProcess[str], pattern: str) -> None:
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    assert re.search(pattern, lines[0]), lines[0]


def test_real_adapter_absent_gives_one_clear_line(tmp_path):
    for action in ("scan", "drain"):
        done = cli(tmp_path, "band", action)
        assert_one_line_error(done, r"^healthdesk-cli: Bluetooth is not available: .*--sim")
        assert done.returncode == 3 and done.stdout == ""


def test_sim_scan_pair_info_and_live(tmp_path):
    scan = cli(tmp_path, "band", "scan", "--sim")
    assert scan.returncode == 0, scan.stderr
    found = json.loads(scan.stdout)
    assert found["name"] == "WHOOP 4C0000042"
    pair = cli(tmp_path, "band", "pair", "--sim")
    assert pair.returncode == 0, pair.stderr
    assert json.loads(pair.stdout)["address"] == found["address"]
    remembered = json.loads((resolve_paths(tmp_path).config_dir / "paired_band.json").read_text())
    assert remembered["serial"] == "4C0000042" and remembered["simulated"] is True
    info = json.loads(cli(tmp_path, "band", "info", "--sim").stdout)
    # the band was made from one simulated day (the default) and nothing was drained yet
    # an estimate from the band's oldest/newest record times (whole seconds): within a record or two
    assert abs(info["records_waiting"] - len(generate(1, 1, START_UNIX).records)) <= 2
    assert info["firmware"] == "41.16.6.0" and abs(info["clock_drift_s"]) < 5  # pairing set the clock
    live = cli(tmp_path, "band", "live", "--sim", "--seconds", "2.5")
    assert live.returncode == 0, live.stderr
    lines = live.stdout.strip().splitlines()
    assert len(lines) >= 2 and all(re.fullmatch(r"\S+  HR +\d+ bpm  RR (-|[\d ]+) ms", line) for line in lines)


def test_simulate_writes_flash_that_imports_to_the_ground_truth(tmp_path):
    out, truth_file = tmp_path / "band.hex", tmp_path / "truth.json"
    done = cli(tmp_path, "band", "simulate", "--days", "1", "--seed", "5", "--start-unix", str(START_UNIX),
               "--out", str(out), "--truth", str(truth_file))
    assert done.returncode == 0, done.stderr
    expected = generate(1, 5, START_UNIX)
    assert PhysiologyTruth.from_json(truth_file.read_text()) == PhysiologyTruth.from_json(expected.truth_json)
    imported = cli(tmp_path, "import-frames", str(out))
    assert imported.returncode == 0, imported.stderr
    assert json.loads(imported.stdout)["records_new"] == len(expected.records)
    with open_database(resolve_paths(tmp_path).database) as db:
        assert_exact_record_set(stored_records(db), expected.records)


def test_bad_band_arguments_give_one_line(tmp_path):
    assert_one_line_error(cli(tmp_path, "band", "drain", "--sim", "--sim-replay", str(tmp_path / "nope.txt")),
                          r"nope\.txt: cannot read")
    assert_one_line_error(cli(tmp_path, "band", "drain", "--sim", "--sim-days", "0"), r"--sim-days must be")
    assert_one_line_error(cli(tmp_path, "band", "simulate", "--days", "1", "--out",
                              str(tmp_path / "missing" / "x.hex")), r"cannot write")
    binary = tmp_path / "binary.txt"
    binary.write_bytes(b"\x00\x01\x02")
    assert_one_line_error(cli(tmp_path, "band", "pair", "--sim", "--sim-replay", str(binary)), r"binary file")
