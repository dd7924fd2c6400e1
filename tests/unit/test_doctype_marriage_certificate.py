"""Marriage certificate: two columns with the same labels, each spouse's ID against their own birth date
and sex, legal marriage ages (pure logic on hand-laid OCR words)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from pipeline.classify import classify
from schemas.doctypes.marriage_certificate import MODEL
from schemas.documents import DocumentType
from tests.unit.paper_pages import problems, run, text_page, values

HUSBAND_ID, WIFE_ID = "001091012345", "001193012345"  # Hà Nội; male 1991, female 1993

TEXT = f"""\
ỦY BAN NHÂN DÂN  ||  CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
XÃ ĐÔNG HƯNG  ||  Độc lập - Tự do - Hạnh phúc
Số: 191
Quyển số: 02/2024
GIẤY CHỨNG NHẬN KẾT HÔN
Thông tin người chồng  ||  Thông tin người vợ
Họ, chữ đệm, tên:  ||  Họ, chữ đệm, tên:
PHẠM TRỌNG QUYẾT  ||  TÔ THÙY CHÂU
Ngày, tháng, năm sinh: 22/02/1991  ||  Ngày, tháng, năm sinh: 18/02/1993
Dân tộc: Kinh ˆˆ “'ˆ ”  ||  Dân tộc: Tay
Quốc tịch: Việt Nam  ||  Quốc tịch: Việt Nam
Nơi cư trú: Số 6 Lê Lợi,  ||  Nơi cư trú: Thôn 11,
Phường Vĩnh Niệm, Thành phố Hải Phòng  ||  Xã Thuận Thành, Tỉnh Bắc Ninh
Giấy tờ tùy thân:  ||  Giấy tờ tùy thân:
Căn cước công dân số {HUSBAND_ID}  ||  Căn cước công dân số {WIFE_ID}
Chồng  ||  Vợ
Nơi đăng ký: Ủy ban nhân dân xã Đông Hưng, Thành phố Hà Nội
Ngày, tháng, năm đăng ký: 30/10/2024
"""

EXPECTED = {
    "registration_number": "191",
    "book": "02/2024",
    "husband_name": "PHẠM TRỌNG QUYẾT",
    "husband_date_of_birth": "1991-02-22",
    "husband_ethnicity": "Kinh",  # specks of the leader dots after it dropped
    "husband_nationality": "Việt Nam",
    "husband_residence": "Số 6 Lê Lợi, Phường Vĩnh Niệm, Thành phố Hải Phòng",
    "husband_id_number": HUSBAND_ID,
    "wife_name": "TÔ THÙY CHÂU",
    "wife_date_of_birth": "1993-02-18",
    "wife_ethnicity": "Tày",  # snapped to the closed list (read without its mark)
    "wife_nationality": "Việt Nam",
    "wife_residence": "Thôn 11, Xã Thuận Thành, Tỉnh Bắc Ninh",
    "wife_id_number": WIFE_ID,
    "registration_place": "Ủy ban nhân dân xã Đông Hưng, Thành phố Hà Nội",
    "registration_date": "2024-10-30",
}


def test_classified() -> None:
    result = classify(TEXT.replace("  ||  ", "    "))
    assert result.document_type is DocumentType.MARRIAGE_CERTIFICATE
    assert result.confidence >= 0.6


def test_both_spouses_extracted_from_their_columns() -> None:
    extraction = run(DocumentType.MARRIAGE_CERTIFICATE, text_page(TEXT))
    assert values(extraction) == EXPECTED
    assert all(f.valid for f in extraction.fields.values())
    assert not extraction.problems  # a marriage certificate never expires
    assert extraction.model() is not None


def test_spouse_id_checked_against_that_spouse() -> None:
    # The wife's ID carrying the husband's birth year and a male digit: wrong for her, not for him.
    extraction = run(DocumentType.MARRIAGE_CERTIFICATE, text_page(TEXT.replace(WIFE_ID, "001091054321")))
    wife = extraction.fields["wife_id_number"]
    assert not wife.valid
    assert "sex_mismatch" in wife.problems
    assert extraction.fields["husband_id_number"].valid
    assert ("field_invalid", "wife_id_number") in problems(extraction)


def test_wrong_id_structure_is_invalid() -> None:
    extraction = run(DocumentType.MARRIAGE_CERTIFICATE, text_page(TEXT.replace(HUSBAND_ID, "999091012345")))
    assert not extraction.fields["husband_id_number"].valid


def test_under_age_registration_is_flagged() -> None:
    # Registered when the wife was 17.
    extraction = run(DocumentType.MARRIAGE_CERTIFICATE, text_page(TEXT.replace("30/10/2024", "30/10/2010")))
    assert "under_marriage_age" in extraction.fields["registration_date"].problems


def test_model_refuses_inconsistent_spouse_id() -> None:
    data = {k: v for k, v in EXPECTED.items()}
    assert MODEL.model_validate(data).wife_name == "TÔ THÙY CHÂU"
    data["husband_id_number"] = WIFE_ID
    with pytest.raises(ValidationError):
        MODEL.model_validate(data)
