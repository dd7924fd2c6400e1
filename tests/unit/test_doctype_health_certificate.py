"""Health certificate: two pages (the conclusion and its date on the second), the health class
snapped to Loại I-V, 12-month validity."""

from __future__ import annotations

import datetime as dt

from pipeline.classify import classify
from schemas.documents import DocumentType
from tests.unit.paper_pages import problems, run, text_page, values

ID = "033080061981"  # Hưng Yên, male, 1980

PAGE_1 = f"""\
SỞ Y TẾ HƯNG YÊN  ||  CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
BỆNH VIỆN ĐA KHOA HƯNG YÊN  ||  Độc lập - Tự do - Hạnh phúc
Số: 6500/GKSK
GIẤY KHÁM SỨC KHỎE
1. Họ và tên (chữ in hoa): NGUYỄN THẾ HIẾU
2. Giới tính: Nam  ||  3. Ngày sinh: 07/01/1980
4. Số định danh cá nhân: {ID}
5. Chỗ ở hiện tại: Thôn 11, Xã Bến Nghé, Huyện Châu Thành, Tỉnh Hưng Yên
6. Lý do khám sức khỏe: Đi học
TIỀN SỬ BỆNH CỦA ĐỐI TƯỢNG KHÁM SỨC KHỎE
1. Tiền sử gia đình: Có ai trong gia đình mắc bệnh truyền nhiễm, bệnh mạn tính: Không.
"""
PAGE_2 = """\
I. KHÁM THỂ LỰC
Chiều cao: 152 cm; Cân nặng: 80 kg; Mạch: 68 lần/phút; Huyết áp: 114/78 mmHg.
KẾT LUẬN
1. Phân loại sức khỏe: LoạiI.....
2. Các bệnh, tật (nếu có): Không
Hưng Yên, ngày 13 tháng 05 năm 2025
NGƯỜI KẾT LUẬN
"""


def test_classified_from_both_pages() -> None:
    assert classify(PAGE_1 + "\f" + PAGE_2).document_type is DocumentType.HEALTH_CERTIFICATE


def test_fields_of_both_pages() -> None:
    pages = (text_page(PAGE_1), text_page(PAGE_2, page_number=2))
    extraction = run(DocumentType.HEALTH_CERTIFICATE, *pages, today=dt.date(2025, 6, 1))
    assert values(extraction) == {
        "document_number": "6500/GKSK",
        "full_name": "NGUYỄN THẾ HIẾU",
        "sex": "Nam",
        "date_of_birth": "1980-01-07",
        "id_number": ID,
        "residence": "Thôn 11, Xã Bến Nghé, Huyện Châu Thành, Tỉnh Hưng Yên",
        "reason": "Đi học",
        "health_class": "Loại I",
        "issue_date": "2025-05-13",
    }
    # Text without its page image: the numeral's strokes cannot be counted, so a clerk checks it.
    assert problems(extraction) == {("low_confidence", "health_class")}
    assert extraction.model() is not None


def test_expired_after_twelve_months_and_unknown_class() -> None:
    pages = (text_page(PAGE_1), text_page(PAGE_2.replace("LoạiI", "Tốt"), page_number=2))
    extraction = run(DocumentType.HEALTH_CERTIFICATE, *pages, today=dt.date(2026, 5, 14))
    assert ("document_expired", "issue_date") in problems(extraction)
    assert ("field_invalid", "health_class") in problems(extraction)


def test_second_page_missing() -> None:
    extraction = run(DocumentType.HEALTH_CERTIFICATE, text_page(PAGE_1))
    assert {("field_missing", "health_class"), ("field_missing", "issue_date")} <= problems(extraction)


def test_classes_ocr_confuses_go_to_review() -> None:
    # "III" is read "II" with high confidence by Tesseract: unless the strokes settle it, either
    # reading is checked by a clerk.
    pages = (text_page(PAGE_1), text_page(PAGE_2.replace("LoạiI.....", "Loại III"), page_number=2))
    extraction = run(DocumentType.HEALTH_CERTIFICATE, *pages, today=dt.date(2025, 6, 1))
    assert extraction.fields["health_class"].value == "Loại III"
    assert ("low_confidence", "health_class") in problems(extraction)


def test_rest_of_the_name_label_is_not_part_of_the_name() -> None:
    # The label half-read ("Họ và tên:") leaves "hoa):" in front of the name (seen on the corpus).
    broken = PAGE_1.replace("1. Họ và tên (chữ in hoa):", "1. Họ và tên: hoa):")
    extraction = run(DocumentType.HEALTH_CERTIFICATE, text_page(broken), text_page(PAGE_2, page_number=2))
    assert extraction.fields["full_name"].value == "NGUYỄN THẾ HIẾU"
    assert "label_tail" in extraction.fields["full_name"].problems


def test_label_tail_left_by_the_name_vote_is_dropped() -> None:
    # The raw value starts at "):" but the name's zone re-read still held the word "hoa" (seen on the corpus).
    from schemas.doctypes.health_certificate import normalise_fields
    from schemas.documents import ExtractedField

    fields = {"full_name": ExtractedField("HOA HOÀNG PHƯƠNG HẠNH", "): HOÀNG PHƯƠNG HẠNH", 0.93, True)}
    normalise_fields(fields)
    assert fields["full_name"].value == "HOÀNG PHƯƠNG HẠNH"
    # A name that really starts with Hoa, after a cleanly read label, is left alone.
    fields = {"full_name": ExtractedField("HOA THỊ MAI", "HOA THỊ MAI", 0.93, True)}
    normalise_fields(fields)
    assert fields["full_name"].value == "HOA THỊ MAI"


def test_class_settled_by_the_strokes_is_not_flagged() -> None:
    from pipeline.extract import NUMERAL_CONFIRMED, NUMERAL_COUNTED
    from schemas.doctypes.health_certificate import normalise_fields
    from schemas.documents import ExtractedField

    for note in (NUMERAL_CONFIRMED, NUMERAL_COUNTED):
        fields = {"health_class": ExtractedField("Loại III", "Loại II", 0.8, True, (note,))}
        normalise_fields(fields)
        assert (
            fields["health_class"].confidence == 0.8
            and "roman_numeral_unsure" not in fields["health_class"].problems
        )
    fields = {"health_class": ExtractedField("Loại IV", "Loại IV", 0.95, True)}
    normalise_fields(fields)
    assert fields["health_class"].confidence < 0.7  # read by OCR alone: to review


def test_label_tail_dropped_before_the_surname_is_repaired() -> None:
    # "hoa):" left of the label in front of the name, and NGUYỄN read NGUYÊN (seen on the bench):
    # the repair must see the surname as the name's first word.
    broken = PAGE_1.replace("1. Họ và tên (chữ in hoa): NGUYỄN", "1. Họ và tên: hoa): NGUYÊN")
    extraction = run(DocumentType.HEALTH_CERTIFICATE, text_page(broken), text_page(PAGE_2, page_number=2))
    name = extraction.fields["full_name"]
    assert name.value == "NGUYỄN THẾ HIẾU"
    assert {"label_tail", "surname_repaired"} <= set(name.problems)
