"""Enterprise registration certificate: tax code check digit, capital, representative's ID;
extraction from fixed OCR text."""

from __future__ import annotations

import dataclasses

import pytest
from pydantic import ValidationError

from pipeline.classify import classify
from pipeline.extract import extract
from pipeline.ocr import OcrPage
from schemas import numbers
from schemas.doctypes import enterprise_registration_certificate as t
from schemas.documents import VALIDITY, DocumentType

TEXT = """SỞ KẾ HOẠCH VÀ ĐẦU TƯ TỈNH THANH HÓA CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
PHÒNG ĐĂNG KÝ KINH DOANH Độc lập - Tự do - Hạnh phúc
GIẤY CHỨNG NHẬN ĐĂNG KÝ DOANH NGHIỆP
CÔNG TY TRÁCH NHIỆM HỮU HẠN MỘT THÀNH VIÊN
Mã số doanh nghiệp: {code}
Đăng ký lần đầu: ngày 03 tháng 07 năm 2018
Đăng ký thay đổi lần thứ: 5, ngày 20 tháng 11 năm 2019
1. Tên công ty
Tên công ty viết bằng tiếng Việt: CÔNG TY TNHH THƯƠNG MẠI KIM LONG
Tên công ty viết bằng tiếng nước ngoài: KIM LONG TRADING COMPANY LIMITED
Tên công ty viết tắt: KIM LONG CO., LTD
2. Địa chỉ trụ sở chính
Số 227 Hùng Vương, Xã Mỹ Đình, Huyện Nghĩa Hưng, Tỉnh Thanh Hóa, Việt Nam
Điện thoại: Fax:
3. Vốn điều lệ: 2.700.000.000 đồng
Bằng chữ: Hai tỷ bảy trăm triệu đồng
4. Người đại diện theo pháp luật của công ty
* Họ và tên: LÊ QUỐC MINH Giới tính: Nam
Chức danh: Giám đốc
Sinh ngày: 05/11/1998 Dân tộc: Kinh Quốc tịch: Việt Nam
Loại giấy tờ pháp lý của cá nhân: Căn cước công dân
Số giấy tờ pháp lý của cá nhân: {rep_id}
Ngày cấp: 04/06/2021 Nơi cấp: Cục Cảnh sát quản lý hành chính về trật tự xã hội
TRƯỞNG PHÒNG"""


def _extract(code: str = "0181518721", rep_id: str = "038098236498"):  # type: ignore[no-untyped-def]
    return extract(
        DocumentType.ENTERPRISE_REGISTRATION_CERTIFICATE,
        [OcrPage.from_text(TEXT.format(code=code, rep_id=rep_id))],
    )


@pytest.mark.parametrize(
    ("raw", "amount"),
    [("2.700.000.000 đồng", "2700000000"), ("500 000 000 đồng", "500000000"), ("đồng", None)],
)
def test_capital(raw: str, amount: str | None) -> None:
    assert t.normalise_capital(raw) == amount


def test_extracted_and_valid() -> None:
    extraction = _extract()
    values = extraction.values()
    assert values["enterprise_code"] == "0181518721"
    assert values["first_registration_date"] == "2018-07-03"
    assert values["amendment_date"] == "2019-11-20"
    assert values["enterprise_name"] == "CÔNG TY TNHH THƯƠNG MẠI KIM LONG"
    assert (
        values["head_office_address"]
        == "Số 227 Hùng Vương, Xã Mỹ Đình, Huyện Nghĩa Hưng, Tỉnh Thanh Hóa, Việt Nam"
    )
    assert values["charter_capital"] == "2700000000"
    assert values["representative_name"] == "LÊ QUỐC MINH"
    assert values["representative_date_of_birth"] == "1998-11-05"
    assert values["representative_id_number"] == "038098236498"
    assert all(f.valid for f in extraction.fields.values())
    assert extraction.model() is not None
    assert classify(TEXT).document_type is DocumentType.ENTERPRISE_REGISTRATION_CERTIFICATE
    assert VALIDITY[DocumentType.ENTERPRISE_REGISTRATION_CERTIFICATE].kind == "until_amended"


def test_bad_check_digit() -> None:
    extraction = _extract(code="0181518722")
    assert not extraction.fields["enterprise_code"].valid
    assert "tax_code_check_digit" in extraction.fields["enterprise_code"].problems


def test_representative_id_of_another_person() -> None:
    extraction = _extract(rep_id="038198236498")  # a woman's century/sex digit for a man born 1998
    assert not extraction.fields["representative_id_number"].valid


def test_model() -> None:
    good = {
        "enterprise_code": "0181518721",
        "first_registration_date": "2018-07-03",
        "enterprise_name": "CÔNG TY TNHH THƯƠNG MẠI KIM LONG",
        "head_office_address": "Tỉnh Thanh Hóa",
        "charter_capital": 2_700_000_000,
        "representative_name": "LÊ QUỐC MINH",
    }
    assert t.EnterpriseRegistrationCertificate.model_validate(good).enterprise_code == "0181518721"
    assert t.EnterpriseRegistrationCertificate.model_validate({**good, "enterprise_code": "0181518721-001"})
    for change in (
        {"enterprise_code": "0181518722"},
        {"amendment_date": "2017-01-01"},
        {"charter_capital": 0},
    ):
        with pytest.raises(ValidationError):
            t.EnterpriseRegistrationCertificate.model_validate({**good, **change})


@pytest.mark.parametrize(
    ("read", "latin"),
    [
        ("TẠN THANH TRAVEL COMPANY LIMITED", "TAN THANH TRAVEL COMPANY LIMITED"),  # a speck as a dot below
        ("HƯNG THINH FOOD JOINT STOCK COMPANY", "HUNG THINH FOOD JOINT STOCK COMPANY"),  # a horn
        ("ĐẠI VIỆT JSC", "DAI VIET JSC"),  # two marks on one letter, Đ
        ("SOCIÉTÉ ÂN PHÁT", "SOCIÉTÉ ÂN PHÁT"),  # marks a Latin-alphabet language has: kept
    ],
)
def test_vietnamese_marks_removed_from_the_foreign_name(read: str, latin: str) -> None:
    assert t.without_vietnamese_marks(read) == latin


def test_foreign_name_read_with_a_vietnamese_mark_is_repaired() -> None:
    text = TEXT.replace("KIM LONG TRADING", "KỊM LONG TRADING")
    extraction = extract(
        DocumentType.ENTERPRISE_REGISTRATION_CERTIFICATE,
        [OcrPage.from_text(text.format(code="0181518721", rep_id="038098236498"))],
    )
    foreign = extraction.fields["enterprise_name_foreign"]
    assert foreign.value == "KIM LONG TRADING COMPANY LIMITED"
    assert t.MARKS_REMOVED in foreign.problems and foreign.valid
    assert _extract().fields["enterprise_name_foreign"].problems == ()  # read right: untouched


@pytest.mark.parametrize(
    ("words", "valid", "agree"),
    [
        ("Hai tỷ bảy trăm triệu đồng", True, True),
        ("Hai tỷ tám trăm triệu đồng", False, False),  # another amount: to a clerk
        ("Hai tỳ bảy trăm triệu đòng", True, True),  # marks misread: folded alike
        ("Hai tỷ bảy trăm triêu dồng", True, True),
        ("Hai tỷ bảy tr4m triệu đồng", True, False),  # no number: the digits as they are
    ],
)
def test_the_capital_is_checked_against_its_words(words: str, valid: bool, agree: bool) -> None:
    text = TEXT.format(code="0181518721", rep_id="038098236498")
    page = OcrPage.from_text(text.replace("Hai tỷ bảy trăm triệu đồng", words))
    page.words = [dataclasses.replace(w, conf=50.0) if w.text == "2.700.000.000" else w for w in page.words]
    capital = extract(DocumentType.ENTERPRISE_REGISTRATION_CERTIFICATE, [page]).fields["charter_capital"]
    assert capital.valid is valid
    assert (numbers.WORDS_AGREE in capital.problems) is agree
    assert (capital.confidence >= numbers.WORDS_AGREE_CONFIDENCE) is agree
    if not valid:
        assert numbers.DIFFERS_FROM_WORDS in capital.problems
