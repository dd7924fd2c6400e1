"""ID card outline, dark scanner margins and uneven light: measured on generated images (OpenCV only)."""

from __future__ import annotations

import random

import cv2
import numpy as np
from PIL import Image, ImageDraw

from pipeline.card import ID1_ASPECT, find_card, warp_card
from pipeline.clean import background, dark_borders, find_characters, relight, unevenness
from pipeline.degrade import card_on_page, desk_photo, scanner_border, strong_shadow
from pipeline.samples import _font

DPI = 300


def _card() -> Image.Image:
    w, h = round(85.6 / 25.4 * DPI), round(54 / 25.4 * DPI)
    card = Image.new("RGB", (w, h), (228, 236, 242))
    draw = ImageDraw.Draw(card)
    font = _font("NotoSerif-Regular.ttf", 33)
    for i in range(6):
        draw.text(
            (50, 50 + i * 70), "Họ và tên: Nguyễn Văn An, sinh ngày 01/02/1990", font=font, fill=(20, 20, 20)
        )
    return card


def _gray(image: Image.Image) -> np.ndarray:
    return np.asarray(image.convert("L")).copy()


def test_card_on_a_scan_is_found_and_warped_flat() -> None:
    page = _gray(card_on_page(_card(), random.Random(1)))
    outline = find_card(page, find_characters(page, DPI).boxes)
    assert outline is not None and abs(outline.aspect - ID1_ASPECT) < 0.1
    flat = warp_card(page, outline, DPI)
    assert flat.shape == (round(54 / 25.4 * DPI), round(85.6 / 25.4 * DPI))
    # The warped card is the card: tinted everywhere, none of the scanner's white lid left.
    assert np.percentile(flat, 50) < 240


def test_card_in_a_desk_photo_is_found() -> None:
    photo = _gray(desk_photo(_card(), random.Random(2)))
    outline = find_card(photo, find_characters(photo, DPI).boxes)
    assert outline is not None


def test_a_box_on_a_form_is_not_a_card() -> None:
    """A frame of ID-1 aspect drawn on a page with text around it: not a card lying on the page."""
    page = Image.new("L", (2480, 3508), 255)
    draw = ImageDraw.Draw(page)
    font = _font("NotoSerif-Regular.ttf", 46)
    for i in range(30):
        draw.text((240, 200 + i * 100), "Đề nghị cơ quan có thẩm quyền xem xét hồ sơ", font=font, fill=0)
    draw.rectangle((900, 1500, 900 + 1011, 1500 + 638), outline=0, width=6)
    gray = _gray(page)
    assert find_card(gray, find_characters(gray, DPI).boxes) is None


def test_a_card_filling_the_image_is_left_alone() -> None:
    gray = _gray(_card())
    assert find_card(gray, find_characters(gray, DPI).boxes) is None


def test_dark_borders_are_measured() -> None:
    page = Image.new("L", (2480, 3508), 250)
    bordered = _gray(scanner_border(0.06, 2)(page, random.Random(3)))
    widths = dark_borders(bordered, 250, DPI, 1.0)
    assert sum(1 for w in widths if w) == 2
    assert dark_borders(_gray(page), 250, DPI, 1.0) == (0, 0, 0, 0)


def test_a_strong_shadow_is_measured_and_relit() -> None:
    page = Image.new("L", (1240, 1754), 245)
    shaded = _gray(strong_shadow(0.6, 0.4)(page, random.Random(4)))
    back = background(shaded)
    assert unevenness(back) > 0.25 > unevenness(background(_gray(page)))
    flat = relight(shaded, back, 245)
    before, after = cv2.absdiff(shaded, _gray(page)), cv2.absdiff(flat, _gray(page))
    # Flat but for the last few columns of the steepest edge (the closing's window reaches inwards).
    assert after.mean() < 2 < before.mean() / 10 and np.percentile(after, 95) < 15
