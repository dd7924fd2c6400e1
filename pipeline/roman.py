"""Roman numerals I-V read from their strokes: a second source for the one word Tesseract misreads
most on the paper types, the health class "Loại III" (read "II" or "HI": the serifs of three
close capitals touch, and the numeral is no word of its language model).

A printed I is a vertical stem; a V is two diagonals meeting at the foot. Across the middle of the
capitals (above the foot serifs and the leader dots of the form, below the head serifs) every row
crosses each stroke once, so the number of ink runs per row counts the strokes, and the way each
run moves from the upper rows to the lower ones tells a stem (stays put) from a diagonal (moves
towards its partner). Anything else (a merged blob, a crossing X, noise that changes the count
from row to row) is no reading: ``None``, and the caller keeps the OCR reading and its doubts.
"""

from __future__ import annotations

import cv2
import numpy as np
from numpy.typing import NDArray

# The rows looked at, as fractions of the word box's height (capital height for a numeral).
_BAND = (0.28, 0.72)
# Share of the band's rows that must show the same number of runs.
_AGREEMENT = 0.8
# Slope of a stroke's centre, pixels across per row down: a stem's is under _STEM_SLOPE (a skew of
# a few degrees gives ~0.05), a V's diagonals over _DIAGONAL_SLOPE (the serif V's thin right
# diagonal ~0.2, its thick left one ~0.45); between the two the stroke is neither.
_STEM_SLOPE = 0.1
_DIAGONAL_SLOPE = 0.14
# A stroke's run is narrower than this (fraction of the height): wider is two strokes merged.
_MAX_RUN = 0.4


def _runs(row: NDArray[np.bool_], min_width: int) -> list[tuple[int, int]]:
    """(start, stop) of the ink runs of one row at least ``min_width`` wide."""
    padded = np.concatenate(([False], row, [False]))
    edges = np.flatnonzero(padded[1:] != padded[:-1])
    return [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2], strict=True) if b - a >= min_width]


def _centre(dark_row: NDArray[np.float64], start: int, stop: int) -> float:
    lo, hi = max(0, start - 1), min(len(dark_row), stop + 1)
    weights = dark_row[lo:hi]
    total = float(weights.sum())
    return float((np.arange(lo, hi) * weights).sum() / total) if total else (start + stop) / 2


def read_roman(gray: NDArray[np.uint8]) -> str | None:
    """The numeral ("I" … "V") written in ``gray``, a crop of one word box (dark ink on light
    paper, the box's top and bottom at the capitals' top and foot), or None when the strokes do
    not read as one unambiguously."""
    height, width = gray.shape
    if height < 12 or width < 3:
        return None
    _, binary = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    ink = binary > 0
    top, bottom = round(height * _BAND[0]), round(height * _BAND[1])
    min_width = max(2, round(height * 0.04))
    rows = [_runs(ink[y], min_width) for y in range(top, bottom)]
    counts = [len(r) for r in rows]
    count = max(set(counts), key=counts.count)
    if count == 0 or count > 5 or counts.count(count) < _AGREEMENT * len(rows):
        return None
    kept = [r for r in rows if len(r) == count]
    if any(b - a > _MAX_RUN * height for r in kept for a, b in r):
        return None
    ys = np.array([y for y, r in zip(range(top, bottom), rows, strict=True) if len(r) == count], float)
    if len(ys) < 4:
        return None
    # Centres weighed by darkness, one pixel either side of each run: sub-pixel, so that a stem
    # skewed by a pixel over the band does not look like a slope.
    dark = 255.0 - gray.astype(float)
    centres = np.array([[_centre(dark[int(y)], a, b) for a, b in r] for y, r in zip(ys, kept, strict=True)])
    slopes = np.polyfit(ys, centres, 1)[0]  # one slope per stroke
    numeral = ""
    i = 0
    while i < count:
        if abs(slopes[i]) < _STEM_SLOPE:
            numeral += "I"
            i += 1
        elif i + 1 < count and slopes[i] >= _DIAGONAL_SLOPE and slopes[i + 1] <= -_DIAGONAL_SLOPE:
            numeral += "V"  # two diagonals converging downwards
            i += 2
        else:
            return None
    return numeral if numeral in ("I", "II", "III", "IV", "V") else None


# Glyphs Tesseract puts for a printed stem (H for two stems whose serifs touch) and for a V.
_STEMS = {"I": 1, "l": 1, "1": 1, "|": 1, "i": 1, "!": 1, "]": 1, "[": 1, "H": 2, "V": 0, "v": 0}


def ocr_numeral(text: str) -> str | None:
    """What an OCR reading of a numeral word says once its stem-like glyphs are counted as stems
    ("HI" → "III", "Il" → "II", "IV" → "IV"), or None when it holds other letters. Trailing leader
    dots and punctuation are ignored."""
    core = text.rstrip(".…:;,_-·'\" ")
    if not core or any(ch not in _STEMS for ch in core):
        return None
    out = ""
    for ch in core:
        out += "V" if ch in "Vv" else "I" * _STEMS[ch]
    return out if out in ("I", "II", "III", "IV", "V") else None
