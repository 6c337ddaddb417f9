"""The one place simulated-band folders are made and opened, for `healthdesk-cli band --sim` and the demo.

A data dir has at most one simulated band, in `<data dir>/simulated-band/` (flash + state, storage.py). The band
remembers what it was made from (`state.extra["made_from"]`: days/seed, a replayed capture, the demo's
parameters, flash faults), so a later command can refuse to reuse a band made differently.
"""

from __future__ import annotations

from pathlib import Path

from .faults import FLASH_FAULTS, apply_flash_faults
from .firmware import SimulatedBand
from .storage import BandStorage

SIM_FOLDER = "simulated-band"


def sim_band_folder(data_dir: Path) -> Path:
    return data_dir / SIM_FOLDER


def band_exists(folder: Path) -> bool:
    return BandStorage(folder).exists()


def made_from(folder: Path) -> dict[str, object]:
    """What the band in `folder` was made from ({} when there is none). ValueError when it is unreadable."""
    if not band_exists(folder):
        return {}
    recorded = SimulatedBand.load(str(folder)).state.extra.get("made_from", {})
    return dict(recorded) if isinstance(recorded, dict) else {}


def make_band(folder: Path, flash: list[bytes], *, serial: str, seed: int, made_from: dict[str, object],
              faults: list[str] | tuple[str, ...] = (), **options: object) -> SimulatedBand:
    """A new band in `folder` holding `flash` (with the flash faults among `faults` applied), replacing any."""
    flash_faults = sorted(set(faults) & set(FLASH_FAULTS))
    recorded = dict(made_from)
    if flash_faults:
        flash = apply_flash_faults(flash, flash_faults)
        recorded["faults"] = flash_faults
    band = SimulatedBand.create(flash, serial=serial, seed=seed, folder=str(folder), **options)
    band.state.extra["made_from"] = recorded
    BandStorage(folder).save_state(band.state)
    return band


def load_band(folder: Path, **options: object) -> SimulatedBand:
    return SimulatedBand.load(str(folder), **options)
