"""Fuzzed arguments for import-frames, export and share create: an exit code and at most a few lines, never a
traceback. In-process through the same main() the entry point runs (a subprocess per example would be slow)."""

from __future__ import annotations

import contextlib
import io
import os
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from healthdesk.cli import main

ARG_TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=60)
YEARS = st.integers(1, 9999)
DATES = st.one_of(ARG_TEXT, st.builds(lambda y, m, d: f"{y:04d}-{m:02d}-{d:02d}", YEARS, st.integers(0, 13),
                                      st.integers(0, 32)),
                  st.sampled_from(["2024-04-11", "2024-04-12", "2100-12-31", "1999-12-31", "2024-02-30"]))
TIMES = st.one_of(DATES, st.builds(lambda d, z: f"{d}T00:00:00{z}", DATES, st.sampled_from(["", "Z", "+14:00",
                                                                                           "-23:59", "+99:00"])))
SETTINGS = settings(max_examples=int(os.environ.get("HEALTHDESK_FUZZ_EXAMPLES", "25")), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                            HealthCheck.too_slow])


@pytest.fixture(scope="module")
def fuzz_home(imported_template, tmp_path_factory) -> Path:
    home = tmp_path_factory.mktemp("fuzz") / "home"
    shutil.copytree(imported_template, home)
    return home


@pytest.fixture(scope="module")
def inputs(tmp_path_factory, overnight_capture) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("fuzz-inputs")
    fifo = folder / "fifo"
    os.mkfifo(fifo)
    (folder / "garbage.txt").write_bytes(b"zz\n" * 10)
    (folder / "binary.bin").write_bytes(bytes(range(256)))
    (folder / "empty.txt").write_bytes(b"")
    return {"missing": str(folder / "missing.txt"), "fifo": str(fifo), "dir": str(folder), "zero": "/dev/zero",
            "garbage": str(folder / "garbage.txt"), "binary": str(folder / "binary.bin"),
            "empty": str(folder / "empty.txt"), "capture": str(overnight_capture), "folder": str(folder)}


def run(home: Path, args: list[str]) -> tuple[int, str]:
    err, out = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        try:
            code = main(["--home", str(home), *args])
        except SystemExit as exc:  # argparse's usage errors: exit 2 with its one usage line
            code = exc.code if isinstance(exc.code, int) else 2
    text = err.getvalue()
    assert "Traceback" not in text, text
    return code, text


def assert_clean(code: int, err: str) -> None:
    lines = [line for line in err.splitlines() if line.strip()]
    if code != 0:
        assert lines, "a failure must say why"
    assert len(lines) <= 8, err  # one line per problem (per file for imports), plus argparse's usage
    assert "unexpected error" not in err, err  # the last-resort handler is not a clear line


def out_path(folder: str, name: str) -> str:
    return name if name.startswith("/dev/") or name == "" else os.path.join(folder, name.replace("\x00", ""))


@SETTINGS
@given(files=st.lists(st.sampled_from(["missing", "fifo", "dir", "zero", "garbage", "binary", "empty", "capture"]),
                      min_size=1, max_size=3),
       device=st.one_of(st.none(), ARG_TEXT), no_derive=st.booleans())
def test_import_frames_never_tracebacks(fuzz_home, inputs, files, device, no_derive):
    args = ["import-frames", *(inputs[f] for f in files)]
    args += [] if device is None else ["--device", device]
    args += ["--no-derive"] if no_derive else []
    code, err = run(fuzz_home, args)
    assert_clean(code, err)
    assert code in (0, 1, 2)


@SETTINGS
@given(kind=st.sampled_from(["pdf", "fhir", "xml"]), start=DATES, end=DATES,
       out=st.one_of(st.sampled_from(["r.pdf", "/dev/full", "", "sub/r.json", "n" * 300]), ARG_TEXT),
       extra=st.lists(st.sampled_from(["--name", "--birth-date", "--timezone", "--generated-at", "--sections",
                                       "--sex"]), max_size=2, unique=True),
       value=st.one_of(ARG_TEXT, TIMES, st.just("N" * 5000)))
def test_export_never_tracebacks(fuzz_home, inputs, kind, start, end, out, extra, value):
    args = ["export", kind, "--from", start, "--to", end, "--out", out_path(inputs["folder"], out)]
    for option in extra:
        args += [option, value]
    code, err = run(fuzz_home, args)
    assert_clean(code, err)
    assert not [p for p in Path(inputs["folder"]).iterdir() if p.name.endswith(".part")]


@SETTINGS
@given(start=DATES, end=DATES, sections=st.one_of(ARG_TEXT, st.sampled_from(["vitals", "vitals,sleep", ","])),
       expires=st.one_of(ARG_TEXT, st.integers(-5, 200).map(str)), label=st.one_of(ARG_TEXT, st.just("L" * 5000)),
       host=st.one_of(ARG_TEXT, st.sampled_from(["127.0.0.1", "::1", "192.168.1.5"])),
       port=st.one_of(st.none(), st.integers(-1, 70000).map(str)), qr=st.booleans())
def test_share_create_never_tracebacks(fuzz_home, inputs, start, end, sections, expires, label, host, port, qr):
    args = ["share", "create", "--from", start, "--to", end, "--sections", sections, "--expires-days", expires,
            "--label", label, "--host", host]
    args += [] if port is None else ["--port", port]
    args += ["--qr", os.path.join(inputs["folder"], "qr.png")] if qr else []
    code, err = run(fuzz_home, args)
    assert_clean(code, err)
    assert code != 0  # the suite has no keyring: a link that could never open is refused, never printed
