"""Fonts for the PDF: the built-in Helvetica when every text fits its WinAnsi set, else a system TrueType font.

A patient name like "Łukasz" or "王" cannot be drawn with Helvetica (it would come out as boxes and not be
extractable). Then a Unicode TrueType font from the usual system places is embedded (subset); when none
covers the text, the characters it cannot draw become their closest Latin letter or "?", never a box.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

# (regular, bold) pairs, most common first: Debian/Ubuntu, Fedora/Arch, macOS, Windows.
CANDIDATES: tuple[tuple[str, str], ...] = (
    ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
    ("/usr/share/fonts/dejavu/DejaVuSans.ttf", "/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf"),
    ("/usr/share/fonts/TTF/DejaVuSans.ttf", "/usr/share/fonts/TTF/DejaVuSans-Bold.ttf"),
    ("/System/Library/Fonts/Supplemental/Arial Unicode.ttf", "/System/Library/Fonts/Supplemental/Arial Bold.ttf"),
    ("/Library/Fonts/Arial Unicode.ttf", "/Library/Fonts/Arial Bold.ttf"),
    ("C:/Windows/Fonts/arial.ttf", "C:/Windows/Fonts/arialbd.ttf"),
)
# Letters NFKD does not decompose, for the last-resort fallback.
_LATIN = str.maketrans({"Ł": "L", "ł": "l", "Đ": "D", "đ": "d", "Ħ": "H", "ħ": "h", "ı": "i", "Ŀ": "L",
                        "ŀ": "l", "Œ": "OE", "œ": "oe", "Þ": "Th", "þ": "th"})


@dataclass(frozen=True)
class Fonts:
    regular: str
    bold: str


BUILTIN = Fonts("Helvetica", "Helvetica-Bold")


def _winansi(text: str) -> bool:
    try:
        text.encode("cp1252")
        return True
    except UnicodeEncodeError:
        return False


def _register(regular: str, bold: str, text: str) -> Fonts | None:
    name = f"HD-{Path(regular).stem}"
    try:
        if name not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(name, regular))
            pdfmetrics.registerFont(TTFont(f"{name}-Bold", bold))
        covered = pdfmetrics.getFont(name).face.charToGlyph
    except Exception:  # noqa: BLE001 - an unreadable or odd font file just means: try the next one
        return None
    if all(ord(c) in covered for c in text if not c.isspace()):
        return Fonts(name, f"{name}-Bold")
    return None


def to_winansi(text: str) -> str:
    """Closest WinAnsi spelling: accents dropped where needed, anything else as '?'."""
    out = []
    for ch in text:
        if _winansi(ch):
            out.append(ch)
            continue
        base = "".join(c for c in unicodedata.normalize("NFKD", ch.translate(_LATIN)) if not unicodedata.combining(c))
        out.append(base if base and _winansi(base) else "?")
    return "".join(out)


def fonts_for(texts: Iterable[str | None]) -> tuple[Fonts, Callable[[str], str]]:
    """Fonts able to draw `texts` (the user-supplied strings) and a function to pass such strings through."""
    text = "".join(t for t in texts if t)
    if _winansi(text):
        return BUILTIN, str
    for regular, bold in CANDIDATES:
        if Path(regular).is_file() and Path(bold).is_file():
            fonts = _register(regular, bold, text)
            if fonts:
                return fonts, str
    return BUILTIN, to_winansi
