"""The visual order of the pieces of a PDF line (familyapp.plan.bidi)."""

from __future__ import annotations

from familyapp.plan.bidi import Segment, has_rtl, segments


def _drawn(pieces: list[tuple[str, str]], rtl: bool) -> list[tuple[str, str, bool]]:
    return [(seg.text, seg.style, seg.rtl) for seg in segments(pieces, rtl)]


def test_left_to_right_text_is_kept_as_it_is():
    pieces = [("Dose: ", "bold"), ("500 mg", "plain")]
    assert _drawn(pieces, False) == [("Dose: ", "bold", False), ("500 mg", "plain", False)]


def test_a_right_to_left_line_is_drawn_from_its_end():
    # "Dose: twice daily" in Arabic: the label (written first) ends up rightmost.
    pieces = [("الجرعة: ", "bold"), ("مرتين يوميًا", "plain")]
    drawn = _drawn(pieces, True)
    assert drawn == [("مرتين يوميًا", "plain", True), ("الجرعة: ", "bold", True)]


def test_latin_inside_arabic_keeps_its_own_order():
    pieces = [("الدواء ", "plain"), ("Omeprazole", "bold"), (" مرتين", "plain")]
    drawn = _drawn(pieces, True)
    assert [text for text, _, _ in drawn] == [" مرتين", "Omeprazole", "الدواء "]
    assert [rtl for _, _, rtl in drawn] == [True, False, True]


def test_arabic_inside_an_english_line_is_reversed_in_place():
    drawn = _drawn([("Purpose: ", "bold"), ("نوبات صرع", "plain"), (" (daily)", "plain")], False)
    assert drawn[0] == ("Purpose: ", "bold", False)
    assert drawn[1] == ("نوبات صرع", "plain", True)
    assert drawn[-1][0].endswith("(daily)")


def test_unshaped_pieces_show_their_letters_reversed_with_brackets_mirrored():
    assert Segment("(أ ب)", None, True).visual() == "(ب أ)"
    assert Segment("(a b)", None, False).visual() == "(a b)"


def test_has_rtl():
    assert has_rtl("Maya مايا") and has_rtl("שלום")
    assert not has_rtl("Maya 7 ans, trachéotomie") and not has_rtl("玛雅")
