"""A clerk's correction re-validates the whole document (pure logic; the vault side is in
tests/integration/test_review_corrections.py)."""

from __future__ import annotations

import datetime as dt

from pipeline.extract import corrected_field, extract, revalidate
from pipeline.ocr import OcrPage
from schemas.doctypes.cccd_2021 import DEFINITION
from schemas.documents import DocumentType
from tests.unit.test_classify_extract import CCCD_TEXT

TODAY = dt.date(2023, 6, 1)


def test_correcting_the_date_of_birth_makes_the_id_valid_again() -> None:
    wrong = CCCD_TEXT.replace("08/07/1984", "08/07/1985").replace("08/07/2024", "08/07/2025")
    result = extract(DocumentType.CCCD_2021, [OcrPage.from_text(wrong)], today=TODAY)
    assert ("field_invalid", "id_number") in [(p.code, p.detail) for p in result.problems]

    fields = dict(result.fields)
    fields["date_of_birth"] = corrected_field(DEFINITION.field("date_of_birth"), "08/07/1984")
    fields["expiry_date"] = corrected_field(DEFINITION.field("expiry_date"), "2024-07-08")
    checked, problems = revalidate(DocumentType.CCCD_2021, fields, TODAY)
    assert problems == []
    assert checked["id_number"].valid
    assert checked["date_of_birth"].source == "clerk" and checked["date_of_birth"].value == "1984-07-08"
    assert "corrected" in checked["date_of_birth"].problems


def test_a_wrong_correction_is_still_caught() -> None:
    result = extract(DocumentType.CCCD_2021, [OcrPage.from_text(CCCD_TEXT)], today=TODAY)
    fields = dict(result.fields)
    fields["sex"] = corrected_field(DEFINITION.field("sex"), "Nữ")  # the ID says male
    _, problems = revalidate(DocumentType.CCCD_2021, fields, TODAY)
    assert [(p.code, p.detail) for p in problems] == [("field_invalid", "id_number")]
    fields["date_of_birth"] = corrected_field(DEFINITION.field("date_of_birth"), "31/02/1984")
    _, problems = revalidate(DocumentType.CCCD_2021, fields, TODAY)
    assert ("field_invalid", "date_of_birth") in [(p.code, p.detail) for p in problems]


def test_revalidation_keeps_expiry_and_no_expiry() -> None:
    result = extract(DocumentType.CCCD_2021, [OcrPage.from_text(CCCD_TEXT)], today=TODAY)
    _, problems = revalidate(DocumentType.CCCD_2021, dict(result.fields), dt.date(2025, 1, 1))
    assert [(p.code, p.detail) for p in problems] == [("document_expired", "expiry_date")]
    no_expiry = CCCD_TEXT.replace("Có giá trị đến: 08/07/2024", "Có giá trị đến: Không thời hạn")
    result = extract(DocumentType.CCCD_2021, [OcrPage.from_text(no_expiry)], today=TODAY)
    _, problems = revalidate(DocumentType.CCCD_2021, dict(result.fields), dt.date(2090, 1, 1))
    assert problems == []
