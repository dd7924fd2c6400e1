"""Residence confirmation CT07: numbered labels, the household table not taken for the person's own
fields but read as the household members, relation snapped to the closed list, 12-month validity."""

from __future__ import annotations

import datetime as dt

from pipeline.classify import classify
from pipeline.ocr import OcrPage
from schemas.doctypes.residence_confirmation import MODEL
from schemas.documents import DocumentType
from tests.unit.paper_pages import page, problems, run, values

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
TT	Họ, chữ đệm và tên	Ngày sinh	Giới tính	Số định danh cá nhân	Quan hệ với chủ hộ
1	NGUYỄN QUỐC THỊNH	13/11/1969	Nam	{HEAD_ID}	Chủ hộ
2	TRẦN THU HÀ	25/03/1975	Nữ	{ID}	Vo
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
    "household_members.1.full_name": "NGUYỄN QUỐC THỊNH",
    "household_members.1.date_of_birth": "1969-11-13",
    "household_members.1.sex": "Nam",
    "household_members.1.id_number": HEAD_ID,
    "household_members.1.relation_to_head": "Chủ hộ",
    "household_members.2.full_name": "TRẦN THU HÀ",
    "household_members.2.date_of_birth": "1975-03-25",
    "household_members.2.sex": "Nữ",
    "household_members.2.id_number": ID,
    "household_members.2.relation_to_head": "Vợ",  # "Vo": a lost mark, snapped to the list
    "household_members.count": "2",
}
# Left edges of the household table's columns (TT, name, born, sex, ID, relation): its lines are
# tab-separated in TEXT.
COLUMNS = (100, 200, 800, 1100, 1300, 1800)


def ct07_page(text: str) -> OcrPage:
    """:func:`text_page`, with the table's cells (tab-separated) at their columns."""
    rows: list[list[tuple[int, str]]] = []
    for line in text.splitlines():
        if "\t" in line:
            rows.append([(x, cell) for x, cell in zip(COLUMNS, line.split("\t"), strict=True) if cell])
            continue
        left, _, right = line.partition("  ||  ")
        rows.append([(100, left)] if left.strip() else [])
        if right.strip():
            rows[-1].append((1300, right))
    return page(rows)


def test_classified() -> None:
    assert classify(TEXT.replace("  ||  ", "    ")).document_type is DocumentType.RESIDENCE_CONFIRMATION


def test_person_fields_not_the_table() -> None:
    extraction = run(DocumentType.RESIDENCE_CONFIRMATION, ct07_page(TEXT), today=dt.date(2025, 6, 1))
    assert values(extraction) == EXPECTED
    assert not extraction.problems
    model = extraction.model()
    assert model is not None
    assert [m["relation_to_head"] for m in model.model_dump()["household_members"]] == ["Chủ hộ", "Vợ"]


def test_expired_after_a_year() -> None:
    extraction = run(DocumentType.RESIDENCE_CONFIRMATION, ct07_page(TEXT), today=dt.date(2026, 5, 14))
    assert ("document_expired", "issue_date") in problems(extraction)


def test_unknown_relation_and_wrong_id() -> None:
    text = TEXT.replace("chủ hộ: Vo", "chủ hộ: Hàng xóm").replace(f"nhân: {ID}", "nhân: 025175274")
    extraction = run(DocumentType.RESIDENCE_CONFIRMATION, ct07_page(text), today=dt.date(2025, 6, 1))
    assert not extraction.fields["relation_to_head"].valid
    assert not extraction.fields["id_number"].valid  # 9 digits: an old ID card number
    assert MODEL.model_validate(EXPECTED).relation_to_head == "Vợ"


def test_an_old_holder_heads_the_household() -> None:
    """Drawing a head two years older than the oldest citizens failed (RuntimeError) for these seeds
    of 400 (bench seed 2718 #2): such a holder heads the household."""
    import datetime as dt
    import random

    from pipeline.corpus.paper_forms import person
    from pipeline.corpus.residence_confirmation import _household

    for seed in (25, 52, 63, 100, 138, 188, 240, 258, 302, 369, 395):
        rng = random.Random(seed)
        holder = person(rng, born_before=dt.date(2008, 1, 1))
        relation, members = _household(rng, holder)
        assert members[0][4] == "Chủ hộ"
        if relation == "Chủ hộ":
            assert members[0][3] == holder.id_number
