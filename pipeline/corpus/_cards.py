"""Drawing helpers shared by the card renderers of the corpus (thẻ căn cước 2024, driving licence)
and small text helpers of the A4 certificates: an ID-1 card on a scanner bed, the TD1 machine
readable zone (composed by :func:`schemas.identifiers.compose_td1`), Vietnamese dates as printed.

The base drawing primitives (canvas in millimetres, fonts, emblem, photo placeholder, QR) are those
of :mod:`pipeline.samples`.
"""

from __future__ import annotations

import datetime as dt
import math
import random

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from pipeline.samples import CARD_MM, _Canvas, _round_corners

SANS, SANS_BOLD = "NotoSans-Regular.ttf", "NotoSans-Bold.ttf"
SERIF, SERIF_BOLD, SERIF_ITALIC = "NotoSerif-Regular.ttf", "NotoSerif-Bold.ttf", "NotoSerif-Italic.ttf"
MONO = "DejaVuSansMono.ttf"
INK = (28, 28, 30)
RED = (190, 30, 35)


def card_canvas(
    dpi: int, rng: random.Random, base: tuple[int, int, int], waves: tuple[int, int, int]
) -> tuple[Image.Image, _Canvas]:
    """A blank ID-1 card (85.6 x 54 mm) with a tinted security background of guilloche waves."""
    w, h = round(CARD_MM[0] * dpi / 25.4), round(CARD_MM[1] * dpi / 25.4)
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    image = np.empty((h, w, 3), np.float32)
    image[...] = np.array(base, np.float32)
    image[..., 0] += 6 * (x / w) - 3
    image[..., 2] += 6 * (y / h) - 3
    phase = rng.uniform(0, 2 * math.pi)
    curve = np.sin(2 * math.pi * x / (w / 7) + 2.5 * np.sin(2 * math.pi * y / (h / 1.7)) + phase)
    image -= (np.abs(curve) < 0.05).astype(np.float32)[..., None] * np.array(waves, np.float32)
    card = Image.fromarray(np.clip(image, 0, 255).astype(np.uint8))
    return card, _Canvas(card, dpi)


def on_scanner(card: Image.Image, dpi: int) -> Image.Image:
    """The card with rounded corners on a light scanner bed, a few millimetres of margin, a shadow."""
    radius = round(3.2 * dpi / 25.4)
    rounded = _round_corners(card, radius)
    margin = round(7.0 * dpi / 25.4)
    bed = Image.new("RGB", (card.width + 2 * margin, card.height + 2 * margin), (236, 236, 233))
    shadow = Image.new("L", bed.size, 0)
    offset = max(2, dpi // 100)
    ImageDraw.Draw(shadow).rounded_rectangle(
        (margin + offset, margin + offset, margin + card.width + offset, margin + card.height + offset),
        radius,
        fill=90,
    )
    bed.paste((150, 150, 150), (0, 0), shadow.filter(ImageFilter.GaussianBlur(max(1, dpi // 60))))
    bed.paste(rounded, (margin, margin), rounded)
    return bed


def draw_chip(c: _Canvas, x_mm: float, y_mm: float) -> None:
    """The gold contact chip of an electronic card."""
    x0, y0, x1, y1 = c.px(x_mm), c.px(y_mm), c.px(x_mm + 10.0), c.px(y_mm + 8.0)
    c.draw.rounded_rectangle(
        (x0, y0, x1, y1), c.px(1.2), fill=(206, 172, 92), outline=(150, 120, 60), width=2
    )
    for k in (1, 2):
        yy = y0 + (y1 - y0) * k // 3
        c.draw.line((x0, yy, x1, yy), fill=(150, 120, 60), width=2)
    c.draw.line(((x0 + x1) // 2, y0, (x0 + x1) // 2, y1), fill=(150, 120, 60), width=2)


# ----------------------------------------------------------------------------- MRZ (ICAO 9303 TD1)


def draw_mrz(c: _Canvas, lines: list[str], top_mm: float) -> None:
    font = c.font(MONO, 8.6)
    for i, line in enumerate(lines):
        c.text(4.0, top_mm + i * 4.2, line, font, fill=(20, 20, 20))


# ------------------------------------------------------------------------------------- dates


def dmy(date: dt.date) -> str:
    return date.strftime("%d/%m/%Y")


def date_words_line(place: str, date: dt.date) -> str:
    """ "Hà Nội, ngày 05 tháng 03 năm 2024" (Decree 30/2020 style)."""
    return f"{place}, ngày {date.day:02d} tháng {date.month:02d} năm {date.year}"
