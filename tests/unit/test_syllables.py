"""High-confidence mark misreads that spell no Vietnamese syllable ("Thanh Oal", "ruôồi") send a place
or text field to review; minority-language place syllables (Đắk, Krông, Ea) and abbreviations do not.
Pure logic on fixed text."""

from __future__ import annotations

import pytest

from pipeline.extract import (
    IMPLAUSIBLE_CONFIDENCE,
    LOW_CONFIDENCE,
    _Found,
    _normalise,
    implausible_words,
    plausible_syllable,
    undoubled,
)
from pipeline.ocr import OcrOptions
from schemas.documents import ETHNIC_GROUPS, FieldDef, FieldKind
from schemas.identifiers import load_province_codes


@pytest.mark.parametrize(
    "word",
    ["ruồi", "NGUYỄN", "NGUYEN", "quyền", "giường", "giữa", "khuya", "khuỷu", "xoong", "người", "rượu",
     "chuyện", "Huế", "thuở", "ngoằn", "yêu", "uyên", "Buôn", "khoẻ", "hoàng"],
)  # fmt: skip
def test_real_syllables_pass(word: str) -> None:
    assert plausible_syllable(word)


@pytest.mark.parametrize("word", ["ruôồi", "RUÔỒI", "Oal", "Huyêệ", "GLANG", "HƯỜNH"])
def test_misread_syllables_fail(word: str) -> None:
    assert not plausible_syllable(word)


@pytest.mark.parametrize(
    ("value", "bad"),
    [
        ("Thôn 1, Xã Trà Cổ, Huyện Thanh Oal, Tỉnh Hải Dương", ["Oal"]),
        ("Nốt ruôồi C:1cm trên sau cánh mũi phải", ["ruôồi"]),
        ("Thôn 1, Xã Trà Cổ, Huyện Thanh Oai, Tỉnh Hải Dương", []),
        # minority-language place names of the Central Highlands
        ("Buôn Ea Súp, Xã Ea Kar, Huyện Krông Búk, Tỉnh Đắk Lắk", []),
        ("Xã Ia Grai, Huyện Chư Păh, Thành phố Pleiku, Tỉnh Gia Lai", []),
        ("Bản H'Mông, Huyện Cư Jút, Tỉnh Đắk Nông", []),
        # abbreviations, a foreign name, an OCR's eth for Đ
        ("CÔNG TY TNHH DỊCH VỤ SAO MAI", []),
        ("UBND Tỉnh Quảng Bình", []),
        ("SAO MAI SERVICE COMPANY LIMITED", []),
        ("Ðiện Biên", []),
    ],
)
def test_implausible_words(value: str, bad: list[str]) -> None:
    assert implausible_words(value) == bad


def test_no_province_or_ethnic_group_is_implausible() -> None:
    names = [*load_province_codes().values(), *ETHNIC_GROUPS]
    assert [name for name in names if implausible_words(name)] == []


@pytest.mark.parametrize(
    ("kind", "read"),
    [
        (FieldKind.TEXT, "Thôn 1, Xã Trà Cổ, Huyện Thanh Oal, Tỉnh Hải Dương"),
        # In a place, the gazetteer repairs a district or commune name (below); a village's is not in it.
        (FieldKind.PLACE, "Thôn Oal, Xã Trà Cổ, Huyện Thanh Oai, Tỉnh Hải Dương"),
    ],
)
def test_a_misread_place_or_text_goes_to_review(kind: FieldKind, read: str) -> None:
    fdef = FieldDef("address", "Nơi thường trú", kind, ())
    field, _ = _normalise(fdef, _Found(read, 0.96), None, OcrOptions())
    assert field.value == read  # kept as read
    assert "implausible_syllable" in field.problems
    assert field.confidence <= IMPLAUSIBLE_CONFIDENCE < LOW_CONFIDENCE
    right, _ = _normalise(fdef, _Found("Huyện Thanh Oai, Tỉnh Hải Dương", 0.96), None, OcrOptions())
    assert "implausible_syllable" not in right.problems and right.confidence == 0.96


def test_a_misread_district_in_a_place_is_repaired_from_the_gazetteer() -> None:
    fdef = FieldDef("address", "Nơi thường trú", FieldKind.PLACE, ())
    read = "Thôn 1, Xã Trà Cổ, Huyện Thanh Oal, Tỉnh Hải Dương"
    field, _ = _normalise(fdef, _Found(read, 0.96), None, OcrOptions())
    assert field.value == "Thôn 1, Xã Trà Cổ, Huyện Thanh Oai, Tỉnh Hải Dương"
    assert field.problems == ("gazetteer_repaired",) and field.confidence == 0.96


@pytest.mark.parametrize(
    ("word", "once"), [("HữỮu", "Hữu"), ("NữỮ", "Nữ"), ("Hữu", "Hữu"), ("xoong", "xoong"), ("AaB", "AaB")]
)
def test_a_marked_vowel_read_twice_is_read_once(word: str, once: str) -> None:
    assert undoubled(word) == once
