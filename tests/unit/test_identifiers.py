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


# ------------------------------------------------------------------------------- tax code, MRZ


def test_tax_codes_of_real_enterprises_are_valid() -> None:
    from schemas.identifiers import normalise_tax_code, validate_tax_code

    for code in ("0300588569", "0101248141"):  # published codes (Vinamilk, FPT)
        assert validate_tax_code(code) == []
    assert normalise_tax_code("0101248141 - 001") == "0101248141-001"
    assert validate_tax_code(normalise_tax_code("0101248141001")) == []


def test_tax_code_problems() -> None:
    from schemas.identifiers import compose_tax_code, tax_check_digit, validate_tax_code

    assert validate_tax_code("0300588568") == ["tax_code_check_digit"]
    assert validate_tax_code("030058856") == ["tax_code_format"]
    assert validate_tax_code("0300588569-01") == ["tax_code_format"]
    assert validate_tax_code("0300588569-000") == ["tax_code_branch"]
    assert validate_tax_code(compose_tax_code("010124814", 7)) == []
    # Nine digits whose weighted sum is a multiple of 11 have no valid check digit.
    nine = next(f"{n:09d}" for n in range(1000) if tax_check_digit(f"{n:09d}") is None)
    with pytest.raises(ValueError):
        compose_tax_code(nine)


ICAO_TD1 = [
    "I<UTOD231458907<<<<<<<<<<<<<<<",
    "7408122F1204159UTO<<<<<<<<<<<6",
    "ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
]


def test_icao_specimen_td1_passes_every_check() -> None:
    from schemas.identifiers import mrz_check_digit, parse_td1

    mrz = parse_td1(ICAO_TD1)
    assert mrz is not None and mrz.valid
    assert (mrz.document_number, mrz.birth, mrz.sex, mrz.expiry) == ("D23145890", "740812", "F", "120415")
    assert (mrz.surname, mrz.given_names) == ("ERIKSSON", "ANNA MARIA")
    assert mrz_check_digit("D23145890") == 7


def test_td1_bad_check_digits_are_named() -> None:
    from schemas.identifiers import parse_td1

    one, two, three = ICAO_TD1
    mrz = parse_td1([one, two.replace("7408122", "7408132"), three])
    assert mrz is not None
    assert mrz.problems == ("mrz_birth_date_check", "mrz_composite_check")
    assert parse_td1([one, two]) is None
    assert parse_td1([one, two[:-1], three]) is None


def test_vietnamese_card_td1_round_trip() -> None:
    from schemas.identifiers import compose_td1, parse_td1

    dob = dt.date(1984, 7, 8)
    ident = compose_personal_id("001", dob, "Nữ", 12345)
    lines = compose_td1(ident, "Đặng", "Thị Thu Hằng", dob, "Nữ", dt.date(2024, 7, 8))
    assert all(len(line) == 30 for line in lines)
    mrz = parse_td1(lines)
    assert mrz is not None and mrz.valid, mrz
    assert mrz.id_number == ident
    assert mrz.date_of_birth() == dob
    assert mrz.date_of_expiry(dob) == dt.date(2024, 7, 8)
    assert (mrz.surname, mrz.given_names, mrz.sex_vi) == ("DANG", "THI THU HANG", "Nữ")
    no_expiry = parse_td1(compose_td1(ident, "Lê", "An", dob, "Nam", None))
    assert no_expiry is not None and no_expiry.valid and no_expiry.date_of_expiry(dob) is None
