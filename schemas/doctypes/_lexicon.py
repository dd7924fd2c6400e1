"""Small helpers shared by the card and certificate types of issue 4 (cards): snapping an OCR value
to a closed list of printed phrases, repairing look-alike characters in fixed-format codes, reading
the date of a valid field."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from difflib import SequenceMatcher

from schemas.documents import ExtractedField

_SPECIAL = {"Đ": "D", "đ": "d"}


def folded(text: str) -> str:
    """Upper case, no diacritics, letters and digits separated by single spaces."""
    base = "".join(_SPECIAL.get(ch, ch) for ch in unicodedata.normalize("NFC", text))
    stripped = "".join(ch for ch in unicodedata.normalize("NFD", base) if not unicodedata.combining(ch))
    return " ".join(re.findall(r"[A-Z0-9]+", stripped.upper()))


def snap(value: str, lexicon: tuple[str, ...], min_ratio: float = 0.9) -> tuple[str | None, bool]:
    """(entry, exact) of ``lexicon`` the value is, compared without diacritics: the entry itself when
    equal up to diacritics; the single entry within ``min_ratio`` (difflib) otherwise; None when no
    entry or more than one is that close (never a guess between two)."""
    key = folded(value)
    for entry in lexicon:
        if folded(entry) == key:
            return entry, unicodedata.normalize("NFC", value) == entry
    close = [e for e in lexicon if SequenceMatcher(None, folded(e), key, autojunk=False).ratio() >= min_ratio]
    return (close[0], False) if len(close) == 1 else (None, False)


_SYMBOLS = str.maketrans({"§": "S", "$": "S", "€": "E"})  # OCR's symbols for letters of a code
_AS_DIGIT = str.maketrans(
    {"O": "0", "D": "0", "Q": "0", "I": "1", "L": "1", "|": "1", "Z": "2", "S": "5", "B": "8"}
)
_AS_LETTER = str.maketrans({"0": "O", "1": "I", "2": "Z", "5": "S", "8": "B", "4": "A", "6": "G"})


def fixed_code(raw: str, letters: int, digits: int) -> tuple[str | None, bool]:
    """``letters`` capital letters then ``digits`` digits ("AB 01234567"), spaces removed; digits read
    as letters (and back) are repaired by position. Returns (code, repaired) or (None, False)."""
    text = unicodedata.normalize("NFC", raw)
    printed = re.sub(r"[^0-9A-Za-zĐđ|]", "", text).upper()
    compact = re.sub(r"[^0-9A-Za-zĐđ|]", "", text.translate(_SYMBOLS)).upper()
    if len(compact) != letters + digits:
        return None, False
    head, tail = compact[:letters], compact[letters:]
    fixed = head.translate(_AS_LETTER) + tail.translate(_AS_DIGIT)
    if not (fixed[:letters].isalpha() and fixed[letters:].isascii() and fixed[letters:].isdigit()):
        return None, False
    return fixed, fixed != printed


def field_date(fields: dict[str, ExtractedField], name: str) -> dt.date | None:
    """The date of a valid field (ISO value), else None."""
    f = fields.get(name)
    if f is None or not f.valid or not f.value:
        return None
    return dt.date.fromisoformat(f.value)
