"""Shared helpers for the export/corrections tests: run the CLI as a subprocess, dump store tables."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

ENTRY = "import sys; from healthdesk.cli import main; sys.exit(main())"
EXPORT_TABLES = ("whoop_export_cycles", "whoop_export_sleeps", "whoop_export_workouts", "whoop_export_journal")


def cli(home: Path, *args: str, check: bool = True, env: dict[str, str] | None = None
        ) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-c", ENTRY, "--home", str(home), *map(str, args)],
                          capture_output=True, text=True, timeout=300, env={**os.environ, **(env or {})})
    assert "Traceback" not in done.stderr, done.stderr
    if check:
        assert done.returncode == 0, done.stderr
    return done


def dump_export(db_path: Path) -> dict[str, list]:
    """The whoop_export tables and daily values (computed_at left out), sorted."""
    with sqlite3.connect(db_path) as conn:
        out = {t: sorted(conn.execute(f"select * from {t}").fetchall(), key=repr) for t in EXPORT_TABLES}
        out["daily_values"] = sorted(conn.execute(
            "select day, metric, source, value, unit, confidence, detail from daily_values "
            "where source = 'whoop_export'").fetchall(), key=repr)
    return out


def fields_of(rows: list[tuple]) -> list[dict]:
    return [json.loads(r[-1]) for r in rows]
