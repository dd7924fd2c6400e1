"""The dot below a y that Tesseract's vie model does not read (pipeline.marks.dot_below), on words drawn in
the corpus's fonts at 300 DPI; the word's box is that of the letters without the dot, as Tesseract gives it
when it reads "My" for "Mỵ"."""

from __future__ import annotations

import pytest
from PIL import Image, ImageDraw

from pipeline.marks import dot_below
from pipeline.ocr import Word
from pipeline.samples import _font

FONTS = ("NotoSerif-Bold.ttf", "NotoSerif-Regular.ttf", "NotoSans-Bold.ttf", "NotoSans-Regular.ttf")


def _word(text: str, letters: str, font_name: str, px: int = 54) -> tuple[Image.Image, Word]:
    """``text`` drawn in ``font_name``, and a Word boxing ``letters`` (the same text as read: no dot)."""
    font = _font(font_name, px)
    image = Image.new("L", (600, 300), 255)
    ImageDraw.Draw(image).text((100, 100), text, font=font, fill=25)
    left, top, right, bottom = ImageDraw.Draw(Image.new("L", (1, 1))).textbbox((100, 100), letters, font=font)
    return image, Word(letters, 96.0, left, top, right - left, bottom - top, 1)


@pytest.mark.parametrize("font", FONTS)
@pytest.mark.parametrize(("text", "read"), [("Mỵ", "My"), ("MỴ", "MY")])
def test_the_dot_below_of_y_is_seen(font: str, text: str, read: str) -> None:
    assert dot_below(*_word(text, read, font)) is True


@pytest.mark.parametrize("font", FONTS)
@pytest.mark.parametrize("text", ["My", "MY", "Mỹ", "MỸ", "My.", "MY,"])
def test_no_dot_below_is_seen_where_there_is_none(font: str, text: str) -> None:
    """A plain y, a tilde above, and a full stop or comma after the word (on the baseline, or a tail)."""
    assert dot_below(*_word(text, text.rstrip(".,"), font)) is False


def test_specks_are_no_dot() -> None:
    image, word = _word("My", "My", "NotoSerif-Bold.ttf")
    draw = ImageDraw.Draw(image)
    for dx in (0, 9, 17):  # 2-pixel specks under the y
        x, y = word.right - 20 + dx, word.bottom + 6
        draw.rectangle((x, y, x + 1, y + 1), fill=30)
    assert dot_below(image, word) is False


def test_a_crop_without_a_letter_tells_nothing() -> None:
    assert dot_below(Image.new("L", (300, 200), 255), Word("My", 90.0, 50, 50, 80, 50, 1)) is None
