"""Render the one icon source (resources/icons/healthdesk.svg) into every size and container the bundles need.

Writes packaging/icons/healthdesk-{64,128,256,512}.png (Linux hicolor theme), healthdesk.ico (Windows exe
resource: 64/128/256 PNG entries) and healthdesk.icns (macOS: 64..512 PNG entries). Run it after editing the
SVG and commit the outputs: `.venv/bin/python packaging/make_icons.py`.
"""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRectF, Qt  # noqa: E402
from PySide6.QtGui import QGuiApplication, QImage, QPainter  # noqa: E402
from PySide6.QtSvg import QSvgRenderer  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
SOURCE = REPO / "resources" / "icons" / "healthdesk.svg"
OUT_DIR = REPO / "packaging" / "icons"
PNG_SIZES = (64, 128, 256, 512)
ICO_SIZES = (64, 128, 256)  # ICO entries stop at 256 px
ICNS_TYPES = {64: b"icp6", 128: b"ic07", 256: b"ic08", 512: b"ic09"}  # PNG-payload icon types


def render_png(svg: Path, size: int) -> bytes:
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise ValueError(f"{svg} is not a valid SVG")
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter, QRectF(0, 0, size, size))
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "PNG"):
        raise OSError(f"cannot encode the {size} px PNG")
    return bytes(data.data())


def ico_container(pngs: dict[int, bytes]) -> bytes:
    """ICONDIR + one ICONDIRENTRY per size, PNG payloads (valid since Windows Vista); 256 is written as 0."""
    header = struct.pack("<HHH", 0, 1, len(pngs))
    offset = len(header) + 16 * len(pngs)
    entries, payload = b"", b""
    for size, png in sorted(pngs.items()):
        side = 0 if size >= 256 else size
        entries += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(png), offset + len(payload))
        payload += png
    return header + entries + payload


def icns_container(pngs: dict[int, bytes]) -> bytes:
    body = b"".join(ICNS_TYPES[size] + struct.pack(">I", 8 + len(png)) + png for size, png in sorted(pngs.items()))
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def render_all(svg: Path = SOURCE) -> dict[str, bytes]:
    """File name -> bytes for every output (also used by the test that checks the committed icons are current)."""
    pngs = {size: render_png(svg, size) for size in PNG_SIZES}
    outputs = {f"healthdesk-{size}.png": png for size, png in pngs.items()}
    outputs["healthdesk.ico"] = ico_container({s: pngs[s] for s in ICO_SIZES})
    outputs["healthdesk.icns"] = icns_container(pngs)
    return outputs


def main() -> int:
    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    for name, data in render_all().items():
        (OUT_DIR / name).write_bytes(data)
        print(f"wrote {OUT_DIR / name} ({len(data)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
