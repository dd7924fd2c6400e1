"""Numbers in Vietnamese words (schemas.numbers), checked against the corpus's own writers."""

from decimal import Decimal

import pytest

from pipeline.corpus.enterprise_registration_certificate import capital_words
from pipeline.corpus.land_certificate import _area_words
from pipeline.samples import _number_words
from schemas.doctypes._lexicon import folded
from schemas.numbers import DATE_WORDS, NUMBER_WORDS, parse_decimal_words, parse_number_words, repair_words


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
