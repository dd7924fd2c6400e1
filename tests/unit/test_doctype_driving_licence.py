"""Driving licence (PET card): classes, validity by class, number, hook; extraction from fixed OCR text."""

from __future__ import annotations

import datetime as dt

import pytest
from PIL import Image
from pydantic import ValidationError

from pipeline.classify import classify
from pipeline.extract import extract
from pipeline.ocr import OcrPage, Word, ZoneRequest
from schemas.doctypes import driving_licence as t
from schemas.documents import VALIDITY, DocumentType, ExtractedField

FRONT = """CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
GIẤY PHÉP LÁI XE / DRIVER'S LICENSE
Số/No.: {number}
Họ tên/Full name: TRẦN VĂN HÙNG
Ngày sinh/Date of birth: 02/03/1988
Quốc tịch/Nationality: VIỆT NAM
Nơi cư trú/Address: Thôn 5, Xã Vĩnh Niệm,
Huyện Yên Dũng, Tỉnh Nam Định
Hạng/Class: {klass}
Có giá trị đến/Expires: {expiry}
Nam Định, ngày/date 18 tháng/month 08 năm/year 2025
GIÁM ĐỐC SỞ GIAO THÔNG VẬN TẢI"""
BACK = """CÁC LOẠI XE CƠ GIỚI ĐƯỜNG BỘ ĐƯỢC ĐIỀU KHIỂN
Hạng/Class Xe cơ giới đường bộ/Motor vehicles Ngày trúng tuyển
B Xe ô tô chở người đến 08 chỗ, xe tải đến 3.500 kg 04/08/2025"""


def _extract(number: str = "360123456789", klass: str = "B", expiry: str = "18/08/2035", today=None):  # type: ignore[no-untyped-def]
    text = FRONT.format(number=number, klass=klass, expiry=expiry)
    pages = [OcrPage.from_text(text, 1), OcrPage.from_text(BACK, 2)]
    return extract(DocumentType.DRIVING_LICENCE, pages, today=today or dt.date(2026, 1, 1))


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("B", "B"),
        (" b ", "B"),
        ("C l E", "C1E"),
        ("Al", "A1"),
        ("8", "B"),
        ("FC", "FC"),
        ("Ð2", "D2"),
        ("CT", "C1"),
        ("B2", "B2"),
        ("X", None),
    ],
)
def test_normalise_class(raw: str, code: str | None) -> None:
    assert t.normalise_class(raw) == code


def test_expiry_by_class() -> None:
    issue = dt.date(2025, 8, 18)
    assert t.expected_expiry("A1", issue) is None
    assert t.expected_expiry("B", issue) == dt.date(2035, 8, 18)
    assert t.expected_expiry("CE", issue) == dt.date(2030, 8, 18)
    assert "[M]" in VALIDITY[DocumentType.DRIVING_LICENCE].source


def test_front_and_back_extracted() -> None:
    extraction = _extract()
    values = extraction.values()
    assert values["licence_number"] == "360123456789"
    assert values["full_name"] == "TRẦN VĂN HÙNG"
    assert values["date_of_birth"] == "1988-03-02"
    assert values["nationality"] == "Việt Nam"
    assert values["place_of_residence"] == "Thôn 5, Xã Vĩnh Niệm, Huyện Yên Dũng, Tỉnh Nam Định"
    assert values["licence_class"] == "B"
    assert values["issue_date"] == "2025-08-18"
    assert values["expiry_date"] == "2035-08-18"
    assert extraction.fields["licence_class"].valid and extraction.fields["licence_number"].valid
    assert extraction.model() is not None


def test_classification_front_back_and_back_alone() -> None:
    text = FRONT.format(number="360123456789", klass="B", expiry="18/08/2035")
    assert classify(text).document_type is DocumentType.DRIVING_LICENCE
    assert classify(text + "\f" + BACK).document_type is DocumentType.DRIVING_LICENCE


def test_licence_without_expiry() -> None:
    extraction = _extract(klass="A1", expiry="Không thời hạn")
    assert extraction.fields["expiry_date"].valid and extraction.fields["expiry_date"].value is None
    assert not any(p.code == "document_expired" for p in extraction.problems)


def test_wrong_number_and_class() -> None:
    extraction = _extract(number="36012345678", klass="Q")
    assert not extraction.fields["licence_number"].valid
    assert not extraction.fields["licence_class"].valid
    assert {"licence_number", "licence_class"} <= {p.detail for p in extraction.problems}


def test_expiry_inconsistent_with_class() -> None:
    fields = {
        "licence_class": ExtractedField("C", "C", 0.9, True),
        "issue_date": ExtractedField("2025-08-18", "", 0.9, True),
        "expiry_date": ExtractedField("2035-08-18", "", 0.9, True),  # C lasts 5 years
    }
    t.normalise_fields(fields)
    assert not fields["expiry_date"].valid and t.EXPIRY_MISMATCH in fields["expiry_date"].problems


def test_expired_licence() -> None:
    extraction = _extract(klass="CE", expiry="18/08/2030", today=dt.date(2031, 1, 1))
    assert any(p.code == "document_expired" for p in extraction.problems)


def test_model() -> None:
    good = {
        "licence_number": "360123456789",
        "full_name": "Trần Văn Hùng",
        "date_of_birth": "1988-03-02",
        "place_of_residence": "Tỉnh Nam Định",
        "licence_class": "b",
        "issue_date": "2025-08-18",
        "expiry_date": "2035-08-18",
    }
    model = t.DrivingLicence.model_validate(good)
    assert model.licence_class == "B" and model.full_name == "TRẦN VĂN HÙNG"
    for change in ({"licence_number": "3601234567"}, {"licence_class": "Z9"}, {"expiry_date": "2030-08-18"}):
        with pytest.raises(ValidationError):
            t.DrivingLicence.model_validate({**good, **change})


def test_single_letter_class_dropped_by_ocr_is_reread_right_of_its_label() -> None:
    text = FRONT.format(number="360123456789", klass="", expiry="Không thời hạn")
    page = OcrPage.from_text(text)
    page.image = Image.new("L", (2400, 1200), 255)  # the zone reader below is a stub
    label_line = next(line for line in page.lines if line.text.startswith("Hạng/Class"))
    requests: list[tuple[tuple[int, int, int, int], ZoneRequest]] = []

    def reader(p: OcrPage, box: tuple[int, int, int, int], request: ZoneRequest) -> list[Word]:
        if request.whitelist and "A" in request.whitelist:
            requests.append((box, request))
            return [Word("A", 93.0, box[0] + 10, box[1] + 5, 30, 40, -1)]
        return []

    extraction = extract(DocumentType.DRIVING_LICENCE, [page], zone_reader=reader, today=dt.date(2026, 1, 1))
    assert extraction.values()["licence_class"] == "A"
    assert extraction.fields["licence_class"].valid
    (box, request), *_ = requests
    right_of_label = max(w.right for w in label_line.words)
    assert box[0] > right_of_label  # the zone starts after the label, not on it
    assert request.language == "eng" and request.binarise


def test_bare_class_label_with_nothing_readable_stays_missing() -> None:
    page = OcrPage.from_text(FRONT.format(number="360123456789", klass="", expiry="Không thời hạn"))
    page.image = Image.new("L", (2400, 1200), 255)
    extraction = extract(DocumentType.DRIVING_LICENCE, [page], zone_reader=lambda p, b, r: [])
    assert "licence_class" not in extraction.fields
    assert any(p.code == "field_missing" and p.detail == "licence_class" for p in extraction.problems)
