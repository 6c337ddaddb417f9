"""Headless Chromium for looking at the share view as a phone would (screenshots, layout checks).

A desktop Chromium window is never narrower than 500 px, so a 390 px "phone" is an iframe of exactly that width
inside a wider window: media queries, `device-width` and layout inside it see 390 px, and the screenshot is
cut to the frame. The page goes in as `srcdoc`, so a script of the outer page (a layout check) may read it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from html import escape
from pathlib import Path

FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--hide-scrollbars")
WINDOW_MIN_WIDTH = 500  # Chromium's smallest window
PHONE = (390, 844)


class BrowserError(Exception):
    """One line: no Chromium, or it failed."""


def chromium_path() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        if found := shutil.which(name):
            return found
    return None


def phone_frame(html: str, width: int, height: int, script: str = "") -> str:
    """An outer page holding `html` in a width x height iframe at its top-left corner."""
    return ("<!doctype html><html><head><meta charset=\"utf-8\"><style>html,body{margin:0;padding:0;"
            f"overflow:hidden;background:#fff}}iframe{{border:0;display:block;width:{width}px;height:{height}px}}"
            f'</style></head><body><iframe id="phone" srcdoc="{escape(html, quote=True)}"></iframe>'
            f"{script}</body></html>")


def _system_env() -> dict[str, str]:
    """The environment for the system's Chromium: in a frozen bundle PyInstaller's launcher puts the bundle's
    libraries first on LD_LIBRARY_PATH (keeping the user's in LD_LIBRARY_PATH_ORIG); Chromium must load the
    system's own."""
    env = dict(os.environ)
    if getattr(sys, "frozen", False):
        original = env.pop("LD_LIBRARY_PATH_ORIG", None)
        if original is None:
            env.pop("LD_LIBRARY_PATH", None)
        else:
            env["LD_LIBRARY_PATH"] = original
    return env


def _run(outer_html: str, width: int, height: int, args: list[str], timeout: float) -> str:
    exe = chromium_path()
    if exe is None:
        raise BrowserError("Chromium is not installed (apt-get install chromium)")
    with tempfile.TemporaryDirectory(prefix="healthdesk-chromium-") as tmp:
        page = Path(tmp) / "frame.html"
        page.write_text(outer_html, encoding="utf-8")
        command = [exe, *FLAGS, f"--user-data-dir={tmp}/profile", "--virtual-time-budget=3000",
                   f"--window-size={max(width, WINDOW_MIN_WIDTH)},{height}", *args, page.as_uri()]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=tmp, env=_system_env())
        except subprocess.TimeoutExpired as exc:
            raise BrowserError(f"Chromium took longer than {timeout:.0f} s") from exc
    if done.returncode != 0:
        raise BrowserError(f"Chromium failed (exit {done.returncode})")
    return done.stdout


def dump_dom(html: str, script: str, size: tuple[int, int] = PHONE, timeout: float = 60.0) -> str:
    """The outer page's DOM after `script` ran on it (the page itself sits in the 390 px frame)."""
    width, height = size
    return _run(phone_frame(html, width, height, script), width, height, ["--dump-dom"], timeout)


def screenshot(html: str, out: Path, size: tuple[int, int] = PHONE, timeout: float = 60.0) -> Path:
    """A PNG of the page's first `height` pixels at `width` px, cut to the frame."""
    width, height = size
    out.parent.mkdir(parents=True, exist_ok=True)
    out.unlink(missing_ok=True)
    _run(phone_frame(html, width, height), width, height, [f"--screenshot={out.resolve()}"], timeout)
    if not out.is_file():
        raise BrowserError("Chromium wrote no screenshot")
    return _crop(out, width)


def _crop(png: Path, width: int) -> Path:
    """Chromium saves the whole (>= 500 px) window: keep the frame's width."""
    from PIL import Image

    with Image.open(png) as image:
        if image.width > width:
            image.crop((0, 0, width, image.height)).save(png)
    return png
