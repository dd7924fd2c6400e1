"""Cards' document types end to end on real Tesseract: corpus documents (fixed seeds) wrapped in a
scanner-like PDF and processed by ``pipeline.process.process_document``, as an upload is.

Two documents per type (clean and lightly degraded), a card back without its front, and an expired
licence. Assertions are on content against the renderer's ground truth, none on wall time.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from PIL import Image

from pipeline.corpus import CorpusSample, corpus_sample
from pipeline.intake import MEDIA_PDF
from pipeline.process import ProcessedDocument, process_document
from pipeline.samples import save_pdf
from schemas.documents import DocumentType

pytestmark = pytest.mark.integration

SEED = 7  # the bench uses another seed
CASES = [
    (doctype, index, level)
    for doctype in ("cccd_2024", "driving_licence", "land_certificate", "enterprise_registration_certificate")
    for index, level in ((0, "clean"), (1, "light"))
]


def _process(pages: list[Image.Image], dpi: int, tmp_path: Path) -> ProcessedDocument:
    pdf = tmp_path / "document.pdf"
    save_pdf([p.convert("RGB") for p in pages], pdf, dpi=dpi, quality=90)
    return process_document(pdf, MEDIA_PDF)


@pytest.fixture(scope="module")
def samples() -> dict[tuple[str, int, str], CorpusSample]:
    return {case: corpus_sample(SEED, *case) for case in CASES}


@pytest.mark.parametrize("case", CASES, ids=["-".join(map(str, c)) for c in CASES])
def test_fields_of_a_document(
    case: tuple[str, int, str], samples: dict[tuple[str, int, str], CorpusSample], tmp_path: Path
) -> None:
    sample = samples[case]
    doc = _process(sample.pages, sample.document.dpi, tmp_path)
    assert doc.document_type.value == sample.document.document_type
    assert doc.type_confidence >= 0.6
    truth = sample.document.fields
    got = {name: doc.fields[name].value if name in doc.fields else None for name in truth}
    review = ("field_missing", "field_invalid", "low_confidence")
    flagged = {p.detail for p in doc.problems if p.code in review}
    # Every field right, or flagged for review (the rule): never a wrong value marked valid.
    wrong = {name for name, value in got.items() if value != truth[name]}
    assert wrong <= flagged, f"unflagged wrong fields: {sorted(wrong - flagged)}"
    assert all(doc.fields[name].valid for name in truth if name not in wrong)
    # And nearly all of them right (one field may be lost: Tesseract now and then drops a whole line).
    assert len(wrong) <= 1, f"wrong or missing fields: {sorted(wrong)}"


def test_card_back_without_front(samples: dict[tuple[str, int, str], CorpusSample], tmp_path: Path) -> None:
    sample = samples[("cccd_2024", 0, "clean")]
    doc = _process(sample.pages[1:], sample.document.dpi, tmp_path)  # the back alone
    assert doc.document_type is DocumentType.CCCD_2024
    truth = sample.document.fields
    assert doc.fields["place_of_birth"].value == truth["place_of_birth"]
    assert doc.fields["issue_date"].value == truth["issue_date"]
    # The back's QR code and MRZ (their own checks passed) give the front's ID and date of birth.
    assert doc.fields["id_number"].value == truth["id_number"]
    assert doc.fields["id_number"].source in ("qr", "mrz")
    assert doc.fields["date_of_birth"].value == truth["date_of_birth"]
    assert "nationality" in {p.detail for p in doc.problems if p.code == "field_missing"}
    assert any(p.code == "side_missing" for p in doc.problems)
    assert doc.needs_review


def test_expired_licence_is_flagged(samples: dict[tuple[str, int, str], CorpusSample]) -> None:
    from pipeline.classify import classify
    from pipeline.clean import clean_page
    from pipeline.extract import extract
    from pipeline.ocr import ocr_page
    from pipeline.rasterise import PageImage

    sample = samples[("driving_licence", 0, "clean")]
    expiry = sample.document.fields.get("expiry_date")
    pages = []
    for number, image in enumerate(sample.pages[:1], 1):
        cleaned = clean_page(PageImage(number, image.convert("RGB"), sample.document.dpi))
        pages.append(ocr_page(cleaned.image, page_number=number, dpi=cleaned.dpi))
    assert classify(pages[0].text).document_type is DocumentType.DRIVING_LICENCE
    later = dt.date.fromisoformat(expiry) + dt.timedelta(days=1) if expiry else dt.date(2200, 1, 1)
    extraction = extract(DocumentType.DRIVING_LICENCE, pages, today=later)
    expired = any(p.code == "document_expired" for p in extraction.problems)
    assert expired is (expiry is not None)  # a licence without expiry never expires
