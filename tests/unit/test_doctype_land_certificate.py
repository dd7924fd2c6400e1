"""Land certificate (2024 form): serial, area, lexicons, ID vs birth year; extraction from fixed OCR text."""

from __future__ import annotations

import dataclasses

import pytest
from pydantic import ValidationError

from pipeline.classify import classify
from pipeline.extract import extract
from pipeline.ocr import OcrPage
from schemas import numbers
from schemas.doctypes import land_certificate as t
from schemas.doctypes._lexicon import fixed_code, snap
from schemas.documents import VALIDITY, DocumentType, ExtractedField

TEXT = """CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
GIẤY CHỨNG NHẬN
QUYỀN SỬ DỤNG ĐẤT, QUYỀN SỞ HỮU TÀI SẢN GẮN LIỀN VỚI ĐẤT
1. Người sử dụng đất, chủ sở hữu tài sản gắn liền với đất:
Bà: PHAN NGỌC VY Năm sinh: 1986
Số định danh cá nhân: {id_number}
Địa chỉ thường trú: Thôn 3, Xã Đức Thắng, Huyện Kỳ Anh, Tỉnh Bắc Kạn
2. Thông tin thửa đất:
a) Thửa đất số: 1137 b) Tờ bản đồ số: 55
c) Địa chỉ: Xã Đông Hưng, Huyện Cẩm Giàng, Tỉnh Bắc Kạn
d) Diện tích: 120,5 m2 (Bằng chữ: Một trăm hai mươi phẩy năm mét vuông)
đ) Hình thức sử dụng: Sử dụng riêng
e) Mục đích sử dụng: Dat o tai nong thon
g) Thời hạn sử dụng: Lâu dài
h) Nguồn gốc sử dụng: Nhà nước giao đất có thu tiền sử dụng đất
3. Thông tin tài sản gắn liền với đất: -/-
4. Ghi chú: -/-
Bắc Kạn, ngày 11 tháng 11 năm 2024
TM. ỦY BAN NHÂN DÂN
Số vào sổ cấp Giấy chứng nhận: CS 10105
Số seri: {serial}"""


def _extract(id_number: str = "006186288895", serial: str = "HU 81760600"):  # type: ignore[no-untyped-def]
    page = OcrPage.from_text(TEXT.format(id_number=id_number, serial=serial))
    return extract(DocumentType.LAND_CERTIFICATE, [page])


@pytest.mark.parametrize(
    ("raw", "area"), [("120,5 m2 (", "120.5"), ("85 m²", "85"), ("1.250,5 m2", "1250.5"), ("m2", None)]
)
def test_area(raw: str, area: str | None) -> None:
    assert t.normalise_area(raw) == area


@pytest.mark.parametrize(
    ("raw", "term"),
    [("Lâu đài", "Lâu dài"), ("Den ngay 6/2/2075", "Đến ngày 06/02/2075"), ("Đến ngày 31/02/2075", None)],
)
def test_use_term(raw: str, term: str | None) -> None:
    assert t.normalise_term(raw) == term


def test_serial_repair_and_rejection() -> None:
    assert fixed_code("HU 8176O6OO", 2, 8) == ("HU81760600", True)
    assert fixed_code("HU 81760600", 2, 8) == ("HU81760600", False)
    assert fixed_code("C§ 28577", 2, 5) == ("CS28577", True)
    assert fixed_code("HU 8176060", 2, 8) == (None, False)  # 7 digits
    assert fixed_code("H7 81760600", 2, 8) == (None, False)  # a digit where a letter must be


def test_snap_never_guesses_between_two() -> None:
    assert snap("Dat o tai do thi", t.PURPOSES) == ("Đất ở tại đô thị", False)
    assert snap("Đất ở tại", t.PURPOSES) == (None, False)


def test_extracted_and_normalised() -> None:
    extraction = _extract()
    values = extraction.values()
    assert values["holder_name"] == "PHAN NGỌC VY"
    assert values["holder_birth_year"] == "1986"
    assert values["parcel_number"] == "1137" and values["map_sheet_number"] == "55"
    assert values["land_address"] == "Xã Đông Hưng, Huyện Cẩm Giàng, Tỉnh Bắc Kạn"
    assert values["area_m2"] == "120.5"
    assert values["purpose"] == "Đất ở tại nông thôn"  # snapped to the printed phrase
    assert values["use_term"] == "Lâu dài"
    assert values["origin"] == "Nhà nước giao đất có thu tiền sử dụng đất"
    assert values["book_number"] == "CS10105" and values["serial"] == "HU81760600"
    assert values["issue_date"] == "2024-11-11"  # from the unlabelled place and date line
    assert all(f.valid for f in extraction.fields.values())
    assert extraction.model() is not None
    assert classify(TEXT).document_type is DocumentType.LAND_CERTIFICATE
    assert VALIDITY[DocumentType.LAND_CERTIFICATE].kind == "until_amended"


def test_bad_serial_and_id_of_another_birth_year() -> None:
    extraction = _extract(id_number="006185288895", serial="HU 8176060")
    assert not extraction.fields["serial"].valid
    assert not extraction.fields["holder_id_number"].valid
    assert {"serial", "holder_id_number"} <= {p.detail for p in extraction.problems}


def test_model_rejects_bad_serial() -> None:
    good = {
        "holder_name": "PHAN NGỌC VY",
        "parcel_number": 1137,
        "map_sheet_number": 55,
        "land_address": "Tỉnh Bắc Kạn",
        "area_m2": "120.5",
        "purpose": "Đất ở tại nông thôn",
        "use_term": "Lâu dài",
        "serial": "HU81760600",
    }
    assert t.LandCertificate.model_validate(good).serial == "HU81760600"
    for change in (
        {"serial": "HU8176060"},
        {"area_m2": "0"},
        {"holder_id_number": "006185288895", "holder_birth_year": 1986},
    ):
        with pytest.raises(ValidationError):
            t.LandCertificate.model_validate({**good, **change})


def _unsure(page: OcrPage, *tokens: str, conf: float = 40.0) -> OcrPage:
    """The page with ``tokens`` read at ``conf`` (as "559 m2? (" on most clean pages of the corpus)."""
    page.words = [dataclasses.replace(w, conf=conf) if w.text in tokens else w for w in page.words]
    return page


def _area_extraction(area: str, words: str) -> dict[str, ExtractedField]:
    text = TEXT.replace(
        "120,5 m2 (Bằng chữ: Một trăm hai mươi phẩy năm mét vuông)", f"{area} m2 (Bằng chữ: {words})"
    )
    page = _unsure(
        OcrPage.from_text(text.format(id_number="006186288895", serial="HU 81760600")), "m2", "(Bằng"
    )
    return extract(DocumentType.LAND_CERTIFICATE, [page]).fields


def test_an_area_read_alike_in_digits_and_in_words_is_sure() -> None:
    fields = _area_extraction("517,2", "Năm trăm mười bảy phẩy hai mét vuông)")
    assert fields["area_m2"].value == "517.2" and fields["area_m2"].valid
    assert fields["area_m2"].confidence >= numbers.WORDS_AGREE_CONFIDENCE
    assert numbers.WORDS_AGREE in fields["area_m2"].problems
    assert fields["area_in_words"].confidence >= numbers.WORDS_AGREE_CONFIDENCE
    # The words without the bracket that closes "(Bằng chữ: …)".
    assert fields["area_in_words"].value == "Năm trăm mười bảy phẩy hai mét vuông"


def test_an_area_whose_words_say_another_number_goes_to_a_clerk() -> None:
    fields = _area_extraction("517,2", "Năm trăm mười chín phẩy hai mét vuông)")
    assert not fields["area_m2"].valid
    assert numbers.DIFFERS_FROM_WORDS in fields["area_m2"].problems


def test_an_area_whose_words_are_no_number_keeps_its_own_confidence() -> None:
    fields = _area_extraction("517,2", "Năm trăm mươl bảy phẩy hai mét vuông)")
    assert fields["area_m2"].valid and fields["area_m2"].value == "517.2"
    assert fields["area_m2"].confidence < numbers.WORDS_AGREE_CONFIDENCE
    assert numbers.WORDS_AGREE not in fields["area_m2"].problems


def test_a_permanent_term_is_sure_whatever_its_marks_confidence() -> None:
    page = _unsure(OcrPage.from_text(TEXT.format(id_number="006186288895", serial="HU 81760600")), "dài")
    term = extract(DocumentType.LAND_CERTIFICATE, [page]).fields["use_term"]
    assert term.value == t.PERMANENT_TERM and term.confidence >= t.SURE_CONFIDENCE
