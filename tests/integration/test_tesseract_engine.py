"""The in-process engine (libtesseract through its C API) reads exactly what the tesseract command reads.

Real Tesseract, both ways, on the same images: a page (words, text, text layer), a whitelisted digit zone
and a block re-read. Plus what makes the library engine worth having: one model load per process, not per
page, and the OpenMP thread limit in force.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from pipeline import tesseract
from pipeline.corpus import corpus_sample
from pipeline.degrade import degrade, gaussian_noise, jpeg_artefacts, rotate
from pipeline.ocr import OcrOptions, Word, ZoneRequest, ocr_page, read_block, read_zone
from pipeline.samples import make_citizen, render_birth_certificate

LIBRARY = OcrOptions(engine="library")
COMMAND = OcrOptions(engine="command")


def _page(seed: int) -> Image.Image:
    page = render_birth_certificate(make_citizen(random.Random(seed)))
    page = degrade(page, [rotate(0.4), gaussian_noise(5), jpeg_artefacts(70)], seed)
    return page.crop((0, 0, 2480, 1500)).convert("L")


def _box(words: tuple[Word, ...]) -> tuple[int, int, int, int]:
    return (
        min(w.left for w in words),
        min(w.top for w in words),
        max(w.right for w in words),
        max(w.bottom for w in words),
    )


def _pdftotext(data: bytes, tmp_path: Path, name: str) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True, text=True).stdout


def test_a_page_reads_the_same_with_both_engines(tmp_path: Path) -> None:
    image = _page(11)
    by_library = ocr_page(image, page_number=1, dpi=300, options=LIBRARY)
    by_command = ocr_page(image, page_number=1, dpi=300, options=COMMAND)
    assert len(by_library.words) > 40
    assert by_library.words == by_command.words
    assert by_library.text == by_command.text
    layer = _pdftotext(by_library.pdf, tmp_path, "library.pdf")
    assert "GIẤY KHAI SINH" in layer.upper()
    assert layer == _pdftotext(by_command.pdf, tmp_path, "command.pdf")


def test_zone_and_block_reads_are_the_same_with_both_engines() -> None:
    image = _page(12)
    page = ocr_page(image, page_number=1, dpi=300, options=LIBRARY)
    line = max(page.lines, key=lambda ln: len(ln.words))
    box = _box(line.words)
    digits = ZoneRequest("eng", whitelist="0123456789", binarise=True)
    assert read_zone(image, box, digits, page_number=1, options=LIBRARY) == read_zone(
        image, box, digits, page_number=1, options=COMMAND
    )
    block = (0, 0, image.width // 2, image.height // 2)
    by_library = read_block(image, block, page_number=1, options=LIBRARY)
    assert by_library and by_library == read_block(image, block, page_number=1, options=COMMAND)


def test_a_whitelist_stays_with_its_own_reads() -> None:
    """A digit-whitelisted read and a free read of the same zone use different handles: letters come back."""
    image = _page(13)
    page = ocr_page(image, page_number=1, dpi=300, options=LIBRARY)
    line = next(ln for ln in page.lines if sum(c.isalpha() for c in ln.text) > 10)
    box = _box(line.words)
    digits_only = read_zone(
        image, box, ZoneRequest("eng", whitelist="0123456789"), page_number=1, options=LIBRARY
    )
    assert all(ch.isdigit() for w in digits_only for ch in w.text)
    free = read_zone(image, box, ZoneRequest("eng"), page_number=1, options=LIBRARY)
    assert sum(ch.isalpha() for w in free for ch in w.text) > 5


def test_the_model_is_loaded_once_per_process_not_per_page() -> None:
    image = _page(14).crop((0, 0, 1240, 700))
    ocr_page(image, page_number=1, dpi=300, options=LIBRARY)
    loaded = tesseract.handles_created()
    for number in range(2, 5):
        ocr_page(image, page_number=number, dpi=300, options=LIBRARY)
    assert tesseract.handles_created() == loaded


def test_openmp_is_limited_to_one_thread_in_a_fresh_process() -> None:
    """A worker process that did not set OMP_THREAD_LIMIT itself still runs Tesseract on one thread."""
    code = "from pipeline import tesseract\ntesseract.load(1)\nprint(tesseract.omp_thread_limit())\n"
    env_free = {k: v for k, v in os.environ.items() if k != "OMP_THREAD_LIMIT"}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env_free, cwd=Path.cwd()
    )
    assert out.stdout.strip() == "1"


@pytest.mark.parametrize("level", ["light"])
def test_a_card_reads_the_same_with_both_engines(level: str) -> None:
    """An ID card (sparse, small print, photo placeholder): the page layout Tesseract finds is the same."""
    image = corpus_sample(21, "cccd_2021", 0, level).pages[0].convert("L")
    by_library = ocr_page(image, page_number=1, dpi=300, options=LIBRARY)
    by_command = ocr_page(image, page_number=1, dpi=300, options=COMMAND)
    assert by_library.words and by_library.words == by_command.words
