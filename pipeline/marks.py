"""Marks Tesseract does not read, looked for in the page's pixels.

The ``vie`` model has no ``ỵ``: it reads the given name "Mỵ" (and "MỴ") as "My"/"MY" or "MỸ", and "My" and
"Mỹ" are given names too, so the text alone cannot decide (schemas/doctypes/_lexicon.py sends such a name to
review). The dot below is still on the page: a small, round, filled blob wholly under the baseline, beside
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
_BELOW = 0.03  # its top at least this far under the baseline (a full stop sits on the baseline)


def dot_below(image: Image.Image, word: Word) -> bool | None:
    """Whether the last letter of ``word`` (a word of two or more letters, the first one standing on the
    baseline: "My", "MY") has a dot below it; None when the crop shows no first letter to measure from."""
    h = word.height
    x0, y0 = max(0, word.left), max(0, word.top)
    x1 = min(image.width, word.right + int(0.3 * h))
    y1 = min(image.height, word.bottom + int(0.5 * h))
    if x1 - x0 < 4 or y1 - y0 < 4:
        return None
    crop = np.asarray(image.convert("L").crop((x0, y0, x1, y1)))
    _, ink = cv2.threshold(crop, 0, 1, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    count, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    blobs = [tuple(int(v) for v in stats[i]) for i in range(1, count)]
    letters = [b for b in blobs if b[3] >= 0.5 * h]
    if not letters:
        return None
    first = min(letters, key=lambda b: b[0])  # (left, top, width, height, area)
    cap = first[3]
    baseline = first[1] + first[3]
    for left, top, width, height, area in blobs:
        if left < first[0] + first[2]:
            continue  # under the first letter: not the last letter's mark
        if not (_DOT_MIN * cap <= width <= _DOT_MAX * cap and _DOT_MIN * cap <= height <= _DOT_MAX * cap):
            continue
        if not 0.5 <= width / height <= 2.0 or area < _DOT_FILL * width * height:
            continue
        if top >= baseline + _BELOW * cap:
            return True
    return False
