"""`--screenshot DIR`: show every page once its data is in, grab it, and write DIR/<page>.png."""

from __future__ import annotations

import asyncio
from pathlib import Path

from healthdesk.ui.main_window import PAGE_KEYS, MainWindow


async def capture_all(window: MainWindow, out_dir: Path, settle_s: float = 0.4) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    await window.wait_ready()
    written = []
    for key in PAGE_KEYS:
        window.show_page(key)
        # Sleep rather than processEvents(): re-entering the Qt loop from a task would run other tasks inside
        # this one's step. The pause lets layouts, charts and the window manager catch up before grabbing.
        await asyncio.sleep(settle_s)
        target = out_dir / f"{key}.png"
        if not window.grab().save(str(target)):
            raise OSError(f"cannot write {target}")
        written.append(target)
    return written
