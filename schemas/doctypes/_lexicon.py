"""Small helpers shared by the card and certificate types of issue 4 (cards): snapping an OCR value
to a closed list of printed phrases, repairing look-alike characters in fixed-format codes, reading
the date of a valid field."""

from __future__ import annotations

import dataclasses
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


# ---------------------------------------------------------------------------------------- ỵ
# The ``vie`` model has no ``ỵ`` (../shared/domain/README.md §6). Measured on tesseract 5.3.0 with the
# corpus fonts (Noto Serif regular/bold/italic, Noto Sans regular/bold, --psm 7): at 50 px, 11 lines
# per font, ỵ was a plain ``y`` in 52 of 55 lines and ``Ỹ`` in 3 (the capital in Noto Serif regular
# and italic); at 42 px the capital "MỴ" in Noto Serif (all three styles) came out "MỸ" in 7 of 9
# lines, at 46-93% (a real MỸ: 93-96%). Lower case and Noto Sans: always "y" [V]. Words and places of the
# lexicons below that carry an ``ỵ``:
Y_DOT_NAME_WORDS: tuple[str, ...] = ("Mỵ",)  # a given name; "My" and "Mỹ" are given names too
# Place names (commune/ward level) with ỵ: Đồng Kỵ, a ward of Từ Sơn (Bắc Ninh) [M].
Y_DOT_PLACES: tuple[str, ...] = ("Đồng Kỵ",)
# Place names of the same shape without ỵ that a reading could also be (none known today).
Y_PLAIN_PLACES: tuple[str, ...] = ()

_Y_READ = str.maketrans({"ỵ": "y", "Ỵ": "Y", "ỹ": "y", "Ỹ": "Y"})


def _y_read(text: str) -> str:
    """``text`` as Tesseract may give it back: every ỵ (and ỹ) a plain y."""
    return unicodedata.normalize("NFC", text).translate(_Y_READ)


_PLACE_HEADS = (
    "xã", "phường", "thị trấn", "huyện", "quận", "thị xã", "thành phố", "tỉnh", "thôn", "làng", "ấp",
)  # fmt: skip


def repair_y_dot_place(value: str) -> tuple[str, bool]:
    """(value, repaired): a lexicon place with ỵ read without it ("Phường Đồng Ky" → "Phường Đồng
    Kỵ") is repaired where the context says it is a place — after an administrative head word (xã,
    phường, huyện…) or as a whole comma-separated part of an address — when that place is the single
    lexicon entry the reading can be and the reading is no place of its own. Case follows the
    reading (an upper-case address stays upper case)."""
    text = unicodedata.normalize("NFC", value)
    repaired = False
    heads = "|".join(re.escape(h) for h in sorted(_PLACE_HEADS, key=len, reverse=True))
    for place in Y_DOT_PLACES:
        read = _y_read(place)
        if any(_y_read(p).lower() == read.lower() for p in (*Y_PLAIN_PLACES, *Y_DOT_PLACES) if p != place):
            continue  # another real place reads the same: nothing decides
        pattern = re.compile(rf"(?i)(?<!\w)({_y_pattern(read)})(?!\w)")

        def fix(match: re.Match[str], place: str = place) -> str:
            found = match.group(1)
            return place.upper() if found.isupper() else place

        for match in reversed(list(pattern.finditer(text))):
            found = match.group(1)
            if found in (place, place.upper()):
                continue
            before = text[: match.start()]
            if before.rstrip()[-1:] not in (",", "") and not re.search(
                rf"(?i)(?<!\w)(?:{heads})\s+$", before
            ):
                continue  # no place context: another word that reads the same
            text = text[: match.start()] + fix(match) + text[match.end() :]
            repaired = True
    return text, repaired


def _y_pattern(read: str) -> str:
    """A regular expression of ``read`` (ỵ already plain) matching y, ỵ or ỹ in place of each y."""
    return "".join("[yỵỹYỴỸ]" if ch.lower() == "y" else re.escape(ch) for ch in read)


def y_dot_ambiguous_name(printed: str) -> bool:
    """True when the given name (the last word) as read may have lost an ỵ and both forms are names
    ("MY" or "My" may be MỴ/Mỵ): Tesseract cannot tell, a clerk must. An upper-case "MỸ" counts too
    (capitals in Noto Serif came out so, at the confidence of a real MỸ); a lower-case ỹ ("Mỹ") is
    read as it is. Mỵ is a given name; as a middle name (Thị Mỹ Linh) the lexicon has only Mỹ."""
    names = {_y_read(w).upper() for w in Y_DOT_NAME_WORDS}
    words = re.findall(r"\w+", unicodedata.normalize("NFC", printed))
    if not words:
        return False
    word = words[-1]
    return _y_read(word).upper() in names and "ỵ" not in word.lower() and "ỹ" not in word


Y_DOT_CONFIDENCE = 0.6  # below extraction's LOW_CONFIDENCE (0.70): the field goes to review


def repair_y_dot(kinds: dict[str, str], fields: dict[str, ExtractedField]) -> None:
    """The ỵ repairs on the OCR fields of one document, in place. ``kinds`` maps a field name to its
    kind value ("place", "text", "name"). A place with a lexicon ỵ (in a place or text field) is
    repaired (note ``y_dot_repaired``); a
    name with a word that may have lost its ỵ goes to review (note ``y_dot_ambiguous``, confidence at
    most :data:`Y_DOT_CONFIDENCE`) unless another source (QR) decided it."""
    for name, kind in kinds.items():
        f = fields.get(name)
        if f is None or f.value is None or f.source != "ocr":
            continue
        if kind in ("place", "text"):
            value, repaired = repair_y_dot_place(f.value)
            if repaired:
                fields[name] = dataclasses.replace(f, value=value, problems=(*f.problems, "y_dot_repaired"))
        elif kind == "name" and y_dot_ambiguous_name(f.raw or f.value):
            fields[name] = dataclasses.replace(
                f, confidence=min(f.confidence, Y_DOT_CONFIDENCE), problems=(*f.problems, "y_dot_ambiguous")
            )
