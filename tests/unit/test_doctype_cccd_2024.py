"""Thẻ căn cước (2024): definition, model, validity and hook; extraction from fixed OCR text."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from pydantic import ValidationError

from pipeline.classify import classify
from pipeline.corpus import cccd_2024 as corpus
from pipeline.extract import extract
from pipeline.ocr import OcrPage
from schemas.doctypes import cccd_2024 as t
from schemas.documents import MODELS, MRZ_READERS, QR_READERS, VALIDITY, DocumentType, ExtractedField
from schemas.identifiers import compose_td1, parse_td1

# Born 1990-05-14 (female, province 001) → 001190…; issued 2024-09-03 at 34 → expires at 40.
FRONT = """CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
SOCIALIST REPUBLIC OF VIET NAM
CĂN CƯỚC
IDENTITY CARD
Số định danh cá nhân / Personal identification number:
001190012345
Họ, chữ đệm và tên khai sinh / Full name:
NGUYỄN THỊ MỸ HẰNG
Ngày, tháng, năm sinh / Date of birth: 14/05/1990
Giới tính / Sex: Nữ Quốc tịch / Nationality: Việt Nam"""
BACK = """Nơi cư trú / Place of residence:
Số 12 Lê Lợi, Phường Hòa Bình, Quận Đông Anh,
Thành phố Hà Nội
Nơi đăng ký khai sinh / Place of birth:
Xã Tân Phong, Huyện Vũ Thư, Tỉnh Thái Bình
Ngày, tháng, năm cấp / Date of issue: 03/09/2024
Ngày, tháng, năm hết hạn / Date of expiry: {expiry}
BỘ CÔNG AN
MINISTRY OF PUBLIC SECURITY"""
TODAY = dt.date(2025, 6, 1)


def _extract(front: str | None, back: str, today: dt.date = TODAY):  # type: ignore[no-untyped-def]
    pages = [OcrPage.from_text(text, n) for n, text in enumerate([p for p in (front, back) if p], 1)]
    return extract(DocumentType.CCCD_2024, pages, today=today)


def test_registered() -> None:
    assert MODELS[DocumentType.CCCD_2024] is t.IdentityCard2024
    assert VALIDITY[DocumentType.CCCD_2024].kind == "printed_expiry"
    assert "[M]" in VALIDITY[DocumentType.CCCD_2024].source


@pytest.mark.parametrize(
    ("born", "issued", "expiry"),
    [
        (dt.date(1990, 5, 14), dt.date(2024, 9, 3), dt.date(2030, 5, 14)),  # 34 → 40
        (dt.date(1986, 1, 10), dt.date(2024, 9, 3), dt.date(2046, 1, 10)),  # 38 (within 2 y of 40) → 60
        (dt.date(2015, 3, 1), dt.date(2024, 9, 3), dt.date(2029, 3, 1)),  # 9 → 14
        (dt.date(1965, 3, 1), dt.date(2024, 9, 3), None),  # 59: no expiry
    ],
)
def test_expected_expiry(born: dt.date, issued: dt.date, expiry: dt.date | None) -> None:
    assert t.expected_expiry(born, issued) == expiry


def test_both_sides_extracted_and_valid() -> None:
    extraction = _extract(FRONT, BACK.format(expiry="14/05/2030"))
    values = extraction.values()
    assert values["id_number"] == "001190012345"
    assert values["full_name"] == "NGUYỄN THỊ MỸ HẰNG"
    assert values["date_of_birth"] == "1990-05-14"
    assert values["sex"] == "Nữ"
    assert values["place_of_residence"] == "Số 12 Lê Lợi, Phường Hòa Bình, Quận Đông Anh, Thành phố Hà Nội"
    assert values["place_of_birth"] == "Xã Tân Phong, Huyện Vũ Thư, Tỉnh Thái Bình"
    assert values["issue_date"] == "2024-09-03" and values["expiry_date"] == "2030-05-14"
    assert all(f.valid for f in extraction.fields.values())
    assert extraction.problems == []
    assert extraction.model() is not None


def test_classified_from_either_side() -> None:
    assert classify(FRONT).document_type is DocumentType.CCCD_2024
    assert classify(FRONT + "\f" + BACK.format(expiry="14/05/2030")).document_type is DocumentType.CCCD_2024


def test_back_without_front_is_extracted_and_flagged() -> None:
    extraction = _extract(None, BACK.format(expiry="14/05/2030"))
    assert extraction.values()["place_of_birth"] == "Xã Tân Phong, Huyện Vũ Thư, Tỉnh Thái Bình"
    missing = {p.detail for p in extraction.problems if p.code == "field_missing"}
    assert {"id_number", "full_name", "date_of_birth"} <= missing
    assert any(p.code == "side_missing" for p in extraction.problems)


def test_expiry_not_the_renewal_birthday() -> None:
    extraction = _extract(FRONT, BACK.format(expiry="14/05/2031"))
    expiry = extraction.fields["expiry_date"]
    assert not expiry.valid and "not_a_renewal_birthday" in expiry.problems


def test_expired_card() -> None:
    extraction = _extract(FRONT, BACK.format(expiry="14/05/2030"), today=dt.date(2030, 5, 15))
    assert any(p.code == "document_expired" for p in extraction.problems)


def test_wrong_id_structure() -> None:
    # century/sex digit 0 (a man born in the 1900s) against a woman born in 1990
    extraction = _extract(FRONT.replace("001190012345", "001090012345"), BACK.format(expiry="14/05/2030"))
    assert not extraction.fields["id_number"].valid
    assert "sex_mismatch" in extraction.fields["id_number"].problems


def test_issue_before_the_card_existed() -> None:
    fields = {
        "date_of_birth": ExtractedField("1990-05-14", "", 0.9, True),
        "issue_date": ExtractedField("2023-01-05", "", 0.9, True),
    }
    t.normalise_fields(fields)
    assert not fields["issue_date"].valid


def test_model_rejects_inconsistent_card() -> None:
    good = {
        "id_number": "001190012345",
        "full_name": "Nguyễn Thị Mỹ Hằng",
        "date_of_birth": "1990-05-14",
        "sex": "Nữ",
        "place_of_residence": "Thành phố Hà Nội",
        "place_of_birth": "Tỉnh Thái Bình",
        "issue_date": "2024-09-03",
        "expiry_date": "2030-05-14",
    }
    assert t.IdentityCard2024.model_validate(good).full_name == "NGUYỄN THỊ MỸ HẰNG"
    for change in (
        {"expiry_date": "2031-05-14"},
        {"issue_date": "2024-01-02"},
        {"id_number": "001090012345"},
    ):
        with pytest.raises(ValidationError) as error:
            t.IdentityCard2024.model_validate({**good, **change})
        assert "001090012345" not in str(error.value)  # no personal data in the message


def test_qr_and_mrz_of_the_back_are_read_and_checked() -> None:
    holder = corpus.make_holder(random.Random(3))
    truth = corpus.expected_fields(holder)
    from_qr = QR_READERS[DocumentType.CCCD_2024](corpus.qr_payload(holder))
    assert from_qr is not None
    assert {k: truth[k] for k in from_qr} == from_qr  # every value the QR gives is the printed one
    citizen = holder.citizen
    given = f"{citizen.middle_name} {citizen.given_name}"
    lines = compose_td1(
        citizen.id_number, citizen.surname, given, citizen.date_of_birth, citizen.sex, holder.expiry_date
    )
    mrz = parse_td1(lines)
    assert mrz is not None and mrz.valid
    from_mrz = MRZ_READERS[DocumentType.CCCD_2024](mrz)
    assert from_mrz is not None and from_mrz["id_number"] == truth["id_number"]
    assert from_mrz["date_of_birth"] == truth["date_of_birth"]
    # A wrong check digit: the zone fails its own checks and is not used.
    digit = lines[0][14]
    broken = parse_td1([lines[0][:14] + str((int(digit) + 1) % 10) + lines[0][15:], *lines[1:]])
    assert broken is not None and not broken.valid
