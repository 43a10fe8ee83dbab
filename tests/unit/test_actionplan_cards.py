"""QR codes, wallet cards and fridge sheets of emergency links: the code decodes to the link."""

from __future__ import annotations

import io
import shutil
import subprocess
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
from flask import Flask
from PIL import Image
from pypdf import PdfReader

from familyapp.actionplans import cards
from familyapp.actionplans.cards import card_pdf, qr_png, qr_svg
from familyapp.core import ids
from familyapp.plan import pdf as plan_pdf_module

TOKEN = "kF3-x_9QmZ2aLpT7vRw0YbN4cHs8JdU1eGi6oXq5tMz"  # 43 characters, like ids.new_token()
URL = f"http://127.0.0.1:5000/e/{TOKEN}"
SUMMARY = (
    "Maya is a 7-year-old with hypoxic-ischemic encephalopathy, epilepsy and spastic "
    "quadriplegic cerebral palsy; trach since 2019 with ventilator at night, G-tube fed. "
    "Seizures usually stop within 3 minutes; call 911 when one lasts 5 minutes or more."
)
ALLERGIES = ["Latex", "Amoxicillin"]
A4_POINTS = (595, 842)


@pytest.fixture
def english(app: Flask) -> Iterator[None]:
    """A request in English."""
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        yield


def _tool(name: str, package: str) -> str:
    """The path of a command the test needs; the test fails (never skips) without it."""
    path = shutil.which(name)
    if path is None:
        pytest.fail(
            f"{name} is not installed: install Debian's {package} "
            f"(apt-get update && apt-get install -y {package}), as scripts/test.sh does."
        )
    return path


def _decode(png: Path) -> str:
    """The text of the one QR code in a PNG, read by zbarimg."""
    zbarimg = _tool("zbarimg", "zbar-tools")
    done = subprocess.run(
        [zbarimg, "--raw", "-q", str(png)], capture_output=True, timeout=60, check=False
    )
    assert done.returncode == 0, f"no QR code found in {png}: {done.stderr.decode()}"
    return done.stdout.decode("utf-8").removesuffix("\n")


def _page_png(data: bytes, tmp_path: Path) -> Path:
    """The first page of a PDF rendered at 200 dpi by pdftoppm."""
    pdftoppm = _tool("pdftoppm", "poppler-utils")
    source = tmp_path / "card.pdf"
    source.write_bytes(data)
    command = [pdftoppm, "-r", "200", "-png", "-f", "1", "-l", "1", "-singlefile"]
    subprocess.run([*command, str(source), str(tmp_path / "page")], check=True, timeout=120)
    return tmp_path / "page.png"


def _card(sheet: bool = False, **changes: Any) -> bytes:
    """A wallet card (or fridge sheet) of Maya's link, with some values changed."""
    values: dict[str, Any] = {
        "child_name": "Maya Rivera",
        "birth_date": date(2018, 3, 14),
        "summary": SUMMARY,
        "allergies": ALLERGIES,
        "url": URL,
        "label": "School nurse",
        "expires_at": datetime(2026, 5, 1, 12, 0),
    }
    values.update(changes)
    return card_pdf(**values, sheet=sheet)


def _pdf(data: bytes) -> tuple[PdfReader, str]:
    """The PDF read back, with the text of its pages."""
    assert data.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(data))
    text = "\n".join(page.extract_text() or "" for page in reader.pages)
    return reader, text


# -- the QR code ---------------------------------------------------------------------------------


def test_png_decodes_to_the_exact_url(tmp_path: Path) -> None:
    png = tmp_path / "qr.png"
    png.write_bytes(qr_png(URL))
    assert _decode(png) == URL


def test_png_of_a_fresh_token_decodes_to_it(tmp_path: Path) -> None:
    url = f"https://family.example.org/e/{ids.new_token()}"
    png = tmp_path / "qr.png"
    png.write_bytes(qr_png(url, scale=4))
    assert _decode(png) == url


def test_png_is_dark_on_white_with_a_quiet_zone() -> None:
    scale = 8
    image = Image.open(io.BytesIO(qr_png(URL, scale=scale))).convert("L")
    width, height = image.size
    assert width == height and width % scale == 0
    border = 4 * scale
    pixels = image.load()
    assert pixels is not None
    edge = [
        pixels[x, y]
        for x in range(width)
        for y in range(height)
        if min(x, y, width - 1 - x, height - 1 - y) < border
    ]
    assert set(edge) == {255}  # four white modules all around
    assert pixels[border, border] == 0  # the top-left finder pattern starts right inside
    assert {color for _count, color in image.getcolors() or []} == {0, 255}


def test_svg_is_an_svg_document() -> None:
    data = qr_svg(URL)
    root = ElementTree.fromstring(data)
    assert root.tag in ("svg", "{http://www.w3.org/2000/svg}svg")
    assert b"<svg" in data
    assert root.get("viewBox") or (root.get("width") and root.get("height"))


# -- the wallet card and the fridge sheet -------------------------------------------------------


@pytest.mark.parametrize("sheet", [False, True], ids=["wallet card", "fridge sheet"])
def test_card_is_one_page_with_the_childs_details(english: None, sheet: bool) -> None:
    reader, text = _pdf(_card(sheet))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == A4_POINTS
    for expected in (
        "EMERGENCY MEDICAL INFORMATION",
        "Maya Rivera",
        "Born March 14, 2018",
        "Scan for the emergency card",
        "No account needed",
        "School nurse",
        "Works until May 1, 2026",
        "Allergies: Latex, Amoxicillin",
    ):
        assert expected in text
    assert URL in text.replace("\n", "")  # the address may wrap
    assert reader.metadata is not None and "Maya Rivera" in str(reader.metadata.title)


@pytest.mark.parametrize("sheet", [False, True], ids=["wallet card", "fridge sheet"])
def test_printed_qr_code_decodes_to_the_exact_url(
    english: None, tmp_path: Path, sheet: bool
) -> None:
    assert _decode(_page_png(_card(sheet), tmp_path)) == URL


def test_wallet_card_has_cut_and_fold_guides(english: None) -> None:
    _reader, text = _pdf(_card())
    assert "Cut along the solid line, then fold along the dashed line." in text


def test_wallet_card_cuts_a_long_summary_to_two_lines(english: None) -> None:
    _reader, text = _pdf(_card())
    assert "Maya is a 7-year-old" in text
    assert "5 minutes or more" not in text
    assert "\u2026" in text


def test_fridge_sheet_has_room_for_the_whole_summary(english: None) -> None:
    _reader, text = _pdf(_card(sheet=True))
    assert "5 minutes or more." in text.replace("\n", " ")


def test_no_allergies_and_no_birth_date(english: None, tmp_path: Path) -> None:
    for sheet in (False, True):
        data = _card(sheet, allergies=[], birth_date=None, summary="", label="")
        reader, text = _pdf(data)
        assert len(reader.pages) == 1
        assert "Allergies: None recorded." in text
        assert "Born" not in text
        assert _decode(_page_png(data, tmp_path)) == URL


@pytest.mark.parametrize("fonts", ["unicode", "core"])
def test_unusual_characters_never_break_a_card(
    english: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, fonts: str
) -> None:
    if fonts == "core":  # Helvetica: only Latin-1, the rest replaced
        monkeypatch.setattr(plan_pdf_module, "UNICODE_FONTS", ())
    name = "Niño — 😀"
    long = "Wolfeschlegelsteinhausenbergerdorff " * 12
    for sheet in (False, True):
        data = _card(
            sheet,
            child_name=name,
            summary=f"{name} {long}\x07\u200d\ufe0f",
            allergies=[name, long, "", "  "],
            label=f"{name} {long}",
        )
        reader, text = _pdf(data)
        assert len(reader.pages) == 1
        assert "Niño" in text
        if fonts == "core":
            assert "Niño - ?" in text
        assert _decode(_page_png(data, tmp_path)) == URL


def test_card_in_spanish_uses_spanish_dates(app: Flask) -> None:
    with app.test_request_context("/", headers={"Accept-Language": "es"}):
        _reader, text = _pdf(_card())
    assert "Nació el 14 de marzo de 2018" in text
    assert "Alergias:" in text


@pytest.mark.parametrize("sheet", [False, True], ids=["wallet card", "fridge sheet"])
def test_card_in_arabic_reads_from_the_right_and_still_scans(
    app: Flask, tmp_path: Path, sheet: bool
) -> None:
    with app.test_request_context("/", headers={"Accept-Language": "ar"}):
        data = _card(sheet, child_name="مايا ريفيرا", summary="طفلة لديها أنبوب تنفس")
    placed: list[tuple[float, str]] = []
    PdfReader(io.BytesIO(data)).pages[0].extract_text(
        visitor_text=lambda text, cm, tm, font, size: placed.append((float(tm[4]), text.strip()))
    )
    texts = [text for _, text in placed]
    assert "مايا ريفيرا" in texts and "طفلة لديها أنبوب تنفس" in texts
    if not sheet:
        # The summary starts at the right edge of the back; it is shorter than its box, so
        # its left end stands clear of the box's left side.
        back_left = (cards.CARD_LEFT + cards.CARD_W + cards.CARD_PAD) * 72 / 25.4
        assert next(x for x, text in placed if text == "طفلة لديها أنبوب تنفس") > back_left + 20
    assert _decode(_page_png(data, tmp_path)) == URL
