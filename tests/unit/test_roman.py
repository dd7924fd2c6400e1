"""Roman numerals read from their strokes (pipeline.roman) and the decision extraction takes from
them and the OCR's reading (pipeline.extract.numeral_decision): pure logic on drawn glyphs."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter

from pipeline.extract import (
    COUNTED_CONFIDENCE,
    NUMERAL_CONFIDENCE,
    NUMERAL_CONFIRMED,
    NUMERAL_COUNTED,
    numeral_decision,
)
from pipeline.roman import ocr_numeral, read_roman
from pipeline.samples import _font
from schemas.doctypes.health_certificate import NUMERAL_SETTLED
from schemas.documents import ExtractedField


def _word(
    text: str, px: int = 50, *, blur: float = 0.0, angle: float = 0.0, dots: bool = False
) -> np.ndarray:
    """``text`` in the corpus's serif at ``px`` pixels, cropped to its ink as Tesseract boxes a word
    (the form's leader dots after it when ``dots``)."""
    font = _font("NotoSerif-Regular.ttf", px)
    image = Image.new("L", (px * 12, px * 3), 255)
    draw = ImageDraw.Draw(image)
    draw.text((px, px), text, font=font, fill=0)
    if dots:
        _, _, right, bottom = draw.textbbox((px, px), text, font=font)
        for x in range(right + px // 4, right + px * 6, px // 4):
            draw.ellipse((x, bottom - px // 12, x + px // 12, bottom), fill=90)
    if angle:
        image = image.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=255)
    if blur:
        image = image.filter(ImageFilter.GaussianBlur(blur))
    ink = np.asarray(image) < 128
    ys, xs = np.nonzero(ink)
    return np.asarray(image)[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]


@pytest.mark.parametrize("numeral", ["I", "II", "III", "IV", "V"])
def test_numeral_counted_from_its_strokes(numeral: str) -> None:
    assert read_roman(_word(numeral)) == numeral
    assert read_roman(_word(numeral, px=36, blur=1.2, angle=2.5, dots=True)) == numeral


def test_anything_but_a_numeral_is_no_reading() -> None:
    assert read_roman(_word("KHÁM")) is None  # strokes of other letters
    assert read_roman(_word("X")) is None  # crossing diagonals: not read here
    assert read_roman(np.full((40, 60), 255, np.uint8)) is None  # blank
    blob = np.full((40, 60), 255, np.uint8)
    blob[:, 10:50] = 0
    assert read_roman(blob) is None  # strokes merged into one blob (too wide for a stroke)


def test_ocr_glyphs_counted_as_stems() -> None:
    assert ocr_numeral("HI...........") == "III"  # touching serifs read as H
    assert ocr_numeral("Il") == "II"
    assert ocr_numeral("IV") == "IV"
    assert ocr_numeral("Loại") is None
    assert ocr_numeral("....") is None


def _field(value: str, confidence: float = 0.76) -> ExtractedField:
    return ExtractedField(value, value, confidence, True)


def test_strokes_confirm_or_count_the_numeral() -> None:
    confirmed = numeral_decision(_field("Loại II", 0.5), "Loại", "II", "II")
    assert confirmed.value == "Loại II" and confirmed.confidence == NUMERAL_CONFIDENCE
    assert NUMERAL_CONFIRMED in confirmed.problems
    touching = numeral_decision(_field("Loại HI......"), "Loại", "III", "III")  # serifs touching: "HI"
    assert touching.value == "Loại III" and NUMERAL_CONFIRMED in touching.problems
    counted = numeral_decision(_field("Loại II"), "Loại", "II", "III")  # the blind spot: III read II
    assert counted.value == "Loại III" and counted.confidence == COUNTED_CONFIDENCE
    assert NUMERAL_COUNTED in counted.problems
    # No stroke reading, or readings that differ by a V: left as read (the hook flags II/III).
    assert numeral_decision(_field("Loại II"), "Loại", "II", None) == _field("Loại II")
    assert numeral_decision(_field("Loại V"), "Loại", "V", "III") == _field("Loại V")
    invalid = _field("Loại II").invalid("unknown_health_class")
    assert numeral_decision(invalid, "Loại", "II", "III") == invalid
    assert {NUMERAL_CONFIRMED, NUMERAL_COUNTED} == NUMERAL_SETTLED  # the hook knows both notes
