"""`healthdesk-cli whoop connect|sync|status|dump|disconnect`: the WHOOP cloud copy without the window."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import webbrowser
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

from healthdesk.cli import CliError
from healthdesk.config import Paths

if TYPE_CHECKING:
    from healthdesk.services.cloud_sync import CloudSyncService

T = TypeVar("T")
# Kept in step with healthdesk.cloud.oauth (a test pins them); importing the cloud stack here would slow
# every healthdesk-cli call, since the CLI root registers all sub-commands.
DEFAULT_REDIRECT_PORT = 53682
DEFAULT_REDIRECT_PATH = "/callback"


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _with_service(args: argparse.Namespace, paths: Paths,
                  job: Callable[[CloudSyncService], Awaitable[T]]) -> T:
    from healthdesk.cloud.errors import CloudError
    from healthdesk.services.cloud_sync import CloudSyncService, options_from_settings
    from healthdesk.store.database import StoreError, open_database

    try:
        db = open_database(paths.database)
    except StoreError as exc:
        raise CliError(str(exc)) from exc
    try:
        try:
            service = CloudSyncService(db, lock_path=paths.config_dir / "whoop-token.lock",
                                       api_base=getattr(args, "api_base", None),
                                       options=options_from_settings(paths))
        except ValueError as exc:  # a malformed --api-base / HEALTHDESK_WHOOP_API_BASE / stored root
            hint = "" if getattr(args, "api_base", None) else \
                " (one stored by an earlier connect is replaced by giving --api-base https://...)"
            raise CliError(f"{exc}{hint}") from exc

        async def run() -> T:
            try:
                return await job(service)
            finally:
                await service.aclose()

        try:
            return asyncio.run(run())
        except CloudError as exc:
            hint = "" if service.store.persistent else " (no system keyring: sign-in is not kept between runs)"
            raise CliError(f"{exc}{hint}", code=1) from exc
    finally:
        db.close()


def _connect(args: argparse.Namespace, paths: Paths) -> int:
    from healthdesk.cloud.oauth import redirect_uri_for
    from healthdesk.cloud.secrets import ClientCredentials

    if args.client_secret not in (None, "-"):
        raise CliError("--client-secret takes no value: a secret on the command line is visible to every user "
                       "of this computer (process list); leave the option out to be asked for it, or pipe it in "
                       "with '--client-secret -'")
    if not args.client_id.strip():
        raise CliError("--client-id must not be empty")
    if not 1 <= args.redirect_port <= 65535:
        raise CliError(f"--redirect-port must be 1..65535, got {args.redirect_port}")
    if not args.redirect_path.startswith("/"):
        raise CliError("--redirect-path must start with '/'")
    if not args.timeout > 0 or args.timeout > 3600:
        raise CliError(f"--timeout must be between 0 and 3600 seconds, got {args.timeout}")
    secret = _read_secret(piped=args.client_secret == "-")
    if not secret:
        raise CliError("the client secret must not be empty")
    _say(f"Redirect URI (register exactly this in your WHOOP app): "
         f"{redirect_uri_for(args.redirect_port, args.redirect_path)}")

    def show(url: str) -> None:
        if args.no_browser or not webbrowser.open(url):
            print(url, flush=True)  # alone on its line: scripts can pick it up
            _say("Open the URL above in a browser to sign in to WHOOP; waiting for the redirect...")
        else:
            _say("Sign in to WHOOP in the browser window that opened; waiting for the redirect...")

    async def job(service: CloudSyncService) -> None:
        await service.connect(ClientCredentials(args.client_id.strip(), secret), args.redirect_port,
                              args.redirect_path, show, timeout=args.timeout)
        if service.store.warning:
            _say(f"warning: {service.store.warning}")

    _with_service(args, paths, job)
    _say("Connected to WHOOP. Run `healthdesk-cli whoop sync` to copy your data.")
    return 0


def _read_secret(piped: bool) -> str:
    """From stdin when piped (or asked with '-'), else a prompt that does not echo; never from argv."""
    if piped or not sys.stdin.isatty():
        return sys.stdin.readline().strip()
    import getpass

    try:
        return getpass.getpass("WHOOP client secret (not shown): ", stream=sys.stderr).strip()
    except EOFError:
        return ""


def _sync(args: argparse.Namespace, paths: Paths) -> int:
    report = _with_service(args, paths, lambda service: service.sync_now(full=args.full))
    print(json.dumps(report.to_dict()))
    return 0


def _status(args: argparse.Namespace, paths: Paths) -> int:
    async def job(service: CloudSyncService) -> dict[str, Any]:
        return service.status()

    status = _with_service(args, paths, job)
    if args.json:
        print(json.dumps(status, sort_keys=True))
        return 0
    state = "needs sign-in again" if status["needs_reauth"] else status["status"]
    print(f"WHOOP: {state}; last sync {status['last_sync'] or 'never'}; next sync {status['next_sync'] or '-'}")
    if status["last_sync_error"]:
        print(f"last error: {status['last_sync_error']}")
    for name, resource in status["resources"].items():
        if resource:
            print(f"  {name:9} watermark {resource['watermark'] or '-'}  backfill "
                  f"{'done' if resource['backfill_done'] else 'pending'}"
                  + (f"  error: {resource['last_error']}" if resource["last_error"] else ""))
    return 0


def _dump(args: argparse.Namespace, paths: Paths) -> int:
    from healthdesk.store import cloud as local
    from healthdesk.store.database import StoreError, open_database

    try:
        db = open_database(paths.database)
    except StoreError as exc:
        raise CliError(str(exc)) from exc
    try:
        with local.read_session(db) as session:
            print(json.dumps(local.dump_local_copy(session)))
    finally:
        db.close()
    return 0


def _disconnect(args: argparse.Namespace, paths: Paths) -> int:
    warning = _with_service(args, paths, lambda service: service.disconnect(revoke=args.revoke))
    if warning:
        _say(f"warning: {warning}")
    _say("Disconnected from WHOOP" + (" and revoked access" if args.revoke and not warning else "")
         + "; your synced WHOOP data stays in the local database.")
    return 0


def register(subparsers: Any) -> None:
    whoop = subparsers.add_parser("whoop", help="WHOOP cloud: connect, sync, status, dump, disconnect")
    actions = whoop.add_subparsers(dest="whoop_command", metavar="ACTION", required=True)

    def api_base(p: argparse.ArgumentParser) -> None:
        p.add_argument("--api-base", metavar="URL", help="WHOOP API root (also HEALTHDESK_WHOOP_API_BASE; "
                       "default: the one used at connect, else https://api.prod.whoop.com)")

    connect = actions.add_parser("connect", help="sign in with your WHOOP developer app's keys")
    connect.add_argument("--client-id", required=True)
    connect.add_argument("--client-secret", nargs="?", const="-", default=None, metavar="-",
                         help="read the app's secret from stdin ('--client-secret -' with a pipe); without this "
                         "option it is asked for without echo. Never give the secret itself on the command line.")
    connect.add_argument("--no-browser", action="store_true", help="print the sign-in URL instead of opening it")
    connect.add_argument("--redirect-port", type=int, default=DEFAULT_REDIRECT_PORT,
                         help=f"loopback port of the redirect URI (default {DEFAULT_REDIRECT_PORT})")
    connect.add_argument("--redirect-path", default=DEFAULT_REDIRECT_PATH, help=argparse.SUPPRESS)
    connect.add_argument("--timeout", type=float, default=300.0, help="seconds to wait for the sign-in")
    api_base(connect)
    connect.set_defaults(handler=_connect)

    sync = actions.add_parser("sync", help="copy new and changed WHOOP data; prints a JSON summary")
    sync.add_argument("--full", action="store_true", help="walk the whole history again")
    api_base(sync)
    sync.set_defaults(handler=_sync)

    status = actions.add_parser("status", help="connection, last/next sync, per-resource state")
    status.add_argument("--json", action="store_true")
    api_base(status)
    status.set_defaults(handler=_status)

    dump = actions.add_parser("dump", help="the local copy as JSON (id, updated_at, score_state, deleted)")
    dump.add_argument("--json", action="store_true", help="JSON output (the only format)")
    dump.set_defaults(handler=_dump)

    disconnect = actions.add_parser("disconnect", help="stop syncing and forget the keys; data is kept")
    disconnect.add_argument("--revoke", action="store_true", help="also revoke this app's access at WHOOP")
    api_base(disconnect)
    disconnect.set_defaults(handler=_disconnect)
