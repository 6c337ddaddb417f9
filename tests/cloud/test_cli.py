"""`healthdesk-cli whoop ...` as real subprocesses against the fake server (real clock, test keyring file)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import types
from pathlib import Path

import httpx
import pytest
from cloud_helpers import CLIENT_ID, CLIENT_SECRET
from fake_whoop import FakeWhoop, FakeWhoopServer, simulate_history

HERE = Path(__file__).resolve().parent
ENTRY = [sys.executable, "-c", "import sys; from healthdesk.cli import main; sys.exit(main())"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def world(home, tmp_path):
    data = simulate_history(days=40, seed=21)
    fake = FakeWhoop(data)  # real clock: the CLI runs in its own process
    with FakeWhoopServer(fake) as server:
        env = dict(os.environ, HEALTHDESK_HOME=str(home), PYTHON_KEYRING_BACKEND="whoop_test_keyring.FileKeyring",
                   HEALTHDESK_TEST_KEYRING=str(tmp_path / "test-keyring.json"),
                   PYTHONPATH=os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")]),
                   HEALTHDESK_WHOOP_API_BASE=server.base_url)
        yield {"fake": fake, "data": data, "server": server, "env": env, "keyring": tmp_path / "test-keyring.json"}


def cli(world, *args: str, env: dict | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([*ENTRY, "whoop", *args], env=env or world["env"],
                          capture_output=True, text=True, timeout=timeout)


def connect(world, secret: str = CLIENT_SECRET, register_secret: str = CLIENT_SECRET,
            extra: tuple[str, ...] = ()) -> tuple[subprocess.CompletedProcess, httpx.Response | None]:
    port = free_port()
    world["fake"].register_app(CLIENT_ID, register_secret, f"http://127.0.0.1:{port}/callback")
    proc = subprocess.Popen([*ENTRY, "whoop", "connect", "--client-id", CLIENT_ID,
                             "--client-secret", "-", "--no-browser", "--redirect-port", str(port),
                             "--timeout", "20", *extra],
                            env=world["env"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    proc.stdin.write(secret + "\n")  # the secret never goes on the command line
    proc.stdin.flush()
    url = proc.stdout.readline().rstrip("\n")
    browser = None
    if url:
        assert url.startswith(world["server"].base_url + "/oauth/oauth2/auth?") and " " not in url
        browser = httpx.get(url, follow_redirects=True, timeout=10)  # the user's browser
    out, err = proc.communicate(timeout=30)
    return subprocess.CompletedProcess(proc.args, proc.returncode, url + "\n" + out, err), browser


def test_connect_sync_status_dump_disconnect(world):
    done, browser = connect(world)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("\n") == 1  # the URL alone on one line, nothing else on stdout
    assert browser.status_code == 200 and "signed in to WHOOP" in browser.text
    assert "Redirect URI (register exactly this in your WHOOP app): http://127.0.0.1:" in done.stderr
    assert CLIENT_SECRET not in done.stderr + done.stdout

    sync = cli(world, "sync")
    assert sync.returncode == 0, sync.stderr
    report = json.loads(sync.stdout)
    data = world["data"]
    assert set(report) == {"requests", "rate_limit_waits", "resources"}
    assert report["resources"] == {name: {"new": len(table), "updated": 0, "deleted": 0}
                                   for name, table in data.snapshot().items()}
    assert report["rate_limit_waits"] == 0 and report["requests"] == len(world["fake"].data_requests())

    again = json.loads(cli(world, "sync").stdout)
    assert again["requests"] == 4

    dump = json.loads(cli(world, "dump", "--json").stdout)
    expected = data.expected_dump()
    assert {name: [{k: r[k] for k in ("id", "updated_at", "score_state")} for r in rows]
            for name, rows in dump.items()} == expected
    assert all(r["deleted"] is False for rows in dump.values() for r in rows)
    assert {r["id"] for r in dump["recovery"]} == set(data.recoveries)  # keyed by cycle id

    status = json.loads(cli(world, "status", "--json").stdout)
    assert status["connected"] is True and status["needs_reauth"] is False and status["keyring"] == "system"
    assert status["last_sync"] and all(status["resources"][r]["backfill_done"] for r in status["resources"])

    off = cli(world, "disconnect", "--revoke")
    assert off.returncode == 0 and "stays in the local database" in off.stderr
    assert not any(g.alive for g in world["fake"].grants.values())  # revoked at WHOOP
    status = json.loads(cli(world, "status", "--json").stdout)
    assert status["connected"] is False and status["status"] == "disconnected"
    assert json.loads(cli(world, "dump", "--json").stdout) == dump  # data kept
    assert json.loads(world["keyring"].read_text()) == {}  # keys forgotten
    after = cli(world, "sync")
    assert after.returncode == 1 and after.stderr.count("\n") == 1 and "run `whoop connect`" in after.stderr


def test_wrong_secret_is_one_clear_line(world):
    done, browser = connect(world, secret="wrong-secret", register_secret=CLIENT_SECRET)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1] == (
        "healthdesk-cli: WHOOP rejected the client id or client secret (invalid_client); check both in the "
        "WHOOP developer dashboard")
    assert "Traceback" not in done.stderr
    assert not world["keyring"].exists()  # nothing stored


def test_denied_consent_message(world):
    world["fake"].consent = "deny"
    done, browser = connect(world)
    assert done.returncode == 1 and "access was not granted" in done.stderr and "Traceback" not in done.stderr


def test_bad_arguments(world, capsys, monkeypatch):
    # In-process (same parser and handlers; the subprocess runs above already prove the entry point).
    # A server that is down is covered in test_bad_input, where the backoff runs in virtual time.
    from healthdesk.cli import main

    # healthdesk.cli.build_parser imports every sub-module, including __main__ (which calls sys.exit(main())
    # on import); stand in an empty module so the in-process call parses only the argv given here.
    monkeypatch.setitem(sys.modules, "healthdesk.cli.__main__", types.ModuleType("healthdesk.cli.__main__"))
    for key in ("HEALTHDESK_HOME", "HEALTHDESK_WHOOP_API_BASE"):
        monkeypatch.setenv(key, world["env"][key])
    assert main(["whoop", "sync", "--api-base", "ftp://nope"]) == 2
    assert capsys.readouterr().err == "healthdesk-cli: API base must be an http(s) URL, got 'ftp://nope'\n"
    assert main(["whoop", "connect", "--client-id", "x", "--redirect-port", "70000"]) == 2
    assert capsys.readouterr().err == "healthdesk-cli: --redirect-port must be 1..65535, got 70000\n"
    assert main(["whoop", "connect", "--client-id", " "]) == 2
    assert "must not be empty" in capsys.readouterr().err
    assert main(["whoop", "connect", "--client-id", "x", "--client-secret", "s3cret"]) == 2  # argv: refused
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "process list" in err and "s3cret" not in err
    assert main(["whoop", "sync", "--api-base", "http://api.example.com"]) == 2  # secrets over plain HTTP
    assert "must be https" in capsys.readouterr().err
    assert main(["whoop", "sync"]) == 1
    assert capsys.readouterr().err == ("healthdesk-cli: not signed in to WHOOP: run `whoop connect` "
                                       "(no system keyring: sign-in is not kept between runs)\n")


def test_no_keyring_keeps_secrets_in_memory_and_says_so(world):
    env = dict(world["env"], PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")
    world["env"] = env
    done, _ = connect(world)
    assert done.returncode == 0
    assert "no usable system keyring" in done.stderr
    home = Path(env["HEALTHDESK_HOME"])
    for path in home.rglob("*"):  # never a plaintext secret anywhere in our folders
        if path.is_file():
            assert CLIENT_SECRET.encode() not in path.read_bytes(), path
    follow = cli(world, "sync", env=env)
    assert follow.returncode == 1 and "sign-in is not kept between runs" in follow.stderr
