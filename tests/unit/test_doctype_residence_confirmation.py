"""Residence confirmation CT07: numbered labels, the household table not taken for the person's own
fields but read as the household members, relation snapped to the closed list, 12-month validity."""

from __future__ import annotations

import dataclasses
import datetime as dt

from pipeline.classify import classify
from pipeline.ocr import OcrPage
from schemas.doctypes.residence_confirmation import (
    MODEL,
    TABLE_AGREES,
    TABLE_AGREES_CONFIDENCE,
    TABLE_DIFFERS,
    against_household_table,
)
from schemas.documents import DocumentType, ExtractedField
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


def _unsure(page: OcrPage, *texts: str, conf: float = 50.0) -> OcrPage:
    """``page`` with every word spelled as one of ``texts`` read at ``conf``."""
    words = [dataclasses.replace(w, conf=conf) if w.text in texts else w for w in page.words]
    return dataclasses.replace(page, words=words)


def test_values_read_alike_in_the_lines_and_the_table_are_sure() -> None:
    # The head's last name word and the citizen's ID unsure wherever they are printed.
    unsure = _unsure(ct07_page(TEXT), "THỊNH", ID)
    extraction = run(DocumentType.RESIDENCE_CONFIRMATION, unsure, today=dt.date(2025, 6, 1))
    assert values(extraction) == EXPECTED
    assert not extraction.problems
    for name in (
        "head_of_household",
        "household_members.1.full_name",
        "id_number",
        "household_members.2.id_number",
    ):
        field = extraction.fields[name]
        assert field.confidence == TABLE_AGREES_CONFIDENCE and TABLE_AGREES in field.problems, name
    # Without the other place to agree with, the same readings go to a clerk.
    alone = _unsure(ct07_page(TEXT.replace(f"{HEAD_ID}\tChủ hộ", f"{HEAD_ID}\tKhác")), "THỊNH")
    extraction = run(DocumentType.RESIDENCE_CONFIRMATION, alone, today=dt.date(2025, 6, 1))
    assert ("low_confidence", "head_of_household") in problems(extraction)


def test_values_read_differently_in_the_lines_and_the_table_go_to_a_clerk() -> None:
    text = TEXT.replace("2\tTRẦN THU HÀ", "2\tTRẦN THỊ HÀ").replace(
        "1\tNGUYỄN QUỐC THỊNH", "1\tNGUYỄN QUỐC THẮNG"
    )
    extraction = run(DocumentType.RESIDENCE_CONFIRMATION, ct07_page(text), today=dt.date(2025, 6, 1))
    for name in (
        "full_name",
        "household_members.2.full_name",
        "head_of_household",
        "household_members.1.full_name",
    ):
        assert TABLE_DIFFERS in extraction.fields[name].problems, name
    assert {
        ("low_confidence", "full_name"),
        ("low_confidence", "household_members.2.full_name"),
        ("low_confidence", "head_of_household"),
        ("low_confidence", "household_members.1.full_name"),
    } <= problems(extraction)


def _field(value: str, conf: float, *problems: str) -> ExtractedField:
    return ExtractedField(value, value, conf, True, problems)


def test_an_agreement_does_not_lift_a_value_in_doubt() -> None:
    fields = {
        "full_name": _field("HOÀNG THỊ MY", 0.6, "y_dot_ambiguous"),
        "date_of_birth": _field("1990-01-02", 0.5),
        "id_number": _field(ID, 0.95),
        "household_members.1.full_name": _field("HOÀNG THỊ MY", 0.6, "y_dot_ambiguous"),
        "household_members.1.date_of_birth": _field("1990-01-02", 0.95),
        "household_members.1.id_number": _field(ID, 0.5),
        "household_members.1.relation_to_head": _field("Chủ hộ", 0.9),
        "head_of_household": _field("HOÀNG THỊ MY", 0.6, "y_dot_ambiguous"),
    }
    against_household_table(fields)
    assert fields["full_name"].confidence == 0.6  # MY or MỴ: both readings share the doubt
    assert fields["head_of_household"].confidence == 0.6
    assert fields["date_of_birth"].confidence == TABLE_AGREES_CONFIDENCE
    assert fields["household_members.1.date_of_birth"].confidence == 0.95
    assert fields["household_members.1.id_number"].confidence == TABLE_AGREES_CONFIDENCE
    again = dict(fields)
    against_household_table(again)  # idempotent: re-validation runs the hook again
    assert again == fields
