"""Right-to-left text in the PDFs: the order in which the pieces of a line are drawn.

A paragraph is wrapped in logical (typed) order; a line is drawn in visual order, left to right,
by the Unicode bidirectional algorithm (UAX #9). fpdf2 carries an implementation (fpdf.bidi),
used here on the whole line, so that the pieces of a line in different styles (a bold label, a
red warning) are ordered together and an English drug name inside Arabic stays readable.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from fpdf.bidi import BidiParagraph
from fpdf.enums import TextDirection

Style = TypeVar("Style")

RTL_CLASSES = frozenset({"R", "AL"})  # Hebrew, Arabic, Syriac, Thaana...
# What a right-to-left piece shows for a bracket when no shaping engine mirrors it (UAX #9 L4).
MIRRORED = str.maketrans("()[]{}<>\u00ab\u00bb", ")(][}{><\u00bb\u00ab")


def has_rtl(text: str) -> bool:
    """Whether the text holds a letter written right to left."""
    return any(unicodedata.bidirectional(char) in RTL_CLASSES for char in text)


@dataclass(frozen=True)
class Segment(Generic[Style]):
    """A piece of a line in one style and one direction; `text` in logical order."""

    text: str
    style: Style
    rtl: bool

    def visual(self) -> str:
        """The characters as they stand on the page, left to right (for drawing unshaped)."""
        return self.text[::-1].translate(MIRRORED) if self.rtl else self.text


def segments(pieces: Sequence[tuple[str, Style]], rtl: bool) -> list[Segment[Style]]:
    """The pieces of a line in visual order, left to right, split where the direction changes."""
    text = "".join(piece for piece, _ in pieces)
    if not rtl and not has_rtl(text):  # the common case: nothing to reorder
        return [Segment(piece, style, False) for piece, style in pieces if piece]
    owner = [index for index, (piece, _) in enumerate(pieces) for _ in piece]
    base = TextDirection.RTL if rtl else TextDirection.LTR
    ordered = BidiParagraph(text, base, preserve_bn_chars=True).get_reordered_characters()
    groups: list[tuple[int, bool, list[str]]] = []
    for char in ordered:
        index, odd = owner[char.character_index], char.embedding_level % 2 == 1
        if groups and groups[-1][0] == index and groups[-1][1] == odd:
            groups[-1][2].append(char.character)
        else:
            groups.append((index, odd, [char.character]))
    return [
        # A right-to-left group is read right to left: its logical order is the reverse.
        Segment("".join(chars[::-1] if odd else chars), pieces[index][1], odd)
        for index, odd, chars in groups
    ]
