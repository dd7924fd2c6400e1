"""Machine-readable zones of a page: QR codes (OpenCV) and the ICAO TD1 MRZ of an identity card.

Both are exact ground truth when their own checks pass (a decoded QR payload that parses and
validates; an MRZ whose check digits are all right), so they win over the printed text
(../shared/domain/README.md §3).
"""

from __future__ import annotations

import re
from collections.abc import Callable

import cv2
import numpy as np
from PIL import Image

from pipeline.ocr import OcrPage, Word, ZoneRequest, words_box
from schemas.identifiers import MRZ_LINE, MrzTd1, parse_td1

MRZ_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<"
_MRZ_LOOKING = re.compile(r"[A-Z0-9<«‹(]")


def decode_qr(image: Image.Image) -> list[str]:
    """Payloads of the QR codes OpenCV finds on the page (UTF-8 text), possibly empty."""
    gray = np.asarray(image.convert("L"))
    detector = cv2.QRCodeDetector()
    payloads: list[str] = []
    for candidate in (gray, cv2.resize(gray, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)):
        try:
            text, _, _ = detector.detectAndDecode(candidate)
        except cv2.error:
            continue
        if text:
            payloads.append(text)
            break
    return payloads


def _mrz_like(words: tuple[Word, ...]) -> bool:
    text = "".join(w.text for w in words)
    if len(text) < 20:
        return False
    share = sum(bool(_MRZ_LOOKING.match(ch)) for ch in text) / len(text)
    return share >= 0.85 and ("<" in text or "«" in text or text[:5].upper() in ("IDVNM", "1DVNM"))


def mrz_boxes(page: OcrPage) -> list[tuple[int, int, int, int]]:
    """Boxes of the (up to) three lowest MRZ-looking lines of the page, top to bottom."""
    boxes = []
    for line in page.lines:
        if line.words and _mrz_like(line.words):
            boxes.append(words_box(line.words))
    boxes.sort(key=lambda b: b[1])
    return boxes[-3:]


ZoneReader = Callable[[OcrPage, tuple[int, int, int, int], ZoneRequest], list[Word]]


def read_td1(page: OcrPage, reader: ZoneReader) -> MrzTd1 | None:
    """The TD1 zone of ``page``: its three lines re-read with ``eng`` and the MRZ alphabet.

    The last line (names) is padded with fillers to 30 characters when OCR drops trailing ``<``;
    lines with check digits are taken as read. None when no zone with valid shape is found.
    """
    boxes = mrz_boxes(page)
    if len(boxes) != 3:
        return None
    lines = []
    for box in boxes:
        words = reader(page, box, ZoneRequest("eng", whitelist=MRZ_ALPHABET, binarise=True))
        lines.append("".join(w.text for w in words).replace(" ", ""))
    if len(lines[2]) < MRZ_LINE:
        lines[2] = lines[2] + "<" * (MRZ_LINE - len(lines[2]))
    lines[2] = lines[2][:MRZ_LINE]
    return parse_td1(lines)
