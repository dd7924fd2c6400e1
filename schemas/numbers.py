"""Numbers written in Vietnamese words, as certificates print an amount a second time ("Bằng chữ").

The words are compared folded (upper case, no diacritics: ``_lexicon.folded``), so that a mark misread
by OCR changes nothing: "mươi" (×10) and "mười" (10) fold alike and are told apart by position, "mốt"
(the unit 1 after a ten) folds to "một". A reading that is no well-formed number gives None, never a
guess: the caller compares the number with the one printed in digits and leaves a disagreement (or no
number) to a clerk.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from decimal import Decimal, InvalidOperation

from rapidfuzz.distance import Levenshtein

from schemas.doctypes._lexicon import folded
from schemas.documents import ExtractedField

_UNITS = {
    "KHONG": 0, "MOT": 1, "HAI": 2, "BA": 3, "BON": 4, "TU": 4, "NAM": 5, "LAM": 5,
    "SAU": 6, "BAY": 7, "TAM": 8, "CHIN": 9,
}  # fmt: skip
_SCALES = {"NGHIN": 1_000, "NGAN": 1_000, "TRIEU": 1_000_000, "TY": 1_000_000_000}
_DECIMAL_POINT = "PHAY"  # "phẩy": the decimal comma
NUMBER_WORDS = frozenset({*_UNITS, "MUOI", "TRAM", "LE", "LINH", *_SCALES, _DECIMAL_POINT})
DATE_WORDS = NUMBER_WORDS | {"NGAY", "THANG"}  # "năm" (year) is a unit's word too
WORDS_REPAIRED = "words_repaired"
_BETWEEN_WORDS = re.compile(r"([\s,.;()]+)")  # kept when words are split, respelled and joined


def parse_number_words(words: list[str]) -> int | None:
    """Folded Vietnamese number words to an int: "HAI NGHIN KHONG TRAM LE BA" → 2003,
    "MOT TY NAM TRAM TRIEU" → 1 500 000 000; None when they are no well-formed number."""
    total = 0
    hundreds = tens = 0
    pending: int | None = None
    last_scale = None
    seen = False
    for word in words:
        if word in _UNITS:
            if pending is not None:
                return None
            pending = _UNITS[word]
        elif word == "MUOI":  # mười (10) or "<digit> mươi" (×10)
            tens, pending = (1 if pending is None else pending), None
        elif word == "TRAM":
            if pending is None:
                return None
            hundreds, pending = pending, None
        elif word in ("LE", "LINH"):
            tens = 0
        elif word in _SCALES:  # nghìn, triệu, tỷ: the group read so far times its scale
            group = hundreds * 100 + tens * 10 + (pending or 0)
            scale = _SCALES[word]
            if group == 0 or (last_scale is not None and scale >= last_scale):
                return None
            total += group * scale
            hundreds = tens = 0
            pending = None
            last_scale = scale
        else:
            return None
        seen = True
    if not seen:
        return None
    return total + hundreds * 100 + tens * 10 + (pending or 0)


def parse_decimal_words(text: str, unit_words: tuple[str, ...] = ()) -> Decimal | None:
    """A decimal number in words, its unit words ignored at the end: "Năm trăm mười bảy phẩy hai mét
    vuông" → 517.2 (with ``unit_words=("MET VUONG",)``). The part after "phẩy" is read digit by digit
    ("phẩy không năm" → .05) or as a number ("phẩy hai mươi lăm" → .25)."""
    words = folded(text).split()
    for unit in unit_words:
        tail = unit.split()
        if words[-len(tail) :] == tail:
            words = words[: -len(tail)]
            break
    if _DECIMAL_POINT in words:
        at = words.index(_DECIMAL_POINT)
        whole_words, fraction_words = words[:at], words[at + 1 :]
    else:
        whole_words, fraction_words = words, []
    whole = parse_number_words(whole_words)
    if whole is None:
        return None
    if not fraction_words:
        return Decimal(whole)
    if all(w in _UNITS for w in fraction_words):
        digits = "".join(str(_UNITS[w]) for w in fraction_words)
    else:
        number = parse_number_words(fraction_words)
        if number is None:
            return None
        digits = str(number)
    return Decimal(f"{whole}.{digits}")


DIFFERS_FROM_WORDS = "differs_from_words"
WORDS_AGREE = "words_agree"
WORDS_AGREE_CONFIDENCE = 0.9  # the number in digits and in words, two renderings of it, read alike


def against_words(
    fields: dict[str, ExtractedField], name: str, words_name: str, unit_words: tuple[str, ...]
) -> None:
    """The number ``fields[name]`` (its value normalised: "517.2", "1500000000") against the same number
    printed in words (``fields[words_name]``, "Bằng chữ: …"): the same number makes both sure (noted
    ``words_agree``; the digits' own reading is often unsure for what is read with them, "m²", a
    bracket); another number sends the value to a clerk (``differs_from_words``); words that are no
    number change nothing."""
    value, words = fields.get(name), fields.get(words_name)
    if value is None or words is None or value.value is None or words.value is None or not value.valid:
        return
    written = parse_decimal_words(words.value, unit_words)
    if written is None:
        return
    try:
        number = Decimal(value.value)
    except InvalidOperation:
        return
    if written != number:
        fields[name] = value.invalid(DIFFERS_FROM_WORDS)
    else:
        words_agree(fields, name, words_name)


def words_agree(fields: dict[str, ExtractedField], name: str, words_name: str) -> None:
    """``fields[name]`` and its rendering in words (both present) read alike: both sure, noted
    ``words_agree`` (the words' own reading is unsure on many pages: italic marks). The words, compared
    without their marks, are kept as the number words are spelled (:func:`spelled_number_words`): a
    mark or a capital misread in them ("bẩy", "Không") is not made sure."""
    for key in (name, words_name):
        f = fields[key]
        value = spelled_number_words(f.value) if key == words_name and f.value else f.value
        fields[key] = dataclasses.replace(
            f,
            value=value,
            confidence=max(f.confidence, WORDS_AGREE_CONFIDENCE),
            problems=(*f.problems, WORDS_AGREE),
        )


# How each folded word of a number, a date or an area in words is spelled; "mười"/"mươi" and
# "một"/"mốt" by position (below).
_SPELLING = {
    "KHONG": "không", "MOT": "một", "HAI": "hai", "BA": "ba", "BON": "bốn", "TU": "tư", "NAM": "năm",
    "LAM": "lăm", "SAU": "sáu", "BAY": "bảy", "TAM": "tám", "CHIN": "chín", "MUOI": "mười",
    "TRAM": "trăm", "NGHIN": "nghìn", "NGAN": "ngàn", "TRIEU": "triệu", "TY": "tỷ", "LE": "lẻ",
    "LINH": "linh", "PHAY": "phẩy", "NGAY": "ngày", "THANG": "tháng", "MET": "mét", "VUONG": "vuông",
    "DONG": "đồng",
}  # fmt: skip
_DIGITS_2_TO_9 = frozenset(k for k, v in _UNITS.items() if v >= 2)


def spelled_number_words(text: str) -> str:
    """``text`` (number words that parse) with each word spelled as it is printed, whatever marks and
    capitals OCR gave it, the first capitalised: "Năm trăm mười bẩy phẩy Hai" → "Năm trăm mười bảy phẩy
    hai"; "hai mươi" (×10) and "mười" (ten), "mốt" after "mươi". Words it does not know are kept."""
    out: list[str] = []
    previous = ""
    for token in _BETWEEN_WORDS.split(text):
        key = folded(token)
        if key in _SPELLING:
            word = _SPELLING[key]
            if key == "MUOI" and previous in _DIGITS_2_TO_9:
                word, key = "mươi", "MUOI_TIMES"
            elif key == "MOT" and previous == "MUOI_TIMES":
                word = "mốt"
            out.append(word)
            previous = key
        else:
            out.append(token)
            previous = key if key else previous
    spelled = "".join(out)
    return spelled[:1].upper() + spelled[1:]


def _respelled(token: str, key: str, target: str) -> str:
    """``token`` (its folded form ``key``) edited into ``target`` (folded) letter by letter, its other
    letters and their marks kept ("rnươi" → "mươi", "hat" → "hai")."""
    letters = list(unicodedata.normalize("NFC", token))
    if len(letters) != len(key):
        return target.lower()
    for edit in reversed(Levenshtein.editops(key, target).as_list()):
        op, src, dest = edit[0], int(edit[1]), int(edit[2])
        if op == "replace":
            letters[src] = target[dest].lower()
        elif op == "delete":
            del letters[src]
        else:
            letters.insert(src, target[dest].lower())
    return "".join(letters)


def repair_words(text: str, vocabulary: frozenset[str]) -> str | None:
    """``text`` with each word that is none of ``vocabulary`` (folded) respelled as the only word of it
    one edit away ("hat" → "hai"; OCR's "rn" for "m" first: "rnươi" → "mươi"); None when a word has no
    such single word, or when no word needed it. The caller still checks the repaired reading against
    something independent (the same number in digits)."""
    out: list[str] = []
    changed = False
    for token in _BETWEEN_WORDS.split(text):
        key = folded(token)
        if not key or key in vocabulary:
            out.append(token)
            continue
        if " " in key:
            return None
        near = [word for word in vocabulary if Levenshtein.distance(key, word) == 1]
        if "RN" in key and key.replace("RN", "M") in vocabulary:
            near = [key.replace("RN", "M")]
        if len(near) != 1:
            return None
        out.append(_respelled(token, key, near[0]))
        changed = True
    return "".join(out) if changed else None
