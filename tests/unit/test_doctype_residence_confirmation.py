"""Residence confirmation CT07: numbered labels, the household table not taken for the person's own
fields, relation snapped to the closed list, 12-month validity."""

from __future__ import annotations

import datetime as dt

from pipeline.classify import classify
from schemas.doctypes.residence_confirmation import MODEL
from schemas.documents import DocumentType
from tests.unit.paper_pages import problems, run, text_page, values

ID, HEAD_ID = "025175274432", "012069750346"  # female 1975; male 1969

TEXT = f"""\
CÔNG AN TỈNH PHÚ THỌ  ||  CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
CÔNG AN XÃ TRÀ CỔ  ||  Độc lập - Tự do - Hạnh phúc
Số: 643/XN  ||  Trà Cổ, ngày 13 tháng 05 năm 2025
XÁC NHẬN THÔNG TIN VỀ CƯ TRÚ
Công an xã Trà Cổ, Tỉnh Phú Thọ xác nhận thông tin về cư trú của công dân như sau:
1. Họ, chữ đệm và tên: TRẦN THU HÀ
2. Ngày, tháng, năm sinh: 25/03/1975  ||  3. Giới tính: Nữ
4. Số định danh cá nhân: {ID}
5. Nơi thường trú: Thôn 5, Xã Hồng Hải, Huyện Nghĩa Hưng, Tỉnh Phú Thọ
6. Nơi tạm trú: Không
7. Nơi ở hiện tại: Thôn 5, Xã Hồng Hải, Huyện Nghĩa Hưng, Tỉnh Phú Thọ
8. Họ, chữ đệm và tên chủ hộ: NGUYỄN QUỐC THỊNH
9. Quan hệ với chủ hộ: Vo
10. Thông tin về thành viên trong hộ gia đình:
TT Họ, chữ đệm và tên Ngày sinh Giới tính Số định danh cá nhân Quan hệ với chủ hộ
1 NGUYỄN QUỐC THỊNH 13/11/1969 Nam {HEAD_ID} Chủ hộ
2 TRẦN THU HÀ 25/03/1975 Nữ {ID} Vợ
Thông tin trên có giá trị sử dụng 01 năm kể từ ngày cấp.
"""

EXPECTED = {
    "document_number": "643/XN",
    "issue_date": "2025-05-13",
    "full_name": "TRẦN THU HÀ",
    "date_of_birth": "1975-03-25",
    "sex": "Nữ",
    "id_number": ID,
    "permanent_residence": "Thôn 5, Xã Hồng Hải, Huyện Nghĩa Hưng, Tỉnh Phú Thọ",
    "temporary_residence": "Không",
    "current_residence": "Thôn 5, Xã Hồng Hải, Huyện Nghĩa Hưng, Tỉnh Phú Thọ",
    "head_of_household": "NGUYỄN QUỐC THỊNH",
    "relation_to_head": "Vợ",
}


def test_classified() -> None:
    assert classify(TEXT.replace("  ||  ", "    ")).document_type is DocumentType.RESIDENCE_CONFIRMATION


def test_person_fields_not_the_table() -> None:
    extraction = run(DocumentType.RESIDENCE_CONFIRMATION, text_page(TEXT), today=dt.date(2025, 6, 1))
    assert values(extraction) == EXPECTED
    assert not extraction.problems
    assert extraction.model() is not None


def test_expired_after_a_year() -> None:
    extraction = run(DocumentType.RESIDENCE_CONFIRMATION, text_page(TEXT), today=dt.date(2026, 5, 14))
    assert ("document_expired", "issue_date") in problems(extraction)


def test_unknown_relation_and_wrong_id() -> None:
    text = TEXT.replace("chủ hộ: Vo", "chủ hộ: Hàng xóm").replace(f"nhân: {ID}", "nhân: 025175274")
    extraction = run(DocumentType.RESIDENCE_CONFIRMATION, text_page(text), today=dt.date(2025, 6, 1))
    assert not extraction.fields["relation_to_head"].valid
    assert not extraction.fields["id_number"].valid  # 9 digits: an old ID card number
    assert MODEL.model_validate(EXPECTED).relation_to_head == "Vợ"
