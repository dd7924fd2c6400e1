"""Page orientation (0/90/180/270°) measured on the characters, so it works on sparse pages such as
an ID card on a scanner bed, where Tesseract's OSD gives up (confidence below its threshold, ../shared/
domain/README.md §6).

Two measurements on the character mask (see :func:`pipeline.clean.find_characters`), taken in narrow
strips so that a few degrees of skew do not smear them:
- *line structure*: the normalised variance of strips' row profiles, compared between the mask and
  its 90° turn; the text's axis has the lower one (measured, see :func:`detect_orientation`).
- *which way is up*: within a text line, Vietnamese (and Latin) script has far more ink above the
  x-height band (capitals, ascenders, and the tone and vowel marks ``ẩ ế ồ``) than below it (``g p q y``
  descenders, the dot of ``ạ``). The sign of that asymmetry tells 0° from 180° (measured +0.012 to
  +0.036 upright on generated cards, certificates and text pages, as much negative upside down).
A page is turned only when both measurements are clear *and* OCR confirms it (:func:`confirm_turn`:
Tesseract's word confidence on a text band, as it is and turned): the line measurement alone turned an
upright English web-page print (epson.pdf) by 270°.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

from pipeline.errors import DocumentRejected
from pipeline.ocr import OcrOptions, recognise


@dataclass(frozen=True)
class Orientation:
    angle: int  # clockwise degrees the page must be turned to be upright: 0, 90, 180 or 270
    lines_score: float  # line structure of the chosen axis over the other (> 1: clear)
    up_score: float  # (ink above - ink below the x-height band) / total, for the chosen angle
    lines: int  # text lines measured


def _strips(mask: np.ndarray, width: int) -> list[np.ndarray]:
    return [mask[:, x : x + width] for x in range(0, mask.shape[1] - width // 2, width)]


def _line_structure(mask: np.ndarray, strip: int) -> float:
    """Mean normalised variance of strip row profiles (ink per row), weighted by ink."""
    total = 0.0
    weight = 0.0
    for part in _strips(mask, strip):
        profile = part.sum(axis=1).astype(np.float64)
        ink = profile.sum()
        if ink <= 0:
            continue
        mean = profile[profile > 0].mean()
        total += float(profile.var() / (mean * mean + 1e-9)) * ink
        weight += ink
    return total / weight if weight else 0.0


def _asymmetry(mask: np.ndarray, strip: int, min_line: int) -> tuple[float, int]:
    """Σ(ink above core − ink below core) / Σ ink over the text lines of all strips, and the count."""
    above = below = total = 0.0
    lines = 0
    for part in _strips(mask, strip):
        profile = part.sum(axis=1).astype(np.float64)
        # A mark sits a little apart from its letter: gaps shorter than ``min_line`` stay in the line.
        inked = (
            cv2.morphologyEx(
                (profile > 0).astype(np.uint8).reshape(-1, 1),
                cv2.MORPH_CLOSE,
                np.ones((min_line, 1), np.uint8),
            ).ravel()
            > 0
        )
        # Runs of inked rows: the text lines of this strip.
        edges = np.flatnonzero(np.diff(np.concatenate(([False], inked, [False])).astype(np.int8)))
        for start, end in zip(edges[0::2].tolist(), edges[1::2].tolist(), strict=True):
            line = profile[start:end]
            if len(line) < min_line or line.sum() < 3 * min_line:
                continue
            core = np.flatnonzero(line >= 0.5 * line.max())
            top, bottom = int(core[0]), int(core[-1])
            above += float(line[:top].sum())
            below += float(line[bottom + 1 :].sum())
            total += float(line.sum())
            lines += 1
    return ((above - below) / total if total else 0.0), lines


def ink_threshold(gray: np.ndarray, dpi: int) -> np.ndarray:
    """Ink as 255 on 0: the page's adaptive threshold over ~3 mm blocks (odd, at least 15 px), 18 levels
    below the local mean; the characters are found in it (pipeline.clean) and the marks near them."""
    block = max(15, round(3.0 * dpi / 25.4) | 1)
    return cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, block, 18)


def ink_near_characters(
    gray: np.ndarray, char_mask: np.ndarray, dpi: int, *, binary: np.ndarray | None = None
) -> np.ndarray:
    """Ink (adaptive threshold) within ~1 mm of a character: the characters with their tone and vowel
    marks, which the character mask leaves out as too small, without photos, rules or frames.
    ``binary``: :func:`ink_threshold` of ``gray`` when already made (:func:`pipeline.clean.find_characters`
    makes it)."""
    mm = dpi / 25.4
    if binary is None:
        binary = ink_threshold(gray, dpi)
    size = max(3, round(1.0 * mm) | 1)
    near = cv2.dilate(char_mask, np.ones((size, size), np.uint8))
    return cv2.bitwise_and(binary, near)


def detect_orientation(
    char_mask: np.ndarray,
    dpi: int,
    *,
    min_lines_score: float = 1.08,
    min_up_score: float = 0.008,
    min_lines: int = 4,
) -> Orientation:
    """How far (clockwise) the page of ``char_mask`` (uint8 0/255: characters with their marks, see
    :func:`ink_near_characters`) must turn to be upright."""
    # Work at ~100 DPI: enough for lines of 8 pt text (~11 px), 9× fewer pixels.
    scale = min(1.0, 100.0 / dpi)
    small = cv2.resize(char_mask, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    binary = (small > 64).astype(np.uint8)
    mm = dpi * scale / 25.4
    strip = max(8, round(12 * mm))
    min_line = max(3, round(0.8 * mm))

    horizontal = _line_structure(binary, strip)
    turned = np.ascontiguousarray(np.rot90(binary, -1))  # the page turned 90° clockwise
    vertical = _line_structure(turned, strip)
    # Measured (pipeline.samples card and certificate, bench pages): the text's own axis has the
    # *lower* score (0.23 vs 0.42 on A4 text, 0.37 vs 0.41-0.50 on a card): across the lines a strip
    # holds several lines whose profiles average out, along them it catches whole words and gaps.
    if horizontal <= vertical:
        base, candidates, ratio = binary, (0, 180), vertical / max(horizontal, 1e-9)
    else:
        base, candidates, ratio = turned, (90, 270), horizontal / max(vertical, 1e-9)
    up, lines = _asymmetry(base, strip, min_line)
    # Upright: more ink above the core band than below (+0.012 to +0.036 measured; upside down the
    # same magnitude, negative).
    if lines < min_lines or abs(up) < min_up_score:
        return Orientation(0, ratio, up, lines)  # not clear which way is up: leave the page
    angle = candidates[0] if up > 0 else candidates[1]
    if angle in (90, 270) and ratio < min_lines_score:
        return Orientation(0, ratio, up, lines)
    return Orientation(angle, ratio, abs(up), lines)


def turn(array: np.ndarray, angle: int) -> np.ndarray:
    """Turn an image array clockwise by ``angle`` (0, 90, 180, 270)."""
    return np.ascontiguousarray(np.rot90(array, -(angle // 90) % 4))


def _mean_confidence(gray: np.ndarray, *, language: str, timeout_s: float) -> float:
    """Mean word confidence (weighted by length) of one Tesseract ``--psm 6`` run on ``gray`` (0 when the
    run fails or times out: no confirmation)."""
    options = OcrOptions(language=language)
    try:
        run = recognise(
            Image.fromarray(gray),
            language=language,
            psm=6,
            dpi=300,
            timeout=timeout_s,
            page_number=0,
            options=options,
        )
    except DocumentRejected:
        return 0.0
    total = weight = 0.0
    for row in run.tsv.splitlines()[1:]:
        cells = row.split("\t")
        if len(cells) < 12 or cells[0] != "5" or not cells[11].strip():
            continue
        n = len(cells[11].strip())
        total += max(0.0, float(cells[10])) * n
        weight += n
    return total / weight if weight else 0.0


def confirm_turn(
    gray: np.ndarray,
    char_mask: np.ndarray,
    angle: int,
    dpi: int,
    *,
    language: str = "vie",
    timeout_s: float = 30.0,
    min_gain: float = 10.0,
) -> bool:
    """Confirm a measured turn with OCR: the text band with the most characters (at most ~40 mm, at
    ≤ 300 DPI) is read as it is and turned; the turn stands only if the mean word confidence gains
    ``min_gain`` points. Costs two small Tesseract runs, paid only when a turn was measured."""
    ys, xs = np.nonzero(char_mask)
    if ys.size == 0:
        return False
    band = round(40 * dpi / 25.4)
    axis_counts = char_mask.sum(axis=1) if angle in (0, 180) else char_mask.sum(axis=0)
    # The band is taken across the page's current rows if the text lies that way, else its columns.
    window = np.convolve(axis_counts.astype(np.float64), np.ones(min(band, len(axis_counts))), mode="valid")
    start = int(np.argmax(window))
    if angle in (0, 180):
        crop = gray[start : start + band, max(0, xs.min() - 20) : xs.max() + 20]
    else:
        crop = gray[max(0, ys.min() - 20) : ys.max() + 20, start : start + band]
    if dpi > 300:
        crop = cv2.resize(crop, None, fx=300 / dpi, fy=300 / dpi, interpolation=cv2.INTER_AREA)
    as_is = _mean_confidence(crop, language=language, timeout_s=timeout_s)
    turned = _mean_confidence(turn(crop, angle), language=language, timeout_s=timeout_s)
    return turned >= as_is + min_gain
