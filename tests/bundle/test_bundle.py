"""The double-click bundle (issue 9): the full smoke test on the built archive, plus the fast checks."""

from __future__ import annotations

import importlib.util
import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

REPO = Path(__file__).resolve().parents[2]
PACKAGING = REPO / "packaging"


def _load_make_icons():
    spec = importlib.util.spec_from_file_location("make_icons", PACKAGING / "make_icons.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _frames(data: bytes) -> dict[tuple[int, int], np.ndarray]:
    """Every image in a PNG, ICO or ICNS file as RGBA pixels, by size (decoded: never compared as bytes, since
    zlib's output differs between builds while the pixels agree)."""
    image = Image.open(io.BytesIO(data))
    sizes = list(image.info["sizes"]) if image.format in ("ICO", "ICNS") else [image.size]
    frames = {}
    for size in sizes:
        if image.format == "ICO":
            frame = image.ico.getimage(size)
        elif image.format == "ICNS":
            frame = image.icns.getimage(tuple(size))  # size is (w, h, scale)
        else:
            frame = image
        frames[tuple(size[:2])] = np.asarray(frame.convert("RGBA"), dtype=np.int16)
    return frames


def test_committed_icons_are_rendered_from_the_svg_source(qapp):
    """Every committed icon has the pixels make_icons.py renders now from resources/icons/healthdesk.svg
    (each channel within 1 level of 255: a rasteriser rounding difference, never a stale icon)."""
    rendered = _load_make_icons().render_all()
    assert set(rendered) == {"healthdesk-64.png", "healthdesk-128.png", "healthdesk-256.png",
                             "healthdesk-512.png", "healthdesk.ico", "healthdesk.icns"}
    for name, data in rendered.items():
        fresh, committed = _frames(data), _frames((PACKAGING / "icons" / name).read_bytes())
        assert set(fresh) == set(committed), f"{name}: sizes differ: run packaging/make_icons.py"
        for size, pixels in fresh.items():
            worst = int(np.abs(pixels - committed[size]).max())
            assert worst <= 1, f"{name} {size}: pixels differ by up to {worst} levels: run packaging/make_icons.py"


def test_desktop_entry_validates():
    validator = shutil.which("desktop-file-validate")
    assert validator, "desktop-file-utils missing (make system-deps installs it)"
    result = subprocess.run([validator, str(PACKAGING / "linux" / "healthdesk.desktop")],
                            capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout == "", result.stdout + result.stderr


def test_install_sh_outside_a_bundle_says_so_in_one_line(tmp_path):
    script = tmp_path / "install.sh"
    shutil.copy(PACKAGING / "linux" / "install.sh", script)
    env = {**os.environ, "HOME": str(tmp_path / "home")}
    result = subprocess.run(["bash", str(script)], capture_output=True, text=True, env=env)
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "unpacked healthdesk folder" in result.stderr
    assert not (tmp_path / "home").exists()  # refused before touching anything


@pytest.mark.timeout(1500)
def test_smoke_built_bundle_runs_the_demo_and_self_checks():
    """packaging/smoke_test.sh: clean-venv build, archive, --version, --self-check, demo screenshots, install."""
    env = {**os.environ, "DEV_PYTHON": sys.executable}
    result = subprocess.run(["bash", str(PACKAGING / "smoke_test.sh")], capture_output=True, text=True,
                            env=env, cwd=REPO)
    output = result.stdout + result.stderr
    print(output[-4000:])  # size and first-paint numbers land in the test log
    assert result.returncode == 0, output[-4000:]
    assert "smoke: PASS" in result.stdout
