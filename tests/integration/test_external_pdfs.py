"""Every file of ../shared/testdata/external-pdfs (OCRmyPDF's test resources) through intake and
``process_document``: processed, or rejected with the reason that tells the clerk what to do. Nothing
crashes; nothing hangs (the pipeline's own render and OCR timeouts apply)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.errors import DocumentRejected
from pipeline.intake import inspect_file
from pipeline.process import process_document

pytestmark = pytest.mark.integration

EXTERNAL = Path(__file__).resolve().parents[3] / "shared" / "testdata" / "external-pdfs"

# file -> None (processed: a searchable PDF with text) or (reason code, page number or None)
EXPECTED: dict[str, tuple[str, int | None] | None] = {
    "3small.pdf": ("resolution_too_low", 1),  # three tiny pages: text too small to read at 300 DPI
    "acroform.pdf": None,
    "blank.pdf": ("blank_page", 1),
    "ccitt.pdf": None,
    "cmyk.pdf": None,
    # 9000×9000 RGB (243 MB decoded): above the 80 MP image limit, refused by intake before decoding.
    "enormous.pdf": ("decompression_bomb", 1),
    "epson.pdf": None,
    "hugemono.pdf": ("decompression_bomb", 1),  # rejected by intake, before anything is decoded
    "invalid.pdf": ("corrupt_file", None),
    "jbig2.pdf": None,
    # Pictures scanned at 96 DPI: their few character-like shapes are far too small at that resolution.
    "lichtenstein.pdf": ("resolution_too_low", 1),
    "no_contents.pdf": ("blank_page", 1),
    "palette.pdf": ("resolution_too_low", 1),
    "rotated_skew.pdf": None,
    "skew.pdf": None,
    "tagged.pdf": None,
    "trivial.pdf": ("blank_page", 1),
}


def test_every_external_file_has_an_expectation() -> None:
    assert sorted(p.name for p in EXTERNAL.glob("*.pdf")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_external_file_is_processed_or_rejected_with_its_reason(name: str) -> None:
    path = EXTERNAL / name
    expected = EXPECTED[name]
    try:
        intake = inspect_file(path)
        result = process_document(path, intake.media_type)
    except DocumentRejected as exc:
        assert expected is not None, f"{name} rejected: {exc.code} page {exc.page}"
        assert (exc.code, exc.page) == expected
        return
    assert expected is None, f"{name} processed, expected rejection {expected}"
    assert result.page_count == intake.page_count
    assert result.searchable_pdf.startswith(b"%PDF-")
    assert result.text.strip()
