"""Second readings of fields the type's checks fail (pipeline.extract._second_readings): a decision's
signer title re-read as a block of its own, a licence class re-read with the classes' whitelist.
Pure logic: the block reader and the zone reader are stubs (no Tesseract)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable

import pytest
from PIL import Image, ImageDraw

import pipeline.extract as extract_module
from pipeline.extract import LOW_CONFIDENCE, READINGS_AGREE_CONFIDENCE, READINGS_DISAGREE, extract
from pipeline.lists import _archive_again, _judged, _merged_unit, _recipient, _unit_alone, rows
from pipeline.ocr import OcrOptions, OcrPage, Word, ZoneRequest
from pipeline.samples import _font
from schemas.doctypes.driving_licence import CLASS_CHARACTERS
from schemas.doctypes.land_certificate import DEFINITION as LAND
from schemas.documents import DocumentType, ExtractedField
from tests.unit.paper_pages import HEIGHT, LINE_STEP, page, problems, run
from tests.unit.test_doctype_administrative_decision import ROWS
from tests.unit.test_doctype_driving_licence import FRONT
from tests.unit.test_doctype_land_certificate import TEXT as LAND_TEXT

Box = tuple[int, int, int, int]


def _decision_without_last_title_line() -> OcrPage:
    rows = [list(row) for row in ROWS]
    rows[12] = [(100, "- Lưu: VT, TP.")]  # "PHÓ CHỦ TỊCH" merged away by the page's layout analysis
    decision = page(rows)
    decision.image = Image.new("L", (2400, 1200), 255)  # the block reader below is a stub
    return decision


def _block(lines: list[str], box: Box, conf: float = 91.0) -> list[Word]:
    words = []
    for n, line in enumerate(lines):
        x = box[0] + 300
        for token in line.split():
            words.append(Word(token, conf, x, box[1] + 20 + n * LINE_STEP, 20 * len(token), HEIGHT, -1 - n))
            x += 20 * len(token) + 20
    return words


def _stub_block(monkeypatch: pytest.MonkeyPatch, lines: list[str], conf: float = 91.0) -> list[Box]:
    boxes: list[Box] = []

    def read_block(
        image: Image.Image, box: Box, *, page_number: int, options: OcrOptions | None = None
    ) -> list[Word]:
        boxes.append(box)
        return _block(lines, box, conf)

    monkeypatch.setattr(extract_module, "read_block", read_block)
    return boxes


def test_signer_title_cut_short_is_read_again_as_a_block(monkeypatch: pytest.MonkeyPatch) -> None:
    boxes = _stub_block(monkeypatch, ["TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "%~ ,;"])
    extraction = run(DocumentType.ADMINISTRATIVE_DECISION, _decision_without_last_title_line())
    title = extraction.fields["signer_title"]
    assert title.value == "TM. ỦY BAN NHÂN DÂN KT. CHỦ TỊCH PHÓ CHỦ TỊCH"
    assert title.valid and "read_again" in title.problems
    assert ("field_invalid", "signer_title") not in problems(extraction)
    (left, top, right, bottom), *_ = boxes
    # The right half (not "Nơi nhận" beside it), from just above the title's first line (row 10).
    assert (left, right) == (1200, 2400)
    assert top < 10 * LINE_STEP < bottom


def test_signer_block_read_no_better_keeps_the_first_reading_flagged(monkeypatch: pytest.MonkeyPatch) -> None:
    _stub_block(monkeypatch, ["TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH"])  # the last line lost again
    extraction = run(DocumentType.ADMINISTRATIVE_DECISION, _decision_without_last_title_line())
    title = extraction.fields["signer_title"]
    assert title.value == "TM. ỦY BAN NHÂN DÂN KT. CHỦ TỊCH"
    assert "signer_title_incomplete" in title.problems and "read_again" not in title.problems
    assert ("field_invalid", "signer_title") in problems(extraction)


def test_signer_block_lines_of_noise_end_the_block(monkeypatch: pytest.MonkeyPatch) -> None:
    """A seal read as letters under the block (low confidence) is not part of the title."""
    _stub_block(monkeypatch, ["TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH"], conf=91.0)
    decision = _decision_without_last_title_line()
    real = extract_module.read_block

    def with_seal(image: Image.Image, box: Box, **kwargs: object) -> list[Word]:
        words = real(image, box, **kwargs)  # type: ignore[arg-type]
        return [*words, *_block(["", "", "PHÓ CHỦ TỊCH"], box, conf=20.0)]

    extract_module.read_block = with_seal  # type: ignore[assignment]
    try:
        extraction = run(DocumentType.ADMINISTRATIVE_DECISION, decision)
    finally:
        extract_module.read_block = real
    assert ("field_invalid", "signer_title") in problems(extraction)


def test_a_complete_title_is_not_read_again(monkeypatch: pytest.MonkeyPatch) -> None:
    boxes = _stub_block(monkeypatch, ["CHỦ TỊCH"])
    decision = page([list(row) for row in ROWS])
    decision.image = Image.new("L", (2400, 1200), 255)
    extraction = run(DocumentType.ADMINISTRATIVE_DECISION, decision)
    assert extraction.fields["signer_title"].value == "TM. ỦY BAN NHÂN DÂN KT. CHỦ TỊCH PHÓ CHỦ TỊCH"
    assert not boxes


def test_block_rows() -> None:
    words = [
        Word("b", 90, 50, 102, 20, 40, -1),
        Word("a", 90, 10, 98, 20, 40, -1),
        Word("c", 90, 10, 160, 20, 40, -2),
    ]
    assert [[w.text for w in line] for line in rows(words)] == [["a", "b"], ["c"]]


def _whitelist_stub(
    whitelist: str | None, reply: str | None, conf: float, width: int
) -> tuple[Callable[[OcrPage, Box, ZoneRequest], list[Word]], list[ZoneRequest]]:
    """A zone reader that answers ``reply`` to requests with ``whitelist`` (recorded), nothing to others."""
    requests: list[ZoneRequest] = []

    def reader(p: OcrPage, box: Box, request: ZoneRequest) -> list[Word]:
        if request.whitelist == whitelist:
            requests.append(request)
            return [Word(reply, conf, box[0], box[1], width, 40, -1)] if reply else []
        return []

    return reader, requests


def _licence(
    klass: str, reply: str | None, conf: float = 95.0
) -> tuple[dict[str, object], list[ZoneRequest]]:
    page_ = OcrPage.from_text(FRONT.format(number="360123456789", klass=klass, expiry="18/08/2035"))
    page_.words = [dataclasses.replace(w, conf=conf) if w.text == klass else w for w in page_.words]
    page_.image = Image.new("L", (2400, 1200), 255)  # the zone reader is a stub
    reader, requests = _whitelist_stub(CLASS_CHARACTERS, reply, 94.0, 40)

    extraction = extract(DocumentType.DRIVING_LICENCE, [page_], zone_reader=reader, today=dt.date(2026, 1, 1))
    field = extraction.fields["licence_class"]
    return {
        "value": field.value,
        "valid": field.valid,
        "problems": field.problems,
        "conf": field.confidence,
    }, requests


def test_licence_class_misread_is_read_again_with_the_class_whitelist() -> None:
    """ "C1" read "CÍ" (the 1 as an accented I): the zone re-read with the classes' letters and digits."""
    field, requests = _licence("CÍ", "C1")
    assert field["value"] == "C1" and field["valid"]
    assert "read_again" in field["problems"]  # type: ignore[operator]
    (request,) = requests
    assert request.language == "eng" and request.binarise
    assert set(CLASS_CHARACTERS) == set("ABCDEF1234")


def test_licence_class_read_again_as_no_class_stays_flagged() -> None:
    field, _ = _licence("CÍ", "C11")
    assert not field["valid"] and "read_again" not in field["problems"]  # type: ignore[operator]


def test_a_class_is_always_read_again_and_two_readings_alike_make_it_sure() -> None:
    """ "A1" read at 0.64-0.70 on light scans (bench seeds 2611, 8484): the classes' model reads it too."""
    field, requests = _licence("A1", "A1", conf=64.0)
    assert field["value"] == "A1" and field["valid"] and len(requests) == 1
    assert field["conf"] >= READINGS_AGREE_CONFIDENCE and "read_again" in field["problems"]  # type: ignore[operator]
    # A sure class the classes' model reads as another goes to a clerk, with that model's reading.
    field, _ = _licence("C1", "D")
    assert field["value"] == "D" and field["conf"] <= 0.6 and READINGS_DISAGREE in field["problems"]  # type: ignore[operator]


def _archive_item(reply: str | None, unit: str = "VHTTT") -> tuple[ExtractedField, list[Box]]:
    words = [Word("-", 95.0, 100, 500, 20, 40, 1), Word("Lưu:", 95.0, 140, 500, 80, 40, 1)]
    words += [Word("VT,", 95.0, 240, 500, 60, 40, 1), Word(f"{unit}.", 96.0, 320, 500, 120, 40, 1)]
    field = _recipient(" ".join(w.text for w in words), words)
    page_ = OcrPage.from_text("Nơi nhận:")
    page_.image = Image.new("L", (2400, 1200), 255)  # the zone reader below is a stub
    boxes: list[Box] = []

    def reader(p: OcrPage, box: Box, request: ZoneRequest) -> list[Word]:
        assert request.whitelist is not None and "Đ" not in request.whitelist and request.language == "eng"
        boxes.append(box)
        return [Word(reply, 90.0, box[0], box[1], 200, 40, -1)] if reply else []

    return _archive_again(field, words, page_, reader, "eng"), boxes


def test_archive_code_with_a_letter_thrice_is_read_again() -> None:
    """ "Lưu: VT, VHTT" read "VHTTT" at full confidence: the codes' zone re-read with capitals only."""
    field, boxes = _archive_item("VT,VHTT")
    assert field.value == "Lưu: VT, VHTT" and field.valid and field.problems == ("read_again",)
    (box,) = boxes
    assert box[0] == 240  # the codes, not "Lưu:"


@pytest.mark.parametrize("reply", ["VT,VHTTT", "VT", None, "XT,VHTT"])
def test_archive_code_read_again_no_better_stays_flagged(reply: str | None) -> None:
    field, _ = _archive_item(reply)
    assert field.value == "Lưu: VT, VHTTT" and "archive_code_doubtful" in field.problems


def test_an_archived_unit_that_is_no_office_s_abbreviation_is_read_again() -> None:
    """ "Lưu: VT, TP" read "TE" at full confidence (bench seed 5150): no People's Committee office is TE."""
    field, boxes = _archive_item("VT,TP", unit="TE")
    assert field.value == "Lưu: VT, TP" and field.valid and field.problems == ("read_again",)
    assert len(boxes) == 1


@pytest.mark.parametrize("reply", ["VT,TE", "VT,TF", None])
def test_an_archived_unit_read_again_as_no_office_stays_flagged(reply: str | None) -> None:
    field, _ = _archive_item(reply, unit="TE")
    assert field.value == "Lưu: VT, TE" and not field.valid and "archive_code_doubtful" in field.problems


@pytest.mark.parametrize("codes", ["VT, TP", "VT, TNMT, Hg", "VT, LĐTBXH"])
def test_an_archived_office_is_not_doubted(codes: str) -> None:
    words = [Word("Lưu:", 95.0, 140, 500, 80, 40, 1), Word(codes, 95.0, 240, 500, 200, 40, 1)]
    field = _recipient(f"- Lưu: {codes}.", words)
    assert field.valid and not field.problems and field.value == f"Lưu: {codes.upper()}"


def test_archive_line_that_lost_its_comma_after_vt_is_split() -> None:
    """ "Lưu: VT, LĐTBXH" read "Lưu: VTLĐTBXH": VT is mandatory first (Decree 30/2020 App. I)."""
    words = [Word("-", 95.0, 100, 500, 20, 40, 1), Word("Lưu:", 95.0, 140, 500, 80, 40, 1)]
    words.append(Word("VTLĐTBXH.", 88.0, 240, 500, 180, 40, 1))
    field = _recipient(" ".join(w.text for w in words), words)
    assert field.value == "Lưu: VT, LĐTBXH" and field.valid and field.confidence == 0.85
    words[-1] = Word("VTLĐTBXH.", 40.0, 240, 500, 180, 40, 1)
    assert _recipient(" ".join(w.text for w in words), words).confidence == 0.4  # its own doubt counts


@pytest.mark.parametrize(("first", "unit"), [("VELĐTBXH", "LĐTBXH"), ("VFELĐTBXH", "LĐTBXH"), ("VFTP", "TP")])
def test_an_archive_vt_misread_and_merged_with_its_unit_is_split(first: str, unit: str) -> None:
    """ "Lưu: VT, LĐTBXH" read "Lưu: VELĐTBXH": the T and the comma misread, the space lost."""
    words = [Word("Lưu:", 95.0, 140, 500, 80, 40, 1), Word(f"{first}.", 36.0, 240, 500, 180, 40, 1)]
    field = _recipient(f"- Lưu: {first}.", words)
    assert field.value == f"Lưu: VT, {unit}" and field.valid and field.confidence == 0.36
    # A unit that begins with V is no VT merged with another ("VHTT": culture and information).
    assert _recipient("- Lưu: VT, VHTT.", [*words[:1], Word("VT, VHTT.", 95.0, 240, 500, 180, 40, 1)]).valid
    assert _merged_unit("VHTT") is None and _merged_unit("VEXYZ") is None


def _archive_drawn(read: str) -> tuple[OcrPage, list[Word], int]:
    """ "- Lưu: VT, LĐTBXH." drawn; its words as read (``read``: the codes, one or two words), boxed
    on the drawing; and the x where "LĐTBXH" starts."""
    font = _font("NotoSerif-Regular.ttf", 42)
    image = Image.new("L", (1200, 200), 255)
    draw = ImageDraw.Draw(image)
    draw.text((100, 80), "- Lưu: VT, LĐTBXH.", font=font, fill=20)
    start = round(draw.textlength("- Lưu: VT, ", font=font)) + 100
    _, top, right, bottom = draw.textbbox((100, 80), "- Lưu: VT, LĐTBXH.", font=font)
    codes_left = round(draw.textlength("- Lưu: ", font=font)) + 100
    words = [
        Word("-", 93.0, 100, top, 20, bottom - top, 1),
        Word("Lưu:", 93.0, 140, top, codes_left - 160, bottom - top, 1),
    ]
    if " " in read:
        vt, unit = read.split()
        words += [Word(vt, 30.0, codes_left, top, start - codes_left - 12, bottom - top, 1)]
        words += [Word(unit, 30.0, start, top, right - start, bottom - top, 1)]
    else:
        words += [Word(read, 30.0, codes_left, top, right - codes_left, bottom - top, 1)]
    page = OcrPage(1, "", words, 90.0, b"", 300, image)
    return page, words, start


@pytest.mark.parametrize("read", ["VI, LĐTBXH.", "VELĐTBXH."])
def test_an_unsure_archive_unit_read_alone_as_itself_is_sure(read: str) -> None:
    """Tesseract gives "LĐTBXH." the doubt of the misread "VT," it shares a stretch of line with (both
    at 30); read alone from the gap before its L, it reads itself at 88."""
    page, words, start = _archive_drawn(read)
    field = _recipient("- Lưu: " + read, words)
    assert field.value == "Lưu: VT, LĐTBXH" and field.confidence < LOW_CONFIDENCE
    boxes: list[tuple[int, int, int, int]] = []

    def reader(page: OcrPage, box: tuple[int, int, int, int], request: ZoneRequest) -> list[Word]:
        boxes.append(box)
        return [Word("LĐTBXH.", 88.0, box[0], box[1], box[2] - box[0], box[3] - box[1], -1)]

    again = _unit_alone(field, words, page, reader, "vie")
    assert again.value == "Lưu: VT, LĐTBXH" and again.confidence == 0.88 and "read_again" in again.problems
    assert len(boxes) == 1 and start - 14 <= boxes[0][0] <= start + 1  # from the gap before the L
    # Read alone as something else, or unsure, it stays with a clerk.
    for reply in (Word("LĐTBXM.", 90.0, 0, 0, 1, 1, -1), Word("LĐTBXH.", 50.0, 0, 0, 1, 1, -1)):
        assert _unit_alone(field, words, page, lambda p, b, r, w=reply: [w], "vie") == field


def test_the_archive_vt_read_unsure_does_not_make_its_line_garbled() -> None:
    """ "VT," read at 25%: a stamp or the thin comma, not a merged line (it is restored anyway)."""
    item = [Word("-", 93.0, 100, 500, 20, 40, 1), Word("Lưu:", 93.0, 140, 500, 80, 40, 1)]
    item += [Word("VT,", 25.0, 240, 500, 60, 40, 1), Word("VHTT.", 84.0, 320, 500, 120, 40, 1)]
    assert [w.text for w in _judged(item)] == ["-", "Lưu:", "VHTT."]
    other = [Word("-", 93.0, 100, 500, 20, 40, 1), Word("Như", 93.0, 140, 500, 80, 40, 1)]
    other.append(Word("kã", 25.0, 240, 500, 60, 40, 1))
    assert _judged(other) == other


def _recipient_lines(first_item: bool, vt_conf: float, third_conf: float = 95.0) -> list[Word]:
    """ "Nơi nhận:" and its items as words (left column), optionally without "Như Điều 3"."""
    rows = [[(261, "Nơi"), (357, "nhận:")]]
    if first_item:
        rows.append([(261, "-"), (287, "Như"), (390, "Điều"), (500, "3;")])
    rows.append([(261, "-"), (287, "UBND"), (423, "Tỉnh"), (533, "Nam"), (640, "Định;")])
    words = []
    for n, row in enumerate(rows):
        words += [Word(text, 95.0, left, 2400 + 60 * n, 12 * len(text) + 10, 32, n) for left, text in row]
    top = 2400 + 60 * len(rows)
    words += [Word("-", 93.0, 261, top, 22, 32, 9), Word("Lưu:", 93.0, 287, top, 58, 32, 9)]
    words += [Word("VT,", vt_conf, 394, top, 46, 32, 9), Word("TP.", third_conf, 470, top, 46, 32, 9)]
    return words


def _recipients_with_block(
    monkeypatch: pytest.MonkeyPatch, page_words: list[Word], block: list[Word]
) -> dict[str, str | None]:
    import pipeline.lists as lists_module

    page_ = OcrPage(1, "", page_words, 95.0, b"", 300, Image.new("L", (2400, 3400), 255))
    monkeypatch.setattr(lists_module, "read_block", lambda image, box, **kwargs: block)
    return {name: f.value for name, f in lists_module.recipients([page_]).items()}


def test_an_unsure_archive_vt_still_asks_for_the_block_re_read(monkeypatch: pytest.MonkeyPatch) -> None:
    """The page lost the first item without a sign but for an unsure "VT" (bench seed 2718 decision #23
    heavy): the block re-read, sure apart from nothing, is taken."""
    fields = _recipients_with_block(monkeypatch, _recipient_lines(False, 59.0), _recipient_lines(True, 81.0))
    assert fields["recipients.1"] == "Như Điều 3" and fields["recipients.count"] == "3"


def test_the_archive_vt_does_not_weigh_against_the_block_re_read(monkeypatch: pytest.MonkeyPatch) -> None:
    """The block re-read reads VT at 25% but every other word surely; the page has a garbled word."""
    page_words = _recipient_lines(True, 59.0)
    page_words[3] = dataclasses.replace(
        page_words[3], text="kã", conf=30.0
    )  # "3;" merged with the signer's block
    fields = _recipients_with_block(monkeypatch, page_words, _recipient_lines(True, 25.0))
    assert fields["recipients.1"] == "Như Điều 3"


def _garbled_archive_page() -> tuple[OcrPage, list[Word]]:
    """ "- Lưu: VT, TP." read as one word at 0%: the block re-read reads it the same."""
    words = [w for w in _recipient_lines(True, 90.0) if w.line_id != 9]
    words.append(Word("=I.UUV1,:1P.", 0.0, 261, 2580, 265, 32, 9))
    return OcrPage(1, "", words, 95.0, b"", 300, Image.new("L", (2400, 3400), 255)), words


def test_a_garbled_row_is_read_again_alone_when_the_block_is_no_better(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import pipeline.lists as lists_module

    page_, words = _garbled_archive_page()
    monkeypatch.setattr(lists_module, "read_block", lambda image, box, **kwargs: words)
    boxes: list[Box] = []

    def reader(p: OcrPage, box: Box, request: ZoneRequest) -> list[Word]:
        boxes.append(box)
        return [
            Word(t, 90.0, box[0] + 60 * i, box[1], 50, 32, -1)
            for i, t in enumerate(["-", "Lưu:", "VT,", "TP."])
        ]

    fields = lists_module.recipients([page_], None, reader)
    assert fields["recipients.3"].value == "Lưu: VT, TP" and fields["recipients.count"].value == "3"
    assert fields["recipients.count"].valid and fields["recipients.count"].confidence == 1.0
    (box,) = boxes
    assert box[0] == 261 and box[2] == 1200  # the row to the page's middle


def test_a_garbled_row_taller_than_a_line_is_not_read_again(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two lines merged into one row: one line's re-read would lose the other (bench #44 heavy)."""
    import pipeline.lists as lists_module

    page_, _ = _garbled_archive_page()
    page_.words[-1] = dataclasses.replace(page_.words[-1], height=118)
    monkeypatch.setattr(lists_module, "read_block", lambda image, box, **kwargs: page_.words)
    fields = lists_module.recipients([page_], None, lambda p, box, request: [Word("x", 99.0, 0, 0, 9, 9, -1)])
    assert "list_shifted" in fields["recipients.count"].problems


def _decision_without_name() -> OcrPage:
    rows = [list(row) for row in ROWS]
    rows[15] = []  # the name under the seal and signature lost by the page's reading
    decision = page(rows)
    decision.image = Image.new("L", (2400, 1200), 255)  # the block reader below is a stub
    return decision


def test_a_signer_name_the_page_lost_is_read_from_the_signer_block(monkeypatch: pytest.MonkeyPatch) -> None:
    """Bench seed 2718 decision #13 light: the name was not in the page's words at all."""
    block = ["TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "", "Phạm Thu Thảo"]
    boxes = _stub_block(monkeypatch, block)
    extraction = run(DocumentType.ADMINISTRATIVE_DECISION, _decision_without_name())
    name = extraction.fields["signer_name"]
    assert name.value == "PHẠM THU THẢO" and name.valid and "read_again" in name.problems
    assert ("field_missing", "signer_name") not in problems(extraction)
    (box,) = boxes
    assert box[3] - box[1] > 10 * HEIGHT  # down past the seal and the signature


def test_a_signer_name_read_from_the_block_still_gets_the_y_dot_doubt(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _stub_block(monkeypatch, ["TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "", "Vũ Thị My"])
    extraction = run(DocumentType.ADMINISTRATIVE_DECISION, _decision_without_name())
    assert "y_dot_ambiguous" in extraction.fields["signer_name"].problems
    assert ("low_confidence", "signer_name") in problems(extraction)


def test_no_name_in_the_signer_block_stays_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    _stub_block(monkeypatch, ["TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "ê %"])
    extraction = run(DocumentType.ADMINISTRATIVE_DECISION, _decision_without_name())
    assert ("field_missing", "signer_name") in problems(extraction)


def test_an_unsure_class_confirmed_by_the_whitelisted_re_read_is_sure() -> None:
    """Two models read the same class: the agreement raises its confidence (as for dates and IDs)."""
    field, requests = _licence("C1", "C1", conf=55.0)
    assert field["value"] == "C1" and field["conf"] == 0.94 and len(requests) == 1
    assert "read_again" in field["problems"]  # type: ignore[operator]


def test_an_unsure_class_contradicted_by_the_re_read_stays_unsure() -> None:
    field, _ = _licence("C1", "D1", conf=55.0)
    # Two valid readings disagree: a clerk decides (shown the classes' model's reading).
    assert (
        field["value"] == "D1" and field["conf"] < LOW_CONFIDENCE and READINGS_DISAGREE in field["problems"]
    )  # type: ignore[operator]


def test_a_name_that_may_have_lost_its_y_dot_keeps_its_doubt_when_read_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rows = [list(row) for row in ROWS]
    rows[15] = [(1500, "Vũ Thị My")]
    decision = page(rows)
    decision.image = Image.new("L", (2400, 1200), 255)
    boxes = _stub_block(monkeypatch, ["Vũ Thị My"], conf=97.0)
    extraction = run(DocumentType.ADMINISTRATIVE_DECISION, decision)
    assert boxes  # unsure (the ỵ doubt): read again, the same value
    assert "y_dot_ambiguous" in extraction.fields["signer_name"].problems
    assert ("low_confidence", "signer_name") in problems(extraction)


def _land_serial(
    printed: str, reply: str | None, conf: float = 95.0, reply_conf: float = 93.0
) -> tuple[ExtractedField, list[str], list[ZoneRequest]]:
    """A land certificate whose serial the page read as ``printed`` (at ``conf``) and the whitelisted zone
    re-read as ``reply``; (the serial field, the document's problem details, the zone requests made: the
    book number's zone and the serial's, both ``confirm`` codes with the same whitelist)."""
    serial_whitelist = next(f.whitelist for f in LAND.fields if f.name == "serial")
    page_ = OcrPage.from_text(LAND_TEXT.format(id_number="006186288895", serial=printed))
    page_.words = [dataclasses.replace(w, conf=conf) if w.text in printed.split() else w for w in page_.words]
    page_.image = Image.new("L", (2400, 1200), 255)  # the zone reader is a stub
    reader, requests = _whitelist_stub(serial_whitelist, reply, reply_conf, 200)

    extraction = extract(
        DocumentType.LAND_CERTIFICATE, [page_], zone_reader=reader, today=dt.date(2026, 1, 1)
    )
    return extraction.fields["serial"], [p.detail for p in extraction.problems], requests


def test_a_sure_valid_serial_is_still_read_again_and_a_different_valid_reading_goes_to_a_clerk() -> None:
    """vie read the printed "GL13109228" as "GL15109228" surely (bench seed 5150): both are valid serials;
    the whitelisted eng reading's value is kept, below the review threshold."""
    serial, details, requests = _land_serial("GL 15109228", "GL13109228")
    assert len(requests) == 2 and all(r.language == "eng" for r in requests)
    assert serial.value == "GL13109228"
    assert extract_module.READINGS_DISAGREE in serial.problems
    assert serial.confidence < extract_module.LOW_CONFIDENCE
    assert "serial" in details  # the document goes to review for it


def test_a_serial_read_the_same_twice_is_confirmed() -> None:
    serial, details, requests = _land_serial("HU 81760600", "HU81760600")
    assert len(requests) == 2
    assert serial.value == "HU81760600" and serial.valid
    assert "read_again" in serial.problems and extract_module.READINGS_DISAGREE not in serial.problems
    assert "serial" not in details


def test_an_unsure_serial_read_alike_by_both_models_is_sure() -> None:
    """vie reads codes at low confidence on clean pages ("NT 25776503" at 0.35, bench seed 8484); with the
    whitelisted eng reading unsure too, the two models agreeing on a valid serial is what makes it sure."""
    serial, details, _ = _land_serial("HU 81760600", "HU81760600", conf=35.0, reply_conf=40.0)
    assert serial.value == "HU81760600" and serial.valid
    assert serial.confidence >= extract_module.READINGS_AGREE_CONFIDENCE
    assert "read_again" in serial.problems
    assert "serial" not in details


def test_an_unsure_serial_read_otherwise_by_the_whitelisted_model_stays_with_a_clerk() -> None:
    serial, details, _ = _land_serial("HU 81760600", "HU81750600", conf=35.0, reply_conf=0.0)
    assert serial.value == "HU81750600"
    assert extract_module.READINGS_DISAGREE in serial.problems
    assert "serial" in details


@pytest.mark.parametrize("reply", ["HU8176060", None])
def test_a_serial_re_read_as_no_serial_changes_nothing(reply: str | None) -> None:
    serial, details, _ = _land_serial("HU 81760600", reply)
    assert serial.value == "HU81760600" and serial.valid
    assert not {"read_again", extract_module.READINGS_DISAGREE} & set(serial.problems)
    assert "serial" not in details


def test_a_row_after_an_item_ended_by_a_semicolon_is_a_new_item_even_without_its_dash() -> None:
    """ "- Lưu: VT, VHTT." with its dash read into "=LƯU:" was taken for the rest of "- Phòng Tài chính -
    Kế hoạch;": four recipients counted for five, surely (bench seed 5150, decision #40 light)."""
    from pipeline.lists import _items

    def row(y: int, texts: list[str]) -> list[Word]:
        return [Word(t, 93.0, 100 + 160 * i, y, 140, 40, y) for i, t in enumerate(texts)]

    words = [
        *row(100, ["-", "Phòng", "Tài", "chính", "-", "Kế", "hoạch;"]),
        *row(160, ["=LƯU:", "VT,", "VHTT."]),
        *row(220, ["-", "UBND", "huyện", "Kỳ"]),
        *row(280, ["Anh."]),  # a recipient continued on the next line
    ]
    items, doubtful = _items(words, below=50, mid=2000)
    assert [" ".join(w.text for w in item) for item in items] == [
        "- Phòng Tài chính - Kế hoạch;",
        "=LƯU: VT, VHTT.",
        "- UBND huyện Kỳ Anh.",
    ]
    assert doubtful == len(items)
