"""Marital-status confirmation: issue date from the place/date line, 6-month validity, the title not
taken for the "Tình trạng hôn nhân:" label, document number format."""

from __future__ import annotations

import datetime as dt

from pipeline.classify import classify
from schemas.doctypes.marital_status_confirmation import MODEL, VALIDITY
from schemas.documents import DocumentType
from tests.unit.paper_pages import problems, run, text_page, values

ID = "025067158987"  # Phú Thọ, male, born 1967

TEXT = f"""\
ỦY BAN NHÂN DÂN  ||  CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
XÃ TÂN PHONG  ||  Độc lập - Tự do - Hạnh phúc
Số: 422/UBND-XNTTHN  ||  Tân Phong, ngày 09 tháng 09 năm 2025
GIẤY XÁC NHẬN TÌNH TRẠNG HÔN NHÂN
ỦY BAN NHÂN DÂN XÃ TÂN PHONG, TỈNH PHÚ THỌ
Xét đề nghị của ông/bà về việc cấp Giấy xác nhận tình trạng hôn nhân,
XÁC NHẬN:
Họ, chữ đệm, tên: HUỲNH ĐỨC AN
Ngày, tháng, năm sinh: 28/12/1967
Giới tính: Nam Dân tộc: Khmer Quốc tịch: Việt Nam
Giấy tờ tùy thân: Căn cước công dân số {ID}
Nơi cư trú: Thôn 2, Xã Tân Phong, Huyện Châu Thành, Tỉnh Phú Thọ
Tình trạng hôn nhân: Đã đăng ký kết hôn, đã ly hôn theo bản án của Tòa án và
hiện tại chưa đăng ký kết hôn với ai
Giấy này được cấp để: Làm thủ tục thừa kế
Giấy này có giá trị 6 tháng kể từ ngày cấp, được sử dụng vào mục đích nêu trên.
TM. ỦY BAN NHÂN DÂN
"""

EXPECTED = {
    "document_number": "422/UBND-XNTTHN",
    "issue_date": "2025-09-09",
    "full_name": "HUỲNH ĐỨC AN",
    "date_of_birth": "1967-12-28",
    "sex": "Nam",
    "ethnicity": "Khmer",
    "nationality": "Việt Nam",
    "id_number": ID,
    "residence": "Thôn 2, Xã Tân Phong, Huyện Châu Thành, Tỉnh Phú Thọ",
    "marital_status": (
        "Đã đăng ký kết hôn, đã ly hôn theo bản án của Tòa án và hiện tại chưa đăng ký kết hôn với ai"
    ),
    "purpose": "Làm thủ tục thừa kế",
}


def test_classified() -> None:
    assert classify(TEXT.replace("  ||  ", "    ")).document_type is DocumentType.MARITAL_STATUS_CONFIRMATION


def test_fields_within_validity() -> None:
    extraction = run(DocumentType.MARITAL_STATUS_CONFIRMATION, text_page(TEXT), today=dt.date(2025, 12, 1))
    assert values(extraction) == EXPECTED
    assert not extraction.problems
    assert extraction.model() is not None


def test_expired_after_six_months() -> None:
    assert VALIDITY.months == 6 and "[M]" in VALIDITY.source
    extraction = run(DocumentType.MARITAL_STATUS_CONFIRMATION, text_page(TEXT), today=dt.date(2026, 3, 10))
    assert ("document_expired", "issue_date") in problems(extraction)


def test_without_place_date_line_the_issue_date_is_missing() -> None:
    text = TEXT.replace("  ||  Tân Phong, ngày 09 tháng 09 năm 2025", "")
    extraction = run(DocumentType.MARITAL_STATUS_CONFIRMATION, text_page(text))
    assert "issue_date" not in extraction.fields
    assert ("field_missing", "issue_date") in problems(extraction)


def test_bad_document_number_and_id_mismatch() -> None:
    text = TEXT.replace("422/UBND-XNTTHN", "UBND 422").replace("Giới tính: Nam", "Giới tính: Nữ")
    extraction = run(DocumentType.MARITAL_STATUS_CONFIRMATION, text_page(text))
    assert not extraction.fields["document_number"].valid
    assert not extraction.fields["id_number"].valid  # a male sex digit for a woman


def test_model_refuses_issue_before_birth() -> None:
    data = dict(EXPECTED, issue_date="1960-01-01")
    assert MODEL.model_validate(EXPECTED).sex == "Nam"
    try:
        MODEL.model_validate(data)
    except ValueError:
        return
    raise AssertionError("an issue date before birth was accepted")


def test_issue_date_in_the_future_is_invalid() -> None:
    extraction = run(
        DocumentType.MARITAL_STATUS_CONFIRMATION, text_page(TEXT.replace("năm 2025", "năm 2099"))
    )
    assert "date_in_future" in extraction.fields["issue_date"].problems
    assert ("field_invalid", "issue_date") in problems(extraction)
