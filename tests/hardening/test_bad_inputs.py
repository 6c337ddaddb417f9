"""Every bad input of the hardening probe: one clear line, a non-zero exit, no traceback, no partial file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ENTRY, assert_one_line_error, run_cli

RANGE = ("--from", "2024-04-11T00:00:00Z", "--to", "2024-04-13T00:00:00Z")


def no_partial_files(folder: Path) -> None:
    assert not [p.name for p in folder.rglob("*") if p.name.endswith(".part") or p.name.startswith(".")]


def test_a_log_file_that_cannot_be_written_does_not_break_commands(imported_home):
    log = imported_home / "logs" / "healthdesk-cli.log"
    log.unlink()
    log.mkdir()  # unwritable for any user, root included (a chmod 0444 file does not stop root)
    run = run_cli(imported_home, "export-records", *RANGE, "--out", imported_home / "records.csv")
    assert run.returncode == 0 and "Traceback" not in run.stderr
    assert [line for line in run.lines if "log" in line] == [
        f"healthdesk-cli: warning: cannot write the log {log} (Is a directory); continuing without a log file"]
    assert (imported_home / "records.csv").stat().st_size > 0


def test_a_full_disk_behind_stdout_is_one_line(imported_home):
    with open("/dev/full", "w") as full:
        run = run_cli(imported_home, "export-records", *RANGE, stdout=full)
    line = assert_one_line_error(run)
    assert line == "healthdesk-cli: cannot write the records to standard output: No space left on device"


def _file_size_limit(limit: int):
    def apply() -> None:  # in the child: writes past `limit` fail (EFBIG) as on a full disk (ENOSPC)
        import resource

        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


@pytest.mark.parametrize(("args", "limit"), [
    (("export-records", *RANGE, "--out", "{out}/records.csv"), 100_000),
], ids=["export-records"])
def test_a_write_failing_midway_leaves_no_partial_file(imported_home, args, limit):
    """The log file, grown past the limit, cannot be written either: that must cost nothing but log lines.
    (A 100 kB limit leaves SQLite's 32 kB shared-memory file alone; the clinician exports are smaller.)"""
    (imported_home / "logs" / "healthdesk-cli.log").write_bytes(b"x" * (limit + 1))
    out = imported_home / "out"
    out.mkdir()
    done = subprocess.run([sys.executable, "-c", ENTRY, "--home", str(imported_home),
                           *(a.replace("{out}", str(out)) for a in args)],
                          capture_output=True, text=True, timeout=120, preexec_fn=_file_size_limit(limit))
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert done.returncode != 0 and len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    assert "cannot write" in lines[0] and "File too large" in lines[0]
    assert list(out.iterdir()) == []  # neither the file nor its temporary


def test_a_device_as_output_is_refused_not_replaced(imported_home):
    before = os.stat("/dev/full")
    for args in (("export-records", *RANGE, "--out", "/dev/full"),
                 ("export", "fhir", "--from", "2024-04-11", "--to", "2024-04-12", "--out", "/dev/full")):
        assert "not a regular file" in assert_one_line_error(run_cli(imported_home, *args))
    assert os.stat("/dev/full").st_rdev == before.st_rdev and os.stat("/dev/full").st_ino == before.st_ino


@pytest.mark.parametrize("args", [
    ("export-records", "--from", "0001-01-01T00:00:00Z", "--to", "9999-12-31T00:00:00Z"),
    ("export", "pdf", "--from", "0001-01-01", "--to", "2024-04-12", "--out", "{home}/r.pdf"),
    ("export", "fhir", "--from", "2024-04-11", "--to", "9999-12-31", "--out", "{home}/r.json"),
    ("export", "pdf", "--from", "2024-04-11", "--to", "2024-04-12", "--out", "{home}/r.pdf",
     "--generated-at", "9999-12-31T23:59:59+00:00"),
    ("share", "create", "--from", "0001-01-01", "--to", "2024-04-12", "--sections", "vitals"),
    ("share", "create", "--from", "2024-04-11", "--to", "9999-12-31", "--sections", "vitals"),
    ("export", "pdf", "--from", "2024-04-11", "--to", "2024-04-12", "--out", "{home}/r.pdf", "--name", "N" * 5000),
    ("export", "pdf", "--from", "2024-04-11", "--to", "2024-04-12", "--out", "{home}/" + "n" * 5000 + ".pdf"),
], ids=["records-years", "pdf-year-1", "fhir-year-9999", "generated-9999", "share-year-1", "share-year-9999",
        "name-5000", "filename-5000"])
def test_out_of_range_dates_and_huge_names(imported_home, args, capsys):
    """In-process (the same main() the entry point runs; subprocess runs above prove the entry point)."""
    from healthdesk.cli import main

    code = main(["--home", str(imported_home), *(a.replace("{home}", str(imported_home)) for a in args)])
    err = capsys.readouterr().err
    errors = [line for line in err.splitlines() if line.strip() and not line.startswith("warning:")]
    assert code != 0 and len(errors) == 1 and "Traceback" not in err, err
    assert "out of range" in errors[0] or "at most" in errors[0] or "too long" in errors[0]
    no_partial_files(imported_home)
    assert not list(imported_home.glob("r.*"))


def test_dev_zero_a_fifo_and_files_without_valid_frames_exit_non_zero(tmp_path):
    home = tmp_path / "home"
    fifo = tmp_path / "capture.fifo"
    os.mkfifo(fifo)
    invalid = tmp_path / "invalid.txt"
    invalid.write_text("aa55\n00112233\n")  # hex, but no valid WHOOP frame
    odd = tmp_path / "odd.txt"
    odd.write_text("abc\n")  # one odd-length line
    expected = {"/dev/zero": "is a device", str(fifo): "is a FIFO", str(invalid): "none of its 2 frames",
                str(odd): "not hex frames", str(tmp_path): "is a directory"}
    run = run_cli(home, "import-frames", *expected, timeout=60)  # a FIFO must not hang, /dev/zero not fill RAM
    assert "Traceback" not in run.stderr and run.returncode == 1  # nothing usable in any of them
    assert len(run.lines) == len(expected)  # one line per file, in order
    for line, (name, reason) in zip(run.lines, expected.items(), strict=True):
        assert line.startswith(f"healthdesk-cli: {name}: ") and reason in line, line
    for name in (str(invalid), str(odd)):  # and each alone exits non-zero too, consistently
        assert run_cli(home, "import-frames", name).returncode == 1


# VmHWM (peak RSS of this process image), not ru_maxrss: Linux keeps ru_maxrss across fork+exec, so the
# child would report the (large) test process's RSS at fork time.
PEAK_PROBE = ("import re, sys; from pathlib import Path; from healthdesk.cli.frames import iter_hex_chunks;"
              "n = sum(len(c.frames) for c in iter_hex_chunks(Path(sys.argv[1])));"
              "hwm = re.search(r'VmHWM:\\s+(\\d+)', Path('/proc/self/status').read_text()).group(1);"
              "print(n, int(hwm) // 1024)")


def test_import_streams_the_file_in_bounded_memory(tmp_path, overnight_capture):
    """Peak memory does not grow with the file: a capture 5x larger costs the same few chunks (the old
    read_bytes() held the whole file plus its frames: 57 MB -> 325 MB RSS)."""
    if not Path("/proc/self/status").exists():
        pytest.skip("peak RSS is read from /proc (Linux)")
    text = overnight_capture.read_bytes().rstrip(b"\n") + b"\n"
    frames_per_copy = len([line for line in text.splitlines() if line.strip()])
    peaks = {}
    for copies in (10, 50):
        big = tmp_path / f"x{copies}.txt"
        big.write_bytes(text * copies)
        done = subprocess.run([sys.executable, "-c", PEAK_PROBE, str(big)], capture_output=True, text=True,
                              check=True)
        frames, peaks[copies] = map(int, done.stdout.split())
        assert frames == copies * frames_per_copy
        big.unlink()
    size_mb = len(text) * 50 / 1e6
    assert size_mb > 100
    assert peaks[50] - peaks[10] < 10, peaks  # 100 MB more input, no more memory
    assert peaks[50] < 150, peaks  # interpreter + numpy + one chunk; the file itself never sits in memory
