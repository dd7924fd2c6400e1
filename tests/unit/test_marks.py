"""The dot below a y that Tesseract's vie model does not read (pipeline.marks.dot_below), on words drawn in
the corpus's fonts at 300 DPI; the word's box is that of the letters without the dot, as Tesseract gives it
when it reads "My" for "Mỵ"."""

from __future__ import annotations

import pytest
from PIL import Image, ImageDraw

from pipeline.extract import LOW_CONFIDENCE, MARKS_UNSEEN, _dots_from_pixels, _Found
from pipeline.marks import dot_below, dots_below, without_trailing_dots
from pipeline.ocr import OcrPage, Word
from pipeline.samples import _font
from schemas.doctypes.enterprise_registration_certificate import DEFINITION as ENTERPRISE
from schemas.documents import ExtractedField

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


@pytest.mark.parametrize("font", FONTS)
@pytest.mark.parametrize(
    ("text", "dots"),
    [("MAI", 0), ("MẠI", 1), ("THỊNH", 1), ("ĐẠI", 1), ("VIỆT", 1), ("NGUYỄN", 0), ("ẠỊ", 2)],
)
def test_the_dots_below_an_upper_case_word_are_counted(font: str, text: str, dots: int) -> None:
    """The marks Tesseract reads that are not there ("SAO MAI" read "SAO MẠI" at full confidence), or
    that it does not read: the count on the page says."""
    image, word = _word(text, text, font)
    assert dots_below(image, word) == dots


def _name_field(printed: str, read: str) -> ExtractedField:
    """An enterprise name printed ``printed`` (capitals, Noto Serif Bold) and read ``read`` (0.96, sure),
    through extraction's pixel check of the dots below."""
    font = _font("NotoSerif-Bold.ttf", 54)
    image = Image.new("L", (1600, 300), 255)
    draw = ImageDraw.Draw(image)
    words, x = [], 100
    for shown, as_read in zip(printed.split(), read.split(), strict=True):
        draw.text((x, 100), shown, font=font, fill=25)
        left, top, right, bottom = draw.textbbox((x, 100), as_read.replace("Ạ", "A"), font=font)
        words.append(Word(as_read, 96.0, left, top, right - left, bottom - top, 1))
        x = right + 30
    page = OcrPage.from_text(read)
    page.image = image
    located = {"enterprise_name": _Found(read, 0.96, page, tuple(words))}
    fields = {"enterprise_name": ExtractedField(read, read, 0.96, True)}
    _dots_from_pixels(ENTERPRISE, located, fields)
    return fields["enterprise_name"]


def test_a_dot_below_read_where_the_page_has_none_sends_the_value_to_review() -> None:
    field = _name_field("SAO MAI", "SAO MẠI")
    assert MARKS_UNSEEN in field.problems and field.confidence < LOW_CONFIDENCE and field.value == "SAO MẠI"


def test_a_dot_below_read_where_the_page_has_one_changes_nothing() -> None:
    field = _name_field("ĐẠI VIỆT", "ĐẠI VIỆT")
    assert field.problems == () and field.confidence == 0.96


def _number_zone(
    value: str, after: str, fill_after: int = 150
) -> tuple[Image.Image, tuple[int, int, int, int]]:
    """``value`` then ``after`` (a form's short leader, grey by default) drawn at 300 DPI; the zone Tesseract
    gives when it reads them as one word, and where the value ends."""
    font = _font("NotoSerif-Regular.ttf", 50)
    image = Image.new("L", (900, 200), 255)
    draw = ImageDraw.Draw(image)
    draw.text((100, 60), value, font=font, fill=20)
    end = int(draw.textbbox((100, 60), value, font=font)[2])
    draw.text((end + 25, 60), after, font=font, fill=fill_after)
    right = int(draw.textbbox((end + 25, 60), after, font=font)[2]) if after else end
    top, bottom = draw.textbbox((100, 60), value, font=font)[1::2]
    return image, (100, int(top), right, int(bottom)), end


@pytest.mark.parametrize("fill", [150, 30])
def test_a_leader_after_a_number_is_cut_from_its_zone(fill: int) -> None:
    image, box, end = _number_zone("16/06/1991", "...", fill)
    left, top, right, bottom = without_trailing_dots(image, box)
    assert (left, top, bottom) == (box[0], box[1], box[3])
    assert end <= right < end + 25  # after the last digit, before the first dot


@pytest.mark.parametrize(("after", "fill"), [("", 20), ("7", 20), ("A", 150), ("'", 20)])
def test_a_zone_without_a_trailing_leader_is_unchanged(after: str, fill: int) -> None:
    """Nothing after the digits, another digit, a letter, a mark high on the line: not a leader."""
    image, box, _ = _number_zone("16/06/1991", after, fill)
    assert without_trailing_dots(image, box) == box
