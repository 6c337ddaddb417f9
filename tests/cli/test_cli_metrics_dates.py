"""`derive` and `summary` bound their dates like every other command (years 2000-2100), one line each."""

from __future__ import annotations

import pytest

from tests.cli.conftest import run_cli


@pytest.mark.parametrize(("args", "line"), [
    (("derive", "--from", "0001-01-01T00:00:00Z"),
     "healthdesk-cli: --from: '0001-01-01T00:00:00Z' is out of range (years 2000-2100)"),
    (("derive", "--to", "9999-12-31T00:00"), "healthdesk-cli: --to: '9999-12-31T00:00' is out of range (years 2000-2100)"),
    (("derive", "--from", "1999-12-31T23:59:59Z"),
     "healthdesk-cli: --from: '1999-12-31T23:59:59Z' is out of range (years 2000-2100)"),
    (("derive", "--from", "yesterday"),
     "healthdesk-cli: --from: 'yesterday' is not an ISO 8601 time (e.g. 2024-04-10T22:00:00Z)"),
    (("summary", "--from", "1999-12-31", "--to", "2000-01-05"),
     "healthdesk-cli: --from 1999-12-31 is out of range (2000-01-01 to 2100-12-31)"),
    (("summary", "--from", "2100-12-31", "--to", "2101-01-01"),
     "healthdesk-cli: --to 2101-01-01 is out of range (2000-01-01 to 2100-12-31)"),
    (("summary", "--from", "0001-01-01", "--to", "0001-01-02"),
     "healthdesk-cli: --from 0001-01-01 is out of range (2000-01-01 to 2100-12-31)"),
])
def test_out_of_range_dates_are_one_line_errors(tmp_path, args, line) -> None:
    run = run_cli(tmp_path, *args)
    assert run.returncode != 0 and run.stdout == ""
    assert run.error_lines == [line]


def test_the_edges_of_the_range_are_accepted(tmp_path) -> None:
    run = run_cli(tmp_path, "summary", "--from", "2100-12-30", "--to", "2100-12-31", "--json")
    assert run.returncode == 0, run.stderr
    assert [d["date"] for d in run.json["days"]] == ["2100-12-30", "2100-12-31"]
    run = run_cli(tmp_path, "derive", "--from", "2000-01-01T00:00:00Z", "--to", "2100-12-31T12:00Z")
    assert run.returncode == 0, run.stderr
    assert run.json["values"] == 0  # an empty store: nothing to derive, quickly
