"""Degradations of generated pages: what scanners and phone cameras do to paper.

The classic ones (rotation, blur, noise, JPEG, light vignette, paper tint, :func:`degrade`,
:func:`scan_look`) live in :mod:`pipeline.samples` and are re-exported here; this module adds
- :func:`scanner_border`: black margins where the lid was open or the page smaller than the bed;
- :func:`strong_shadow`: a book fold or a hand's shadow darkening one side of the page;
- :func:`resample_dpi`: a page scanned at a lower resolution (the caller declares the new DPI);
- :func:`card_on_page`: an ID card lying (slightly turned) on an A4 flatbed scan;
- :func:`desk_photo`: an ID card photographed on a desk, in perspective, with uneven light.
All are seeded (the same seed gives the same bytes).
"""

from __future__ import annotations

import math
import random

import cv2
import numpy as np
from PIL import Image

from pipeline.samples import (
    CARD_MM,
    Degradation,
    degrade,
    gaussian_blur,
    gaussian_noise,
    jpeg_artefacts,
    paper_tint,
    rotate,
    rotate_by,
    scan_look,
    vignette,
)

__all__ = [
    "CARD_MM",
    "Degradation",
    "card_on_page",
    "degrade",
    "desk_photo",
    "gaussian_blur",
    "gaussian_noise",
    "jpeg_artefacts",
    "paper_tint",
    "resample_dpi",
    "rotate",
    "rotate_by",
    "scan_look",
    "scanner_border",
    "strong_shadow",
    "vignette",
]

A4_MM = (210.0, 297.0)


def scanner_border(max_fraction: float = 0.06, sides: int = 2) -> Degradation:
    """Black margins on ``sides`` random edges, each up to ``max_fraction`` of the page, with a ragged
    inner edge (the page's edge is not straight on the bed)."""

    def apply(image: Image.Image, rng: random.Random) -> Image.Image:
        array = np.asarray(image).copy()
        h, w = array.shape[:2]
        for side in rng.sample(["left", "right", "top", "bottom"], sides):
            length = h if side in ("left", "right") else w
            depth = max(
                2, round(rng.uniform(0.4, 1.0) * max_fraction * (w if side in ("left", "right") else h))
            )
            ragged = depth + np.cumsum(np.random.default_rng(rng.getrandbits(32)).normal(0, 0.4, length))
            ragged = np.clip(ragged, 1, 2 * depth).astype(int)
            level = rng.randint(10, 40)
            for i in range(length):
                d = ragged[i]
                if side == "left":
                    array[i, :d] = level
                elif side == "right":
                    array[i, w - d :] = level
                elif side == "top":
                    array[:d, i] = level
                else:
                    array[h - d :, i] = level
        return Image.fromarray(array)

    return apply


def strong_shadow(strength: float = 0.55, reach: float = 0.35) -> Degradation:
    """One side of the page darkened by up to ``strength`` (0-1), fading over ``reach`` of the page."""

    def apply(image: Image.Image, rng: random.Random) -> Image.Image:
        array = np.asarray(image).astype(np.float32)
        h, w = array.shape[:2]
        side = rng.choice(("left", "right", "top", "bottom"))
        along = np.linspace(0.0, 1.0, w if side in ("left", "right") else h, dtype=np.float32)
        if side in ("right", "bottom"):
            along = along[::-1]
        fade = np.clip(1.0 - along / reach, 0.0, 1.0) ** 1.5
        shade = 1.0 - strength * fade
        shade2d = np.tile(shade, (h, 1)) if side in ("left", "right") else np.tile(shade[:, None], (1, w))
        if array.ndim == 3:
            shade2d = shade2d[..., None]
        return Image.fromarray(np.clip(array * shade2d, 0, 255).astype(np.uint8))

    return apply


def resample_dpi(from_dpi: int, to_dpi: int) -> Degradation:
    """The page as scanned at ``to_dpi`` instead of ``from_dpi`` (area averaging, as a sensor does)."""

    def apply(image: Image.Image, rng: random.Random) -> Image.Image:
        scale = to_dpi / from_dpi
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        return image.resize(size, Image.Resampling.BOX if scale < 1 else Image.Resampling.BICUBIC)

    return apply


def card_on_page(
    card: Image.Image, rng: random.Random, *, dpi: int = 300, max_angle: float = 8.0
) -> Image.Image:
    """An A4 flatbed scan (white lid, light paper texture) with ``card`` (at ``dpi``) lying somewhere
    on it, turned by up to ``max_angle`` degrees."""
    w, h = (round(v * dpi / 25.4) for v in A4_MM)
    page = Image.new("RGB", (w, h), (246, 246, 244))
    angle = rng.uniform(-max_angle, max_angle)
    mask = Image.new("L", card.size, 255)
    turned = card.convert("RGB").rotate(angle, resample=Image.Resampling.BICUBIC, expand=True)
    turned_mask = mask.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True)
    x = rng.randint(w // 12, max(w // 12, w - turned.width - w // 12))
    y = rng.randint(h // 12, max(h // 12, h // 2 - turned.height // 2))
    page.paste(turned, (x, y), turned_mask)
    return page


def desk_photo(card: Image.Image, rng: random.Random, *, dpi: int = 300, tilt: float = 0.12) -> Image.Image:
    """``card`` photographed on a wooden desk: seen in perspective (corners moved by up to ``tilt`` of
    the card's width), filling about half the frame, with light falling off to one side. The frame is
    sized like an A4 page at ``dpi`` so a declared resolution stays plausible."""
    w, h = (round(v * dpi / 25.4) for v in (A4_MM[1] * 0.75, A4_MM[0] * 0.75))  # landscape frame
    gen = np.random.default_rng(rng.getrandbits(32))
    # Desk: brown with wood-like streaks.
    streaks = cv2.GaussianBlur(gen.normal(0, 1, (h, 1)).astype(np.float32), (1, 0), sigmaX=1, sigmaY=25)
    base = np.array([120, 85, 55], np.float32) + 18 * streaks[..., None]
    desk = np.broadcast_to(base, (h, w, 3)).copy() + gen.normal(0, 4, (h, w, 1)).astype(np.float32)
    card_rgb = np.asarray(card.convert("RGB")).astype(np.float32)
    ch, cw = card_rgb.shape[:2]
    scale = rng.uniform(0.5, 0.62) * w / cw
    tw, th = cw * scale, ch * scale
    cx, cy = w / 2 + rng.uniform(-0.1, 0.1) * w, h / 2 + rng.uniform(-0.1, 0.1) * h
    corners = np.array([[-tw / 2, -th / 2], [tw / 2, -th / 2], [tw / 2, th / 2], [-tw / 2, th / 2]])
    turn = math.radians(rng.uniform(-10, 10))
    rot = np.array([[math.cos(turn), -math.sin(turn)], [math.sin(turn), math.cos(turn)]])
    corners = corners @ rot.T + [cx, cy]
    corners += gen.uniform(-tilt, tilt, (4, 2)) * tw
    matrix = cv2.getPerspectiveTransform(
        np.array([[0, 0], [cw, 0], [cw, ch], [0, ch]], np.float32), corners.astype(np.float32)
    )
    warped = cv2.warpPerspective(card_rgb, matrix, (w, h), flags=cv2.INTER_AREA)
    mask = cv2.warpPerspective(np.ones((ch, cw), np.float32), matrix, (w, h), flags=cv2.INTER_LINEAR)
    photo = desk * (1 - mask[..., None]) + warped * mask[..., None]
    # Light falling off across the frame, a little camera blur and sensor noise.
    ramp = np.linspace(1.05, 0.8, w, dtype=np.float32)[None, :, None]
    lit = np.asarray(photo * ramp, dtype=np.float32)
    photo = cv2.GaussianBlur(lit, (0, 0), 0.7) + gen.normal(0, 3, (h, w, 1))
    return Image.fromarray(np.clip(photo, 0, 255).astype(np.uint8))
