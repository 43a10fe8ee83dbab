"""The plan as PDF: the whole plan on A4 and the one-page emergency summary."""

from __future__ import annotations

import io
import re
import uuid
from datetime import UTC, date, datetime
from types import SimpleNamespace
from typing import Any

import pytest
from pypdf import PdfReader

from familyapp.plan import pdf as plan_pdf_module
from familyapp.plan.bidi import has_rtl
from familyapp.plan.pdf import plan_pdf
from familyapp.plan.schemas import PlanDocumentSchema
from familyapp.plan.service import PlanView, empty_document

CHILD = SimpleNamespace(display_name="Maya Rivera", birth_date=date(2018, 3, 14))


def _document(**changes: Any) -> dict[str, Any]:
    """A realistic plan, validated and dumped to its stored form."""
    raw: dict[str, Any] = {
        "summary": (
            "Maya is a 7-year-old with hypoxic-ischemic encephalopathy, epilepsy and spastic "
            "quadriplegic cerebral palsy; trach since 2019 with ventilator at night, G-tube fed."
        ),
        "baseline": {
            "vitals": "HR 90-120, RR 20-28, SpO2 94-98% on room air by day",
            "neuro": "Alert, tracks faces, does not sit unsupported",
            "communication": "Smiles for yes, looks away for no",
            "other": "",
        },
        "allergies": [
            {
                "substance": "Latex",
                "reaction": "Hives and wheezing",
                "severity": "life_threatening",
            },
            {"substance": "Amoxicillin", "reaction": "Diffuse rash", "severity": "moderate"},
        ],
        "medications": [
            {
                "name": "Levetiracetam",
                "dose_amount": "500",
                "dose_unit": "mg",
                "route": "g_tube",
                "schedule": "Twice daily, 8 am and 8 pm",
                "purpose": "Seizures",
                "prescriber": "Dr. Sam Patel (Neurology)",
            },
            {
                "name": "Glycopyrrolate",
                "dose_amount": "0.0625",
                "dose_unit": "mg",
                "route": "g_tube",
                "schedule": "Three times daily",
                "purpose": "Secretions",
                "prescriber": "Dr. Elena Morales",
                "notes": "Hold if the mouth is very dry or she has a fever.",
            },
        ],
        "equipment": [
            {
                "name": "Bivona uncuffed trach",
                "kind": "tracheostomy",
                "size": "4.0 neonatal",
                "settings": "Change weekly; spare one size down in the go-bag",
                "supplier": "Home Medical Inc.",
                "supplier_phone": "555-0101",
            },
            {
                "name": "Trilogy ventilator",
                "kind": "ventilator",
                "size": "",
                "settings": "AC/PC at night: PIP 18, PEEP 6, rate 20, FiO2 21%",
            },
        ],
        "avoid": [{"what": "Succinylcholine", "why": "Risk of hyperkalemia"}],
        "problems": [
            {"name": "Epilepsy", "details": "Focal seizures with impaired awareness"},
            {"name": "Aspiration pneumonia", "status": "resolved"},
        ],
        "goals": [
            {
                "goal": "Start school in September",
                "who": "Parents and school nurse",
                "by_when": "2025-09-01",
            }
        ],
        "contacts": [
            {
                "name": "Dr. Elena Morales",
                "kind": "care_team",
                "role": "Complex care pediatrician",
                "organization": "Children's Hospital",
                "phone": "555-0110",
                "email": "emorales@example.org",
            },
            {
                "name": "Night nursing",
                "kind": "agency",
                "role": "Home nursing",
                "phone": "555-0199",
            },
        ],
        "transitions": [
            {"kind": "school", "plan": "Nurse at school full-time", "target_date": "2025-09-01"}
        ],
    }
    raw.update(changes)
    loaded = PlanDocumentSchema().load(raw)
    stored: dict[str, Any] = PlanDocumentSchema().dump(loaded)
    return stored


def _view(document: dict[str, Any], *, reviewed: bool = True, overdue: bool = False) -> PlanView:
    at = datetime(2025, 1, 10, 9, 30, tzinfo=UTC)
    return PlanView(
        child_id=uuid.uuid4(),
        version=3,
        document=document,
        updated_at=at,
        updated_by="Ana Rivera",
        reviewed_at=at if reviewed else None,
        reviewed_by="Dr. Elena Morales" if reviewed else None,
        review_due=date(2025, 7, 10) if reviewed else None,
        review_overdue=overdue or not reviewed,
    )


def _pages(data: bytes) -> list[str]:
    assert data.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(data))
    return [page.extract_text() or "" for page in reader.pages]


def _text(data: bytes) -> str:
    # Wrapped lines and spacing vary: compare with runs of whitespace made single spaces.
    return re.sub(r"\s+", " ", "\n".join(_pages(data)))


def _many_medications(count: int) -> list[dict[str, Any]]:
    return [
        {
            "name": f"Medication number {n}",
            "dose_amount": str(n),
            "dose_unit": "mg",
            "route": "oral" if n % 2 else "g_tube",
            "schedule": "Three times daily with feeds, and once more at night if needed",
            "purpose": "Something long enough to wrap in a narrow column of the table",
            "prescriber": "Dr. Someone of Some Department",
            "notes": "Give slowly. " * (n % 4),
        }
        for n in range(1, count + 1)
    ]


def _many_contacts(count: int) -> list[dict[str, Any]]:
    return [
        {
            "name": f"Contact person {n}",
            "kind": "agency" if n % 3 == 0 else "care_team",
            "role": "Specialist of a long-named department",
            "organization": "A hospital with a long name",
            "phone": f"555-01{n:02d}",
        }
        for n in range(1, count + 1)
    ]


@pytest.fixture
def english(app):
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        yield


def test_whole_plan_shows_every_section_with_the_details(english):
    data = plan_pdf(CHILD, _view(_document()))
    text = _text(data)
    assert "Shared plan of care" in text
    assert "Maya Rivera" in text
    assert "Born March 14, 2018" in text
    assert "Version 3, changed by Ana Rivera on January 10, 2025." in text
    assert "Last reviewed by Dr. Elena Morales on January 10, 2025." in text
    assert "Latex (life-threatening): Hives and wheezing" in text
    assert "Amoxicillin (moderate)" in text
    assert "Levetiracetam" in text and "500 mg" in text
    assert "0.0625 mg" in text  # every digit of a dose is kept
    assert "G-tube" in text  # the route as words, not "g_tube"
    assert "g_tube" not in text and "life_threatening" not in text
    assert "Hold if the mouth is very dry" in text
    assert "4.0 neonatal" in text  # the trach size
    assert "PEEP 6" in text
    assert "Succinylcholine" in text
    assert "Start school in September" in text and "September 1, 2025" in text
    assert "555-0110" in text and "emorales@example.org" in text
    assert "Nurse at school full-time" in text
    assert "None recorded" not in text
    assert re.search(r"Page 1 of \d+ · Printed ", text)


def test_whole_plan_keeps_the_section_order(english):
    text = _text(plan_pdf(CHILD, _view(_document())))
    order = [
        "Summary",
        "Allergies",
        "Medications",
        "Equipment and supplies",
        "What is normal for this child",
        "Procedures and medications to avoid",
        "Problems",
        "Family goals for care",
        "Care team and agencies",
        "Transition plans",
    ]
    positions = [text.index(title) for title in order]
    assert positions == sorted(positions)


def test_review_state_is_printed(english):
    overdue = _text(plan_pdf(CHILD, _view(_document(), overdue=True)))
    assert "Review overdue since July 10, 2025." in overdue
    never = _text(plan_pdf(CHILD, _view(_document(), reviewed=False)))
    assert "Not reviewed yet." in never


def test_long_plan_runs_over_several_numbered_pages(english):
    document = _document(medications=_many_medications(40), contacts=_many_contacts(30))
    pages = _pages(plan_pdf(CHILD, _view(document)))
    assert len(pages) >= 3
    count = len(pages)
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} of {count}" in page
    text = re.sub(r"\s+", " ", "\n".join(pages))
    for n in (1, 20, 40):
        assert f"Medication number {n}" in text
    assert "Contact person 30" in text


@pytest.mark.parametrize("emergency", [False, True])
def test_text_stays_inside_the_margins(english, monkeypatch, emergency):
    drawn: list[tuple[float, float, str]] = []
    original = plan_pdf_module._Pdf.cell

    def recording_cell(self, w=None, h=None, text="", *args, **kwargs):
        if text.strip():
            drawn.append((self.x, self.x + w, text))
        return original(self, w, h, text, *args, **kwargs)

    monkeypatch.setattr(plan_pdf_module._Pdf, "cell", recording_cell)
    word = "x" * 200  # no space to break at: it is cut, not drawn past the margin
    medication = {"name": word, "dose_amount": "5", "dose_unit": word[:40], "notes": word * 10}
    contact = {"name": word, "email": "a" * 60 + "@" + "b" * 60 + ".example.org", "phone": "5"}
    document = _document(medications=[medication] * 3, contacts=[contact], summary=word * 2)
    data = plan_pdf(CHILD, _view(document), emergency=emergency)
    left, right = plan_pdf_module.MARGIN, plan_pdf_module.PAGE_W - plan_pdf_module.MARGIN
    assert drawn
    outside = [(x0, x1, text) for x0, x1, text in drawn if x0 < left - 0.01 or x1 > right + 0.01]
    assert outside == []
    assert "x" * 30 in _text(data)


def test_emergency_summary_has_what_a_stranger_needs(english):
    data = plan_pdf(CHILD, _view(_document()), emergency=True)
    pages = _pages(data)
    assert len(pages) == 1
    text = _text(data)
    assert "Emergency summary" in text and "Maya Rivera" in text
    assert "Born March 14, 2018" in text
    assert "hypoxic-ischemic encephalopathy" in text
    assert "Latex (life-threatening)" in text
    assert "Levetiracetam: 500 mg" in text
    assert "4.0 neonatal" in text and "PEEP 6" in text
    assert "SpO2 94-98%" in text
    assert "Succinylcholine" in text
    assert "555-0110" in text and "555-0199" in text
    assert "see full plan" not in text
    assert "Problems" not in text  # the full plan's other sections stay out


def test_emergency_summary_is_one_page_even_when_the_plan_is_long(english):
    document = _document(medications=_many_medications(40), contacts=_many_contacts(30))
    data = plan_pdf(CHILD, _view(document), emergency=True)
    pages = _pages(data)
    assert len(pages) == 1
    text = _text(data)
    assert "see full plan" in text
    # Every section still gets a place: the long lists cannot push the others off the page.
    assert "Latex" in text and "Succinylcholine" in text and "4.0 neonatal" in text
    assert "Medication number 1:" in text
    assert "555-0101" in text  # the first contact's phone
    assert "Page 1 of 1" in text


def test_emergency_summary_cuts_very_long_texts(english):
    long = "word " * 390
    document = _document(
        summary="s" * 400,
        baseline={"vitals": long, "neuro": long, "communication": long, "other": long},
        avoid=[{"what": "x" * 200, "why": long}] * 20,
        equipment=[{"name": "e" * 200, "size": "y" * 200, "settings": long}] * 20,
    )
    assert len(_pages(plan_pdf(CHILD, _view(document), emergency=True))) == 1


def test_empty_plan_says_none_recorded(english):
    empty = PlanView(uuid.uuid4(), 0, empty_document(), None, None, None, None, None, True)
    child = SimpleNamespace(display_name="Leo", birth_date=None)
    for emergency in (False, True):
        data = plan_pdf(child, empty, emergency=emergency)
        text = _text(data)
        assert "Leo" in text
        assert text.count("None recorded.") >= 6
        assert "Not reviewed yet." in text
        assert "Born" not in text
        assert len(_pages(data)) == 1


UNUSUAL = "Niño — ≥ 5 mg 😀 中文 \u200d\ufe0f\x07 «ok» ½ ¿sí?"


def test_spanish_and_unusual_characters(app):
    document = _document(
        summary=UNUSUAL,
        allergies=[{"substance": UNUSUAL, "severity": "severe"}],
        medications=[{"name": "Ácido valproico", "dose_amount": "2.5", "dose_unit": "mL"}],
    )
    with app.test_request_context("/", headers={"Accept-Language": "es"}):
        for emergency in (False, True):
            text = _text(plan_pdf(CHILD, _view(document), emergency=emergency))
            assert "Niño" in text and "Ácido valproico" in text
            assert "2,5 mL" in text  # the decimal comma of Spanish
            assert "2018" in text and "March" not in text  # dates in Spanish


def test_without_a_unicode_font_characters_are_replaced(english, monkeypatch):
    monkeypatch.setattr(plan_pdf_module, "UNICODE_FONTS", ())
    document = _document(summary=UNUSUAL, avoid=[{"what": UNUSUAL}])
    for emergency in (False, True):
        text = _text(plan_pdf(CHILD, _view(document), emergency=emergency))
        assert "Niño - >= 5 mg ? ?? «ok» ½ ¿sí?" in text
        assert "Shared plan of care - Maya" in text or "Emergency summary - Maya" in text


def test_a_broken_font_file_falls_back_to_the_core_font(english, monkeypatch, tmp_path):
    broken = tmp_path / "Broken.ttf"
    broken.write_bytes(b"not a font at all")
    monkeypatch.setattr(plan_pdf_module, "UNICODE_FONTS", ((str(broken), str(broken)),))
    assert plan_pdf_module._Pdf("", "").font_glyphs is None
    text = _text(plan_pdf(CHILD, _view(_document(summary=UNUSUAL)), emergency=True))
    assert "Niño - >= 5 mg" in text


def test_a_missing_bold_file_uses_the_regular_one(english, monkeypatch, tmp_path):
    regular = plan_pdf_module.UNICODE_FONTS[0][0]
    if not plan_pdf_module.Path(regular).is_file():
        pytest.skip("no Unicode font installed (Debian: fonts-dejavu-core)")
    monkeypatch.setattr(
        plan_pdf_module, "UNICODE_FONTS", ((regular, str(tmp_path / "missing.ttf")),)
    )
    assert plan_pdf_module._Pdf("", "").font_glyphs is not None
    assert "Niño — ≥ 5 mg" in _text(plan_pdf(CHILD, _view(_document(summary=UNUSUAL))))


def test_unicode_font_keeps_the_characters_it_has(english):
    pdf = plan_pdf_module._Pdf("", "")
    if pdf.font_glyphs is None:
        pytest.skip("no Unicode font installed (Debian: fonts-dejavu-core)")
    cleaned = pdf.clean(UNUSUAL)
    assert cleaned.startswith("Niño — ≥ 5 mg ")
    assert cleaned.endswith(" «ok» ½ ¿sí?")
    assert "\x07" not in cleaned and "\u200d" not in cleaned and "\ufe0f" not in cleaned
    assert all(ord(char) in pdf.font_glyphs for char in cleaned)
    for char in "中文😀":  # kept when the font has them (DejaVu has no CJK), else "?"
        assert (char in cleaned) == (ord(char) in pdf.font_glyphs)


def test_typed_text_is_never_taken_for_the_page_count(english):
    document = _document(summary="{nb} {pages} {page} \x7fN\x7f")
    text = _text(plan_pdf(CHILD, _view(document)))
    assert "{nb} {pages} {page} N" in text


def test_chinese_prints_with_the_fallback_font(app):
    found = [p for p in plan_pdf_module.FALLBACK_FONTS if plan_pdf_module.Path(p).is_file()]
    if not found:
        pytest.fail("no CJK font: scripts/test.sh installs fonts-droid-fallback")
    summary = "玛雅七岁有气管切开和胃造口"
    document = _document(
        summary=summary,
        medications=[{"name": "左乙拉西坦", "dose_amount": "500", "dose_unit": "mg"}],
    )
    with app.test_request_context("/", headers={"Accept-Language": "zh"}):
        for emergency in (False, True):
            data = plan_pdf(CHILD, _view(document), emergency=emergency)
            text = _text(data)
            assert summary in text.replace(" ", "") and "左乙拉西坦" in text
            assert "?" not in text  # nothing replaced for want of a glyph
            fonts = {
                str(font.get_object()["/BaseFont"])
                for page in PdfReader(io.BytesIO(data)).pages
                for font in page["/Resources"]["/Font"].values()
            }
            assert any("DroidSansFallback" in name or "NotoSansCJK" in name for name in fonts)
    pdf = plan_pdf_module._Pdf("", "")
    assert all(ord(char) in (pdf.font_glyphs or ()) for char in "中文护理计划")


def _placed(data: bytes) -> list[tuple[float, float, str]]:
    """Every piece of text drawn on the first page with its x and y (points)."""
    placed: list[tuple[float, float, str]] = []

    def visit(text: str, cm: Any, tm: Any, font: Any, size: Any) -> None:
        if text.strip():
            placed.append((float(tm[4]), float(tm[5]), text.strip()))

    PdfReader(io.BytesIO(data)).pages[0].extract_text(visitor_text=visit)
    return placed


def _x_of(placed: list[tuple[float, float, str]], text: str) -> float:
    return next(x for x, _, piece in placed if piece == text)


def _glyph_names(data: bytes) -> set[str]:
    from fontTools.ttLib import TTFont

    names: set[str] = set()
    for page in PdfReader(io.BytesIO(data)).pages:
        for font in page["/Resources"]["/Font"].values():
            descendant = font.get_object()["/DescendantFonts"][0].get_object()
            embedded = descendant["/FontDescriptor"].get_object()["/FontFile2"].get_object()
            names.update(TTFont(io.BytesIO(embedded.get_data())).getGlyphOrder())
    return names


ARABIC_SUMMARY = "مايا طفلة عمرها سبع سنوات لديها أنبوب تنفس"


def test_arabic_is_joined_and_laid_out_right_to_left(app):
    document = _document(summary=ARABIC_SUMMARY)
    with app.test_request_context("/", headers={"Accept-Language": "ar"}):
        for emergency in (False, True):
            data = plan_pdf(CHILD, _view(document), emergency=emergency)
            # Letters joined: the contextual forms (initial, medial, final) are what is drawn,
            # not only the isolated letters U+06xx that unshaped text would use.
            forms = {name for name in _glyph_names(data) if re.fullmatch(r"uniFE[7-9A-F].", name)}
            assert len(forms) >= 10, forms
            placed = _placed(data)
            # The page reads from the right: the title's Arabic words (written first) stand to
            # the right of the child's name, the summary text starts at the right margin.
            name_x, name_y, _ = next(item for item in placed if item[2] == "Maya Rivera")
            title = [x for x, y, piece in placed if y == name_y and has_rtl(piece)]
            assert title and min(title) > name_x
            summary_x = _x_of(placed, ARABIC_SUMMARY)
            assert summary_x > 150, summary_x  # right-aligned, not at the 42.5 pt margin
            assert ARABIC_SUMMARY in _text(data)  # extracted in reading order
        whole = _placed(plan_pdf(CHILD, _view(document)))
        # Table columns are mirrored: "Name" (the first column) is the rightmost heading.
        assert _x_of(whole, "الاسم") > _x_of(whole, "الجرعة") > _x_of(whole, "الطبيب الواصف")


def test_english_pages_stay_left_to_right(app):
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        placed = _placed(plan_pdf(CHILD, _view(_document(summary=ARABIC_SUMMARY))))
    start = (15 + 1) * 72 / 25.4  # the 15 mm margin and fpdf2's 1 mm cell padding, in points
    assert abs(_x_of(placed, "Summary") - start) < 0.5
    assert abs(_x_of(placed, ARABIC_SUMMARY) - start) < 0.5  # Arabic text, left-aligned
    assert _x_of(placed, "Name") < _x_of(placed, "Dose") < _x_of(placed, "Prescriber")
