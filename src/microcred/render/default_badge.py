"""The badge image drawn for a credential baked without an image of its own.

A round badge in the European flag's colours: initials, title, EQF level and ECTS, issuer. PNG
via Pillow with the shipped DejaVu font (it has Georgian), or SVG text.
"""

from __future__ import annotations

import functools
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["default_badge_png", "default_badge_svg"]

_BLUE, _GOLD, _WHITE = "#003399", "#FFCC00", "#FFFFFF"  # the European flag's colours
_BADGE_FONT = "DejaVuSans-Bold.ttf"  # shipped in render/fonts: it has Georgian too
_SUPERSAMPLE = 2  # draw at twice the size, then downscale: smooth edges without anti-aliasing


@dataclass(frozen=True)
class _BadgeFace:
    initials: str
    title_lines: tuple[str, ...]
    level: str
    issuer: str


def default_badge_png(document: Mapping[str, Any], size: int = 400) -> bytes:
    """A round badge (initials, title, EQF level and ECTS, issuer) as a ``size``² RGBA PNG."""
    from PIL import Image, ImageDraw

    face, s = _badge_face(document), size * _SUPERSAMPLE / 400
    canvas = Image.new("RGBA", (round(400 * s), round(400 * s)), (0, 0, 0, 0))
    draw = ImageDraw.Draw(canvas)
    draw.ellipse(_box(200, 196, s), fill=_GOLD)
    draw.ellipse(_box(200, 186, s), fill=_BLUE)
    draw.ellipse(_box(200, 178, s), outline=_GOLD, width=round(1.5 * s))
    draw.text((200 * s, 80 * s), "MICRO-CREDENTIAL", _GOLD, _font(17 * s), "mm")
    draw.text((200 * s, 165 * s), face.initials, _WHITE, _font(95 * s), "mm")
    for row, line in enumerate(face.title_lines):
        draw.text((200 * s, (238 + 21 * row) * s), line, _WHITE, _font(16 * s), "mm")
    if face.level:
        half = draw.textlength(face.level, font=_font(17 * s)) / 2 + 18 * s
        draw.rounded_rectangle((200 * s - half, 300 * s, 200 * s + half, 330 * s), 15 * s, _GOLD)
        draw.text((200 * s, 315 * s), face.level, _BLUE, _font(17 * s), "mm")
    draw.text((200 * s, 350 * s), face.issuer, _WHITE, _font(12 * s), "mm")
    return _png_bytes(canvas.resize((size, size), Image.Resampling.LANCZOS))


def default_badge_svg(document: Mapping[str, Any]) -> str:
    """The same badge as ``default_badge_png``, as a 400×400 SVG."""
    from xml.sax.saxutils import escape, quoteattr

    face = _badge_face(document)
    title = " ".join(face.title_lines)

    def text(y: int, size: int, fill: str, value: str) -> str:
        return f'<text x="200" y="{y}" font-size="{size}" fill="{fill}">{escape(value)}</text>'

    half = 5.3 * len(face.level) + 18  # no font metrics here: an average bold glyph width
    ribbon = [
        f'<rect x="{200 - half:.0f}" y="300" width="{2 * half:.0f}" height="30" rx="15" '
        f'fill="{_GOLD}"/>',
        text(315, 17, _BLUE, face.level),
    ]
    body = [
        f"<title>{escape(title)}</title>",
        f'<circle cx="200" cy="200" r="196" fill="{_GOLD}"/>',
        f'<circle cx="200" cy="200" r="186" fill="{_BLUE}"/>',
        f'<circle cx="200" cy="200" r="178" fill="none" stroke="{_GOLD}" stroke-width="1.5"/>',
        '<g font-family="DejaVu Sans, Verdana, sans-serif" font-weight="bold" '
        'text-anchor="middle" dominant-baseline="central">',
        text(80, 17, _GOLD, "MICRO-CREDENTIAL"),
        text(165, 95, _WHITE, face.initials),
        *(text(238 + 21 * row, 16, _WHITE, line) for row, line in enumerate(face.title_lines)),
        *(ribbon if face.level else []),
        text(350, 12, _WHITE, face.issuer),
        "</g>",
    ]
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="400" height="400" viewBox="0 0 400 400" '
        f'role="img" aria-label={quoteattr(title)}>\n'
        + "".join(f"  {line}\n" for line in body)
        + "</svg>\n"
    )


def _badge_face(document: Mapping[str, Any]) -> _BadgeFace:
    """What the badge shows, read leniently: any OB3 credential gets a badge."""
    import textwrap

    subject = _first(document.get("credentialSubject"))
    achievement = _first(subject.get("achievement"))
    title = str(achievement.get("name") or document.get("name") or "Micro-credential")
    lines = textwrap.wrap(title, 30, max_lines=3, placeholder=" …")
    issuer = _first(document.get("issuer")).get("name")
    return _BadgeFace(
        initials=_initials(title),
        title_lines=tuple(lines),
        level=" · ".join(filter(None, [_eqf_level(achievement), _ects(achievement)])),
        issuer=textwrap.shorten(str(issuer or ""), 40, placeholder=" …"),
    )


def _initials(title: str) -> str:
    words: list[str] = re.findall(r"\w+", title)
    if words and 2 <= len(words[0]) <= 4 and words[0].isupper():
        return words[0]  # an acronym ("AI for …") says more than initials
    capitals = [word[0] for word in words if word[0].isupper()]
    # Scripts without case (Georgian Mkhedruli) keep their letter: upper() would turn it into
    # Mtavruli, which few fonts have.
    return "".join(capitals[:3]) or (words[0][0] if words else "M")


def _eqf_level(achievement: Mapping[str, Any]) -> str:
    for alignment in achievement.get("alignment") or []:
        alignment = _first(alignment)
        url = str(alignment.get("targetUrl", ""))
        if alignment.get("targetType") == "ext:EQFLevel" or "/snb/eqf/" in url:
            return f"EQF {alignment.get('targetCode') or url.rstrip('/').rsplit('/', 1)[-1]}"
    return ""


def _ects(achievement: Mapping[str, Any]) -> str:
    credits = achievement.get("creditsAvailable")
    if not isinstance(credits, int | float) or isinstance(credits, bool):
        return ""
    return f"{credits:g} ECTS"


def _first(value: object) -> Mapping[str, Any]:
    """A JSON object, or the first of a list of them; empty for anything else."""
    if isinstance(value, list):
        value = value[0] if value else None
    return value if isinstance(value, Mapping) else {}


def _box(centre: float, radius: float, scale: float) -> tuple[float, float, float, float]:
    return ((centre - radius) * scale,) * 2 + ((centre + radius) * scale,) * 2


def _font(size: float) -> Any:
    from PIL import ImageFont

    data = _font_bytes()
    if data is None:
        return ImageFont.load_default(size)
    return ImageFont.truetype(io.BytesIO(data), round(size))


@functools.cache
def _font_bytes() -> bytes | None:
    from importlib.resources import files

    try:
        return (files("microcred.render") / "fonts" / _BADGE_FONT).read_bytes()
    except (OSError, ModuleNotFoundError):
        return None  # Pillow's own font then: Latin only, but a badge all the same


def _png_bytes(image: Any) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
