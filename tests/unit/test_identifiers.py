"""Personal ID number structure (../shared/domain/README.md §3)."""

from __future__ import annotations

import datetime as dt

import pytest

from schemas.identifiers import (
    BIRTH_YEAR_MISMATCH,
    CENTURY_MISMATCH,
    NOT_DIGITS,
    SEX_MISMATCH,
    UNKNOWN_PROVINCE,
    WRONG_LENGTH,
    century_sex_digit,
    compose_personal_id,
    load_province_codes,
    normalise_sex,
    parse_personal_id,
    validate_personal_id,
)


def test_province_codes_loaded_from_csv() -> None:
    codes = load_province_codes()
    assert len(codes) == 63
    assert codes["001"] == "Hà Nội"
    assert codes["079"] == "Hồ Chí Minh"
    assert codes["096"] == "Cà Mau"
    assert "003" not in codes  # codes are not contiguous


@pytest.mark.parametrize(
    ("year", "sex", "digit"),
    [(1990, "Nam", 0), (1990, "Nữ", 1), (2005, "Nam", 2), (2005, "Nữ", 3), (2101, "Nam", 4), (2399, "Nữ", 9)],
)
def test_century_sex_digit(year: int, sex: str, digit: int) -> None:
    assert century_sex_digit(year, sex) == digit


def test_compose_and_parse_round_trip() -> None:
    dob = dt.date(2004, 2, 29)
    number = compose_personal_id("022", dob, "Nữ", 123)
    assert number == "022304000123"
    parts = parse_personal_id(number)
    assert (parts.province_code, parts.century, parts.sex, parts.birth_year, parts.serial) == (
        "022",
        2000,
        "Nữ",
        2004,
        "000123",
    )
    assert validate_personal_id(number, dob, "Nữ") == []


def test_valid_without_optional_checks() -> None:
    assert validate_personal_id("001090123456") == []


@pytest.mark.parametrize(
    ("number", "problem"),
    [
        ("00109012345", WRONG_LENGTH),
        ("0010901234567", WRONG_LENGTH),
        ("00109012345X", NOT_DIGITS),
        ("001 090 123 456", NOT_DIGITS),
        ("００１０９０１２３４５６", NOT_DIGITS),  # full-width digits are not ASCII digits
        ("003090123456", UNKNOWN_PROVINCE),
        ("999090123456", UNKNOWN_PROVINCE),
    ],
)
def test_structure_problems(number: str, problem: str) -> None:
    assert problem in validate_personal_id(number)


def test_century_digit_must_match_date_of_birth() -> None:
    # 2 = male born in the 2000s, but the printed date of birth is in 1990.
    problems = validate_personal_id("001290123456", dt.date(1990, 5, 3), "Nam")
    assert CENTURY_MISMATCH in problems
    assert SEX_MISMATCH not in problems


def test_birth_year_digits_must_match() -> None:
    assert validate_personal_id("001091123456", dt.date(1990, 5, 3)) == [BIRTH_YEAR_MISMATCH]


def test_sex_digit_must_match() -> None:
    assert validate_personal_id("001090123456", dt.date(1990, 5, 3), "Nữ") == [SEX_MISMATCH]
    assert validate_personal_id("001190123456", dt.date(1990, 5, 3), "female") == []


def test_problems_never_contain_the_number() -> None:
    number = "999290123456"
    for problem in validate_personal_id(number, dt.date(1990, 1, 1), "Nữ"):
        assert number not in problem
        assert not any(ch.isdigit() for ch in problem)


def test_sex_aliases() -> None:
    assert normalise_sex("NAM") == "Nam"
    assert normalise_sex(" nữ ") == "Nữ"
    assert normalise_sex("F") == "Nữ"
    assert normalise_sex("x") is None
    assert normalise_sex(None) is None


def test_compose_rejects_bad_input() -> None:
    with pytest.raises(ValueError):
        compose_personal_id("003", dt.date(1990, 1, 1), "Nam", 1)
    with pytest.raises(ValueError):
        compose_personal_id("001", dt.date(1850, 1, 1), "Nam", 1)
    with pytest.raises(ValueError):
        compose_personal_id("001", dt.date(1990, 1, 1), "Nam", 1_000_000)
