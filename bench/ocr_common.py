"""Shared by ``bench.ocr_quality`` and ``bench.ocr_throughput``: text pages with ground truth, the
degradations measured, the character error rate, and the three engines compared (this pipeline, raw
Tesseract, OCRmyPDF from PyPI in a separate venv created on demand, so it never enters the project's
pinned dependencies).
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
import unicodedata
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw
from rapidfuzz.distance import Levenshtein

from pipeline.degrade import (
    CARD_MM,
    Degradation,
    card_on_page,
    degrade,
    desk_photo,
    gaussian_blur,
    gaussian_noise,
    jpeg_artefacts,
    paper_tint,
    resample_dpi,
    rotate_by,
    scanner_border,
    strong_shadow,
    vignette,
)
from pipeline.samples import COMMUNES, DISTRICTS, STREETS, _font, make_citizen

OCRMYPDF_VERSION = "17.13.0"
ROOT = Path(__file__).resolve().parent.parent
BENCH_VENV = ROOT / ".local" / "bench-venv"

A4_MM = (210.0, 297.0)


def ocrmypdf_bin() -> Path:
    """The ``ocrmypdf`` of the benchmark venv, created (pinned version) when missing."""
    exe = BENCH_VENV / "bin" / "ocrmypdf"
    if exe.exists():
        return exe
    print(f"creating {BENCH_VENV} with ocrmypdf=={OCRMYPDF_VERSION} ...", file=sys.stderr)
    subprocess.run([sys.executable, "-m", "venv", str(BENCH_VENV)], check=True)
    subprocess.run(
        [str(BENCH_VENV / "bin" / "pip"), "install", "-q", f"ocrmypdf=={OCRMYPDF_VERSION}"], check=True
    )
    return exe


# --------------------------------------------------------------------------------------------
# Pages with ground truth
# --------------------------------------------------------------------------------------------


def sentences(rng: random.Random, count: int) -> list[str]:
    """Plausible administrative sentences (names, dates, places) with their diacritics."""
    out: list[str] = []
    while len(out) < count:
        c = make_citizen(rng)
        d = c.date_of_birth
        out.extend(
            [
                f"Họ và tên: {c.full_name}, sinh ngày {d.day:02d}/{d.month:02d}/{d.year}.",
                f"Nơi cư trú: số {rng.randint(1, 200)} đường {rng.choice(STREETS)},"
                f" xã {rng.choice(COMMUNES)},",
                f"huyện {rng.choice(DISTRICTS)}; dân tộc {c.ethnicity}; cha: {c.father_name}.",
                "Đề nghị cơ quan có thẩm quyền xem xét, giải quyết hồ sơ theo quy định.",
            ]
        )
    return out[:count]


def render_text_page(
    lines: list[str],
    *,
    dpi: int = 300,
    size_mm: tuple[float, float] = A4_MM,
    pt: float = 11.0,
    margin_mm: float = 20.0,
    background: tuple[int, int, int] = (255, 255, 255),
    leading: float = 2.0,
) -> Image.Image:
    """A page (RGB) with ``lines`` set in Noto Serif from the top-left margin."""
    w, h = (round(v * dpi / 25.4) for v in size_mm)
    image = Image.new("RGB", (w, h), background)
    draw = ImageDraw.Draw(image)
    font = _font("NotoSerif-Regular.ttf", round(pt * dpi / 72))
    margin = round(margin_mm * dpi / 25.4)
    step = round(pt * leading * dpi / 72)
    for i, line in enumerate(lines):
        draw.text(
            (margin, margin + i * step), unicodedata.normalize("NFC", line), font=font, fill=(20, 20, 20)
        )
    return image


def salt_and_pepper(fraction: float) -> Degradation:
    def apply(image: Image.Image, rng: random.Random) -> Image.Image:
        array = np.asarray(image).copy()
        gen = np.random.default_rng(rng.getrandbits(64))
        hit = gen.random(array.shape[:2]) < fraction
        white = gen.random(array.shape[:2]) < 0.5
        array[hit & white] = 255
        array[hit & ~white] = 0
        return Image.fromarray(array)

    return apply


def _scene(make: Callable[[Image.Image, random.Random], Image.Image]) -> Degradation:
    return lambda image, rng: make(image, rng)


# Rows whose page is an ID-1 card (text on a tinted card) placed into a larger scene.
CARD_ROWS = {"card on A4 scan", "card desk photo"}

# name -> (render DPI, degradations); the page is always declared at its render DPI.
DEGRADATIONS: dict[str, tuple[int, list[Degradation]]] = {
    "clean": (300, []),
    "blur": (300, [gaussian_blur(1.2)]),
    "rotation 3°": (300, [rotate_by(3.0)]),
    "noise": (300, [gaussian_noise(12.0), salt_and_pepper(0.02)]),
    "jpeg q30": (300, [jpeg_artefacts(30)]),
    "low dpi 150": (150, []),
    "shadow": (300, [paper_tint(), vignette(0.45)]),
    "upside down": (300, [rotate_by(180.0)]),
    "borders": (300, [scanner_border(0.06, 2)]),
    "strong shadow": (300, [strong_shadow(0.6, 0.4)]),
    "low dpi 300→120": (120, []),  # rendered at 300 DPI, resampled to 120 (make_page)
    "card on A4 scan": (300, [_scene(card_on_page), gaussian_noise(3.0), jpeg_artefacts(85)]),
    "card desk photo": (300, [_scene(desk_photo), jpeg_artefacts(85)]),
    "all combined": (
        200,
        [paper_tint(), rotate_by(-2.5), gaussian_blur(0.8), vignette(0.35), gaussian_noise(8.0),
         salt_and_pepper(0.01), jpeg_artefacts(40)],
    ),
}  # fmt: skip


def card_lines(rng: random.Random, count: int = 6, width: int = 44) -> list[str]:
    """Short lines (a card's width) cut from the administrative sentences, on word boundaries."""
    words = " ".join(sentences(rng, count)).split()
    lines: list[str] = []
    line = ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
            if len(lines) == count:
                break
        else:
            line = f"{line} {word}".strip()
    return lines


def make_page(name: str, seed: int, lines: int = 18) -> tuple[Image.Image, int, str]:
    """(degraded image, its DPI, ground truth) for one degradation."""
    dpi, steps = DEGRADATIONS[name]
    rng = random.Random(seed)
    if name in CARD_ROWS:
        truth = card_lines(rng)
        page = render_text_page(
            truth, dpi=dpi, size_mm=CARD_MM, pt=8.0, margin_mm=4.0, background=(228, 236, 242), leading=1.6
        )
    elif name.startswith("low dpi 300→"):
        truth = sentences(rng, lines)
        page = resample_dpi(300, dpi)(render_text_page(truth, dpi=300), rng)
    else:
        truth = sentences(rng, lines)
        page = render_text_page(truth, dpi=dpi)
    return degrade(page, steps, seed).convert("L"), dpi, "\n".join(truth)


# --------------------------------------------------------------------------------------------
# Character error rate
# --------------------------------------------------------------------------------------------


def normalise(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def strip_diacritics(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def cer(truth: str, hypothesis: str, *, diacritics: bool = True) -> float:
    t, h = normalise(truth), normalise(hypothesis)
    if not diacritics:
        t, h = strip_diacritics(t), strip_diacritics(h)
    return Levenshtein.distance(t, h) / max(1, len(t))


# --------------------------------------------------------------------------------------------
# Engines
# --------------------------------------------------------------------------------------------


def tess_env() -> dict[str, str]:
    return {**os.environ, "OMP_THREAD_LIMIT": "1"}


def raw_tesseract(image_path: Path, out_base: Path, *, searchable: bool = False) -> str:
    """Tesseract alone, ``-l vie --psm 3`` (txt, and the PDF too when ``searchable``)."""
    configs = ["txt", "pdf"] if searchable else ["txt"]
    subprocess.run(
        ["tesseract", str(image_path), str(out_base), "-l", "vie", "--psm", "3", *configs],
        env=tess_env(),
        check=True,
        capture_output=True,
    )
    return out_base.with_suffix(".txt").read_text(encoding="utf-8")


def run_ocrmypdf(pdf: Path, out: Path, *, jobs: int = 1) -> str:
    """``ocrmypdf -l vie`` (defaults otherwise); returns the text copied out with ``pdftotext``."""
    subprocess.run(
        [str(ocrmypdf_bin()), "-l", "vie", "--jobs", str(jobs), "--output-type", "pdf", str(pdf), str(out)],
        env=tess_env(),
        check=True,
        capture_output=True,
    )
    return pdftotext(out)


def pdftotext(pdf: Path) -> str:
    proc = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], check=True, capture_output=True)
    return proc.stdout.decode("utf-8")


def have(command: str) -> bool:
    return shutil.which(command) is not None


def table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]

    def fmt(cells: list[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    return "\n".join([fmt(headers), "|" + "|".join("-" * (w + 2) for w in widths) + "|", *map(fmt, rows)])
