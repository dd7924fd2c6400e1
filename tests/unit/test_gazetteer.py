"""The gazetteer of administrative units (vietnamadminunits' dataset) and the address repair built on it:
Tesseract's high-confidence mark misreads of place names (seed 5150 of bench.extraction: "Đức Phổ" read
"Đức Phố" twice, "Đức Thắng" read "Đức Thẳng"), which are valid syllables."""

from __future__ import annotations

import pytest

from pipeline.extract import gazetteer_place
from schemas.gazetteer import known, one_letter_away, repaired_name, same_letters


@pytest.mark.parametrize(
    ("name", "level"),
    [
        ("Đức Phổ", "district"),  # Quảng Ngãi, before July 2025
        ("Kỳ Anh", "district"),  # a Huyện and a Thị xã of Hà Tĩnh share the name
        ("Vũ Thư", "district"),
        ("Đức Thắng", "commune"),
        ("Láng Hạ", "commune"),
        ("Tân Phong", "commune"),
    ],
)
def test_names_of_both_systems_are_known_at_their_level(name: str, level: str) -> None:
    assert known(name, level)  # type: ignore[arg-type]


def test_a_commune_name_is_not_a_district_name() -> None:
    assert known("Láng Hạ", "commune")
    assert not known("Láng Hạ", "district")


@pytest.mark.parametrize(
    ("read", "level", "printed"),
    [
        ("Đức Phố", "district", "Đức Phổ"),
        ("Đức Thẳng", "commune", "Đức Thắng"),
        ("Vu Thu", "district", "Vũ Thư"),
    ],
)
def test_a_mark_misreading_with_one_namesake_is_repaired(read: str, level: str, printed: str) -> None:
    assert repaired_name(read, level) == printed  # type: ignore[arg-type]


def test_a_known_name_an_unknown_name_and_an_ambiguous_one_are_left_alone() -> None:
    assert repaired_name("Đức Phổ", "district") is None  # known: nothing to repair
    assert repaired_name("Yên Dũng", "district") is None  # dissolved before the snapshot: no namesake
    # Three communes have the letters of "Tân Thảnh": never a guess between them.
    assert len(same_letters("Tân Thảnh", "commune")) > 1
    assert repaired_name("Tân Thảnh", "commune") is None


def test_an_address_is_repaired_part_by_part_at_the_level_of_each_head_word() -> None:
    text, repaired = gazetteer_place("Thôn 3, Xã Đức Thẳng, Huyện Đức Phố, Tỉnh Quảng Ngãi")
    assert (text, repaired) == ("Thôn 3, Xã Đức Thắng, Huyện Đức Phổ, Tỉnh Quảng Ngãi", 2)
    # Upper-case print stays upper case; the head word keeps its case.
    assert gazetteer_place("XÃ ĐỨC THẲNG, TỈNH QUẢNG NGÃI") == ("XÃ ĐỨC THẮNG, TỈNH QUẢNG NGÃI", 1)


def test_parts_without_a_level_head_and_the_province_are_not_touched() -> None:
    # "Đức Phố" after no head word, after "Thôn", or as the last part: not checked.
    for text in ("Đức Phố, Tỉnh Quảng Ngãi", "Thôn Đức Phố, Tỉnh Quảng Ngãi", "Xã Tân Phong, Huyện Đức Phố"):
        assert gazetteer_place(text) == (text, 0)
    # A commune name under a district head is checked as a district: no district has its letters.
    assert gazetteer_place("Huyện Láng Ha, Thành phố Hà Nội") == ("Huyện Láng Ha, Thành phố Hà Nội", 0)


def test_a_name_with_a_syllable_no_word_has_is_one_letter_from_exactly_one_name() -> None:
    """bench seed 5150, land certificate #4 light: "Quận Thanh Oai" read "Quận Thanh Oal" (flagged)."""
    assert one_letter_away("Thanh Oal", "district") == "Thanh Oai"
    assert one_letter_away("An Khanl", "commune") is None  # An Khang and An Khánh: no guess
    text = "Số 168 Lý Thường Kiệt, Phường Thuận Thành, Quận Thanh Oal, Thành phố Hà Nội"
    assert gazetteer_place(text) == (text.replace("Oal", "Oai"), 1)


def test_a_valid_looking_unknown_name_is_never_moved_one_letter() -> None:
    # "Tân Phon" is no commune, and only "Tân Phong" is one letter away; but "Phon" is a Vietnamese syllable.
    assert one_letter_away("Tân Phon", "commune") == "Tân Phong"
    assert gazetteer_place("Xã Tân Phon, Huyện Vũ Thư, Tỉnh Thái Bình")[1] == 0
