"""kill -9 between the import's commit and its derive loses no daily value: the next command derives it."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap

from .conftest import daily_value_rows, run_cli

# A real process: store the capture (one committed transaction per chunk), then die by SIGKILL before any
# derive could run - the moment a power cut or an OOM kill would hit.
CHILD = textwrap.dedent("""
    import os, signal, sys, time
    from pathlib import Path
    from healthdesk.cli.frames import read_hex_frames
    from healthdesk.config import resolve_paths
    from healthdesk.services.ingest import ingest_frames
    from healthdesk.store.database import open_database

    paths = resolve_paths(sys.argv[1]).ensure()
    db = open_database(paths.database)
    ingest_frames(db, "whoop4", read_hex_frames(Path(sys.argv[2])).frames, received_at=time.time())
    print("committed", flush=True)
    os.kill(os.getpid(), signal.SIGKILL)
""")


def test_sigkill_between_commit_and_derive_then_any_command_derives(tmp_path, overnight_capture,
                                                                   imported_template):
    home = tmp_path / "killed"
    child = subprocess.run([sys.executable, "-c", CHILD, str(home), str(overnight_capture)],
                           capture_output=True, text=True, timeout=120)
    assert child.returncode == -signal.SIGKILL and child.stdout == "committed\n", child.stderr
    assert daily_value_rows(home / "healthdesk.db") == []  # records stored, nothing derived yet

    again = run_cli(home, "import-frames", overnight_capture)  # the old trap: records_new 0, nothing derived
    assert again.returncode == 0 and '"records_new": 0' in again.stdout
    assert daily_value_rows(home / "healthdesk.db") == daily_value_rows(imported_template / "healthdesk.db")


def test_any_later_command_derives_what_is_pending(tmp_path, overnight_capture, imported_template):
    home = tmp_path / "killed"
    subprocess.run([sys.executable, "-c", CHILD, str(home), str(overnight_capture)], capture_output=True,
                   timeout=120)
    listing = run_cli(home, "share", "list")  # a command that has nothing to do with band data
    assert listing.returncode == 0 and "Traceback" not in listing.stderr
    expected = daily_value_rows(imported_template / "healthdesk.db")
    assert expected and daily_value_rows(home / "healthdesk.db") == expected
