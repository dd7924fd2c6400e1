"""Marks Tesseract does not read, looked for in the page's pixels.

The ``vie`` model has no ``ỵ``: it reads the given name "Mỵ" (and "MỴ") as "My"/"MY" or "MỸ", and "My" and
"Mỹ" are given names too, so the text alone cannot decide (schemas/doctypes/_lexicon.py sends such a name to
review). The dot below is still on the page: a small, round, filled blob just under the baseline, beside
or below the y. :func:`dot_below` looks for it in the word's box, extended downwards and to the right (the
word box Tesseract gives ends where the letters it read end).
"""

from __future__ import annotations

import cv2
import numpy as np
from PIL import Image

from pipeline.ocr import Word

# The blob, relative to the first letter's height (a capital: the cap height): a dot below is 0.15-0.3 of
# it across; specks of noise are smaller, a comma or another letter larger or not round.
_DOT_MIN, _DOT_MAX = 0.08, 0.4
_DOT_FILL = 0.5  # share of its bounding box the blob fills (a disc fills 0.79)
_BELOW = 0.05  # its centre at least this far under the baseline (a full stop's is above it)
_DEEPEST = 0.5  # its bottom at most this far under it (lower: the next line's marks, a rule under a title)


Blob = tuple[int, int, int, int, int]  # left, top, width, height, area (OpenCV's stats), in the crop


def _blobs(image: Image.Image, word: Word) -> tuple[list[Blob], list[Blob]] | None:
    """The ink blobs of ``word``'s box extended down and right, and those of them tall enough to be
    letters; None for a crop with no letter."""
    h = word.height
    x0, y0 = max(0, word.left), max(0, word.top)
    x1 = min(image.width, word.right + int(0.3 * h))
    y1 = min(image.height, word.bottom + int(0.5 * h))
    if x1 - x0 < 4 or y1 - y0 < 4:
        return None
    crop = np.asarray(image.crop((x0, y0, x1, y1)).convert("L"))  # the word's crop only, not the page
    _, ink = cv2.threshold(crop, 0, 1, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    count, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    blobs: list[Blob] = [(int(a), int(b), int(c), int(d), int(e)) for a, b, c, d, e in stats[1:count]]
    letters = [b for b in blobs if b[3] >= 0.5 * h]
    return (blobs, letters) if letters else None


def _is_dot(blob: Blob, cap: int, baseline: int) -> bool:
    """A small round filled blob just under the baseline (a full stop sits on it; the next line is lower)."""
    _, top, width, height, area = blob
    if not (_DOT_MIN * cap <= width <= _DOT_MAX * cap and _DOT_MIN * cap <= height <= _DOT_MAX * cap):
        return False
    if not 0.5 <= width / height <= 2.0 or area < _DOT_FILL * width * height:
        return False
    return baseline + _BELOW * cap <= top + height / 2 and top + height <= baseline + _DEEPEST * cap


def dot_below(image: Image.Image, word: Word) -> bool | None:
    """Whether the last letter of ``word`` (a word of two or more letters, the first one standing on the
    baseline: "My", "MY") has a dot below it; None when the crop shows no first letter to measure from."""
    found = _blobs(image, word)
    if found is None:
        return None
    blobs, letters = found
    first = min(letters, key=lambda b: b[0])
    cap, baseline = first[3], first[1] + first[3]
    # Right of the first letter: the last letter's mark, not a speck under the first.
    return any(_is_dot(b, cap, baseline) for b in blobs if b[0] >= first[0] + first[2])


def dots_below(image: Image.Image, word: Word) -> int | None:
    """How many dots below an upper-case ``word`` has (its capitals stand on one baseline and none goes
    below it: every dot just under it is a mark), or None when the crop shows no letter.
    Only the word's own box across: the neighbours' marks are not counted."""
    found = _blobs(image, word)
    if found is None:
        return None
    blobs, letters = found
    cap = int(np.median([b[3] for b in letters]))
    baseline = int(np.median([b[1] + b[3] for b in letters]))
    inside = word.width  # the crop starts at the word's left: its blobs up to its right edge
    return sum(1 for b in blobs if b[0] + b[2] / 2 <= inside and _is_dot(b, cap, baseline))


_LEADER_DOT = 0.35  # a leader's full stop: at most this share of the digits' height across and high
Box = tuple[int, int, int, int]  # left, top, right, bottom on the page


def without_trailing_dots(image: Image.Image, box: Box) -> Box:
    """``box`` (a number's zone: digits and "/", all as tall as the digits) ended after its last tall blob
    when only small blobs in the lower half follow it: the short grey leader a form prints after a value
    ("16/06/1991 ...") that Tesseract reads into the number's word. A re-read of the whole box sees the
    dots too and is unsure of the digits (0.47 on a clean page, 0.96 without them). Unchanged otherwise."""
    x0, y0, x1, y1 = box
    if x1 - x0 < 4 or y1 - y0 < 4:
        return box
    crop = np.asarray(image.crop(box).convert("L"))
    paper, dark = np.percentile(crop, 95), np.percentile(crop, 2)
    if paper - dark < 32:
        return box  # no ink to measure
    # A quarter of the way from paper to the darkest ink: a leader printed grey is ink here too.
    ink = (crop < paper - (paper - dark) / 4).astype(np.uint8)
    count, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    blobs = [(int(a), int(b), int(c), int(d)) for a, b, c, d, _ in stats[1:count]]
    if not blobs:
        return box
    height = max(b[3] for b in blobs)
    tall = [b for b in blobs if b[3] >= 0.5 * height]
    right = max(b[0] + b[2] for b in tall)
    bottom = max(b[1] + b[3] for b in tall)
    after = [b for b in blobs if b[0] >= right]
    if not after:
        return box
    small = all(
        b[2] <= _LEADER_DOT * height and b[3] <= _LEADER_DOT * height and b[1] >= bottom - 0.5 * height
        for b in after
    )
    if not small:
        return box
    gap = min(b[0] for b in after) - right
    return (x0, y0, x0 + right + max(1, gap // 2), y1)
