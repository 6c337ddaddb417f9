"""`healthdesk-cli band …`: scan, pair, drain, live HR, info, and writing a simulated band's flash to a file.

`--sim` talks to the simulated band over the real bleak API and bumble's in-process BLE link. The simulated band
keeps its flash and cursor in `<data dir>/simulated-band/`, so successive commands see the same band (and a
drain that was killed resumes where the band's cursor stands). Without `--sim` the computer's Bluetooth adapter
is used; every Bluetooth or band failure is one line on stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from healthdesk.cli import CliError
from healthdesk.config import Paths

if TYPE_CHECKING:
    from healthdesk.band.sim.firmware import SimulatedBand
    from healthdesk.services.drain import DrainEvent
    from healthdesk.services.pairing import BandConnector

# Heavy modules (bleak, bumble, SQLAlchemy) are imported inside the handlers: every healthdesk-cli command
# imports this module to build its parser, and only `band` commands need them.
T = TypeVar("T")
SIM_SERIAL = "4C0000042"
SIM_SCAN_S = 0.5


def _day_start(days: int) -> int:
    """A simulated history ends today (UTC midnight), so a fresh simulated band is caught up with now."""
    return int(time.time() // 86400) * 86400 - days * 86400


# --- the simulated band of this data dir ------------------------------------------------------------------------
def open_sim_band(paths: Paths, args: argparse.Namespace) -> SimulatedBand:
    """The data dir's simulated band; made on first use from --sim-days/--sim-seed or --sim-replay."""
    from healthdesk.band.sim import band_folder
    from healthdesk.band.sim.faults import FLASH_FAULTS, wire_faults
    from healthdesk.band.sim.flash import compose_flash, generate
    from healthdesk.band.sim.replay import load_capture

    faults = _faults(getattr(args, "sim_faults", None))
    flash_faults = sorted(set(faults) & set(FLASH_FAULTS))
    folder = band_folder.sim_band_folder(paths.data_dir)
    wanted = {"days": args.sim_days, "seed": args.sim_seed, "replay": args.sim_replay,
              "faults": flash_faults or None}
    if band_folder.band_exists(folder) and not getattr(args, "sim_reset", False):
        try:
            band = band_folder.load_band(folder)
        except ValueError as exc:
            raise CliError(f"{exc}; start afresh with --sim-reset") from exc
        made_from = band.state.extra.get("made_from", {})
        asked = {k: v for k, v in wanted.items() if v is not None}
        if isinstance(made_from, dict) and any(made_from.get(k) != v for k, v in asked.items()):
            raise CliError(f"the simulated band in {folder} was made from {made_from}; "
                           "add --sim-reset to replace it")
        _arm(band, faults, wire_faults)
        return band
    days = args.sim_days if args.sim_days is not None else 1
    seed = args.sim_seed if args.sim_seed is not None else 1
    if args.sim_replay:
        try:
            flash = load_capture(args.sim_replay).flash
        except ValueError as exc:
            raise CliError(str(exc)) from exc
        made_from: dict[str, object] = {"replay": args.sim_replay}
    else:
        if days < 1:
            raise CliError("--sim-days must be at least 1")
        flash = compose_flash(generate(days, seed, _day_start(days)).records, seed=seed)
        made_from = {"days": days, "seed": seed}
    band = band_folder.make_band(folder, flash, serial=SIM_SERIAL, seed=seed, made_from=made_from,
                                 faults=flash_faults)
    _arm(band, faults, wire_faults)
    return band


def _faults(text: str | None) -> list[str]:
    from healthdesk.band.sim.faults import parse_faults

    try:
        return parse_faults(text)
    except ValueError as exc:
        raise CliError(str(exc)) from exc


def _arm(band: SimulatedBand, faults: list[str], wire_faults: Callable[..., Any]) -> None:
    """Wire faults act on this run only (docs/band-protocol.md §14); `slow` paces the band at 10 records/s."""
    armed, interval = wire_faults(faults)
    band.faults = armed
    if interval is not None:
        band.frame_interval_s = interval


@asynccontextmanager
async def sim_air(band: SimulatedBand) -> AsyncIterator[None]:
    from healthdesk.ble.bumble_backend import simulated_air

    air = simulated_air()
    await air.power_on(band)
    try:
        yield
    finally:
        await air.close()


def connector_for(paths: Paths, args: argparse.Namespace, band: SimulatedBand | None) -> BandConnector:
    from healthdesk.band.sim.peripheral import address_for_serial
    from healthdesk.ble.bumble_backend import SIMULATED
    from healthdesk.services.pairing import BandConnector, load_paired_band

    if band is not None:
        return BandConnector(SIMULATED, scan_timeout=SIM_SCAN_S, address=address_for_serial(band.serial))
    try:
        paired = load_paired_band(paths)
    except ValueError as exc:
        raise CliError(str(exc)) from exc
    address = paired.address if paired is not None and not paired.simulated else None
    return BandConnector(None, scan_timeout=args.timeout, address=address)


def run_band(paths: Paths, args: argparse.Namespace,
             work: Callable[[BandConnector, SimulatedBand | None], Awaitable[T]]) -> T:
    """Run `work` with the simulated band switched on (--sim) or against the real adapter."""
    from healthdesk.band.whoop4.session import BandError
    from healthdesk.ble.errors import BandConnectionError

    async def main() -> T:
        band = open_sim_band(paths, args) if args.sim else None
        connector = connector_for(paths, args, band)
        if band is None:
            return await work(connector, None)
        async with sim_air(band):
            return await work(connector, band)

    try:
        return asyncio.run(main())
    except (BandConnectionError, BandError) as exc:
        raise CliError(str(exc), code=3) from exc


def _print_json(obj: Any) -> None:
    print(json.dumps(obj, sort_keys=True), flush=True)


# --- commands ---------------------------------------------------------------------------------------------
def _scan(args: argparse.Namespace, paths: Paths) -> int:
    async def work(connector: BandConnector, band: SimulatedBand | None) -> int:
        found = await connector.scan()
        for b in found:
            _print_json({"address": b.address, "name": b.name, "rssi": b.rssi})
        if not found:
            print("healthdesk-cli: no WHOOP 4.0 found", file=sys.stderr)
        return 0 if found else 1

    return run_band(paths, args, work)


def _control(paths: Paths, connector: BandConnector, band: SimulatedBand | None, db: Any = None) -> Any:
    """The app's band workflows (services/band_control) over this command's connector."""
    from healthdesk.services.band_control import BandControl

    return BandControl(paths, db, connector.backend, simulated=band is not None, connector=connector)


def _pair(args: argparse.Namespace, paths: Paths) -> int:
    async def work(connector: BandConnector, band: SimulatedBand | None) -> int:
        paired, check = await _control(paths, connector, band).pair()
        _print_json({"address": paired.address, "serial": paired.serial, "name": paired.name,
                     "firmware": paired.firmware, "battery_percent": check.battery_percent,
                     "warnings": [w.as_json() for w in check.warnings]})
        return 0

    return run_band(paths, args, work)


def _info(args: argparse.Namespace, paths: Paths) -> int:
    async def work(connector: BandConnector, band: SimulatedBand | None) -> int:
        check = await _control(paths, connector, band).check(set_clock=False)
        _print_json({"serial": check.serial, "firmware": check.firmware, "battery_percent": check.battery_percent,
                     "charging": check.charging, "on_wrist": check.on_wrist,
                     "clock_drift_s": round(check.clock_drift_s, 3), "records_waiting": check.records_waiting,
                     "warnings": [w.as_json() for w in check.warnings]})
        return 0

    return run_band(paths, args, work)


def _live(args: argparse.Namespace, paths: Paths) -> int:
    async def work(connector: BandConnector, band: SimulatedBand | None) -> int:
        async for reading in _control(paths, connector, band).live_hr(args.seconds, handshake=False):
            when = datetime.fromtimestamp(reading.unix, UTC)
            rr = " ".join(str(v) for v in reading.rr_ms) or "-"
            print(f"{when.isoformat(timespec='seconds')}  HR {reading.bpm:3d} bpm  RR {rr} ms", flush=True)
        return 0

    return run_band(paths, args, work)


def _drain(args: argparse.Namespace, paths: Paths) -> int:
    from healthdesk.store.database import StoreError, open_database

    try:
        db = open_database(paths.database)
    except StoreError as exc:
        raise CliError(str(exc)) from exc
    show = sys.stderr.isatty()

    def progress(event: DrainEvent) -> None:
        if show and event.kind == "progress":
            print(f"\r{describe_progress(event)}   ", end="", file=sys.stderr, flush=True)
        elif show and event.kind == "reconnecting":
            print(f"\n{event.detail}", file=sys.stderr, flush=True)

    async def work(connector: BandConnector, band: SimulatedBand | None) -> int:
        job = _control(paths, connector, band, db).drain_job(progress, derive=not args.no_derive,
                                                             idle_timeout=args.idle_timeout)
        summary = await job.run()
        if show:
            print(file=sys.stderr)
            for warning in summary.warnings:
                print(f"warning: {warning.message}", file=sys.stderr)
        out = summary.as_json()
        _print_json({k: out[k] for k in ("batches", "records_new", "records_duplicate", "frames_invalid",
                                         "seconds", "complete", "reconnects", "device", "warnings",
                                         "records_unknown_version", "records_redated", "records_undated",
                                         "records_estimated", "rate")})
        return 0 if summary.complete else 1

    try:
        return run_band(paths, args, work)
    finally:
        db.close()


def describe_progress(event: DrainEvent) -> str:
    """Records drained, records left (estimate), rate and ETA on one line."""
    done = event.summary.records_new + event.summary.records_duplicate
    parts = [f"{done:,} records drained"]
    if event.records_remaining is not None:
        parts.append(f"~{event.records_remaining:,} left")
    if event.rate > 0:
        parts.append(f"{event.rate:,.1f} records/s")
    if event.eta_s is not None:
        parts.append(f"about {_duration(event.eta_s)} to go")
    return ", ".join(parts)


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def _simulate(args: argparse.Namespace, paths: Paths) -> int:
    from healthdesk.band.sim.faults import FLASH_FAULTS, apply_flash_faults
    from healthdesk.band.sim.flash import compose_flash, generate

    faults = _faults(args.faults)
    wire_only = [f for f in faults if f not in FLASH_FAULTS]
    if wire_only:
        raise CliError(f"{wire_only[0]} happens on the link, not in the flash: use band drain --sim "
                       f"--sim-faults {','.join(wire_only)}")
    if args.days < 1:
        raise CliError("--days must be at least 1")
    start = args.start_unix if args.start_unix is not None else _day_start(args.days)
    history = generate(args.days, args.seed, start, args.scenario)
    frames = apply_flash_faults(compose_flash(history.records, seed=args.seed), faults)
    try:
        _write_atomically(Path(args.out), "".join(f.hex() + "\n" for f in frames))
        if args.truth:
            _write_atomically(Path(args.truth), (history.truth_json or "{}") + "\n")
    except OSError as exc:
        raise CliError(f"cannot write: {exc.strerror or exc} ({exc.filename})") from exc
    _print_json({"frames": len(frames), "records": int(len(history.records)), "out": args.out,
                 "truth": args.truth})
    return 0


def _write_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    tmp.replace(path)


# --- argument parsing ---------------------------------------------------------------------------------------
def _sim_args(p: argparse.ArgumentParser, with_content: bool = False) -> None:
    p.add_argument("--sim", action="store_true", help="use the simulated band over the in-process BLE link")
    p.add_argument("--timeout", type=float, default=5.0, help="scan time in seconds (default 5)")
    p.set_defaults(sim_days=None, sim_seed=None, sim_replay=None)
    if with_content:
        p.add_argument("--sim-days", type=int, help="days of history on a new simulated band (default 1)")
        p.add_argument("--sim-seed", type=int, help="seed of a new simulated band's history (default 1)")
        p.add_argument("--sim-replay", metavar="FILE", help="serve a capture file (hex frames) as the flash")
        p.add_argument("--sim-reset", action="store_true", help="replace this data dir's simulated band")


def register(subparsers: argparse._SubParsersAction) -> None:
    band = subparsers.add_parser("band", help="pair with and drain a WHOOP 4.0 (or the simulated band)")
    sub = band.add_subparsers(dest="band_command", metavar="ACTION", required=True)

    p = sub.add_parser("scan", help="list WHOOP 4.0 bands in range")
    _sim_args(p)
    p.set_defaults(handler=_scan)

    p = sub.add_parser("pair", help="pair with the band, set its clock and remember it")
    _sim_args(p, with_content=True)
    p.set_defaults(handler=_pair)

    p = sub.add_parser("drain", help="copy the band's stored history into the database")
    _sim_args(p, with_content=True)
    p.add_argument("--no-derive", action="store_true", help="do not recompute metrics afterwards")
    p.add_argument("--json", action="store_true", help="print the summary as JSON (always the case; kept for scripts)")
    p.add_argument("--idle-timeout", type=float, default=60.0,
                   help="abort after this many seconds without history (default 60)")
    p.add_argument("--sim-faults", metavar="LIST",
                   help="simulated band only: comma-separated field faults (raw_stream, count_mismatch, "
                        "unset_clock, clock_not_latched, v25, ignore_optional, needs_bond, slow, flaky, "
                        "charging_drop) or 'all'")
    p.set_defaults(handler=_drain)

    p = sub.add_parser("live", help="print heart rate and R-R intervals as they arrive")
    _sim_args(p, with_content=True)
    p.add_argument("--seconds", type=float, default=None, help="stop after N seconds (default: until Ctrl-C)")
    p.set_defaults(handler=_live)

    p = sub.add_parser("info", help="battery, firmware, clock drift and records waiting")
    _sim_args(p, with_content=True)
    p.set_defaults(handler=_info)

    p = sub.add_parser("simulate", help="write a simulated band's flash as hex frames (+ its ground truth)")
    p.add_argument("--days", type=int, required=True)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--out", required=True, metavar="FILE", help="hex frames, one per line (import-frames format)")
    p.add_argument("--truth", metavar="FILE", help="ground truth JSON")
    p.add_argument("--start-unix", type=int, help="first record time (default: N days before today 00:00 UTC)")
    p.add_argument("--faults", metavar="LIST", help="flash faults to write into the frames: unset_clock, v25")
    p.add_argument("--scenario", choices=("stationary", "improving", "events"), default="stationary",
                   help="nightly physiology: stationary, improving, or marked bad/good nights (in the truth)")
    p.set_defaults(handler=_simulate)
