"""A text field is as sure as its least sure word (pipeline.extract.weakest_word): one misread word
among sure ones must send the field to review, not hide in the mean. Pure logic on word boxes."""

from __future__ import annotations

import dataclasses

from pipeline.extract import LOW_CONFIDENCE, weakest_word
from pipeline.ocr import Word
from schemas.documents import DocumentType
from tests.unit.paper_pages import problems, run, text_page

PAGE = """\
GIẤY CHỨNG NHẬN ĐĂNG KÝ DOANH NGHIỆP
Mã số doanh nghiệp: 0101245486
1. Tên công ty viết bằng tiếng Việt: CÔNG TY TNHH VẬN TẢI SẠO MAI
"""


def _word(text: str, conf: float) -> Word:
    return Word(text, conf, 0, 0, 10, 10, 0)


def test_weakest_word_holding_a_letter() -> None:
    words = [_word("CÔNG", 96.0), _word("SẠO", 59.0), _word("....", 20.0), _word("MAI", 95.0)]
    assert weakest_word(words, 0.9) == 0.59  # the dots hold no letter: not counted
    assert weakest_word([_word("12", 30.0)], 0.9) == 0.9  # no word with a letter: the default


def test_one_weak_word_sends_the_text_field_to_review() -> None:
    page = text_page(PAGE)
    weak = [dataclasses.replace(w, conf=59.0) if w.text == "SẠO" else w for w in page.words]
    extraction = run(DocumentType.ENTERPRISE_REGISTRATION_CERTIFICATE, dataclasses.replace(page, words=weak))
    name = extraction.fields["enterprise_name"]
    assert name.value == "CÔNG TY TNHH VẬN TẢI SẠO MAI" and name.confidence < LOW_CONFIDENCE
    assert ("low_confidence", "enterprise_name") in problems(extraction)
    # The same words all read surely: not flagged.
    sure = run(DocumentType.ENTERPRISE_REGISTRATION_CERTIFICATE, page)
    assert ("low_confidence", "enterprise_name") not in problems(sure)


def test_address_ending_in_a_cut_province_goes_to_review() -> None:
    from schemas.doctypes._papers import province_cut_short as province_unknown

    assert province_unknown("Số 115 Bạch Đằng, Phường Tân Phong, Thành phố Đà")  # "Nẵng" lost
    assert not province_unknown("Số 115 Bạch Đằng, Phường Tân Phong, Thành phố Đà Nẵng")
    assert not province_unknown("Xã Mỹ Đình, Huyện Nghĩa Hưng, Tỉnh Thanh Hóa, Việt Nam")
    assert province_unknown("Xã Mỹ Đình, Tỉnh Thanh, Việt Nam")
    assert not province_unknown("Thôn 11, Xã Bến Nghé")  # no province part: nothing to say
    cut = "2. Địa chỉ trụ sở chính\nSố 227 Hùng Vương, Tỉnh Thanh\n"
    page = text_page(PAGE.replace("SẠO MAI", "SAO MAI") + cut)
    extraction = run(DocumentType.ENTERPRISE_REGISTRATION_CERTIFICATE, page)
    address = extraction.fields["head_office_address"]
    assert "province_unknown" in address.problems and address.confidence < LOW_CONFIDENCE
