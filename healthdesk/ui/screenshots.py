"""`--screenshot DIR`: show every page once its data is in, grab it, and write DIR/<page>.png; then the same in
the dark theme (DIR/<page>-dark.png), the day explorer zoomed in to its R-R intervals, and whatever the
`EXTRA_SHOTS` hooks add.

`EXTRA_SHOTS` is the seam for shots that are not a page of the window (e.g. the share view rendered by headless
Chromium at phone width): append an `async def shot(window, out_dir) -> list[Path]` from the module that owns
it; each runs after the page shots, in the order appended, and what it returns is added to the list written.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

from PySide6.QtWidgets import QApplication

from healthdesk.ui import theme
from healthdesk.ui.main_window import PAGE_KEYS, MainWindow

Shot = Callable[[MainWindow, Path], Awaitable[list[Path]]]
EXTRA_SHOTS: list[Shot] = []
ZOOM_SPAN_S = 20 * 60.0


async def _grab(window: MainWindow, target: Path, settle_s: float) -> Path:
    # Sleep rather than processEvents(): re-entering the Qt loop from a task would run other tasks inside
    # this one's step. The pause lets layouts, charts and the window manager catch up before grabbing.
    await asyncio.sleep(settle_s)
    if not window.grab().save(str(target)):
        raise OSError(f"cannot write {target}")
    return target


async def _pages(window: MainWindow, out_dir: Path, suffix: str, settle_s: float) -> list[Path]:
    written = []
    for key in PAGE_KEYS:
        window.show_page(key)
        written.append(await _grab(window, out_dir / f"{key}{suffix}.png", settle_s))
    return written


async def _explorer_zoomed(window: MainWindow, out_dir: Path, suffix: str, settle_s: float) -> list[Path]:
    """The day explorer narrowed to 20 minutes of a workout (or of the night), where R-R dots appear."""
    if "explorer" not in window.pages:
        return []
    page = window.page("explorer")
    trace = getattr(page, "trace", None)
    if trace is None or not trace.has_heart_rate:
        return []
    workouts = [b for b in trace.bands if b.kind == "workout"]
    centre = (workouts[0].start + workouts[0].end) / 2 if workouts else trace.t0 + 3.5 * 3600
    window.show_page("explorer")
    page.chart.show_span(centre - ZOOM_SPAN_S / 2, centre + ZOOM_SPAN_S / 2)  # type: ignore[attr-defined]
    shot = await _grab(window, out_dir / f"explorer-zoom{suffix}.png", settle_s)
    page.chart.show_span(trace.t0, trace.t1)  # type: ignore[attr-defined]
    return [shot]


async def _set_scheme(window: MainWindow, scheme: str) -> None:
    app = QApplication.instance()
    if isinstance(app, QApplication):
        theme.apply(app, scheme)
    window.refresh_all()  # charts take their pens from the palette when they draw their data
    await window.context.runner.wait_idle(60.0)


async def capture_all(window: MainWindow, out_dir: Path, settle_s: float = 0.4) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    await window.wait_ready()
    written = await _pages(window, out_dir, "", settle_s)
    written += await _explorer_zoomed(window, out_dir, "", settle_s)
    original = "dark" if theme.colors() is theme.DARK else "light"
    other = "light" if original == "dark" else "dark"
    await _set_scheme(window, other)
    written += await _pages(window, out_dir, f"-{other}", settle_s)
    written += await _explorer_zoomed(window, out_dir, f"-{other}", settle_s)
    await _set_scheme(window, original)
    for shot in EXTRA_SHOTS:
        written += await shot(window, out_dir)
    return written
