"""`healthdesk-cli share create|list|revoke|serve`: scoped, expiring, revocable links for a clinician.

`create` prints the link once (only its HMAC is stored); `serve` runs the local share server in the
foreground until Ctrl-C (`serve --create ...` mints a link served by that same process - the only way without
a system keyring). The server binds 127.0.0.1 unless `--host` asks for the LAN, which needs `--tls`; an https
link is printed with the certificate's SHA-256 fingerprint for the clinician to check.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from pathlib import Path

from healthdesk.cli import CliError
from healthdesk.clinical.report_data import SECTIONS
from healthdesk.config import Paths


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("share", help="share links for a clinician and the local share server",
                                   description="Read-only, scoped, expiring links to a clinician view and a "
                                               "FHIR R4 face, served from this computer.")
    sub = parser.add_subparsers(dest="share_command", metavar="ACTION", required=True)

    create = sub.add_parser("create", help="mint a link (printed once)")
    _link_options(create, required=True)
    create.add_argument("--host", default="127.0.0.1", help="address in the printed URL (default 127.0.0.1; "
                        "any other address gives an https link, as 'serve --tls' serves it)")
    create.add_argument("--port", type=int, default=None, help="port in the printed URL (default: serve's default)")
    create.set_defaults(handler=_create)

    listing = sub.add_parser("list", help="list links with status and access counts (never the tokens)")
    listing.add_argument("--json", action="store_true", help="machine-readable output")
    listing.set_defaults(handler=_list)

    revoke = sub.add_parser("revoke", help="revoke a link at once")
    revoke.add_argument("id", type=int, help="link id from 'share list'")
    revoke.set_defaults(handler=_revoke)

    serve = sub.add_parser("serve", help="run the share server until Ctrl-C")
    serve.add_argument("--host", default="127.0.0.1",
                       help="bind address (default 127.0.0.1; 0.0.0.0 shares on the LAN - read the warning)")
    serve.add_argument("--port", type=int, default=None, help="port (default 47811; 0 = any free port)")
    serve.add_argument("--tls", action="store_true", help="HTTPS with a self-signed certificate (required "
                       "for any address but 127.0.0.1)")
    serve.add_argument("--create", action="store_true", help="also mint a link (options as for 'create') "
                       "served by this process - works without a system keyring")
    _link_options(serve, required=False)
    serve.set_defaults(handler=_serve)


def _link_options(parser: argparse.ArgumentParser, required: bool) -> None:
    parser.add_argument("--from", dest="start", required=required, metavar="DATE", help="first day, YYYY-MM-DD")
    parser.add_argument("--to", dest="end", required=required, metavar="DATE", help="last day (inclusive)")
    parser.add_argument("--sections", required=required, metavar="LIST",
                        help=f"comma-separated parts to share, from {','.join(SECTIONS)} and the optional "
                             "'review' (period review)")
    parser.add_argument("--fhir", action="store_true", help="also allow the FHIR R4 face (Bearer token)")
    parser.add_argument("--expires-days", type=int, default=7, metavar="N", help="1-90 days (default 7)")
    parser.add_argument("--label", default="clinician link", help="what the link is for (shown in lists)")
    parser.add_argument("--timezone", metavar="ZONE",
                        help="IANA zone for day boundaries (default: this computer's)")
    parser.add_argument("--qr", metavar="FILE", help="also write the link as a QR code (PNG, owner-only)")


def _link_request(args: argparse.Namespace):
    from healthdesk.services.export import ExportError, parse_day, parse_sections
    from healthdesk.services.share import MAX_LABEL, LinkRequest

    if args.timezone and len(args.timezone) > 64:  # IANA names are short; never echo a 5,000-char one
        raise CliError("--timezone: not an IANA zone name (e.g. Europe/Berlin)")
    if len(args.label) > MAX_LABEL:
        raise CliError(f"--label: at most {MAX_LABEL} characters (got {len(args.label)})")
    try:
        return LinkRequest(args.label, parse_day(args.start, "--from"), parse_day(args.end, "--to"),
                           parse_sections(args.sections), args.fhir, args.expires_days, args.timezone)
    except ExportError as exc:
        raise CliError(str(exc)) from None


def _print_link(created, args: argparse.Namespace) -> None:
    from healthdesk.services.share import write_qr_png

    info = created.info
    print(f"link {info.id} '{info.label}': {info.start} to {info.end}, {', '.join(info.sections)}"
          f"{', FHIR face' if info.fhir else ''}; expires {info.expires_at:%Y-%m-%d %H:%M} UTC")
    print(created.url)
    if created.tls_fingerprint:
        print(f"certificate SHA-256 fingerprint (the clinician's browser shows it; they must match): "
              f"{created.tls_fingerprint}")
    if created.fhir_base:
        print(f"FHIR base: {created.fhir_base}  (send 'Authorization: Bearer' + the hds_ token in the link)")
    if args.qr:
        try:
            write_qr_png(Path(args.qr).expanduser(), created.url)
        except OSError as exc:
            raise CliError(f"cannot write {args.qr}: {exc.strerror or exc}") from None


def _service(paths: Paths):
    from healthdesk.services.share import ShareService

    if not paths.database.exists():
        raise CliError(f"no database at {paths.database}: drain the band or sync WHOOP first")
    service = ShareService(paths.database, paths.config_dir)
    if service.key_warning:
        print(f"warning: {service.key_warning}", file=sys.stderr)
    return service


def _create(args: argparse.Namespace, paths: Paths) -> int:
    # Heavy stacks load only when a share command runs (every healthdesk-cli call imports this module).
    from healthdesk.services.share import DEFAULT_PORT, LOOPBACK_HOSTS, ShareError, lan_address

    request = _link_request(args)
    if args.port is not None and not 1 <= args.port <= 65535:
        raise CliError(f"--port must be 1..65535, got {args.port}")
    service = _service(paths)  # without a keyring: says so on stderr before anything is created
    try:
        shown = lan_address() if args.host in ("0.0.0.0", "::") else args.host  # as 'serve' prints it
        host = f"[{shown}]" if ":" in shown else shown
        scheme = "http" if args.host in LOOPBACK_HOSTS else "https"  # the LAN is served over TLS only
        created = service.create_link(request, f"{scheme}://{host}:{args.port or DEFAULT_PORT}")
    except ShareError as exc:
        raise CliError(str(exc)) from None
    finally:
        service.close()
    _print_link(created, args)
    print("This link is shown only once; keep it private. Run 'healthdesk-cli share serve"
          f"{'' if scheme == 'http' else ' --tls --host ' + args.host}' to open it.")
    return 0


def _list(args: argparse.Namespace, paths: Paths) -> int:
    service = _service(paths)
    try:
        links = service.list_links()
    finally:
        service.close()
    if args.json:
        print(json.dumps([link.to_json() for link in links], indent=2))
        return 0
    if not links:
        print("no share links")
    for link in links:
        last = f"{link.last_access_at:%Y-%m-%d %H:%M}" if link.last_access_at else "never"
        print(f"{link.id:>4}  {link.status:<8} {link.label!r}  {link.start} to {link.end}  "
              f"{','.join(link.sections)}{' +fhir' if link.fhir else ''}  expires {link.expires_at:%Y-%m-%d}  "
              f"opened {link.access_count}x (last {last})")
    return 0


def _revoke(args: argparse.Namespace, paths: Paths) -> int:
    from healthdesk.services.share import ShareError

    if not 1 <= args.id < 2**63:  # SQLite integers; 'share list' shows the ids
        raise CliError(f"no share link with id {args.id}")
    service = _service(paths)
    try:
        info = service.revoke(args.id)
    except ShareError as exc:
        raise CliError(str(exc)) from None
    finally:
        service.close()
    print(f"link {info.id} '{info.label}' revoked at {info.revoked_at:%Y-%m-%d %H:%M:%S} UTC")
    return 0


def _serve(args: argparse.Namespace, paths: Paths) -> int:
    from healthdesk.services.share import DEFAULT_PORT, ShareError

    service = _service(paths)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    service.add_access_listener(lambda e: print(f"{e.at:%H:%M:%S} link {e.link_id} {e.kind} from {e.client}",
                                                flush=True))
    request = _link_request(args) if args.create else None
    if not args.create and any(getattr(args, a) is not None for a in ("start", "end", "sections")):
        service.close()
        raise CliError("--from/--to/--sections mint a link only with --create")
    try:
        info = service.start_server(args.host, DEFAULT_PORT if args.port is None else args.port, tls=args.tls)
        created = service.create_link(request) if request is not None else None
    except ShareError as exc:
        service.close()
        raise CliError(str(exc)) from None
    if info.warning:
        print(f"WARNING: {info.warning}", file=sys.stderr, flush=True)
    if info.tls_fingerprint:
        print(f"TLS certificate SHA-256 fingerprint: {info.tls_fingerprint}", flush=True)
    if created is not None:
        _print_link(created, args)
        if service.key_warning:
            print("This link works while this server runs (no system keyring keeps its key).", flush=True)
    print(f"share server listening on {info.base_url} (Ctrl-C to stop)", flush=True)
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        service.close()
    print("share server stopped", flush=True)
    return 0
