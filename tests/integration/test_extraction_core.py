"""CCCD 2021 end to end on real Tesseract: front + back, a back without its front, a card with a wrong
ID structure, an expired card — rendered with fixed seeds (the bench uses another), wrapped in a
scanner-like PDF and processed by ``pipeline.process.process_document`` as an upload is."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from pathlib import Path

from PIL import Image

from pipeline.corpus import corpus_sample, degrade_pages
from pipeline.corpus.cccd_2021 import DPI, expected_fields, render_back_only
from pipeline.intake import MEDIA_PDF
from pipeline.process import ProcessedDocument, process_document
from pipeline.samples import make_citizen, render_cccd_back, render_cccd_front, save_pdf
from schemas.calendar import local_date
from schemas.documents import DocumentType

SEED = 5


def _process(pages: list[Image.Image], tmp_path: Path) -> ProcessedDocument:
    pdf = tmp_path / "card.pdf"
    save_pdf([p.convert("RGB") for p in pages], pdf, dpi=DPI, quality=90)
    return process_document(pdf, MEDIA_PDF)


def _codes(processed: ProcessedDocument) -> set[tuple[str, str]]:
    return {(p.code, p.detail) for p in processed.problems}


def test_front_and_back_light_scan(tmp_path: Path) -> None:
    sample = corpus_sample(SEED, "cccd_2021", 0, "light")
    processed = _process(sample.pages, tmp_path)
    assert processed.document_type is DocumentType.CCCD_2021
    got = {name: f.value for name, f in processed.fields.items()}
    assert {k: got.get(k) for k in sample.document.fields} == sample.document.fields
    # The QR payload decoded and confirmed the printed values.
    assert "confirmed_by_qr" in processed.fields["id_number"].problems
    expiry = sample.document.fields.get("expiry_date")
    expired = expiry is not None and dt.date.fromisoformat(expiry) < local_date(dt.datetime.now(dt.UTC))
    assert (("document_expired", "expiry_date") in _codes(processed)) == expired


def test_back_without_front_is_extracted_and_flagged(tmp_path: Path) -> None:
    document = render_back_only(random.Random(f"{SEED}:back"))
    processed = _process(degrade_pages(document.pages, "light", 3), tmp_path)
    assert processed.document_type is DocumentType.CCCD_2021
    assert ("side_missing", "cccd_2021") in _codes(processed)
    assert ("field_missing", "full_name") in _codes(processed)
    assert processed.fields["issue_date"].value == document.fields["issue_date"]
    # The MRZ (all check digits right) still gives the holder's ID and date of birth.
    assert processed.fields["id_number"].source == "mrz"


def test_wrong_id_structure_is_invalid_and_qr_not_trusted(tmp_path: Path) -> None:
    citizen = make_citizen(random.Random(f"{SEED}:bad-id"))
    # Province code 999 does not exist; the QR carries the same wrong number and is not trusted either.
    bad = dataclasses.replace(citizen, id_number="999" + citizen.id_number[3:])
    pages = [render_cccd_front(bad, dpi=DPI, seed=1), render_cccd_back(bad, dpi=DPI, seed=2)]
    processed = _process(pages, tmp_path)
    field = processed.fields["id_number"]
    assert not field.valid and "unknown_province_code" in field.problems
    assert ("field_invalid", "id_number") in _codes(processed)
    assert expected_fields(citizen)["full_name"] == processed.fields["full_name"].value


def test_expired_card_is_flagged(tmp_path: Path) -> None:
    today = local_date(dt.datetime.now(dt.UTC))
    citizen = next(
        c
        for c in (make_citizen(random.Random(f"{SEED}:expired:{i}")) for i in range(200))
        if c.card_expiry_date is not None and c.card_expiry_date < today
    )
    processed = _process([render_cccd_front(citizen, dpi=DPI, seed=3)], tmp_path)
    assert processed.fields["expiry_date"].value == citizen.card_expiry_date.isoformat()  # type: ignore[union-attr]
    assert ("document_expired", "expiry_date") in _codes(processed)
    assert processed.needs_review
