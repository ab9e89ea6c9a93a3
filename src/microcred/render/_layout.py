"""The A4 certificate layout (fpdf2): page 1 the award and its key facts with the QR code,
page 2 the learning outcomes and the remaining Annex I elements, then how to verify."""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

from fpdf import FPDF

from microcred.render._facts_model import CertificateFacts, LangText

FONT = "DejaVu"
_FONTS = Path(__file__).parent / "fonts"
_MARGIN = 18.0
_ACCENT = (22, 58, 110)
_MUTED = (95, 99, 110)
_TEXT = (25, 25, 30)
_RULE = (200, 205, 215)
_LABEL_WIDTH = 46.0
_NAME_LARGEST, _NAME_ONE_LINE_SMALLEST, _NAME_SMALLEST = 22.0, 14.0, 9.0
_NAME_MAX_HEIGHT = 22.0  # mm: two lines at 22 pt
_LINE_HEIGHT = 0.5  # mm of line per pt of font size


class CertificatePage(FPDF):
    """An A4 portrait document with DejaVu Sans (Latin, Georgian, Cyrillic, Greek) loaded."""

    def __init__(self, facts: CertificateFacts) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.facts = facts
        self.add_font(FONT, "", str(_FONTS / "DejaVuSans.ttf"))
        self.add_font(FONT, "B", str(_FONTS / "DejaVuSans-Bold.ttf"))
        self.set_margins(_MARGIN, _MARGIN, _MARGIN)
        self.set_auto_page_break(auto=True, margin=22)
        self.set_title(f"{facts.in_language(facts.title, 'en')} — {facts.learner_name}")
        self.set_author(facts.in_language(facts.issuer_name, "en"))
        self.set_subject("EU micro-credential certificate (Council Recommendation 2022/C 243/02)")
        self.set_lang(facts.primary_language)

    def close_fonts(self) -> None:
        """Close the font files: fontTools reads them lazily and keeps them open until then."""
        for font in self.fonts.values():
            ttfont = getattr(font, "ttfont", None)
            if ttfont is not None:
                ttfont.close()

    def footer(self) -> None:
        self.set_y(-15)
        self._style(7, colour=_MUTED)
        self.cell(0, 4, f"{self.facts.credential_id}", align="L")
        self.set_x(_MARGIN)
        self.cell(0, 4, f"{self.page_no()} / {{nb}}", align="R")

    # -- text helpers ------------------------------------------------------------------

    def _style(
        self, size: float, *, bold: bool = False, colour: tuple[int, int, int] = _TEXT
    ) -> None:
        self.set_font(FONT, "B" if bold else "", size)
        self.set_text_color(*colour)

    def _lines(
        self,
        text: str,
        size: float,
        *,
        bold: bool = False,
        colour: tuple[int, int, int] = _TEXT,
        height: float | None = None,
    ) -> None:
        self._style(size, bold=bold, colour=colour)
        self.multi_cell(0, height or size * 0.5, text, new_x="LMARGIN", new_y="NEXT", align="L")

    def _bilingual(self, text: LangText, size: float, *, bold: bool = False) -> None:
        """The primary language in full colour, the others smaller and muted beneath it."""
        for index, value in enumerate(text.values()):
            if index == 0:
                self._lines(value, size, bold=bold)
            else:
                self._lines(value, size * 0.85, colour=_MUTED)

    def _heading(self, text: str) -> None:
        self.ln(3)
        self._style(11, bold=True, colour=_ACCENT)
        self.cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")
        self.set_draw_color(*_RULE)
        self.line(_MARGIN, self.get_y(), self.w - _MARGIN, self.get_y())
        self.ln(2)

    def _fact(self, label: str, value: str | LangText | None, width: float) -> None:
        """One labelled row of the facts table, ``width`` mm wide in all."""
        if not value:
            return
        values = [value] if isinstance(value, str) else list(value.values())
        top = self.get_y()
        self._style(7, bold=True, colour=_MUTED)
        self.multi_cell(
            _LABEL_WIDTH - 3, 4.2, label.upper(), new_x="LMARGIN", new_y="NEXT", align="L"
        )
        label_bottom = self.get_y()
        self.set_xy(_MARGIN + _LABEL_WIDTH, top)
        for index, text in enumerate(values):
            self._style(9.5 if index == 0 else 8.5, colour=_TEXT if index == 0 else _MUTED)
            self.set_x(_MARGIN + _LABEL_WIDTH)
            self.multi_cell(
                width - _LABEL_WIDTH, 4.6, text, new_x="LMARGIN", new_y="NEXT", align="L"
            )
        self.set_y(max(self.get_y(), label_bottom) + 1.2)


def draw_certificate(
    pdf: CertificatePage,
    qr: tuple[bytes, float],
    attachments: Sequence[str],
    logo: bytes | None,
) -> None:
    """Draw every page; ``qr`` is the PNG (with quiet zone) and its printed width in mm."""
    pdf.add_page()
    _letterhead(pdf, logo)
    _award(pdf)
    _key_facts(pdf, qr)
    pdf.add_page()
    _details(pdf)
    _verification(pdf, attachments)


def _initials(name: str) -> str:
    letters = [word[0] for word in name.split() if word[:1].isupper()]
    return "".join(letters[:3]) or name[:1].upper()


def _letterhead(pdf: CertificatePage, logo: bytes | None) -> None:
    facts = pdf.facts
    size = 20.0
    if logo:
        pdf.image(io.BytesIO(logo), x=_MARGIN, y=_MARGIN, w=size, h=size, keep_aspect_ratio=True)
    else:  # a plain drawn mark: the issuer's initials on the accent colour
        pdf.set_fill_color(*_ACCENT)
        pdf.rect(_MARGIN, _MARGIN, size, size, style="F", round_corners=True, corner_radius=3)
        pdf.set_xy(_MARGIN, _MARGIN + 6.5)
        pdf._style(12, bold=True, colour=(255, 255, 255))
        pdf.cell(size, 7, _initials(facts.in_language(facts.issuer_name, "en")), align="C")
    left = _MARGIN + size + 5
    names = list(facts.issuer_name.values())
    pdf.set_xy(left, _MARGIN + 2)
    pdf._style(13, bold=True, colour=_ACCENT)
    pdf.multi_cell(0, 6, names[0], new_x="LEFT", new_y="NEXT", align="L")
    for other in names[1:]:
        pdf._style(9.5, colour=_MUTED)
        pdf.multi_cell(0, 5, other, new_x="LEFT", new_y="NEXT", align="L")
    pdf.set_y(max(pdf.get_y(), _MARGIN + size) + 4)
    pdf.set_draw_color(*_ACCENT)
    pdf.set_line_width(0.6)
    pdf.line(_MARGIN, pdf.get_y(), pdf.w - _MARGIN, pdf.get_y())
    pdf.set_line_width(0.2)


def _award(pdf: CertificatePage) -> None:
    facts = pdf.facts
    pdf.ln(7)
    pdf._style(20, bold=True, colour=_ACCENT)
    pdf.cell(0, 9, "Micro-credential", align="C", new_x="LMARGIN", new_y="NEXT")
    if "ka" in facts.languages:
        pdf._style(11, colour=_MUTED)
        pdf.cell(0, 6, "მიკროკვალიფიკაციის სერტიფიკატი", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(5)
    pdf._style(10, colour=_MUTED)
    pdf.cell(0, 5, "awarded to", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)
    size, lines = fit_learner_name(pdf, facts.learner_name)
    pdf._style(size, bold=True)
    for line in lines:
        pdf.cell(0, size * _LINE_HEIGHT, line, align="C", new_x="LMARGIN", new_y="NEXT")
    if facts.learner_id:
        pdf._style(9, colour=_MUTED)
        pdf.cell(0, 5, f"Learner id {facts.learner_id}", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf._style(10, colour=_MUTED)
    pdf.cell(0, 5, "for successfully completing", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    for index, title in enumerate(facts.title.values()):
        pdf._style(
            15 if index == 0 else 11.5, bold=index == 0, colour=_TEXT if index == 0 else _MUTED
        )
        pdf.multi_cell(0, 7.5 if index == 0 else 6, title, align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)
    pdf.ln(5)


def fit_learner_name(pdf: CertificatePage, name: str) -> tuple[float, list[str]]:
    """The font size and lines that keep ``name`` inside the text width of the page.

    A name may be 200 characters (the learners CSV allows that). It is set on one line at
    22 pt, or at the largest size down to 14 pt at which it fits; else it is wrapped (at
    spaces, inside a word only where one word is longer than a line) at the largest size
    whose lines stay within ``_NAME_MAX_HEIGHT``, so the key facts and the QR code still
    fit on page 1.
    """
    width = pdf.w - 2 * _MARGIN
    size = _NAME_LARGEST
    while size >= _NAME_ONE_LINE_SMALLEST:
        pdf._style(size, bold=True)
        if pdf.get_string_width(name) <= width:
            return size, [name]
        size -= 1.0
    while True:
        pdf._style(size, bold=True)
        lines = _wrap(pdf, name, width)
        if len(lines) * size * _LINE_HEIGHT <= _NAME_MAX_HEIGHT or size <= _NAME_SMALLEST:
            return size, lines
        size -= 0.5


def _wrap(pdf: CertificatePage, text: str, width: float) -> list[str]:
    """Greedy line breaking with the current font; no line is wider than ``width``."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}" if line else word
        if pdf.get_string_width(candidate) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        line = ""
        for char in word:  # a word longer than a line is cut where it must be
            if line and pdf.get_string_width(line + char) > width:
                lines.append(line)
                line = ""
            line += char
    return [*lines, line] if line else lines


def _awarding_bodies(facts: CertificateFacts) -> str | LangText:
    if len(facts.awarding_bodies) == 1:
        return facts.awarding_bodies[0]
    return "\n".join(facts.in_language(body) for body in facts.awarding_bodies)


def _workload(facts: CertificateFacts) -> str | None:
    parts = [f"{facts.ects} ECTS credits" if facts.ects else None]
    parts.append(f"{facts.hours} hours of learning" if facts.hours else None)
    return ", ".join(p for p in parts if p) or None


def _level(facts: CertificateFacts) -> str | None:
    parts = [f"EQF level {facts.eqf_level}" if facts.eqf_level else None]
    parts += [facts.nqf_level, facts.qf_ehea_cycle]
    return "; ".join(p for p in parts if p) or None


def _quality(facts: CertificateFacts) -> str | None:
    lines = []
    for qa in facts.quality_assurance:
        text = facts.in_language(qa.text, "en")
        if qa.kind == "internal":
            lines.append(f"Internal: {text}")
        else:
            agent = f", {qa.agent}" if qa.agent and qa.agent not in text else ""
            lines.append(f"{qa.kind}: {text}{agent}")
    return "\n".join(lines) or None


def _key_facts(pdf: CertificatePage, qr: tuple[bytes, float]) -> None:
    facts = pdf.facts
    qr_png, qr_width = qr
    table_width = pdf.w - 2 * _MARGIN - qr_width - 8
    place = ", ".join(p for p in (facts.region, facts.country) if p)
    rows: list[tuple[str, str | LangText | None]] = [
        ("Awarding body", _awarding_bodies(facts)),
        ("Country / region of the issuer", place),
        ("Date of issue", facts.issued),
        ("Notional workload", _workload(facts)),
        ("Level", _level(facts)),
        ("Type of assessment", ", ".join(facts.assessment_labels)),
        ("Form of participation", facts.participation),
        ("Supervision and identity verification", facts.supervision),
        ("Grade", facts.grade),
        ("Quality assurance", _quality(facts)),
        ("Valid until", facts.valid_until),
    ]
    pdf._heading("Key facts")
    top = pdf.get_y()
    for label, value in rows:
        pdf._fact(label, value, table_width)
    bottom = pdf.get_y()
    x = pdf.w - _MARGIN - qr_width
    pdf.image(io.BytesIO(qr_png), x=x, y=top, w=qr_width, h=qr_width)
    pdf.set_xy(x, top + qr_width + 1)
    pdf._style(8, bold=True, colour=_ACCENT)
    pdf.multi_cell(qr_width, 4, "Scan to verify", align="C", new_x="LEFT", new_y="NEXT")
    pdf._style(6.5, colour=_MUTED)
    pdf.multi_cell(
        qr_width,
        3.2,
        "Signed by the issuer; works offline. The full signed credential is attached to this PDF.",
        align="C",
        new_x="LEFT",
        new_y="NEXT",
    )
    pdf.set_y(max(bottom, pdf.get_y()) + 2)
    _signature_line(pdf)


def _signature_line(pdf: CertificatePage) -> None:
    facts = pdf.facts
    pdf.set_y(max(pdf.get_y() + 4, pdf.h - 44))
    pdf.set_draw_color(*_RULE)
    pdf.line(_MARGIN, pdf.get_y(), pdf.w - _MARGIN, pdf.get_y())
    pdf.ln(2)
    pdf._style(8, colour=_MUTED)
    pdf.multi_cell(
        0,
        4,
        f"Issued and electronically sealed by {facts.in_language(facts.issuer_name, 'en')} "
        f"({facts.issuer_did}) on {facts.issued}, as an EU micro-credential (Council "
        "Recommendation 2022/C 243/02). The attached signed credential is the authoritative "
        "record: check it with 'microcred verify' on this PDF.",
        new_x="LMARGIN",
        new_y="NEXT",
        align="L",
    )


def _details(pdf: CertificatePage) -> None:
    facts = pdf.facts
    pdf._heading("Learning outcomes")
    category = None
    for outcome in facts.outcomes:
        if outcome.category != category:
            category = outcome.category
            pdf.ln(1)
            pdf._lines(category, 9.5, bold=True, colour=_ACCENT)
        _bullet(pdf, outcome.text)
    sections: list[tuple[str, LangText]] = [
        ("About the micro-credential", facts.description),
        ("Assessment", facts.assessment_description),
        ("Prerequisites", facts.prerequisites),
        ("Integration and stackability", facts.stackability),
        ("Further information", facts.further_information),
    ]
    for heading, text in sections:
        if text:
            pdf._heading(heading)
            pdf._bilingual(text, 9)
    if facts.homepage:
        pdf._lines(facts.homepage, 8.5, colour=_ACCENT)


def _bullet(pdf: CertificatePage, text: LangText) -> None:
    indent = 5.0
    for index, value in enumerate(text.values()):
        pdf.set_x(_MARGIN)
        pdf._style(9 if index == 0 else 8, colour=_TEXT if index == 0 else _MUTED)
        pdf.cell(indent, 4.4, "•" if index == 0 else "")
        pdf.multi_cell(0, 4.4, value, new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.ln(1.2)


def _verification(pdf: CertificatePage, attachments: Sequence[str]) -> None:
    facts = pdf.facts
    pdf._heading("Verification")
    rows = [
        ("Credential id", facts.credential_id),
        ("Issuer (DID)", facts.issuer_did),
        ("Attached credentials", "\n".join(attachments)),
        ("How to verify", "microcred verify certificate.pdf   (or scan the QR code on page 1)"),
    ]
    for label, value in rows:
        pdf._fact(label, value, pdf.w - 2 * _MARGIN)
