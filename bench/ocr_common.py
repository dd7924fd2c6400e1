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
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from pipeline.extract import _edit_distance as edit_distance
from pipeline.samples import (
    COMMUNES,
    DISTRICTS,
    STREETS,
    Degradation,
    _font,
    degrade,
    gaussian_blur,
    gaussian_noise,
    jpeg_artefacts,
    make_citizen,
    paper_tint,
    rotate_by,
    vignette,
)

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
    lines: list[str], *, dpi: int = 300, size_mm: tuple[float, float] = A4_MM, pt: float = 11.0
) -> Image.Image:
    """A white page (RGB) with ``lines`` set in Noto Serif from the top-left margin."""
    w, h = (round(v * dpi / 25.4) for v in size_mm)
    image = Image.new("RGB", (w, h), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    font = _font("NotoSerif-Regular.ttf", round(pt * dpi / 72))
    margin = round(20 * dpi / 25.4)
    step = round(pt * 2.0 * dpi / 72)
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
    "all combined": (
        200,
        [paper_tint(), rotate_by(-2.5), gaussian_blur(0.8), vignette(0.35), gaussian_noise(8.0),
         salt_and_pepper(0.01), jpeg_artefacts(40)],
    ),
}  # fmt: skip


def make_page(name: str, seed: int, lines: int = 18) -> tuple[Image.Image, int, str]:
    """(degraded image, its DPI, ground truth) for one degradation."""
    dpi, steps = DEGRADATIONS[name]
    truth = sentences(random.Random(seed), lines)
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
    return edit_distance(t, h) / max(1, len(t))


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
