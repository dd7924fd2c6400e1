"""The clean stage's faster measurements give exactly what the plain implementations they replaced gave
(those are kept here as the reference), on small generated pages (OpenCV only, no Tesseract)."""

from __future__ import annotations

import math
import multiprocessing
import random

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw

from pipeline.clean import (
    _leader_dots,
    _specks,
    blur_ratio,
    clean_page,
    dark_borders,
    estimate_skew,
    find_characters,
    rotate,
)
from pipeline.orient import ink_near_characters
from pipeline.process import limit_opencv_threads
from pipeline.rasterise import PageImage
from pipeline.samples import _font

DPI = 300
LINE = "Họ, chữ đệm, tên: Nguyễn Thị Ánh Tuyết ..............................."


def _page(
    seed: int, *, blur: float = 0.0, noise: float = 0.0, specks: float = 0.0, border: int = 0
) -> np.ndarray:
    """A 1240 x 900 gray text page at 300 DPI: Vietnamese lines with dotted leaders, optionally blurred,
    noisy, salt-and-peppered and with a dark left margin of ``border`` px."""
    rng = np.random.default_rng(seed)
    image = Image.new("L", (1240, 900), 246)
    draw = ImageDraw.Draw(image)
    font = _font("NotoSerif-Regular.ttf", 33)
    for i in range(9):
        draw.text((60 + 7 * (i % 3), 50 + i * 90), LINE[: 30 + 4 * i], font=font, fill=25)
    gray = np.asarray(image).copy()
    if blur:
        gray = cv2.GaussianBlur(gray, (0, 0), blur)
    if noise:
        gray = np.clip(gray + rng.normal(0, noise, gray.shape), 0, 255).astype(np.uint8)
    if specks:
        where = rng.random(gray.shape) < specks
        gray[where] = np.where(rng.random(int(where.sum())) < 0.5, 0, 255).astype(np.uint8)
    if border:
        gray[:, :border] = 15
    return gray


PAGES = {
    "clean": {},
    "blurred": {"blur": 1.5},
    "noisy": {"noise": 10.0, "specks": 0.01},
    "border": {"border": 40},
}

# ----------------------------------------------------------- the plain implementations (reference)


def _ref_mask(gray: np.ndarray, chosen: np.ndarray) -> np.ndarray:
    block = max(15, round(3.0 * (DPI / 25.4)) | 1)
    binary = cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, block, 18)
    n, labels = cv2.connectedComponents(binary, connectivity=8)
    table = np.zeros(n, np.uint8)
    table[chosen] = 255
    return table[labels]


def _ref_blur_ratio(gray: np.ndarray, mask: np.ndarray, height: float, paper: int, ink: int) -> float:
    contrast = max(paper - ink, 1)
    gx = np.asarray(cv2.Sobel(gray, cv2.CV_32F, 1, 0, ksize=3), dtype=np.float32)
    gy = np.asarray(cv2.Sobel(gray, cv2.CV_32F, 0, 1, ksize=3), dtype=np.float32)
    edges = cv2.morphologyEx(mask, cv2.MORPH_GRADIENT, np.ones((3, 3), np.uint8)) > 0
    values = np.hypot(gx[edges], gy[edges]) / np.float32(8.0)
    if values.size < 50:
        return 0.0
    peak = float(np.percentile(values, 90))
    return contrast / (math.sqrt(2 * math.pi) * max(peak, 1e-3)) / height


def _ref_speck_fraction(gray: np.ndarray, text_mask: np.ndarray) -> float:
    diff = cv2.absdiff(gray, cv2.medianBlur(gray, 3))
    background = cv2.dilate(text_mask, np.ones((5, 5), np.uint8)) == 0
    total = int(background.sum())
    return float(((diff > 60) & background).sum()) / total if total else 0.0


def _ref_dark_borders(gray: np.ndarray, paper: int, dpi: int, min_mm: float) -> tuple[int, ...]:
    dark = gray < paper * 0.3
    widths = []
    for axis, from_end in ((0, False), (1, False), (0, True), (1, True)):
        share = dark.mean(axis=axis)
        if from_end:
            share = share[::-1]
        limit = int(0.15 * share.size)
        light = np.flatnonzero(share[:limit] < 0.5)
        width = int(light[0]) if light.size else limit
        wide = width * 25.4 / dpi >= min_mm
        widths.append(min(limit, width + round(1.5 * dpi / 25.4)) if wide else 0)
    return tuple(widths)


def _ref_leader_dots(centres: np.ndarray, labels: np.ndarray, mm: float, min_run: int = 5) -> np.ndarray:
    if centres.shape[0] < min_run:
        return np.zeros(0, int)
    found: list[np.ndarray] = []
    rows: list[list[int]] = []
    ys = centres[:, 1].tolist()
    total = 0.0
    for i in np.argsort(centres[:, 1], kind="stable").tolist():
        if rows and abs(ys[i] - total / len(rows[-1])) <= 0.4 * mm:
            rows[-1].append(i)
            total += ys[i]
        else:
            rows.append([i])
            total = ys[i]
    for row in rows:
        if len(row) < min_run:
            continue
        ordered = sorted(row, key=lambda i: centres[i, 0])
        run = [ordered[0]]
        for i in [*ordered[1:], -1]:
            if i >= 0 and 0 < centres[i, 0] - centres[run[-1], 0] <= 3 * mm:
                run.append(i)
                continue
            if len(run) >= min_run:
                gaps = np.diff(centres[run, 0])
                median = float(np.median(gaps))
                if np.mean(np.abs(gaps - median) <= 0.3 * median) >= 0.6:
                    found.append(labels[run])
            run = [i]
    return np.concatenate(found) if found else np.zeros(0, int)


# ------------------------------------------------------------------------------------------ tests


@pytest.mark.parametrize("name", sorted(PAGES))
def test_measurements_equal_the_plain_implementations(name: str) -> None:
    gray = _page(7, **PAGES[name])
    chars = find_characters(gray, DPI)
    assert chars.count > 100
    if name in ("clean", "border"):
        assert chars.leader_dots > 20 and np.count_nonzero(chars.leader_mask) > 0
    # Labels (BBDT) as OpenCV's default labelling gives them: the same mask from the same label numbers.
    assert np.array_equal(chars.mask, _ref_mask(gray, chars.chosen))
    paper, ink = 240, 30
    fast = blur_ratio(gray, chars, paper, ink)
    assert fast == _ref_blur_ratio(gray, chars.mask, chars.median_height, paper, ink) and fast > 0
    fraction, median = _specks(gray, chars.mask)
    assert fraction == _ref_speck_fraction(gray, chars.mask)
    assert np.array_equal(median, cv2.medianBlur(gray, 3))
    assert dark_borders(gray, paper, DPI, 1.0) == _ref_dark_borders(gray, paper, DPI, 1.0)
    # orient reuses find_characters' threshold: the same ink as thresholding again.
    again = ink_near_characters(gray, chars.mask, DPI)
    assert np.array_equal(ink_near_characters(gray, chars.mask, DPI, binary=chars.binary), again)


def test_the_measurements_still_tell_the_pages_apart() -> None:
    """The comparisons above are not between zeros: blur, specks and borders are seen."""
    scores = {}
    for name, kwargs in PAGES.items():
        gray = _page(7, **kwargs)
        chars = find_characters(gray, DPI)
        scores[name] = (
            blur_ratio(gray, chars, 240, 30),
            _specks(gray, chars.mask)[0],
            dark_borders(gray, 240, DPI, 1.0),
        )
    assert scores["blurred"][0] > 1.3 * scores["clean"][0]
    assert scores["noisy"][1] > 0.001 > scores["clean"][1]
    assert scores["border"][2][0] > 40 and scores["clean"][2] == (0, 0, 0, 0)


def test_dark_borders_on_a_paper_level_whose_threshold_is_fractional() -> None:
    """gray < paper * 0.3 with paper * 0.3 not a whole number (e.g. 233 * 0.3 = 69.9): 69 is dark, 70 not."""
    for paper in (233, 230, 200, 81):
        for level in range(60, 80):
            gray = np.full((400, 300), 240, np.uint8)
            gray[:, :30] = level
            gray[:40, :] = level
            assert dark_borders(gray, paper, DPI, 1.0) == _ref_dark_borders(gray, paper, DPI, 1.0)


def test_leader_dots_equal_the_plain_implementation() -> None:
    rng = random.Random(3)
    mm = DPI / 25.4
    for _ in range(30):
        points = []
        for _row in range(rng.randint(0, 6)):  # dotted leaders: regular runs, with some jitter
            y, x, pitch = rng.uniform(0, 3000), rng.uniform(0, 1000), rng.uniform(0.8, 3.5) * mm
            for k in range(rng.randint(3, 40)):
                points.append((x + k * pitch + rng.gauss(0, 0.4 * pitch * rng.random()), y + rng.gauss(0, 2)))
        points += [(rng.uniform(0, 2400), rng.uniform(0, 3400)) for _ in range(rng.randint(0, 300))]
        centres = np.array(points, np.float64).reshape(-1, 2)
        labels = np.arange(1, len(points) + 1)
        assert np.array_equal(_leader_dots(centres, labels, mm), _ref_leader_dots(centres, labels, mm))


def test_a_deskewed_gray_page_shows_the_scan_rotated_like_the_ocr_image() -> None:
    """A gray page as it came is rotated once; its visible page is what rotating it on its own gives."""
    gray = _page(11)
    skewed = rotate(gray, 2.0, fill=246)
    cleaned = clean_page(PageImage(1, Image.fromarray(skewed), DPI), None)
    assert cleaned.record.deskewed and not cleaned.visible_unchanged and not cleaned.record.orientation
    # No border, card, specks or turn on this page: the angle is measured on the page as it came.
    skew = estimate_skew(find_characters(skewed, DPI))
    assert round(skew, 2) == cleaned.record.skew_deg
    expected = rotate(skewed, -skew, fill=cleaned.record.paper_level)
    assert np.array_equal(np.asarray(cleaned.visible), expected)
    assert not np.array_equal(np.asarray(cleaned.image), expected)  # the OCR image lost its leaders


def test_opencv_threads_are_limited_once() -> None:
    before = cv2.getNumThreads()
    try:
        limit_opencv_threads(1)
        assert cv2.getNumThreads() == 1
        limit_opencv_threads(None)  # OpenCV's default left as it is
        assert cv2.getNumThreads() == 1
    finally:
        cv2.setNumThreads(before)


def _busy_pool() -> None:
    """OpenCV's thread pool at work on a page-sized image (deskew, labelling, downscaling)."""
    page = (np.random.default_rng(0).random((3000, 2500)) * 255).astype(np.uint8)
    for _ in range(3):
        rotate(page, 3.0, fill=246)
        cv2.connectedComponentsWithStats((page > 128).astype(np.uint8), connectivity=8)
        cv2.resize(page, None, fx=0.3, fy=0.3, interpolation=cv2.INTER_AREA)


def _child(queue: multiprocessing.Queue[int]) -> None:
    limit_opencv_threads(1)  # would wait forever on the parent's OpenCV thread pool
    queue.put(cv2.getNumThreads())


def test_a_forked_process_keeps_its_parents_opencv_threads() -> None:
    before = cv2.getNumThreads()
    try:
        cv2.setNumThreads(2)
        _busy_pool()
        context = multiprocessing.get_context("fork")
        queue: multiprocessing.Queue[int] = context.Queue()
        child = context.Process(target=_child, args=(queue,))
        child.start()
        child.join(300)  # a liveness guard, not a speed limit: the bug was a child that never returned
        alive = child.is_alive()
        if alive:
            child.kill()
        assert not alive and child.exitcode == 0
        assert queue.get() == 2
    finally:
        cv2.setNumThreads(before)
