"""Every degradation of the generator (bench.ocr_common.DEGRADATIONS, pipeline.degrade) through
``process_document``: read correctly (CER after NFC at most 1%), or rejected with the reason that tells
the clerk what to rescan. Short pages (6 lines; a card's 6 lines) keep the module lean."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from PIL import Image

from bench.ocr_common import CARD_ROWS, DEGRADATIONS, cer, make_page, render_text_page, sentences
from pipeline.degrade import degrade, gaussian_blur, resample_dpi, scan_look
from pipeline.errors import DocumentRejected
from pipeline.process import process_document
from pipeline.samples import save_pdf

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("name", list(DEGRADATIONS))
def test_degraded_page_is_read(name: str, tmp_path: Path) -> None:
    image, dpi, truth = make_page(name, 3000, lines=6)
    path = tmp_path / "page.pdf"
    save_pdf([image], path, dpi=dpi, quality=92)
    result = process_document(path, "application/pdf")
    assert cer(truth, result.text) <= 0.01, result.text
    record = result.cleaning[0]
    if name in CARD_ROWS:
        assert record.card_found
    if name == "borders":
        assert any(record.border_px)
    if name == "strong shadow":
        assert record.relit
    if name in ("clean", "blur", "jpeg q30"):  # nothing to correct: nothing applied
        assert not (record.card_found or record.relit or any(record.border_px))


def _page(seed: int, dpi: int = 300) -> Image.Image:
    return render_text_page(sentences(random.Random(seed), 6), dpi=dpi)


@pytest.mark.parametrize(
    ("name", "image", "dpi", "code"),
    [
        ("blank scan", degrade(Image.new("RGB", (2480, 3508), "white"), scan_look(random.Random(1)), 1), 300,
         "blank_page"),
        ("60 DPI", resample_dpi(300, 60)(_page(2), random.Random(2)), 60, "resolution_too_low"),
        ("blur sigma 6", degrade(_page(3), [gaussian_blur(6.0)], 3), 300, "too_blurred"),
        ("under-exposed", Image.eval(_page(4), lambda v: v // 4), 300, "too_dark"),
    ],
)  # fmt: skip
def test_unreadable_page_is_rejected_with_its_reason(
    name: str, image: Image.Image, dpi: int, code: str, tmp_path: Path
) -> None:
    path = tmp_path / "page.pdf"
    save_pdf([image.convert("L")], path, dpi=dpi)
    with pytest.raises(DocumentRejected) as info:
        process_document(path, "application/pdf")
    assert (info.value.code, info.value.page) == (code, 1)
