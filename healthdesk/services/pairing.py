"""Finding, pairing and remembering the band, so the next start reconnects without a scan.

The paired band lives in `<config_dir>/paired_band.json` (address, serial, name, firmware, simulated). Reaching a
band — the radio or the simulated band over the in-process bumble link — goes through `BandConnector`, which
both the drain job and the CLI use.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from healthdesk.band.base import BandLink
from healthdesk.ble import transport
from healthdesk.ble.errors import BandConnectionError
from healthdesk.config import Paths

PAIRED_FILE = "paired_band.json"


@dataclass
class PairedBand:
    address: str
    serial: str
    name: str
    firmware: str
    simulated: bool = False
    paired_at: float = 0.0


def paired_band_path(paths: Paths) -> Path:
    return paths.config_dir / PAIRED_FILE


def load_paired_band(paths: Paths) -> PairedBand | None:
    path = paired_band_path(paths)
    try:
        return PairedBand(**json.loads(path.read_text()))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, TypeError) as exc:
        raise ValueError(f"{path} is unreadable ({exc}); pair the band again") from exc


def save_paired_band(paths: Paths, band: PairedBand) -> None:
    path = paired_band_path(paths)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(asdict(band), indent=2))
    os.replace(tmp, path)


def forget_paired_band(paths: Paths) -> None:
    paired_band_path(paths).unlink(missing_ok=True)


class BandConnector:
    """Connects to one band: by remembered address when there is one, else the first band a scan finds."""

    def __init__(self, backend: transport.Backend | None = None, *, scan_timeout: float = 5.0,
                 address: str | None = None) -> None:
        self.backend = backend
        self.scan_timeout = scan_timeout
        self.address = address

    async def scan(self) -> list[transport.FoundBand]:
        return await transport.scan(self.scan_timeout, backend=self.backend)

    async def __call__(self) -> BandLink:
        if self.address:
            return await transport.connect(self.address, backend=self.backend)
        found = await self.scan()
        if not found:
            raise BandConnectionError(
                "No WHOOP 4.0 found: wake the band (tap it), keep it close and make sure no phone is connected.",
                "out_of_range")
        self.address = found[0].address
        return await transport.connect(found[0], backend=self.backend)


async def pair_band(paths: Paths, connector: BandConnector, *, simulated: bool = False) -> tuple[PairedBand, Any]:
    """Connect with pairing, say hello (and set the clock), remember the band: `BandControl.pair` (the one home
    of the band workflows) over this connector. Returns the paired band and its `BandCheck`."""
    from healthdesk.services.band_control import BandControl  # band_control builds on this module

    control = BandControl(paths, None, connector.backend, simulated=simulated, connector=connector)
    return await control.pair()
