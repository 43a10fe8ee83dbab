"""Printable cards of an emergency link: its QR code, a wallet card and an A4 fridge sheet.

The QR code is made by segno (error correction M or higher, a 4-module quiet zone, black on
white). The PDFs are drawn with fpdf2 and the font machinery of familyapp.plan.pdf: its _Pdf
class (DejaVu Sans when installed, else Helvetica with characters it lacks replaced), its text
cleaning and word wrapping. Those names are private to that module but are its only font logic,
so they are imported here rather than copied: both documents then print the same characters the
same way, and a fix there fixes the cards too. Words are in the reader's language (flask_babel),
so this runs in a request.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date, datetime

import segno
from flask_babel import format_date, get_locale
from flask_babel import gettext as _

from familyapp.plan.pdf import (
    ALERT,
    CONTENT_W,
    INK,
    LEADING,
    MARGIN,
    MM_PER_PT,
    MUTED,
    PAGE_H,
    PAGE_W,
    RULE,
    Line,
    Run,
    _Pdf,
)

QUIET_ZONE = 4  # modules of white around the code, as the QR standard asks
ERROR_LEVEL = "m"  # segno raises it when that costs no extra size (boost_error)
WHITE = (255, 255, 255)

CARD_W, CARD_H = 85.6, 54.0  # ISO/IEC 7810 ID-1, a credit card, mm
CARD_PAD = 3.0
CARD_BAND = 8.0  # the red title band on the front
CARD_QR = 30.0  # the QR image, quiet zone included
CARD_LEFT = (PAGE_W - 2 * CARD_W) / 2  # front and back side by side, folded along the middle
CARD_TOP = 28.0

SHEET_BAND = 16.0
SHEET_QR = 90.0
SHEET_BOTTOM = PAGE_H - 15.0


class _CardPdf(_Pdf):
    """An A4 page with plan/pdf.py's fonts and text handling, without its page footer."""

    # The QR code and the bands have fixed places: right-to-left text starts at the right of
    # its box, but the card is not mirrored.
    mirror_layout = False

    def footer(self) -> None:
        """No footer: a card and a sheet carry everything on their face."""


def _qr(url: str) -> segno.QRCode:
    """The QR code (never a Micro QR) of a URL."""
    return segno.make_qr(url, error=ERROR_LEVEL, boost_error=True)


def qr_svg(url: str) -> bytes:
    """The QR code of an emergency link as SVG (scalable, for print)."""
    out = io.BytesIO()
    _qr(url).save(out, kind="svg", border=QUIET_ZONE, dark="#000", light="#fff", xmldecl=True)
    return out.getvalue()


def qr_png(url: str, scale: int = 8) -> bytes:
    """The QR code as PNG."""
    out = io.BytesIO()
    _qr(url).save(out, kind="png", scale=scale, border=QUIET_ZONE, dark="#000", light="#fff")
    return out.getvalue()


def card_pdf(
    child_name: str,
    birth_date: date | None,
    summary: str,
    allergies: list[str],
    url: str,
    label: str,
    expires_at: datetime,
    *,
    sheet: bool = False,
) -> bytes:
    """A printable wallet card (credit-card size, 85.6 x 54 mm, front and back on one page to
    fold) or, with sheet=True, an A4 fridge sheet, each carrying the QR code."""
    texts = _Texts(child_name, birth_date, summary, allergies, url, label, expires_at)
    pdf = _CardPdf("", "")
    pdf.set_title(pdf.clean(f"{texts.title} \u2014 {texts.name}").replace("\n", " "))
    pdf.set_creator("Familyapp")
    pdf.set_lang(str(get_locale() or "en").replace("_", "-"))
    pdf.add_page()
    qr = qr_png(url, scale=10)
    if sheet:
        _draw_sheet(pdf, texts, qr)
    else:
        _draw_card(pdf, texts, qr)
    return bytes(pdf.output())


class _Texts:
    """The words on a card, in the reader's language."""

    def __init__(
        self,
        child_name: str,
        birth_date: date | None,
        summary: str,
        allergies: Sequence[str],
        url: str,
        label: str,
        expires_at: datetime,
    ) -> None:
        self.title = _("EMERGENCY MEDICAL INFORMATION")
        self.name = (child_name or "").strip()
        self.born = _("Born %(date)s", date=format_date(birth_date, "long")) if birth_date else ""
        self.scan = _("Scan for the emergency card")
        self.no_account = _("No account needed")
        self.label = (label or "").strip()
        self.until = _("Works until %(date)s", date=format_date(expires_at, "medium"))
        self.summary = " ".join((summary or "").split())
        listed = ", ".join(item.strip() for item in allergies if item and item.strip())
        self.allergies = [
            Run(_("Allergies") + ": ", bold=True, color=ALERT),
            Run(listed or _("None recorded.")),
        ]
        self.url = url
        self.guide = _("Cut along the solid line, then fold along the dashed line.")


# -- measuring and drawing lines ----------------------------------------------------------------


def _height(size: float) -> float:
    """The height of a line at this font size, mm."""
    return size * MM_PER_PT * LEADING


def _width(pdf: _Pdf, line: Line, size: float) -> float:
    """The width of a line at this font size, mm."""
    return pdf.text_width(line, size)


def _ellipsized(pdf: _Pdf, line: Line, width: float, size: float) -> Line:
    """The line cut short with an ellipsis so that both fit in the width."""
    runs = list(line)
    mark = pdf.clean("\u2026")
    while runs:
        last = runs[-1]
        text = last.text.rstrip()
        if not text:
            runs.pop()
            continue
        candidate = [*runs[:-1], Run(text + mark, last.bold, last.color)]
        if _width(pdf, candidate, size) <= width:
            return candidate
        runs[-1] = Run(text[:-1], last.bold, last.color)
    return [Run(mark)]


def _lines(pdf: _Pdf, runs: Sequence[Run], width: float, size: float, most: int) -> list[Line]:
    """The runs wrapped to the width, at most `most` lines, the last one ellipsized if cut."""
    if not any(run.text.strip() for run in runs):
        return []
    lines = [line for line in pdf.wrap(runs, width, size) if line]
    if len(lines) <= most:
        return lines
    kept = lines[:most]
    kept[-1] = _ellipsized(pdf, kept[-1], width, size)
    return kept


def _draw(
    pdf: _Pdf, lines: Sequence[Line], x: float, y: float, width: float, size: float, center: bool
) -> float:
    """Draw lines from (x, y), centred in the width or not; returns the y under them."""
    height = _height(size)
    for line in lines:
        pdf.draw_line(line, x, y, size, height, width, center)
        y += height
    return y


def _text(
    pdf: _Pdf,
    runs: Sequence[Run],
    x: float,
    y: float,
    width: float,
    size: float,
    most: int = 1,
    center: bool = False,
) -> float:
    """Wrap, clip and draw runs from (x, y); returns the y under them."""
    return _draw(pdf, _lines(pdf, runs, width, size, most), x, y, width, size, center)


def _shrunk(pdf: _Pdf, text: str, width: float, size: float, smallest: float) -> float:
    """The largest size, down to `smallest`, at which the bold text fits on one line."""
    pdf.use(True, size)
    while size > smallest and pdf.get_string_width(pdf.clean(text)) > width:
        size -= 0.5
        pdf.use(True, size)
    return size


def _band(
    pdf: _Pdf, text: str, x: float, y: float, width: float, height: float, size: float
) -> None:
    """A red band with the text in white capitals, as large as fits."""
    pdf.set_fill_color(*ALERT)
    pdf.rect(x, y, width, height, style="F")
    size = _shrunk(pdf, text, width - 4, size, size * 0.6)
    top = y + (height - _height(size)) / 2
    _text(pdf, [Run(text, bold=True, color=WHITE)], x + 2, top, width - 4, size, center=True)


def _image(pdf: _Pdf, png: bytes, x: float, y: float, size: float) -> None:
    """Place a square PNG image."""
    pdf.image(io.BytesIO(png), x=x, y=y, w=size, h=size)


# -- the wallet card ----------------------------------------------------------------------------


def _draw_card(pdf: _Pdf, texts: _Texts, qr: bytes) -> None:
    """Front and back side by side, with the cut line around them and the fold between."""
    left, top = CARD_LEFT, CARD_TOP
    _text(pdf, [Run(texts.guide, color=MUTED)], left, top - 7, 2 * CARD_W, 8, most=2)

    # Front: title band, name and birth date, what the QR code is for, the code itself.
    _band(pdf, texts.title, left, top, CARD_W, CARD_BAND, 9)
    qr_x = left + CARD_W - CARD_QR - 1.5
    qr_y = top + CARD_BAND + 1.0
    _image(pdf, qr, qr_x, qr_y, CARD_QR)
    no_account = [Run(texts.no_account, color=MUTED)]
    _text(pdf, no_account, qr_x, qr_y + CARD_QR + 0.3, CARD_QR, 6.5, most=2, center=True)
    x = left + CARD_PAD
    width = qr_x - x - 1.0
    y = top + CARD_BAND + 2.0
    y = _text(pdf, [Run(texts.name, bold=True)], x, y, width, 11, most=2)
    y = _text(pdf, [Run(texts.born)], x, y, width, 7) + 1.5
    _text(pdf, [Run(texts.scan, bold=True, color=ALERT)], x, y, width, 8, most=2)
    which = _lines(pdf, [Run(texts.label, color=MUTED)], width, 7, 2)
    which += _lines(pdf, [Run(texts.until)], width, 7, 2)
    _draw(pdf, which, x, top + CARD_H - CARD_PAD - len(which) * _height(7), width, 7, False)

    # Back: the summary, the allergies and the address the code holds.
    x = left + CARD_W + CARD_PAD
    width = CARD_W - 2 * CARD_PAD
    y = top + CARD_PAD
    if texts.summary:
        y = _text(pdf, [Run(_("Summary"), bold=True, color=MUTED)], x, y, width, 6.5)
        y = _text(pdf, [Run(texts.summary)], x, y, width, 9, most=2) + 2.0
    _text(pdf, texts.allergies, x, y, width, 9, most=5)
    url = _lines(pdf, [Run(texts.url, color=MUTED)], width, 6, 3)
    _draw(pdf, url, x, top + CARD_H - CARD_PAD - len(url) * _height(6), width, 6, False)

    # Guides: cut along the solid outline, fold along the dashed middle.
    pdf.set_draw_color(*RULE)
    pdf.set_line_width(0.2)
    pdf.rect(left, top, 2 * CARD_W, CARD_H)
    pdf.set_dash_pattern(dash=1.5, gap=1.0)
    pdf.line(left + CARD_W, top - 3, left + CARD_W, top + CARD_H + 3)
    pdf.set_dash_pattern()
    pdf.set_draw_color(*INK)


# -- the fridge sheet ---------------------------------------------------------------------------


def _draw_sheet(pdf: _Pdf, texts: _Texts, qr: bytes) -> None:
    """An A4 page: title, name, a large QR code, what it is for, the summary and allergies."""
    x, width = MARGIN, CONTENT_W
    y = 18.0
    _band(pdf, texts.title, x, y, width, SHEET_BAND, 26)
    y += SHEET_BAND + 5
    y = _text(pdf, [Run(texts.name, bold=True)], x, y, width, 24, most=2, center=True)
    y = _text(pdf, [Run(texts.born)], x, y, width, 13, center=True) + 3
    _image(pdf, qr, (PAGE_W - SHEET_QR) / 2, y, SHEET_QR)
    y += SHEET_QR + 1
    scan = [Run(texts.scan, bold=True, color=ALERT)]
    y = _text(pdf, scan, x, y, width, 18, most=2, center=True)
    y = _text(pdf, [Run(texts.no_account, color=MUTED)], x, y, width, 13, center=True) + 1
    y = _text(pdf, [Run(texts.label, color=MUTED)], x, y, width, 12, most=2, center=True)
    y = _text(pdf, [Run(texts.until)], x, y, width, 12, center=True) + 3

    pdf.set_draw_color(*RULE)
    pdf.set_line_width(0.3)
    pdf.line(x, y, x + width, y)
    y += 3
    # The summary and the allergies share the room left above the address; allergies first.
    url = _lines(pdf, [Run(texts.url, color=MUTED)], width, 9, 2)
    url_top = SHEET_BOTTOM - len(url) * _height(9)
    size = 12.0
    heading = _height(size) if texts.summary else 0.0
    room = max(2, int((url_top - 3 - y - heading - 2) // _height(size)))
    summary = len(pdf.wrap([Run(texts.summary)], width, size)) if texts.summary else 0
    allergies = len(pdf.wrap(texts.allergies, width, size))
    allergies = max(2, min(allergies, room - min(summary, 3)))
    if summary and room > allergies:
        y = _text(pdf, [Run(_("Summary"), bold=True)], x, y, width, size)
        y = _text(pdf, [Run(texts.summary)], x, y, width, size, most=room - allergies) + 2
    _text(pdf, texts.allergies, x, y, width, size, most=allergies)
    _draw(pdf, url, x, url_top, width, 9, True)
