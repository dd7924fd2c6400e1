"""Application forms: the birth-registration form (not a birth certificate, though it carries the
same labels) and CT01 (the applicant's ID, not the head of household's)."""

from __future__ import annotations

from pipeline.classify import classify
from schemas.doctypes.application_form import VALIDITY
from schemas.documents import DocumentType
from tests.unit.paper_pages import problems, run, text_page, values

APPLICANT_ID, HEAD_ID = "054186727122", "012069750346"

BIRTH_FORM = f"""\
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
TỜ KHAI ĐĂNG KÝ KHAI SINH
Kính gửi: Ủy ban nhân dân xã Quang Trung, Tỉnh Phú Yên
Họ, chữ đệm, tên người yêu cầu: TRỊNH THANH HUYỀN
Nơi cư trú: Thôn 11, Xã Mỹ Đình, Huyện Thanh Oai, Tỉnh Phú Yên
Giấy tờ tùy thân: Căn cước công dân số {APPLICANT_ID}
Quan hệ với người được khai sinh: Mẹ
Đề nghị cơ quan đăng ký khai sinh cho người dưới đây:
Họ, chữ đệm, tên: NGUYỄN XUÂN BẢO
Ngày, tháng, năm sinh: 31/01/2023 ghi bằng chữ:
Giới tính: Nam Dân tộc: Thái Quốc tịch: Việt Nam
Nơi sinh: Trạm y tế xã Tân Phong, Tỉnh Trà Vinh
Quê quán: Xã Hồng Hải, Huyện Cẩm Giàng, Tỉnh Trà Vinh
Tôi cam đoan nội dung đề nghị đăng ký khai sinh trên đây là đúng sự thật, được sự thỏa thuận
nhất trí của các bên liên quan theo quy định pháp luật.
Tôi chịu hoàn toàn trách nhiệm trước pháp luật về nội dung cam đoan của mình.
Làm tại: Quang Trung, ngày 03 tháng 02 năm 2023
Người yêu cầu
"""

CT01 = f"""\
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
TỜ KHAI THAY ĐỔI THÔNG TIN CƯ TRÚ
Kính gửi: Công an xã Hưng Đạo, Thành phố Hải Phòng
1. Họ, chữ đệm và tên: NGUYỄN THỊ THU MAI
2. Ngày, tháng, năm sinh: 13/06/1994  ||  3. Giới tính: Nữ
4. Số định danh cá nhân: 019194251849
5. Số điện thoại liên hệ: 0955414501  ||  6. Email:
7. Họ, chữ đệm và tên chủ hộ: NGUYỄN VĂN AN
8. Mối quan hệ với chủ hộ: Con
9. Số định danh cá nhân của chủ hộ: {HEAD_ID}
10. Nội dung đề nghị: Đăng ký thường trú tại Số 17 Bạch Đằng, Phường Láng Hạ,
Quận Thanh Oai, Thành phố Hải Phòng
11. Những thành viên trong hộ gia đình cùng thay đổi: Không.
Hưng Đạo, ngày 11 tháng 11 năm 2025
"""


def test_birth_registration_form_is_an_application_not_a_certificate() -> None:
    result = classify(BIRTH_FORM)
    assert result.document_type is DocumentType.APPLICATION_FORM
    assert classify(CT01.replace("  ||  ", "    ")).document_type is DocumentType.APPLICATION_FORM


def test_birth_registration_form_fields() -> None:
    extraction = run(DocumentType.APPLICATION_FORM, text_page(BIRTH_FORM))
    assert values(extraction) == {
        "form_title": "TỜ KHAI ĐĂNG KÝ KHAI SINH",
        "recipient": "Ủy ban nhân dân xã Quang Trung, Tỉnh Phú Yên",
        "applicant_name": "TRỊNH THANH HUYỀN",  # not the child's name
        "applicant_id_number": APPLICANT_ID,
        "applicant_address": "Thôn 11, Xã Mỹ Đình, Huyện Thanh Oai, Tỉnh Phú Yên",
        "issue_date": "2023-02-03",
    }  # no request: "nội dung đề nghị" inside the commitment sentence is no label
    assert not extraction.problems  # single use: never "expired"
    assert VALIDITY.kind == "single_use"
    assert extraction.model() is not None


def test_ct01_fields() -> None:
    extraction = run(DocumentType.APPLICATION_FORM, text_page(CT01))
    assert values(extraction) == {
        "form_title": "TỜ KHAI THAY ĐỔI THÔNG TIN CƯ TRÚ",
        "recipient": "Công an xã Hưng Đạo, Thành phố Hải Phòng",
        "applicant_name": "NGUYỄN THỊ THU MAI",
        "applicant_id_number": "019194251849",  # not the head of household's
        "request": (
            "Đăng ký thường trú tại Số 17 Bạch Đằng, Phường Láng Hạ, Quận Thanh Oai, Thành phố Hải Phòng"
        ),
        "issue_date": "2025-11-11",
    }
    assert not extraction.problems


def test_unknown_form_title_is_noted_and_bad_id_flagged() -> None:
    text = CT01.replace("THAY ĐỔI THÔNG TIN CƯ TRÚ", "CẤP BẢN SAO TRÍCH LỤC").replace(
        "019194251849", "01919425"
    )
    extraction = run(DocumentType.APPLICATION_FORM, text_page(text))
    title = extraction.fields["form_title"]
    assert title.valid and "unknown_form" in title.problems
    assert ("field_invalid", "applicant_id_number") in problems(extraction)
