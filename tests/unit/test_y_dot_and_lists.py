"""The missing ỵ (the ``vie`` model has no ỵ: a place with ỵ is repaired from the lexicon, a name
that may have lost one goes to review) and the list fields of paper documents read from word
geometry (CT07 household members, a decision's recipients). Pure logic: hand-made OCR words."""

from __future__ import annotations

import dataclasses

import pytest
from PIL import Image

from pipeline.extract import ZoneReader
from pipeline.lists import household_members, list_problems, recipients, rows
from pipeline.ocr import OcrOptions, OcrPage, Word, ZoneRequest
from schemas.doctypes._lexicon import Y_DOT_CONFIDENCE, repair_y_dot, repair_y_dot_place, y_dot_ambiguous_name
from schemas.doctypes._papers import ENTRY_AS_PRINTED, ENTRY_SURE_CONFIDENCE
from schemas.doctypes.administrative_decision import MODEL as DECISION
from schemas.doctypes.residence_confirmation import MODEL as CT07
from schemas.documents import ExtractedField

# ------------------------------------------------------------------------------------------ ỵ


@pytest.mark.parametrize(
    ("read", "expected"),
    [
        ("Phường Đồng Ky, Thị xã Từ Sơn, Tỉnh Bắc Ninh", "Phường Đồng Kỵ, Thị xã Từ Sơn, Tỉnh Bắc Ninh"),
        ("PHƯỜNG ĐỒNG KY, THỊ XÃ TỪ SƠN", "PHƯỜNG ĐỒNG KỴ, THỊ XÃ TỪ SƠN"),
        ("Xã Đồng Kỹ", "Xã Đồng Kỵ"),  # capitals in Noto Serif: Ỵ read Ỹ
        ("Số 5, Đồng Ky, Từ Sơn", "Số 5, Đồng Kỵ, Từ Sơn"),  # a whole part of the address
        ("Công an xã Đồng Ky", "Công an xã Đồng Kỵ"),  # a text field naming the commune
    ],
)
def test_a_place_that_lost_its_y_dot_is_repaired(read: str, expected: str) -> None:
    assert repair_y_dot_place(read) == (expected, True)


@pytest.mark.parametrize(
    "read",
    [
        "Xã Đồng Kỵ, Thị xã Từ Sơn",  # already right
        "Ông Đồng Ky",  # no place context: not repaired
        "Xã Đồng Kyo",  # another word
        "Xã Tân Phong, Huyện Kỳ Anh",
    ],
)
def test_no_repair_without_the_evidence(read: str) -> None:
    assert repair_y_dot_place(read) == (read, False)


def test_names_that_may_have_lost_a_y_dot() -> None:
    assert y_dot_ambiguous_name("NGUYỄN THỊ MY")  # MỴ is read MY: both are given names
    assert y_dot_ambiguous_name("TRẦN THỊ MỸ")  # capitals in Noto Serif: MỴ read MỸ
    assert not y_dot_ambiguous_name("HUỲNH THỊ MỸ LINH")  # a middle name: Mỵ is a given name
    assert not y_dot_ambiguous_name("Nguyễn Thị Mỹ")  # a lower-case ỹ is read as it is
    assert not y_dot_ambiguous_name("LÊ THỊ VY")
    assert not y_dot_ambiguous_name("LÊ THỊ MỴ")  # the ỵ itself (a clerk's value)


def _field(value: str, source: str = "ocr", conf: float = 0.95) -> ExtractedField:
    return ExtractedField(value, value, conf, True, (), source)


def test_repair_y_dot_on_fields() -> None:
    fields = {
        "full_name": _field("TRẦN THỊ MY"),
        "father_name": _field("TRẦN VĂN MY", source="qr"),  # another source decided
        "place_of_residence": _field("Phường Đồng Ky, Thị xã Từ Sơn, Tỉnh Bắc Ninh"),
        "registration_place": _field("Ủy ban nhân dân phường Đồng Ky"),
        "id_number": _field("027190000001"),
    }
    repair_y_dot(
        {
            "full_name": "name",
            "father_name": "name",
            "place_of_residence": "place",
            "registration_place": "text",
        },
        fields,
    )
    name = fields["full_name"]
    assert name.value == "TRẦN THỊ MY" and name.valid  # not guessed
    assert name.confidence <= Y_DOT_CONFIDENCE and "y_dot_ambiguous" in name.problems
    assert fields["father_name"] == _field("TRẦN VĂN MY", source="qr")
    assert fields["place_of_residence"].value == "Phường Đồng Kỵ, Thị xã Từ Sơn, Tỉnh Bắc Ninh"
    assert fields["place_of_residence"].problems == ("y_dot_repaired",)
    assert fields["registration_place"].value == "Ủy ban nhân dân phường Đồng Kỵ"
    assert fields["id_number"] == _field("027190000001")


# ------------------------------------------------------------------------------- list fields

_H = 32  # word height in pixels


def _line(line_id: int, top: int, *cells: tuple[int, str], conf: float = 95.0) -> list[Word]:
    """Words of one OCR line: (left, text) per word."""
    return [Word(text, conf, left, top, 12 * len(text) + 10, _H, line_id) for left, text in cells]


def _page(lines: list[list[Word]]) -> OcrPage:
    words = [w for line in lines for w in line]
    return OcrPage(1, "", words, 95.0, b"", 300, None)


_HEADER = _line(
    10, 2215, (272, "TT"), (369, "|"), (391, "Họ,"), (471, "chữ"), (561, "đệm"), (657, "và"), (717, "tên"),
    (1076, "Ngày"), (1187, "sinh"), (1431, "Giới"), (1527, "tính"), (1643, "|Số"), (1702, "định"),
    (1806, "danh"), (1920, "cá"), (2022, "|Quan"), (2140, "hệ"), (2199, "với"),
)  # fmt: skip
_HEADER_2 = _line(11, 2266, (1643, "nhân"), (2022, "chủ"), (2106, "hộ"))
_FOOTER = _line(
    20, 2684, (264, "Thông"), (424, "tin"), (501, "trên"), (607, "có"), (669, "giá"), (760, "trị")
)


def _member(
    line_id: int, top: int, number: str, name: str, born: str, sex: str, pid: str, rel: str
) -> list[Word]:
    cells = [(275, number)] if number else []
    left = 392
    for word in name.split():
        cells.append((left, word))
        left += 12 * len(word) + 40
    cells += [(1077, born), (1431, sex), (1644, pid)]
    left = 2022
    for word in rel.split():
        cells.append((left, word))
        left += 12 * len(word) + 40
    return _line(line_id, top, *cells)


def test_household_members_are_read_row_by_row() -> None:
    page = _page(
        [
            _HEADER,
            _HEADER_2,
            _member(12, 2367, "1", "NGUYỄN VĂN AN", "02/11/1963", "Nam", "001063000012", "Chủ hộ"),
            _member(13, 2461, "2", "NGUYỄN THỊ MY", "20/11/1990", "Nữ", "001190000025", "Con"),
            _FOOTER,
        ]
    )
    fields = household_members([page], None, OcrOptions())
    values = {name: f.value for name, f in fields.items()}
    assert values == {
        "household_members.1.full_name": "NGUYỄN VĂN AN",
        "household_members.1.date_of_birth": "1963-11-02",
        "household_members.1.sex": "Nam",
        "household_members.1.id_number": "001063000012",
        "household_members.1.relation_to_head": "Chủ hộ",
        "household_members.2.full_name": "NGUYỄN THỊ MY",
        "household_members.2.date_of_birth": "1990-11-20",
        "household_members.2.sex": "Nữ",
        "household_members.2.id_number": "001190000025",
        "household_members.2.relation_to_head": "Con",
        "household_members.count": "2",
    }
    # MY may be MỴ: to review, not guessed; everything else valid and confident.
    assert list_problems(fields) == [("low_confidence", "household_members.2.full_name")]
    model = CT07.model_validate(
        {
            "document_number": "1/XN",
            "issue_date": "2024-08-05",
            "full_name": "NGUYỄN VĂN AN",
            "date_of_birth": "1963-11-02",
            "sex": "Nam",
            "id_number": "001063000012",
            "permanent_residence": "Xã Tân Phong, Huyện Vũ Thư, Tỉnh Thái Bình",
            "current_residence": "Xã Tân Phong, Huyện Vũ Thư, Tỉnh Thái Bình",
            "head_of_household": "NGUYỄN VĂN AN",
            "relation_to_head": "Chủ hộ",
            **values,
        }
    )
    assert [m.full_name for m in model.household_members] == ["NGUYỄN VĂN AN", "NGUYỄN THỊ MY"]
    assert model.household_members[1].sex == "Nữ"


def test_an_unreadable_member_row_is_flagged_not_dropped() -> None:
    page = _page(
        [
            _HEADER,
            _member(12, 2367, "1", "NGUYỄN VĂN AN", "02/11/1963", "Nam", "001063000012", "Chủ hộ"),
            # Row 2: its number, date and ID lost (a stain); the name alone is left.
            _line(13, 2461, (392, "TRẦN"), (500, "THỊ"), (600, "LAN")),
            # Row 3: the ID contradicts the printed sex (a misread digit).
            _member(14, 2556, "3", "NGUYỄN THỊ LAN", "04/12/1991", "Nữ", "001091000025", "Con"),
            _FOOTER,
        ]
    )
    fields = household_members([page], None, OcrOptions())
    assert fields["household_members.2.full_name"].value == "TRẦN THỊ LAN"
    for column in ("date_of_birth", "sex", "id_number", "relation_to_head"):
        assert not fields[f"household_members.2.{column}"].valid
    assert not fields["household_members.3.id_number"].valid  # 0 is a man born in the 1900s
    count = fields["household_members.count"]
    assert count.value == "3" and not count.valid  # row numbers 1, ?, 3
    flagged = {name for _, name in list_problems(fields)}
    assert {
        "household_members.2.id_number",
        "household_members.3.id_number",
        "household_members.count",
    } <= flagged
    # From the unnumbered row on, a row may be lost or split: every field there goes to review.
    assert {f"household_members.3.{c}" for c in ("full_name", "date_of_birth", "sex")} <= flagged
    assert "household_members.1.full_name" not in flagged


def test_no_household_table_is_flagged() -> None:
    fields = household_members([_page([_FOOTER])], None, OcrOptions())
    assert list(fields) == ["household_members.count"]
    assert not fields["household_members.count"].valid


def test_recipients_are_read_from_the_bottom_left() -> None:
    page = _page(
        [
            _line(20, 2398, (261, "Nơi"), (357, "nhận:"), (1535, "KT."), (1633, "CHỦ"), (1761, "TỊCH")),
            _line(
                21, 2459, (261, "-"), (287, "Như"), (390, "Điêu"), (500, "3;"), (1518, "PHÓ"), (1650, "CHỦ")
            ),
            _line(22, 2520, (261, "-"), (286, "UBND"), (423, "Tinh"), (533, "Quảng"), (682, "Bình;")),
            _line(
                23, 2579, (261, "-"), (287, "Chủ"), (380, "tịch,"), (480, "các"), (560, "PCT"), (660, "UBND")
            ),
            _line(24, 2625, (300, "huyện;")),  # the same recipient, continued
            _line(25, 2680, (261, "-"), (287, "Lưu:"), (394, "VTI,"), (470, "TP."), conf=37.0),
            _line(26, 2941, (1486, "Nguyễn"), (1699, "Minh"), (1849, "Lộc")),
        ]
    )
    page.image = None
    fields = recipients([page])
    assert {name: f.value for name, f in fields.items()} == {
        "recipients.1": "Như Điều 3",
        "recipients.2": "UBND Tỉnh Quảng Bình",
        "recipients.3": "Chủ tịch, các PCT UBND huyện",
        "recipients.4": "Lưu: VT, TP",
        "recipients.count": "4",
    }
    # "VTI" at 37%: the archive code VT is mandatory, but "TP" was read at 37% too: to review.
    assert list_problems(fields) == [("low_confidence", "recipients.4")]
    model = DECISION.model_validate(
        {
            "issuing_agency": "ỦY BAN NHÂN DÂN HUYỆN ĐỨC PHỔ",
            "document_number": "12/QĐ-UBND",
            "issue_date": "2024-01-02",
            "subject": "hỗ trợ kinh phí học nghề",
            "signer_title": "KT. CHỦ TỊCH PHÓ CHỦ TỊCH",
            "signer_name": "NGUYỄN MINH LỘC",
            **{name: f.value for name, f in fields.items()},
        }
    )
    assert model.recipients[0] == "Như Điều 3" and len(model.recipients) == 4


def test_no_recipients_list_is_flagged() -> None:
    fields = recipients([_page([_FOOTER])])
    assert not fields["recipients.count"].valid


def test_list_field_definitions_for_corrections() -> None:
    from pipeline.lists import list_field_def
    from schemas.documents import DocumentType, FieldKind

    member_date = list_field_def("household_members.2.date_of_birth")
    assert member_date is not None and member_date.kind is FieldKind.DATE
    recipient = list_field_def("recipients.3")
    assert recipient is not None and recipient.kind is FieldKind.TEXT
    assert list_field_def("household_members.2.number") is None  # the row number is no field
    count = list_field_def("household_members.count")  # a shifted list's count is the clerk's to fix
    assert count is not None and count.kind is FieldKind.NUMBER
    assert list_field_def("full_name") is None
    # Only the list the type carries.
    assert list_field_def("recipients.3", DocumentType.ADMINISTRATIVE_DECISION) is not None
    assert list_field_def("recipients.3", DocumentType.RESIDENCE_CONFIRMATION) is None
    assert list_field_def("household_members.1.sex", DocumentType.CCCD_2021) is None


def test_a_misread_first_header_word_still_gives_the_columns() -> None:
    header = [dataclasses.replace(w, text="TÍ") if w.text == "TT" else w for w in _HEADER]
    row = _member(12, 2367, "1", "NGUYỄN VĂN AN", "02/11/1963", "Nam", "001063000012", "Chủ hộ")
    fields = household_members([_page([header, row, _FOOTER])], None, OcrOptions())
    assert fields["household_members.1.id_number"].value == "001063000012"
    assert fields["household_members.count"].valid


def _misnumbered_page(third: str) -> OcrPage:
    """Three members; the third row's number read ``third`` at confidence 0 (a lone digit in a narrow
    cell), with the page's image for a re-read."""
    rows = [
        _member(12, 2367, "1", "NGUYỄN VĂN AN", "02/11/1963", "Nam", "001063000012", "Chủ hộ"),
        _member(13, 2461, "2", "NGUYỄN THỊ LAN", "20/11/1990", "Nữ", "001190000025", "Con"),
        _member(14, 2556, third, "NGUYỄN VĂN BÌNH", "04/12/1991", "Nam", "001091000027", "Con"),
    ]
    rows[2][0] = dataclasses.replace(rows[2][0], conf=0.0)
    page = _page([_HEADER, _HEADER_2, *rows, _FOOTER])
    page.image = Image.new("L", (2400, 2800), 255)
    return page


def _digits_reader(reads: str, calls: list[ZoneRequest]) -> ZoneReader:
    """Reads ``reads`` in the "TT" column (left of the names), nothing elsewhere."""

    def reader(page: OcrPage, box: tuple[int, int, int, int], request: ZoneRequest) -> list[Word]:
        if box[2] > 369:
            return []
        calls.append(request)
        return [Word(reads, 96.0, box[0], box[1], box[2] - box[0], box[3] - box[1], -1)]

    return reader


def test_a_misread_row_number_is_read_again_with_the_digits_model() -> None:
    calls: list[ZoneRequest] = []
    fields = household_members([_misnumbered_page("ỏ")], _digits_reader("3", calls), OcrOptions())
    assert [(c.language, c.whitelist) for c in calls] == [("eng", "0123456789")]  # the third row only
    assert fields["household_members.count"].value == "3" and fields["household_members.count"].valid
    assert not list_problems(fields)
    # Without a reader the rows from the third on stay in doubt, as before.
    unread = household_members([_misnumbered_page("ỏ")], None, OcrOptions())
    assert not unread["household_members.count"].valid
    assert "list_shifted" in unread["household_members.3.full_name"].problems


def test_a_row_number_read_again_as_another_number_leaves_the_rows_in_doubt() -> None:
    # Row 3 lost: the row in third place is numbered 4, and the re-read says so too.
    fields = household_members([_misnumbered_page("1")], _digits_reader("4", []), OcrOptions())
    assert not fields["household_members.count"].valid
    assert "list_shifted" in fields["household_members.3.full_name"].problems


def test_a_relation_read_as_printed_is_sure_however_unsure_the_word() -> None:
    low = [
        dataclasses.replace(w, conf=20.0) if w.text in ("Con", "Bố") else w
        for w in _misnumbered_page("3").words
    ]
    page = _page([_HEADER, *rows(low[len(_HEADER) :])])
    fields = household_members([page], None, OcrOptions())
    relation = fields["household_members.2.relation_to_head"]
    assert relation.value == "Con" and relation.confidence == ENTRY_SURE_CONFIDENCE
    assert relation.problems == (ENTRY_AS_PRINTED,)
    # "Bố" is one mark from "Bà": a word read at 20 stays unsure.
    bo = [dataclasses.replace(w, text="Bố") if w.text == "Con" else w for w in low]
    fields = household_members([_page([_HEADER, *rows(bo[len(_HEADER) :])])], None, OcrOptions())
    assert fields["household_members.2.relation_to_head"].confidence == pytest.approx(0.2)


def test_a_garbled_recipient_line_puts_the_rest_of_the_list_in_doubt() -> None:
    page = _page(
        [
            _line(20, 2398, (261, "Nơi"), (357, "nhận:"), (1535, "KT."), (1633, "CHỦ"), (1761, "TỊCH")),
            _line(21, 2459, (261, "-"), (287, "Như"), (390, "Điều"), (500, "3;")),
            # Merged with the signer's block beside it: an item may be lost or joined here.
            _line(22, 2520, (261, ":"), (286, "bền"), (374, "hi"), conf=12.0),
            _line(23, 2579, (261, "-"), (287, "UBND"), (380, "xã;")),
            _line(24, 2638, (261, "-"), (287, "Lưu:"), (394, "VT,"), (470, "TP.")),
        ]
    )
    fields = recipients([page])
    assert fields["recipients.1"].value == "Như Điều 3" and fields["recipients.1"].confidence > 0.9
    flagged = {name for _, name in list_problems(fields)}
    assert flagged == {"recipients.2", "recipients.3", "recipients.4", "recipients.count"}
    assert "list_shifted" in fields["recipients.4"].problems


def test_a_recipient_of_specks_only_puts_the_rest_of_the_list_in_doubt() -> None:
    """A stray mark read as a dash opens an empty item: the items after it are shifted by one and the
    count is one too many (a confident wrong count on bench seed 2718, decision #12 clean)."""
    page = _page(
        [
            _line(20, 2398, (261, "Nơi"), (357, "nhận:"), (1535, "KT."), (1633, "CHỦ"), (1761, "TỊCH")),
            _line(21, 2459, (261, "-"), (287, "Như"), (390, "Điều"), (500, "3;")),
            _line(22, 2520, (261, "-"), (287, "—")),
            _line(23, 2579, (261, "-"), (287, "UBND"), (380, "xã;")),
        ]
    )
    fields = recipients([page])
    assert fields["recipients.1"].value == "Như Điều 3" and fields["recipients.1"].confidence > 0.9
    flagged = {name for _, name in list_problems(fields)}
    assert flagged >= {"recipients.2", "recipients.3", "recipients.count"}


def test_an_archive_code_with_a_tripled_letter_goes_to_review() -> None:
    """'VHTT' read 'VHTTT' at full confidence (4 confident wrong values on bench seed 2718)."""
    from pipeline.lists import _recipient

    words = [Word("Lưu:", 96, 0, 0, 60, 30, 1), Word("VT,", 96, 70, 0, 40, 30, 1)]
    doubled = _recipient("- Lưu: VT, VHTTT.", [*words, Word("VHTTT", 96, 120, 0, 90, 30, 1)])
    assert "archive_code_doubtful" in doubled.problems and doubled.confidence < 0.6
    right = _recipient("- Lưu: VT, VHTT.", [*words, Word("VHTT", 96, 120, 0, 80, 30, 1)])
    assert right.valid and right.value == "Lưu: VT, VHTT" and not right.problems
