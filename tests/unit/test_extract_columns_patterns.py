"""Engine features of the paper types: two-column forms (FieldDef.column) and values printed without
a label (FieldDef.pattern). Word boxes are laid out by hand (no image, no Tesseract)."""

from __future__ import annotations

from pipeline.extract import _locate, _segments
from pipeline.ocr import OcrPage
from schemas.doctypes._papers import DATE_LINE, SIGNER_NAME_LINE, SIGNER_TITLE_LINE
from schemas.documents import DocumentType, DocumentTypeDef, ExtractedField, FieldDef, FieldKind
from tests.unit.paper_pages import page

COLUMNS = DocumentTypeDef(
    type=DocumentType.MARRIAGE_CERTIFICATE,
    title_vi="test",
    titles=("TEST",),
    fields=(
        FieldDef("left_name", "n", FieldKind.TEXT, ("Họ, chữ đệm, tên:",), column=0),
        FieldDef("left_dob", "d", FieldKind.TEXT, ("Ngày, tháng, năm sinh:",), column=0),
        FieldDef("left_home", "h", FieldKind.TEXT, ("Nơi cư trú:",), multiline=True, column=0),
        FieldDef("right_name", "n", FieldKind.TEXT, ("Họ, chữ đệm, tên:",), column=1),
        FieldDef("right_dob", "d", FieldKind.TEXT, ("Ngày, tháng, năm sinh:",), column=1),
        FieldDef("right_home", "h", FieldKind.TEXT, ("Nơi cư trú:",), multiline=True, column=1),
        FieldDef("place", "p", FieldKind.TEXT, ("Nơi đăng ký:",)),
    ),
)


def located(definition: DocumentTypeDef, ocr: OcrPage) -> dict[str, str]:
    return {name: found.raw for name, found in _locate(definition, _segments(definition, [ocr])).items()}


def test_same_labels_in_two_columns_go_to_their_column() -> None:
    ocr = page(
        [
            [(100, "Họ, chữ đệm, tên:"), (1300, "Họ, chữ đệm, tên:")],
            [(120, "PHẠM TRỌNG QUYẾT"), (1320, "TÔ THÙY CHÂU")],
            [(100, "Ngày, tháng, năm sinh: 22/02/2003"), (1300, "Ngày, tháng, năm sinh: 18/02/2001")],
            [(100, "Nơi cư trú: Số 6 Lê Lợi,"), (1300, "Nơi cư trú: Thôn 11,")],
            [(100, "Phường Vĩnh Niệm"), (1300, "Xã Thuận Thành")],
            [(100, "Nơi đăng ký: Ủy ban nhân dân xã Đông Hưng, Thành phố Hà Nội")],
        ]
    )
    values = located(COLUMNS, ocr)
    assert values["left_name"] == "PHẠM TRỌNG QUYẾT"
    assert values["right_name"] == "TÔ THÙY CHÂU"
    assert values["left_dob"] == "22/02/2003"
    assert values["right_dob"] == "18/02/2001"
    assert values["left_home"] == "Số 6 Lê Lợi, Phường Vĩnh Niệm"
    assert values["right_home"] == "Thôn 11, Xã Thuận Thành"
    # A single-column line crossing the middle with ordinary word spaces is not cut.
    assert values["place"] == "Ủy ban nhân dân xã Đông Hưng, Thành phố Hà Nội"


def test_right_column_alone_is_not_taken_for_the_left() -> None:
    ocr = page([[(1300, "Ngày, tháng, năm sinh: 18/02/2001")]])
    values = located(COLUMNS, ocr)
    assert values == {"right_dob": "18/02/2001"}


PATTERNS = DocumentTypeDef(
    type=DocumentType.ADMINISTRATIVE_DECISION,
    title_vi="test",
    titles=("QUYẾT ĐỊNH",),
    fields=(
        FieldDef(
            "agency", "a", FieldKind.TEXT, (), pattern=r"^(?P<value>ỦY BAN NHÂN DÂN\b.*)$", multiline=True
        ),
        FieldDef("number", "s", FieldKind.TEXT, ("Số:",)),
        FieldDef("issued", "d", FieldKind.TEXT, (), pattern=DATE_LINE),
        FieldDef("signer_title", "t", FieldKind.TEXT, (), pattern=SIGNER_TITLE_LINE, multiline=True),
        FieldDef("signer_name", "n", FieldKind.TEXT, (), pattern=SIGNER_NAME_LINE),
    ),
)

DECISION_ROWS = [
    [(300, "ỦY BAN NHÂN DÂN"), (1300, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")],
    [(300, "HUYỆN DIỄN CHÂU"), (1300, "Độc lập - Tự do - Hạnh phúc")],
    [(300, "Số: 3733/QĐ-UBND"), (1300, "Diễn Châu, ngày 30 tháng 08 năm 2023")],
    [(900, "QUYẾT ĐỊNH")],
    [(100, "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015;")],
    [(100, "Nơi nhận:"), (1500, "TM. ỦY BAN NHÂN DÂN")],
    [(100, "- Như Điều 3;"), (1500, "KT. CHỦ TỊCH")],
    [(100, "- Lưu: VT."), (1500, "PHÓ CHỦ TỊCH")],
    [],
    [],
    [(1500, "Nguyễn Phương Thủy")],
]


def test_unlabelled_values_found_by_their_pattern() -> None:
    values = located(PATTERNS, page(DECISION_ROWS))
    assert values["agency"] == "ỦY BAN NHÂN DÂN HUYỆN DIỄN CHÂU"  # continued, stops at "Số:"
    assert values["number"] == "3733/QĐ-UBND"
    assert values["issued"] == "ngày 30 tháng 08 năm 2023"  # not the legal basis's date
    assert values["signer_title"] == "TM. ỦY BAN NHÂN DÂN KT. CHỦ TỊCH PHÓ CHỦ TỊCH"
    assert values["signer_name"] == "Nguyễn Phương Thủy"  # not the upper-case agency lines


def test_pattern_absent_gives_no_value() -> None:
    rows = [row for row in DECISION_ROWS if not any("ngày 30" in t for _, t in row)]
    values = located(PATTERNS, page(rows))
    assert "issued" not in values


def test_worded_date_numbers_reread_one_by_one() -> None:
    """The place/date line's numbers are re-read alone with the digits model: a disagreement with the
    page reading (28 read 26 in an italic line) goes to review; agreement keeps the date."""
    import datetime as dt

    from pipeline.extract import ZoneReader, extract
    from pipeline.ocr import Word, ZoneRequest

    ocr = page([[(300, "Số: 422/UBND-XNTTHN"), (1300, "Hà Nam, ngày 26 tháng 05 năm 2024")]])
    boxes: list[tuple[int, int, int, int]] = []

    def digits_model(reading: dict[str, str]) -> ZoneReader:
        def reader(page: OcrPage, box: tuple[int, int, int, int], request: ZoneRequest) -> list[Word]:
            boxes.append(box)
            word = next(w for w in page.words if (w.left, w.top, w.right, w.bottom) == box)
            return [
                Word(reading.get(word.text, word.text), 96.0, *box[:2], box[2] - box[0], box[3] - box[1], 0)
            ]

        return reader

    def issue_date(reading: dict[str, str]) -> ExtractedField:
        result = extract(
            DocumentType.MARITAL_STATUS_CONFIRMATION,
            [ocr],
            zone_reader=digits_model(reading),
            today=dt.date(2024, 6, 1),
        )
        return result.fields["issue_date"]

    agreed = issue_date({})
    assert agreed.value == "2024-05-26" and agreed.confidence >= 0.9
    assert len(boxes) == 3  # day, month and year, each in its own box
    disagreed = issue_date({"26": "28"})
    assert disagreed.confidence < 0.7  # a clerk checks it
