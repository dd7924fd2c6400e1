"""Numbers in Vietnamese words (schemas.numbers), checked against the corpus's own writers."""

from decimal import Decimal

import pytest

from pipeline.corpus.enterprise_registration_certificate import capital_words
from pipeline.corpus.land_certificate import _area_words
from pipeline.samples import _number_words
from schemas.doctypes._lexicon import folded
from schemas.numbers import (
    DATE_WORDS,
    NUMBER_WORDS,
    parse_decimal_words,
    parse_number_words,
    repair_words,
    spelled_number_words,
)


def test_every_number_the_corpus_writes_reads_back() -> None:
    for n in range(1, 10_000):  # pipeline.samples writes numbers below ten thousand
        assert parse_number_words(folded(_number_words(n)).split()) == n, n


@pytest.mark.parametrize(
    ("words", "number"),
    [
        ("hai mươi mốt", 21),
        ("hai mươi tư", 24),
        ("mười lăm", 15),
        ("một trăm linh năm", 105),
        ("hai nghìn không trăm lẻ ba", 2003),
        ("hai mươi nghìn", 20_000),
        ("một tỷ năm trăm triệu", 1_500_000_000),
        ("ba trăm hai mươi triệu không trăm năm mươi nghìn", 320_050_000),
        ("Hai mươl mốt", None),  # a misread letter: no number, never a guess
        ("năm hai", None),  # two units in a row
        ("nghìn", None),
        ("một nghìn hai triệu", None),  # scales out of order
        ("", None),
    ],
)
def test_number_words(words: str, number: int | None) -> None:
    assert parse_number_words(folded(words).split()) == number


@pytest.mark.parametrize("area", ["35", "559", "517,2", "900,9", "101,1", "120"])
def test_the_land_certificates_area_in_words_reads_back(area: str) -> None:
    assert parse_decimal_words(_area_words(area), ("MET VUONG",)) == Decimal(area.replace(",", "."))


def test_capital_in_words_reads_back() -> None:
    for amount in (1_000_000_000, 1_500_000_000, 320_050_000, 12_000_000_000, 7_000_000):
        assert parse_decimal_words(capital_words(amount), ("DONG",)) == amount


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Năm trăm mười bảy phẩy hai mét vuông)", Decimal("517.2")),  # the bracket read with it
        ("một trăm hai mươi phẩy hai mươi lăm mét vuông", Decimal("120.25")),
        ("một trăm phẩy không năm mét vuông", Decimal("100.05")),
        ("Nám trăm năm mươi chín mét vuông", Decimal("559")),  # a mark misread: folded alike
        ("Năm trăm năm mươi chín mét", None),  # the unit cut short: "MET" is no number word
        ("phẩy hai mét vuông", None),
    ],
)
def test_decimal_words(text: str, value: Decimal | None) -> None:
    assert parse_decimal_words(text, ("MET VUONG",)) == value


@pytest.mark.parametrize(
    ("read", "printed"),
    [
        ("năm một nghìn chín trăm sáu rnươi tư", "năm một nghìn chín trăm sáu mươi tư"),  # rn for m
        ("Ngày hai, tháng hat, năm", "Ngày hai, tháng hai, năm"),  # one letter
        ("Ngày hai, tháng ba, năm", None),  # nothing to repair
        ("tháng xyz", None),  # no word one edit away
        ("tháng bam", None),  # ba, bảy, tám, năm, lăm: more than one word one edit away
    ],
)
def test_number_words_a_letter_away_are_respelled(read: str, printed: str | None) -> None:
    assert repair_words(read, DATE_WORDS) == printed


def test_number_words_outside_dates() -> None:
    assert repair_words("Hai tỷ đồng", NUMBER_WORDS | {"DONG"}) is None
    assert repair_words("Hai tý đồng", NUMBER_WORDS | {"DONG"}) is None  # folds to TY: nothing to repair


@pytest.mark.parametrize(
    ("read", "printed"),
    [
        ("Ba trăm ba mươi bẩy phẩy sáu mét vuông", "Ba trăm ba mươi bảy phẩy sáu mét vuông"),  # seed 7070
        (
            "Ngày mười bảy, tháng một, năm hai nghìn Không trăm lẻ một",
            "Ngày mười bảy, tháng một, năm hai nghìn không trăm lẻ một",
        ),
        ("ngày hai mưoi mốt, tháng mười một", "Ngày hai mươi mốt, tháng mười một"),  # ×10 and ten by position
        ("Hai tỷ bảy trăm triệu đồng", "Hai tỷ bảy trăm triệu đồng"),
    ],
)
def test_number_words_that_agree_are_kept_as_they_are_spelled(read: str, printed: str) -> None:
    assert spelled_number_words(read) == printed


@pytest.mark.parametrize("area", ["517,2", "1,05", "35", "101", "4021,75"])
def test_the_corpus_spells_its_numbers_as_agreed_words_are_kept(area: str) -> None:
    assert spelled_number_words(_area_words(area)) == _area_words(area)


def test_the_corpus_spells_capitals_and_dates_as_agreed_words_are_kept() -> None:
    import datetime as dt

    from pipeline.samples import date_in_words

    for amount in (1_500_000_000, 2_000_000_000, 4_021_000_000, 600_000_000, 10_000_000_000, 31_000_000):
        assert spelled_number_words(capital_words(amount)) == capital_words(amount)
    for day in (dt.date(2001, 1, 17), dt.date(1964, 11, 30), dt.date(1991, 12, 21), dt.date(2015, 4, 24)):
        assert spelled_number_words(date_in_words(day)) == date_in_words(day)
