"""The demo band's own data folder, so simulated data never mixes with a person's real data."""

from __future__ import annotations

from healthdesk.config import Paths


def demo_paths(paths: Paths) -> Paths:
    """`<home>/demo` when a home is given (one folder for everything), else `<platform data dir>/demo`."""
    root = paths.data_dir / "demo"
    return Paths(root, root, root / "logs")
