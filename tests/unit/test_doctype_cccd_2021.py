"""CCCD 2021 front and back on OCR-like text: QR payload and MRZ against the printed text, the back
without its front, date order, identification-mark repair (no image, no Tesseract)."""

from __future__ import annotations

import datetime as dt
import random
from unittest import mock

from PIL import Image

from pipeline.classify import classify
from pipeline.extract import Extraction, extract
from pipeline.ocr import OcrPage, Word, ZoneRequest
from pipeline.samples import cccd_qr_payload, make_citizen
from schemas.doctypes.cccd_2021 import read_mrz, read_qr, repair_mark_words
from schemas.documents import DocumentType
from schemas.identifiers import compose_td1, parse_td1

CITIZEN = make_citizen(random.Random(11))
TODAY = dt.date(2021, 1, 1)  # before any sample card expires


def front_text(citizen=CITIZEN, name: str | None = None, id_number: str | None = None) -> str:  # type: ignore[no-untyped-def]
    expiry = citizen.card_expiry_date.strftime("%d/%m/%Y") if citizen.card_expiry_date else "Không thời hạn"
    return "\n".join(
        [
            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
            "CĂN CƯỚC CÔNG DÂN",
            "Citizen Identity Card",
            f"Số / No.: {id_number or citizen.id_number}",
            "Họ và tên / Full name:",
            name or citizen.full_name.upper(),
            f"Ngày sinh / Date of birth: {citizen.date_of_birth:%d/%m/%Y}",
            f"Giới tính / Sex: {citizen.sex}   Quốc tịch / Nationality: Việt Nam",
            "Quê quán / Place of origin:",
            citizen.place_of_origin,
            f"Nơi thường trú / Place of residence: {citizen.place_of_residence}",
            f"Có giá trị đến: {expiry}",
        ]
    )


def back_text(citizen=CITIZEN, mark: str = "Sẹo chấm C:2cm trên trước đầu mày trái") -> str:  # type: ignore[no-untyped-def]
    mrz = compose_td1(
        citizen.id_number,
        citizen.surname,
        f"{citizen.middle_name} {citizen.given_name}",
        citizen.date_of_birth,
        citizen.sex,
        citizen.card_expiry_date,
    )
    return "\n".join(
        [
            "Đặc điểm nhân dạng / Personal identification:",
            mark,
            f"Ngày, tháng, năm / Date, month, year: {citizen.card_issue_date:%d/%m/%Y}",
            "CỤC TRƯỞNG CỤC CẢNH SÁT",
            "QUẢN LÝ HÀNH CHÍNH VỀ TRẬT TỰ XÃ HỘI",
            *mrz,
        ]
    )


def words_reader(page: OcrPage, box: tuple[int, int, int, int], request: ZoneRequest) -> list[Word]:
    """A zone 're-read' that returns the page's own words inside the box (what a perfect OCR gives)."""
    left, top, right, bottom = box
    return [
        w for w in page.words if w.left >= left and w.right <= right and w.top >= top and w.bottom <= bottom
    ]


def run(*texts: str, reader=words_reader, qr: str | None = None) -> Extraction:  # type: ignore[no-untyped-def]
    pages = [OcrPage.from_text(text, page_number=i + 1) for i, text in enumerate(texts)]
    payloads = [qr] if qr else []
    with mock.patch("pipeline.extract.decode_qr", return_value=payloads):
        for page in pages:
            page.image = Image.new("L", (2400, 1600), 255)  # blank: decode_qr is patched
        return extract(DocumentType.CCCD_2021, pages, zone_reader=reader, today=TODAY)


def test_qr_payload_is_read_when_its_own_checks_pass() -> None:
    values = read_qr(cccd_qr_payload(CITIZEN))
    assert values is not None
    assert values["id_number"] == CITIZEN.id_number
    assert values["full_name"] == CITIZEN.full_name.upper()
    assert values["issue_date"] == CITIZEN.card_issue_date.isoformat()
    # An ID that contradicts the payload's own date of birth: the payload is not trusted.
    wrong = cccd_qr_payload(CITIZEN).replace(
        CITIZEN.id_number, CITIZEN.id_number[:4] + "99" + CITIZEN.id_number[6:]
    )
    assert read_qr(wrong) is None
    assert read_qr("not|a|payload") is None


def test_mrz_values_need_every_check_digit() -> None:
    lines = back_text().splitlines()[-3:]
    mrz = parse_td1(lines)
    assert mrz is not None and mrz.valid
    values = read_mrz(mrz)
    assert values is not None
    assert values["id_number"] == CITIZEN.id_number
    assert values["date_of_birth"] == CITIZEN.date_of_birth.isoformat()
    broken = [lines[0], lines[1][:3] + str((int(lines[1][3]) + 1) % 10) + lines[1][4:], lines[2]]
    assert not parse_td1(broken).valid  # type: ignore[union-attr]


def test_front_and_back_are_one_document() -> None:
    result = run(front_text(), back_text(), qr=cccd_qr_payload(CITIZEN))
    values = result.values()
    assert values["id_number"] == CITIZEN.id_number
    assert values["issue_date"] == CITIZEN.card_issue_date.isoformat()
    assert values["personal_identification"] == "Sẹo chấm C:2cm trên trước đầu mày trái"
    assert "confirmed_by_qr" in result.fields["id_number"].problems
    assert "confirmed_by_mrz" in result.fields["date_of_birth"].problems
    assert result.problems == []


def test_qr_wins_over_a_misread_printed_value() -> None:
    misread = CITIZEN.full_name.upper().replace(CITIZEN.given_name.upper(), "XXX")
    result = run(front_text(name=misread), back_text(), qr=cccd_qr_payload(CITIZEN))
    name = result.fields["full_name"]
    assert name.value == CITIZEN.full_name.upper()
    assert name.source == "qr" and "differs_from_print" in name.problems and name.valid


def test_mrz_wins_over_a_misread_id_without_qr() -> None:
    bad = CITIZEN.id_number[:-1] + str((int(CITIZEN.id_number[-1]) + 1) % 10)
    result = run(front_text(id_number=bad), back_text())
    field = result.fields["id_number"]
    assert field.value == CITIZEN.id_number and field.source == "mrz"


def test_back_without_front_is_extracted_and_flagged() -> None:
    assert classify(back_text()).document_type is DocumentType.CCCD_2021
    assert classify(back_text()).confidence >= 0.6
    result = run(back_text())
    codes = {(p.code, p.detail) for p in result.problems}
    assert ("side_missing", "cccd_2021") in codes
    assert ("field_missing", "place_of_origin") in codes
    # The MRZ still gives the holder's ID, birth date, sex and expiry.
    assert result.fields["id_number"].value == CITIZEN.id_number
    assert result.fields["issue_date"].value == CITIZEN.card_issue_date.isoformat()


def test_issue_date_must_fall_between_birth_and_expiry() -> None:
    early = back_text().replace(f"{CITIZEN.card_issue_date:%d/%m/%Y}", f"{CITIZEN.date_of_birth:%d/%m/%Y}")
    result = run(front_text(), early)
    assert result.fields["issue_date"].problems == ("dates_out_of_order",)
    assert ("field_invalid", "issue_date") in {(p.code, p.detail) for p in result.problems}


def test_identification_mark_words_are_repaired_only_when_unambiguous() -> None:
    assert (
        repair_mark_words("Seo chấm C:2cm tren trước đầu may trái")
        == "Sẹo chấm C:2cm trên trước đầu mày trái"
    )
    assert repair_mark_words("Not ruoi") == "Nốt ruồi"
    assert repair_mark_words("duoi") == "duoi"  # dưới or đuôi: left alone


def test_a_value_from_the_mrz_also_corrects_the_text_layer() -> None:
    bad = CITIZEN.id_number[:-1] + str((int(CITIZEN.id_number[-1]) + 1) % 10)
    result = run(front_text(id_number=bad), back_text())
    assert result.fields["id_number"].source == "mrz"
    assert CITIZEN.id_number in result.corrections[1].values()
