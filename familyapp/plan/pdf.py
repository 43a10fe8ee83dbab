"""The plan as a printable PDF: the whole plan on A4, or a one-page emergency summary.

Drawn with fpdf2, but text is wrapped here rather than by fpdf2's multi_cell: the emergency page
measures exactly what fits before drawing it, bold and plain words share a line, and it is many
times faster. Words are in the reader's language (flask_babel), so this runs in a request.

Fonts: a Unicode TrueType font (DejaVu Sans, Debian's fonts-dejavu-core) is used when one of
UNICODE_FONTS is installed. Without one, the PDF falls back to the built-in Helvetica, which only
knows Latin-1: other characters are replaced ("\u2014" by "-", "\u2265" by ">=", anything else
by "?"), so a plan never fails to print because of what someone typed.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from babel.numbers import format_decimal
from flask_babel import format_date, format_datetime, get_locale, ngettext
from flask_babel import gettext as _
from fpdf import FPDF
from fpdf.enums import TextDirection
from fpdf.errors import FPDFException

from familyapp.core import clock
from familyapp.plan import bidi, labels
from familyapp.plan.texts import direction

# (regular, bold) TrueType files, first found wins. The bold file may be missing: regular is used.
UNICODE_FONTS: tuple[tuple[str, str], ...] = (
    (  # Debian and Ubuntu: fonts-dejavu-core
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    ),
    ("/usr/share/fonts/dejavu/DejaVuSans.ttf", "/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf"),
    ("/usr/share/fonts/TTF/DejaVuSans.ttf", "/usr/share/fonts/TTF/DejaVuSans-Bold.ttf"),
    (  # Debian: fonts-liberation
        "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
        "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
    ),
)
CORE_FONT = "Helvetica"
UNICODE_FAMILY = "PlanSans"
# Fonts for the characters the main font lacks, first found wins: Chinese, Japanese and Korean
# (Debian's fonts-droid-fallback, which chromium pulls in; fonts-noto-cjk is the larger one).
FALLBACK_FONTS: tuple[str, ...] = (
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/usr/share/fonts/truetype/droid/DroidSansFallback.ttf",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
)
FALLBACK_FAMILY = "PlanFallback"

# Stand-ins for characters the font lacks (written as escapes so the source stays ASCII-clear).
SUBSTITUTES = {
    "\u2010": "-",
    "\u2011": "-",
    "\u2012": "-",
    "\u2013": "-",
    "\u2014": "-",
    "\u2015": "-",
    "\u2212": "-",
    "\u2018": "'",
    "\u2019": "'",
    "\u201a": ",",
    "\u2032": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u2033": '"',
    "\u2022": "-",
    "\u2026": "...",
    "\u2264": "<=",
    "\u2265": ">=",
    "\u2260": "!=",
    "\u2248": "~",
    "\u2190": "<-",
    "\u2192": "->",
    "\u2194": "<->",
    "\u21d2": "=>",
    "\u2191": "up",
    "\u2193": "down",
    "\u20ac": "EUR",
    "\u2122": "TM",
    "\u2713": "v",
    "\u2714": "v",
    "\u2717": "x",
    "\u2718": "x",
}
INVISIBLE = {"Cc", "Cf", "Cs", "Co"}  # Unicode categories dropped from every text
# The total page count, filled in by fpdf2 when the file is written. Made of a control
# character, which clean() removes from every text, so nothing typed can look like it.
PAGES_ALIAS = "\x7fN\x7f"

MM_PER_PT = 25.4 / 72
LEADING = 1.28  # line height as a multiple of the font size
PAGE_W, PAGE_H = 210.0, 297.0  # A4 portrait, mm
MARGIN = 15.0
TOP = 15.0
BOTTOM = PAGE_H - 20.0  # nothing but the footer below this line
CONTENT_W = PAGE_W - 2 * MARGIN
CELL_PAD = 1.4
BULLET_INDENT = 4.0

INK = (0, 0, 0)
MUTED = (85, 85, 85)
ALERT = (160, 0, 0)
RULE = (150, 150, 150)
HEAD_FILL = (228, 228, 228)

BODY = 10.5  # pt, the whole plan
TABLE = 9.0
EMERGENCY_SIZES = (10.0, 9.5, 9.0, 8.5, 8.0, 7.5)  # tried in order; the last one truncates

# The longest text of one field the emergency page shows before cutting it short with "...".
EMERGENCY_CLIP = {"short": 90, "medium": 160, "long": 280}

BASELINE_FIELDS = ("vitals", "neuro", "communication", "other")
CONTACT_ORDER = {"care_team": 0, "agency": 1}


@dataclass(frozen=True)
class Run:
    """A piece of text in one style."""

    text: str
    bold: bool = False
    color: tuple[int, int, int] = INK


@dataclass
class Para:
    """A paragraph: runs wrapped to the width, optionally with a bullet and space after."""

    runs: list[Run]
    size: float
    indent: float = 0.0
    after: float = 0.0
    bullet: bool = False

    @property
    def line_height(self) -> float:
        """Height of one line in mm."""
        return self.size * MM_PER_PT * LEADING


Line = list[Run]


@dataclass
class Block:
    """Paragraphs kept together on one page when they fit."""

    paras: list[Para] = field(default_factory=list)


class _Pdf(FPDF):
    """An A4 page set with one font family, text cleaning, wrapping and a page footer."""

    # A right-to-left page is laid out as a mirror image (indents, bullets and table columns
    # start at the right); a card with fixed places for its pictures turns that off.
    mirror_layout = True

    def __init__(self, footer_left: str, footer_right: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.set_margins(MARGIN, TOP, MARGIN)
        self.set_auto_page_break(False)  # every page break is decided by _Pdf itself
        self.alias_nb_pages(PAGES_ALIAS)
        self.text_family = CORE_FONT
        self.font_glyphs: frozenset[int] | None = None  # None: the core font (Latin-1)
        self._use_unicode_font()
        self._clean_cache: dict[str, str] = {}
        # The page's direction follows the reader's language, as the web page's dir does.
        self.rtl = direction(str(get_locale() or "en").split("_")[0]) == "rtl"
        self.shaping = False
        if self.rtl:
            self._start_shaping()
        self.footer_left = self.clean(footer_left).replace("\n", " ")
        self.footer_right = self.clean(footer_right).replace("\n", " ")

    # -- fonts and characters ---------------------------------------------------------------

    def _use_unicode_font(self) -> None:
        for regular, bold in UNICODE_FONTS:
            if not Path(regular).is_file():
                continue
            try:
                self.add_font(UNICODE_FAMILY, "", regular)
                self.add_font(UNICODE_FAMILY, "B", bold if Path(bold).is_file() else regular)
                glyphs: set[int] | None = None
                for style in ("", "B"):
                    self.set_font(UNICODE_FAMILY, style, BODY)
                    cmap = set(_cmap(self.current_font))
                    glyphs = cmap if glyphs is None else glyphs & cmap
            except Exception:  # a broken font file: try the next one
                glyphs = None
            if glyphs:
                self.text_family = UNICODE_FAMILY
                self.font_glyphs = frozenset(glyphs | self._use_fallback_font())
                self.set_font(UNICODE_FAMILY, "", BODY)
                return
            self.fonts.pop(UNICODE_FAMILY.lower(), None)
            self.fonts.pop(UNICODE_FAMILY.lower() + "B", None)
        self.set_font(CORE_FONT, "", BODY)  # forget any half-loaded font

    def _use_fallback_font(self) -> set[int]:
        """Glyphs for what the main font lacks (Chinese...), drawn and measured by fpdf2."""
        for path in FALLBACK_FONTS:
            if not Path(path).is_file():
                continue
            try:
                self.add_font(FALLBACK_FAMILY, "", path)
                self.add_font(FALLBACK_FAMILY, "B", path)  # no bold face: the same glyphs
                self.set_font(FALLBACK_FAMILY, "", BODY)
                glyphs = set(_cmap(self.current_font))
            except Exception:  # a broken font file: try the next one
                glyphs = set()
            if glyphs:
                # fpdf2 switches to it for each character the main font has not, and
                # get_string_width() counts it, so the wrapping here stays right.
                self.set_fallback_fonts([FALLBACK_FAMILY])
                return glyphs
        return set()

    def _start_shaping(self) -> None:
        """Join Arabic letters into their contextual forms (HarfBuzz, through fpdf2)."""
        if self.shaping or self.font_glyphs is None:
            return  # the core font has no Arabic letters to join
        try:
            # Kerning and ligatures off: Latin text then measures the same shaped or not, so
            # lines wrapped before the first Arabic word still fit when drawn after it.
            self.set_text_shaping(True, features={"kern": False, "liga": False})
        except FPDFException:  # uharfbuzz missing: letters print in their isolated forms
            return
        self.shaping = True

    def _supported(self, char: str) -> bool:
        if self.font_glyphs is not None:
            return ord(char) in self.font_glyphs
        return ord(char) < 256

    def clean(self, text: Any) -> str:
        """The text with only characters the font can draw (plus line breaks)."""
        raw = "" if text is None else str(text)
        cached = self._clean_cache.get(raw)
        if cached is not None:
            return cached
        value = raw.replace("\r\n", "\n").replace("\r", "\n")
        value = unicodedata.normalize("NFC", value.replace("\u2028", "\n").replace("\u2029", "\n"))
        out: list[str] = []
        for char in value:
            category = unicodedata.category(char)
            if char == "\n":
                out.append(char)
            elif char.isspace():  # tabs, thin spaces...: a plain space (a no-break one stays)
                out.append(char if char == "\u00a0" and self._supported(char) else " ")
            elif category in INVISIBLE or _is_variation_selector(char):
                continue  # controls, joiners, bidi marks, emoji selectors, private use...
            elif self._supported(char):
                out.append(char)
            elif category in ("Mn", "Me"):
                continue  # a combining mark the font cannot draw
            elif char in SUBSTITUTES:
                out.append(SUBSTITUTES[char])
            else:
                out.append(self._decomposed(char))
        result = "".join(out)
        self._clean_cache[raw] = result
        if not self.shaping and bidi.has_rtl(result):
            self._start_shaping()
        return result

    def _decomposed(self, char: str) -> str:
        # "\u0161" -> "s", "\ufb01" -> "fi", "\u2103" -> degrees C; else a question mark.
        kept = [
            part
            for part in unicodedata.normalize("NFKD", char)
            if not unicodedata.combining(part) and self._supported(part)
        ]
        return "".join(kept) or "?"

    def use(self, bold: bool, size: float) -> None:
        """Select the family in this style and size."""
        self.set_font(self.text_family, "B" if bold else "", size)

    # -- wrapping ---------------------------------------------------------------------------

    def wrap(self, runs: Sequence[Run], width: float, size: float) -> list[Line]:
        """Break runs into lines no wider than `width` (long words are cut)."""
        lines: list[Line] = []
        line: Line = []
        used = 0.0
        space: tuple[Run, float] | None = None  # a space waiting for the next word, its width

        def finish() -> None:
            nonlocal line, used, space
            lines.append(line)
            line, used, space = [], 0.0, None

        for run in runs:
            self.use(run.bold, size)
            space_w = self.get_string_width(" ")
            for piece in _pieces(self.clean(run.text)):
                if piece == "\n":
                    finish()
                elif piece == " ":
                    if line:
                        space = (Run(" ", run.bold, run.color), space_w)
                else:
                    word_w = self.get_string_width(piece)
                    gap = space[1] if space else 0.0
                    if line and used + gap + word_w > width:
                        finish()
                        gap = 0.0
                    if not line and word_w > width:
                        for chunk, chunk_w in self._cut(piece, width):
                            if line:
                                finish()
                            line.append(Run(chunk, run.bold, run.color))
                            used = chunk_w
                        continue
                    if space and line:
                        line.append(space[0])
                    line.append(Run(piece, run.bold, run.color))
                    used += gap + word_w
                    space = None
        if line or not lines:
            lines.append(line)
        return [_merged(item) for item in lines]

    def _cut(self, word: str, width: float) -> list[tuple[str, float]]:
        """A word too long for a line, in pieces that fit (with their widths)."""
        chunks: list[tuple[str, float]] = []
        current, used = "", 0.0
        for char in word:
            char_w = self.get_string_width(char)
            if current and used + char_w > width:
                chunks.append((current, used))
                current, used = "", 0.0
            current += char
            used += char_w
        if current:
            chunks.append((current, used))
        return chunks

    def para_lines(self, para: Para, width: float = CONTENT_W) -> list[Line]:
        """The lines of a paragraph at its indent."""
        return self.wrap(
            para.runs, width - para.indent - (BULLET_INDENT if para.bullet else 0), para.size
        )

    def para_height(self, para: Para, width: float = CONTENT_W) -> float:
        """The height a paragraph takes, space after included."""
        return len(self.para_lines(para, width)) * para.line_height + para.after

    def block_height(self, block: Block) -> float:
        """The height of a block of paragraphs."""
        return sum(self.para_height(para) for para in block.paras)

    # -- drawing ----------------------------------------------------------------------------

    def box_x(self, x: float, width: float) -> float:
        """The left edge of a box placed at x on a left-to-right page (mirrored if need be)."""
        return PAGE_W - x - width if self.rtl and self.mirror_layout else x

    def page_x(self, x: float) -> float:
        """Where a vertical line at x on a left-to-right page stands on this page."""
        return PAGE_W - x if self.rtl and self.mirror_layout else x

    def visual(self, line: Line) -> list[bidi.Segment[Run]]:
        """The pieces of a line in the order they are drawn, left to right."""
        return bidi.segments([(run.text, run) for run in line], self.rtl)

    def segment_width(self, segment: bidi.Segment[Run], size: float) -> float:
        """The drawn width of one piece of a line."""
        self.use(segment.style.bold, size)
        if not self.shaping:
            return float(self.get_string_width(segment.visual()))
        self._direction(segment.rtl)
        try:
            return float(self.get_string_width(segment.text))
        finally:
            self._direction(None)

    def _direction(self, rtl: bool | None) -> None:
        """Tell the shaping engine the direction of the next text (None: it guesses)."""
        if self.text_shaping is not None:
            chosen = None if rtl is None else TextDirection.RTL if rtl else TextDirection.LTR
            self.text_shaping["direction"] = chosen

    def text_width(self, line: Line, size: float) -> float:
        """The drawn width of a wrapped line."""
        return sum(self.segment_width(segment, size) for segment in self.visual(line))

    def draw_line(
        self,
        line: Line,
        x: float,
        y: float,
        size: float,
        height: float,
        width: float,
        center: bool = False,
    ) -> None:
        """Draw one wrapped line in the box at (x, y), `width` wide: from its start (the right
        on a right-to-left page) or centred."""
        pieces = self.visual(line)
        widths = [self.segment_width(segment, size) for segment in pieces]
        left = self.box_x(x, width)
        if center:
            left += (width - sum(widths)) / 2
        elif self.rtl:
            left += width - sum(widths)
        self.set_xy(left, y)
        for segment, piece_w in zip(pieces, widths, strict=True):
            self.use(segment.style.bold, size)
            self.set_text_color(*segment.style.color)
            if self.shaping:
                # The piece is shaped in its own direction; fpdf2 lays the glyphs out.
                self._direction(segment.rtl)
                self.cell(piece_w, height, segment.text)
                self._direction(None)
            else:
                self.cell(piece_w, height, segment.visual())
        self.set_text_color(*INK)

    def draw_para(self, para: Para, paginate: bool = True) -> None:
        """Draw a paragraph at the cursor, breaking pages between lines when paginating."""
        lines = self.para_lines(para)
        height = para.line_height
        x = MARGIN + para.indent
        text_x = x + (BULLET_INDENT if para.bullet else 0)
        width = MARGIN + CONTENT_W - text_x
        for index, line in enumerate(lines):
            if self.y + height > BOTTOM + 0.01:
                if not paginate:
                    return  # the one-page summary never spills (it was measured to fit)
                self.add_page()
            if para.bullet and index == 0:
                bullet = self.clean("\u2022")
                self.draw_line(
                    [Run(bullet, line[0].bold if line else False, _color(line))],
                    x,
                    self.y,
                    para.size,
                    height,
                    BULLET_INDENT,
                )
            self.draw_line(line, text_x, self.y, para.size, height, width)
            self.set_y(self.y + height)
        self.set_y(self.y + para.after)

    def draw_block(self, block: Block, paginate: bool = True) -> None:
        """Draw paragraphs together, on a new page when they do not fit here but fit there."""
        height = self.block_height(block)
        if paginate and self.y + height > BOTTOM and height <= BOTTOM - TOP and self.y > TOP + 1:
            self.add_page()
        for para in block.paras:
            self.draw_para(para, paginate)

    def rule(self, gap: float = 1.5) -> None:
        """A thin horizontal line across the content width."""
        self.set_draw_color(*RULE)
        self.set_line_width(0.3)
        self.line(MARGIN, self.y, PAGE_W - MARGIN, self.y)
        self.set_y(self.y + gap)

    def heading(self, title: str, size: float, following: float) -> None:
        """A section title with a rule, kept on the page of what follows it."""
        para = Para([Run(title, bold=True)], size, after=0.8)
        needed = 3.0 + self.para_height(para) + 1.5 + min(following, 25.0)
        if self.y + needed > BOTTOM and self.y > TOP + 1:
            self.add_page()
        self.set_y(self.y + 3.0)
        self.draw_para(para)
        self.rule()

    def grid(
        self,
        headers: Sequence[str],
        widths: Sequence[float],
        rows: Sequence[tuple[Sequence[Sequence[Run]], Sequence[Run] | None]],
        size: float,
    ) -> None:
        """A ruled table whose heading row repeats on every page; each row may have a note."""
        scale = CONTENT_W / sum(widths)
        cols = [width * scale for width in widths]
        head = [
            self.wrap([Run(text, bold=True)], col - 2 * CELL_PAD, size)
            for text, col in zip(headers, cols, strict=True)
        ]
        lh = size * MM_PER_PT * LEADING
        head_h = max(len(lines) for lines in head) * lh + 2 * CELL_PAD

        def draw_head() -> None:
            self._row(head, cols, lh, size, fill=True)

        if self.y + head_h + 2 * lh + 2 * CELL_PAD > BOTTOM:
            self.add_page()
        draw_head()
        for cells, note in rows:
            wrapped = [
                self.wrap(runs, col - 2 * CELL_PAD, size)
                for runs, col in zip(cells, cols, strict=True)
            ]
            row_h = max(len(lines) for lines in wrapped) * lh + 2 * CELL_PAD
            note_lines = self.wrap(note, CONTENT_W - 2 * CELL_PAD, size) if note else []
            note_h = len(note_lines) * lh + 2 * CELL_PAD if note_lines else 0.0
            fresh = BOTTOM - TOP - head_h
            if self.y + row_h + note_h > BOTTOM and row_h + note_h <= fresh:
                self.add_page()
                draw_head()
            self._row(wrapped, cols, lh, size, repeat=draw_head, closed=not note_lines)
            if note_lines:
                if BOTTOM - self.y - 2 * CELL_PAD < lh:  # the note goes over: close the row
                    self.line(MARGIN, self.y, MARGIN + CONTENT_W, self.y)
                self._row([note_lines], [CONTENT_W], lh, size, repeat=draw_head, joined=True)
        self.set_y(self.y + 2.0)

    def _row(
        self,
        cells: list[list[Line]],
        cols: Sequence[float],
        lh: float,
        size: float,
        fill: bool = False,
        repeat: Callable[[], None] | None = None,
        closed: bool = True,
        joined: bool = False,
    ) -> None:
        """One table row, split over pages if taller than one. A row with `closed=False` and
        the `joined=True` note row under it are drawn without a line between them."""
        remaining = [list(lines) for lines in cells]
        while True:
            fits = math.floor((BOTTOM - self.y - 2 * CELL_PAD) / lh + 1e-6)
            if fits < 1:
                self.add_page()
                joined = False
                if repeat is not None:
                    repeat()
                continue
            chunk = [lines[:fits] for lines in remaining]
            remaining = [lines[fits:] for lines in remaining]
            height = max(len(lines) for lines in chunk) * lh + 2 * CELL_PAD
            top, bottom = self.y, self.y + height
            if fill:
                self.set_fill_color(*HEAD_FILL)
                self.rect(MARGIN, top, sum(cols), height, style="F")
            self.set_draw_color(*RULE)
            self.set_line_width(0.2)
            if not joined:
                self.line(MARGIN, top, MARGIN + sum(cols), top)
            joined = False
            if closed or any(remaining):
                self.line(MARGIN, bottom, MARGIN + sum(cols), bottom)
            x = MARGIN
            self.line(self.page_x(x), top, self.page_x(x), bottom)
            for lines, col in zip(chunk, cols, strict=True):
                for index, line in enumerate(lines):
                    line_y = top + CELL_PAD + index * lh
                    self.draw_line(line, x + CELL_PAD, line_y, size, lh, col - 2 * CELL_PAD)
                x += col
                self.line(self.page_x(x), top, self.page_x(x), bottom)
            self.set_y(bottom)
            if not any(remaining):
                return
            self.add_page()
            if repeat is not None:
                repeat()

    def footer(self) -> None:
        """Who the page is about, page X of Y and when it was printed."""
        self.use(False, 8)
        self.set_text_color(*MUTED)
        y = PAGE_H - 13
        right = self.footer_right.replace("{page}", str(self.page_no()))
        right_w = self.get_string_width(right.replace("{pages}", "000")) + 1
        # fpdf2 lays the page number out itself (bidi included), so the page-count alias stays.
        self.set_xy(self.box_x(PAGE_W - MARGIN - right_w, right_w), y)
        self._direction(self.rtl)
        self.cell(right_w, 4, right.replace("{pages}", PAGES_ALIAS), align="L" if self.rtl else "R")
        self._direction(None)
        left = self.footer_left
        room = CONTENT_W - right_w - 4
        if self.get_string_width(left) > room:
            while left and self.get_string_width(left + "...") > room:
                left = left[:-1]
            left += "..."
        self.draw_line([Run(left, color=MUTED)], MARGIN, y, 8, 4, room)
        self.set_text_color(*INK)


def _cmap(font: Any) -> Iterable[int]:
    """The code points a loaded TrueType font has (fpdf2 2.8 keeps an object, 2.7 a dict)."""
    cmap = font.get("cmap") if isinstance(font, dict) else getattr(font, "cmap", None)
    return cmap or ()


def _is_variation_selector(char: str) -> bool:
    code = ord(char)
    return 0xFE00 <= code <= 0xFE0F or 0xE0100 <= code <= 0xE01EF


def _pieces(text: str) -> Iterable[str]:
    """Words, runs of spaces and line breaks, in order."""
    word = ""
    for char in text:
        if char == "\n" or char == " ":
            if word:
                yield word
                word = ""
            yield char
        else:
            word += char
    if word:
        yield word


def _merged(line: Line) -> Line:
    merged: Line = []
    for run in line:
        if merged and merged[-1].bold == run.bold and merged[-1].color == run.color:
            merged[-1] = Run(merged[-1].text + run.text, run.bold, run.color)
        else:
            merged.append(run)
    return merged


def _color(line: Line) -> tuple[int, int, int]:
    return line[0].color if line else INK


# -- values -------------------------------------------------------------------------------------


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _items(document: dict[str, Any], section: str) -> list[dict[str, Any]]:
    value = document.get(section) or []
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _as_date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    if not value:
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _day(value: Any) -> str:
    """A date (or the day of a datetime) in the reader's language, long form."""
    if isinstance(value, datetime):
        return str(format_date(value, "long"))
    day = _as_date(value)
    return str(format_date(day, "long")) if day else ""


def _dose(medication: dict[str, Any]) -> str:
    amount = medication.get("dose_amount")
    unit = _text(medication.get("dose_unit"))
    if amount in (None, ""):
        return unit
    try:
        # Every digit kept: a dose of 0.0625 mg must not print as 0.062.
        number = format_decimal(
            Decimal(str(amount)), locale=get_locale(), decimal_quantization=False
        )
    except (InvalidOperation, ValueError):
        number = str(amount)
    return f"{number} {unit}".strip()


def _clip(text: str, limit: int | None) -> str:
    if limit is None or len(text) <= limit:
        return text
    return text[: limit - 1].rstrip() + "\u2026"


def _field(item: dict[str, Any], key: str, clip: dict[str, int] | None, length: str) -> str:
    """An item's text, cut to the emergency page's limit for `length` when clip is given."""
    return _clip(_text(item.get(key)), clip[length] if clip else None)


def _joined(*parts: str) -> str:
    return " \u00b7 ".join(part for part in parts if part)


def _none(size: float) -> Para:
    return Para([Run(_("None recorded."), color=MUTED)], size, after=1.0)


# -- the items of each section, as paragraphs ---------------------------------------------------


def _allergy(item: dict[str, Any], size: float, clip: dict[str, int] | None) -> Block:
    severe = item.get("severity") == "life_threatening"
    color = ALERT if item.get("severity") in ("severe", "life_threatening") else INK
    severity = labels.value_label("allergies", "severity", item.get("severity", ""))
    runs = [
        Run(
            _field(item, "substance", clip, "medium"),
            bold=True,
            color=color,
        ),
        Run(" (" + severity + ")", bold=severe, color=color),
    ]
    reaction = _field(item, "reaction", clip, "short")
    if reaction:
        runs.append(Run(": " + reaction, bold=severe))
    return Block([Para(runs, size, bullet=True, after=size * 0.08)])


def _medication_line(item: dict[str, Any], size: float, clip: dict[str, int]) -> Block:
    route = labels.value_label("medications", "route", item.get("route", ""))
    details = _joined(_dose(item), route, _field(item, "schedule", clip, "short"))
    runs = [Run(_field(item, "name", clip, "medium"), bold=True)]
    if details:
        runs.append(Run(": " + details))
    return Block([Para(runs, size, bullet=True, after=size * 0.08)])


def _balloon(item: dict[str, Any]) -> str:
    amount = item.get("balloon_volume_ml")
    return _dose({"dose_amount": amount, "dose_unit": "mL"}) if amount not in (None, "") else ""


def _equipment(item: dict[str, Any], size: float, clip: dict[str, int] | None) -> Block:
    kind = labels.value_label("equipment", "kind", item.get("kind", ""))
    runs = [
        Run(_field(item, "name", clip, "medium"), bold=True),
        Run(" (" + kind + ")"),
    ]
    model = _field(item, "model", clip, "short")
    size_text = _field(item, "size", clip, "short")
    balloon = _balloon(item)
    settings = _field(item, "settings", clip, "medium")
    if clip is not None:
        if model:
            runs.append(Run(" \u00b7 " + model))
        if size_text:
            runs += [Run(" \u00b7 " + labels.field_label("size") + ": "), Run(size_text, bold=True)]
        if balloon:
            runs += [Run(" \u00b7 " + _("Balloon volume") + ": "), Run(balloon, bold=True)]
        if settings:
            runs.append(Run(" \u00b7 " + labels.field_label("settings") + ": " + settings))
        return Block([Para(runs, size, bullet=True, after=size * 0.08)])
    paras = [Para(runs, size, bullet=True, after=0.3)]
    indent = BULLET_INDENT
    if model:
        paras.append(Para([Run(labels.field_label("model") + ": " + model)], size, indent))
    if size_text:
        paras.append(
            Para([Run(labels.field_label("size") + ": "), Run(size_text, bold=True)], size, indent)
        )
    if balloon:
        paras.append(Para([Run(_("Balloon volume") + ": "), Run(balloon, bold=True)], size, indent))
    if settings:
        paras.append(Para([Run(labels.field_label("settings") + ": " + settings)], size, indent))
    supplier = _joined(_text(item.get("supplier")), _text(item.get("supplier_phone")))
    if supplier:
        label = labels.field_label("supplier") + ": "
        paras.append(Para([Run(label + supplier, color=MUTED)], size, indent))
    notes = _text(item.get("notes"))
    if notes:
        paras.append(Para([Run(notes, color=MUTED)], size, indent))
    paras[-1].after = 1.6
    return Block(paras)


def _baseline(document: dict[str, Any], size: float, clip: dict[str, int] | None) -> list[Block]:
    baseline = document.get("baseline") or {}
    blocks = []
    for key in BASELINE_FIELDS:
        value = _clip(
            _text(baseline.get(key)) if isinstance(baseline, dict) else "",
            clip["long"] if clip else None,
        )
        if value:
            runs = [Run(labels.field_label(key) + ": ", bold=True), Run(value)]
            blocks.append(Block([Para(runs, size, after=size * 0.12 if clip else 1.2)]))
    return blocks


def _avoid(item: dict[str, Any], size: float, clip: dict[str, int] | None) -> Block:
    runs = [Run(_field(item, "what", clip, "medium"), bold=True, color=ALERT)]
    why = _field(item, "why", clip, "medium")
    if why:
        runs.append(Run(": " + why))
    return Block([Para(runs, size, bullet=True, after=size * 0.08 if clip else 1.0)])


def _problem(item: dict[str, Any], size: float) -> Block:
    runs = [Run(_text(item.get("name")), bold=True)]
    if item.get("status") and item.get("status") != "active":
        status = labels.value_label("problems", "status", item.get("status"))
        runs.append(Run(" (" + status + ")", color=MUTED))
    paras = [Para(runs, size, bullet=True, after=0.3)]
    details = _text(item.get("details"))
    if details:
        paras.append(Para([Run(details)], size, BULLET_INDENT))
    paras[-1].after = 1.4
    return Block(paras)


def _goal(item: dict[str, Any], size: float) -> Block:
    paras = [Para([Run(_text(item.get("goal")), bold=True)], size, bullet=True, after=0.3)]
    facts = []
    if _text(item.get("who")):
        facts.append(labels.field_label("who") + ": " + _text(item.get("who")))
    if _as_date(item.get("by_when")):
        facts.append(labels.field_label("by_when") + ": " + _day(item.get("by_when")))
    facts.append(labels.value_label("goals", "status", item.get("status", "active")))
    paras.append(Para([Run(_joined(*facts), color=MUTED)], size, BULLET_INDENT, after=1.4))
    return Block(paras)


def _transition(item: dict[str, Any], size: float) -> Block:
    kind = labels.value_label("transitions", "kind", item.get("kind", ""))
    status = labels.value_label("transitions", "status", item.get("status", ""))
    head = [Run(kind, bold=True), Run(" \u00b7 " + _joined(status, _day(item.get("target_date"))))]
    paras = [Para(head, size, bullet=True, after=0.3)]
    paras.append(Para([Run(_text(item.get("plan")))], size, BULLET_INDENT, after=1.4))
    return Block(paras)


def _contact_line(item: dict[str, Any], size: float, clip: dict[str, int]) -> Block:
    about = _joined(
        _field(item, "role", clip, "short"),
        _field(item, "organization", clip, "short"),
    )
    runs = [Run(_field(item, "name", clip, "medium"), bold=True)]
    if about:
        runs.append(Run(" (" + about + ")"))
    phone = _text(item.get("phone"))
    if phone:
        runs += [Run(": "), Run(phone, bold=True)]
    return Block([Para(runs, size, bullet=True, after=size * 0.08)])


def _contacts_sorted(document: dict[str, Any], phones_first: bool = False) -> list[dict[str, Any]]:
    """Care team before agencies (and, for the emergency page, those with a phone first)."""

    def key(contact: dict[str, Any]) -> tuple[bool, int]:
        no_phone = phones_first and not _text(contact.get("phone"))
        return no_phone, CONTACT_ORDER.get(str(contact.get("kind")), 2)

    return sorted(_items(document, "contacts"), key=key)


# -- the header ---------------------------------------------------------------------------------


def _who_and_when(child: Any, view: Any, size: float, emergency: bool) -> list[Para]:
    paras: list[Para] = []
    born = _day(getattr(child, "birth_date", None))
    if born:
        paras.append(
            Para([Run(_("Born %(date)s", date=born), bold=emergency)], size + 1, after=0.8)
        )
    if view.version and view.updated_at is not None:
        changed = _(
            "Version %(n)d, changed by %(name)s on %(date)s.",
            n=view.version,
            name=view.updated_by or _("someone"),
            date=_day(view.updated_at),
        )
        paras.append(Para([Run(changed, color=MUTED)], size, after=0.6))
    if view.reviewed_at is not None:
        reviewed = _(
            "Last reviewed by %(name)s on %(date)s.",
            name=view.reviewed_by or _("someone"),
            date=_day(view.reviewed_at),
        )
        runs = [Run(reviewed + " ")]
        if view.review_overdue and view.review_due:
            overdue = _("Review overdue since %(date)s.", date=_day(view.review_due))
            runs.append(Run(overdue, bold=True, color=ALERT))
        elif view.review_due:
            runs.append(Run(_("Next review by %(date)s.", date=_day(view.review_due))))
        paras.append(Para(runs, size, after=0.6))
    else:
        paras.append(Para([Run(_("Not reviewed yet."), bold=True, color=ALERT)], size, after=0.6))
    return paras


def _new_pdf(child: Any, title: str) -> _Pdf:
    """A PDF whose footer names the child on every page, with page X of Y and the print date."""
    name = _text(getattr(child, "display_name", ""))
    born = _day(getattr(child, "birth_date", None))
    printed = _("Printed %(date)s", date=format_datetime(clock.utcnow(), "medium"))
    # Placeholders filled in on each page by footer() (the page count when the file is written).
    page = _("Page %(page)s of %(pages)s", page="{page}", pages="{pages}")
    left = _joined(name, _("Born %(date)s", date=born) if born else "")
    pdf = _Pdf(left, f"{page}  \u00b7  {printed}")
    pdf.set_title(pdf.clean(title).replace("\n", " "))
    pdf.set_creator("Familyapp")
    pdf.set_lang(str(get_locale() or "en").replace("_", "-"))
    return pdf


# -- the whole plan -----------------------------------------------------------------------------


def _whole_plan(child: Any, view: Any) -> bytes:
    name = _text(child.display_name)
    title = _("Shared plan of care \u2014 %(name)s", name=name)
    pdf = _new_pdf(child, title)
    document: dict[str, Any] = view.document or {}
    pdf.add_page()
    pdf.draw_para(Para([Run(title, bold=True)], 17, after=2.0))
    for para in _who_and_when(child, view, BODY, emergency=False):
        pdf.draw_para(para)
    pdf.set_y(pdf.y + 1)
    pdf.rule(1.0)

    def section(key: str, blocks: list[Block], size: float = BODY) -> None:
        first = pdf.block_height(blocks[0]) if blocks else pdf.para_height(_none(size))
        pdf.heading(labels.section_title(key), 13, first)
        if not blocks:
            pdf.draw_para(_none(size))
        for block in blocks:
            pdf.draw_block(block)

    summary = _text(document.get("summary"))
    section("summary", [Block([Para([Run(summary)], 13, after=1.5)])] if summary else [])
    section("allergies", [_allergy(item, BODY, None) for item in _items(document, "allergies")])

    medications = _items(document, "medications")
    pdf.heading(labels.section_title("medications"), 13, 20 if medications else 6)
    if medications:
        headers = [
            labels.field_label(key)
            for key in ("name", "dose_amount", "route", "schedule", "purpose", "prescriber")
        ]
        rows = []
        for item in medications:
            cells = [
                [Run(_text(item.get("name")), bold=True)],
                [Run(_dose(item), bold=True)],
                [Run(labels.value_label("medications", "route", item.get("route", "")))],
                [Run(_text(item.get("schedule")))],
                [Run(_text(item.get("purpose")))],
                [Run(_text(item.get("prescriber")))],
            ]
            notes = _text(item.get("notes"))
            note = (
                [Run(labels.field_label("notes") + ": ", bold=True), Run(notes)] if notes else None
            )
            rows.append((cells, note))
        pdf.grid(headers, (34, 20, 22, 38, 34, 32), rows, TABLE)
    else:
        pdf.draw_para(_none(BODY))

    section("equipment", [_equipment(item, BODY, None) for item in _items(document, "equipment")])
    section("baseline", _baseline(document, BODY, None))
    section("avoid", [_avoid(item, BODY, None) for item in _items(document, "avoid")])
    section("problems", [_problem(item, BODY) for item in _items(document, "problems")])
    section("goals", [_goal(item, BODY) for item in _items(document, "goals")])

    contacts = _contacts_sorted(document)
    pdf.heading(labels.section_title("contacts"), 13, 20 if contacts else 6)
    if contacts:
        headers = [
            labels.field_label(key)
            for key in ("name", "kind", "role", "organization", "phone", "email")
        ]
        rows = []
        for item in contacts:
            cells = [
                [Run(_text(item.get("name")), bold=True)],
                [Run(labels.value_label("contacts", "kind", item.get("kind", "")))],
                [Run(_text(item.get("role")))],
                [Run(_text(item.get("organization")))],
                [Run(_text(item.get("phone")), bold=True)],
                [Run(_text(item.get("email")))],
            ]
            notes = _text(item.get("notes"))
            note = (
                [Run(labels.field_label("notes") + ": ", bold=True), Run(notes)] if notes else None
            )
            rows.append((cells, note))
        pdf.grid(headers, (32, 18, 28, 32, 28, 42), rows, TABLE)
    else:
        pdf.draw_para(_none(BODY))

    section("transitions", [_transition(item, BODY) for item in _items(document, "transitions")])
    return bytes(pdf.output())


# -- the one-page emergency summary -------------------------------------------------------------


@dataclass
class _Section:
    title: str
    blocks: list[Block]
    alert: bool = False


def _emergency_sections(document: dict[str, Any], size: float) -> list[_Section]:
    clip = EMERGENCY_CLIP
    contacts = _contacts_sorted(document, phones_first=True)
    return [
        _Section(
            labels.section_title("allergies"),
            [_allergy(item, size, clip) for item in _items(document, "allergies")],
            alert=True,
        ),
        _Section(
            labels.section_title("medications"),
            [_medication_line(item, size, clip) for item in _items(document, "medications")],
        ),
        _Section(
            labels.section_title("equipment"),
            [_equipment(item, size, clip) for item in _items(document, "equipment")],
        ),
        _Section(labels.section_title("baseline"), _baseline(document, size, clip)),
        _Section(
            labels.section_title("avoid"),
            [_avoid(item, size, clip) for item in _items(document, "avoid")],
            alert=True,
        ),
        _Section(
            labels.section_title("contacts"),
            [_contact_line(item, size, clip) for item in contacts],
        ),
    ]


def _section_heading(section: _Section, size: float) -> Para:
    color = ALERT if section.alert else INK
    return Para([Run(section.title, bold=True, color=color)], size + 1, after=0.6)


def _more(count: int, size: float) -> Para:
    text = ngettext(
        "\u2026 %(num)d more: see full plan", "\u2026 %(num)d more: see full plan", count
    )
    return Para([Run(text, bold=True, color=MUTED)], size, indent=BULLET_INDENT, after=0.4)


SECTION_GAP = 1.8  # mm above each emergency section heading, plus the heading's rule


def _fit(pdf: _Pdf, sections: list[_Section], size: float, room: float) -> list[int] | None:
    """How many items of each section fit in `room` (None: not all, at this size).

    At the smallest size, sections take turns adding their next item, so a long medication list
    cannot push the phone numbers off the page; what is left out is counted in "... see full plan".
    """
    fixed = sum(SECTION_GAP + 1.5 + pdf.para_height(_section_heading(s, size)) for s in sections)
    heights = [[pdf.block_height(block) for block in s.blocks] for s in sections]
    empty = pdf.para_height(_none(size))
    total = fixed + sum(sum(h) if h else empty for h in heights)
    if total <= room:
        return [len(s.blocks) for s in sections]
    if size > EMERGENCY_SIZES[-1]:
        return None
    more = pdf.para_height(_more(99, size))
    used = fixed + sum(empty if not h else more for h in heights)
    counts = [0] * len(sections)
    open_ = [bool(h) for h in heights]
    while any(open_):
        for index, section_heights in enumerate(heights):
            if not open_[index]:
                continue
            last = counts[index] + 1 == len(section_heights)
            # The last item frees the room kept for the "... more" line.
            needed = section_heights[counts[index]] - (more if last else 0.0)
            if used + needed <= room:
                used += needed
                counts[index] += 1
                open_[index] = not last
            else:
                open_[index] = False
    return counts


def _emergency(child: Any, view: Any) -> bytes:
    name = _text(child.display_name)
    title = _("Emergency summary \u2014 %(name)s", name=name)
    pdf = _new_pdf(child, title)
    document: dict[str, Any] = view.document or {}
    pdf.add_page()
    summary = _text(document.get("summary"))
    for size in EMERGENCY_SIZES:
        header = [Para([Run(title, bold=True)], size + 5, after=1.2)]
        header += _who_and_when(child, view, size - 0.5, emergency=True)
        if summary:
            header.append(Para([Run(summary)], size + 1.5, after=0.5))
        else:
            header.append(_none(size))
        header_h = sum(pdf.para_height(para) for para in header) + 3.0
        sections = _emergency_sections(document, size)
        counts = _fit(pdf, sections, size, BOTTOM - TOP - header_h)
        if counts is not None:
            break
    assert counts is not None  # the smallest size always gives counts
    for para in header:
        pdf.draw_para(para, paginate=False)
    pdf.set_y(pdf.y + 1.0)
    pdf.rule(2.0)
    for section, count in zip(sections, counts, strict=True):
        pdf.set_y(pdf.y + SECTION_GAP)
        pdf.draw_para(_section_heading(section, size), paginate=False)
        pdf.rule(1.5)
        if not section.blocks:
            pdf.draw_para(_none(size), paginate=False)
        for block in section.blocks[:count]:
            pdf.draw_block(block, paginate=False)
        if count < len(section.blocks):
            pdf.draw_para(_more(len(section.blocks) - count, size), paginate=False)
    return bytes(pdf.output())


def plan_pdf(child: Any, view: Any, *, emergency: bool = False) -> bytes:
    """The plan as a printable PDF; emergency=True gives the one-page emergency summary."""
    return _emergency(child, view) if emergency else _whole_plan(child, view)
