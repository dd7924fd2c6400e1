"""Orientation (0/90/180/270) on generated sparse card pages and dense A4 pages (pipeline.orient)."""

from __future__ import annotations

import random

import numpy as np
import pytest
from PIL import Image

from pipeline.clean import clean_page, find_characters, to_gray
from pipeline.orient import detect_orientation, ink_near_characters
from pipeline.rasterise import PageImage
from pipeline.samples import make_citizen, scanned_birth_certificate, scanned_cccd_front


def _pages() -> dict[str, tuple[Image.Image, int]]:
    citizen = make_citizen(random.Random(11))
    return {
        "card": (scanned_cccd_front(citizen, 11, dpi=600), 600),
        "a4": (scanned_birth_certificate(citizen, 11), 300),
    }


PAGES = _pages()


@pytest.mark.parametrize("kind", sorted(PAGES))
@pytest.mark.parametrize("turned", [0, 90, 180, 270])
def test_orientation_is_measured_on_card_and_a4(kind: str, turned: int) -> None:
    image, dpi = PAGES[kind]
    scanned = image.rotate(turned, expand=True)  # counter-clockwise: needs `turned` clockwise back
    gray = to_gray(scanned)
    chars = find_characters(gray, dpi)
    found = detect_orientation(ink_near_characters(gray, chars.mask, dpi), dpi)
    assert found.angle == turned


@pytest.mark.integration  # the measured turn is confirmed with Tesseract
@pytest.mark.parametrize("turned", [90, 180, 270])
def test_clean_page_turns_a_card_upright(turned: int) -> None:
    image, dpi = PAGES["card"]
    cleaned = clean_page(PageImage(page_number=1, image=image.rotate(turned, expand=True), dpi=dpi))
    assert cleaned.record.orientation == turned
    assert cleaned.visible.size == image.size


@pytest.mark.integration
def test_upright_page_is_not_turned() -> None:
    image, dpi = PAGES["a4"]
    cleaned = clean_page(PageImage(page_number=1, image=image, dpi=dpi))
    assert cleaned.record.orientation == 0


def test_page_without_clear_lines_is_left_alone() -> None:
    # A page of scattered, equal blobs has no line axis and no up: no turn.
    image = Image.new("L", (1200, 1600), 255)
    rng = random.Random(5)
    for _ in range(300):
        x, y = rng.randrange(50, 1150), rng.randrange(50, 1550)
        image.paste(0, (x, y, x + 14, y + 14))
    gray = to_gray(image)
    chars = find_characters(gray, 300)
    assert detect_orientation(ink_near_characters(gray, chars.mask, 300), 300).angle == 0


def test_percentile_u8_is_numpys_percentile() -> None:
    from pipeline.clean import percentile_u8

    rng = np.random.default_rng(3)
    for shape in [(1,), (10, 10), (700, 500)]:
        values = (rng.random(shape) * 255).astype(np.uint8)
        for q in (0, 10, 50, 90, 100):
            assert percentile_u8(values, q) == pytest.approx(float(np.percentile(values, q)), abs=1e-9)
