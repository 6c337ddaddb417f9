"""Check the frozen app's `--screenshot` output: one PNG per page at least, each PNG a real render (not blank).

Usage: check_screenshots.py DIR. Runs in the developer venv (Qt decodes the PNGs); prints one line per page.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
from PySide6.QtGui import QImage  # noqa: E402

from healthdesk.ui.main_window import PAGE_KEYS  # noqa: E402

MIN_SIDE_PX = 400
PHONE_WIDTH_PX = 390  # share-390*.png: the share view at phone width
MIN_GREY_STD = 8.0  # a page with text, cards and charts; a blank or single-colour window is ~0
MIN_DISTINCT_COLOURS = 32


def page_problem(path: Path, min_side: int = MIN_SIDE_PX) -> str | None:
    if not path.is_file():
        return "missing"
    image = QImage(str(path))
    if image.isNull():
        return "not a readable PNG"
    if min(image.width(), image.height()) < min_side:
        return f"only {image.width()}x{image.height()} px"
    image = image.convertToFormat(QImage.Format.Format_RGB32)
    pixels = np.frombuffer(image.constBits(), dtype=np.uint32, count=image.width() * image.height())
    rgb = np.stack([(pixels >> s) & 0xFF for s in (16, 8, 0)]).astype(np.float64)
    grey_std = float((0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2]).std())
    colours = len(np.unique(pixels))
    if grey_std < MIN_GREY_STD or colours < MIN_DISTINCT_COLOURS:
        return f"looks blank (grey std {grey_std:.1f}, {colours} colours)"
    return None


def main(argv: list[str]) -> int:
    """Every page is there, and every PNG written (both themes, the zoomed explorer, the share view) is real."""
    shots = Path(argv[1])
    names = sorted({f"{key}.png" for key in PAGE_KEYS} | {path.name for path in shots.glob("*.png")})
    failures = 0
    for name in names:
        min_side = PHONE_WIDTH_PX if name.startswith("share-390") else MIN_SIDE_PX
        problem = page_problem(shots / name, min_side)
        print(f"  {name}: {problem or 'ok'}")
        failures += problem is not None
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
