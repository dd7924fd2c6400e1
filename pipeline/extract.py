"""Extract stage: label-anchored fields of a classified document, normalised and validated.

For each OCR line the printed labels of the document type are located (fuzzy, diacritics ignored,
the longest label winning where labels overlap: "Họ, chữ đệm, tên người mẹ:" over "Họ, chữ đệm,
tên:"); a field's value is the text after its label up to the next label on the line, or the next
line when the label ends its line ("Họ và tên / Full name:" then the name). Place values may
continue on the following line. Values are normalised (NFC; dates ISO; names upper case; sex
"Nam"/"Nữ") and validated; the personal ID is re-read from its zone of the page image with the
digits model and checked against the printed date of birth and sex.

Problems name the field, never its value (they end up in logs and review queues).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from pydantic import BaseModel
from rapidfuzz.distance import Levenshtein

from pipeline.classify import DIGITS_AS_LETTERS, PhraseMatch, Skeleton, find_phrase, fold, skeleton
from pipeline.machine import decode_qr, read_td1
from pipeline.marks import dot_below, dots_below, without_trailing_dots
from pipeline.ocr import OcrLine, OcrOptions, OcrPage, Word, ZoneRequest, read_block, read_zone, words_box
from pipeline.roman import ocr_numeral, read_roman
from schemas.calendar import local_date
from schemas.doctypes._lexicon import repair_y_dot
from schemas.doctypes._papers import ENTRY_AS_PRINTED, province_cut_short
from schemas.documents import (
    COMMON_GIVEN_NAMES,
    COMMON_SURNAMES,
    DOCUMENT_TYPES,
    ETHNIC_GROUPS,
    MODELS,
    MRZ_READERS,
    NORMALISERS,
    QR_READERS,
    VALIDITY,
    DocumentType,
    DocumentTypeDef,
    ExtractedField,
    FieldDef,
    FieldKind,
)
from schemas.gazetteer import COMMUNE_HEADS, DISTRICT_HEADS, Level, one_letter_away, repaired_name
from schemas.identifiers import load_province_codes, normalise_sex, validate_personal_id
from schemas.numbers import (
    DATE_WORDS,
    DIFFERS_FROM_WORDS,
    WORDS_REPAIRED,
    parse_number_words,
    repair_words,
    words_agree,
)

LOW_CONFIDENCE = 0.70  # below this a field goes to review even when it is valid
DISAGREEMENT_CONFIDENCE = 0.6  # page reading and digits re-read differ: below LOW_CONFIDENCE
IMPLAUSIBLE_CONFIDENCE = 0.5  # a value with a word no Vietnamese syllable spells: below LOW_CONFIDENCE
_CONTINUATION_MIN_CONF = 60.0  # mean word confidence (0-100) of a line continuing a value
_SEPARATORS = " \t:;|/\\.,-_–—…~*'\"`"

# Re-reads one line zone of a page: (page, (left, top, right, bottom), request) -> words in page coordinates
ZoneReader = Callable[[OcrPage, tuple[int, int, int, int], ZoneRequest], list[Word]]


@dataclass(frozen=True)
class ReviewProblem:
    code: str  # a reason code of schemas.reasons (field_missing, field_invalid, low_confidence…)
    detail: str  # the field NAME, never its value


@dataclass
class Extraction:
    document_type: DocumentType
    fields: dict[str, ExtractedField] = field(default_factory=dict)
    problems: list[ReviewProblem] = field(default_factory=list)
    # Better readings of page words found while extracting: page number → {word index: text}.
    corrections: dict[int, dict[int, str]] = field(default_factory=dict)

    def values(self) -> dict[str, str | None]:
        return {name: f.value for name, f in self.fields.items()}

    def model(self) -> BaseModel | None:
        """The pydantic model of the document if every field needed validates, else None."""
        model = MODELS.get(self.document_type)
        if model is None:
            return None
        data = {name: f.value for name, f in self.fields.items() if f.valid and f.value is not None}
        try:
            return model.model_validate(data)
        except ValueError:
            return None


# ------------------------------------------------------------------------------- label location


@dataclass(frozen=True)
class _LabelHit:
    field: str | None  # None: a label that only ends the preceding value
    start: int
    end: int
    weight: float


@dataclass(frozen=True)
class _Segment:
    field: str | None
    value: str
    value_start: int  # span of the value in the line text
    value_end: int


@dataclass
class _Line:
    """A run of words of one OCR line without a wide gap: one column of a row. Tesseract may join
    the card's left column ("Có giá trị đến:") and right column (the residence) into one line."""

    page: OcrPage
    words: tuple[Word, ...]
    hits: list[_LabelHit] = field(default_factory=list)

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    @property
    def left(self) -> int:
        return min(w.left for w in self.words)

    @property
    def right(self) -> int:
        return max(w.right for w in self.words)

    @property
    def top(self) -> int:
        return min(w.top for w in self.words)

    @property
    def bottom(self) -> int:
        return max(w.bottom for w in self.words)

    @property
    def height(self) -> int:
        heights = sorted(w.height for w in self.words)
        return heights[len(heights) // 2]

    @property
    def confidence(self) -> float:
        return sum(w.conf for w in self.words) / len(self.words)

    def segments(self) -> list[_Segment]:
        out = []
        text = self.text
        for i, hit in enumerate(self.hits):
            end = self.hits[i + 1].start if i + 1 < len(self.hits) else len(text)
            start, stop = _strip_span(text, hit.end, end)
            out.append(_Segment(hit.field, _with_comma(text, start, stop, end), start, stop))
        return out

    def prefix(self) -> _Segment:
        """Text before the first label (or the whole line without labels)."""
        text = self.text
        end = self.hits[0].start if self.hits else len(text)
        start, stop = _strip_span(text, 0, end)
        return _Segment(None, _with_comma(text, start, stop, end), start, stop)


def _with_comma(text: str, start: int, stop: int, end: int) -> str:
    """The value, keeping a comma that ended it: an address wrapped after "Lê Lợi," continues."""
    value = text[start:stop]
    return value + "," if value and "," in text[stop:end] else value


def _strip_span(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start] in _SEPARATORS:
        start += 1
    while end > start and text[end - 1] in _SEPARATORS:
        end -= 1
    return start, end


def _label_hits(text: str, definition: DocumentTypeDef) -> list[_LabelHit]:
    sk = skeleton(text)
    candidates: list[_LabelHit] = []
    labels: list[tuple[str | None, str]] = [(f.name, label) for f in definition.fields for label in f.labels]
    labels += [(None, label) for label in definition.other_labels]
    for name, label in labels:
        short = len(skeleton(label).text) <= 5
        match = find_phrase(label, text, sk)
        if match is None and short:
            match = _short_label_at_start(label, text, sk)
        if match is None:
            continue
        # Short labels ("Số:", "No.:") and loose matches ("Nam Định" is 0.88 like "Năm sinh") count
        # only with the colon that ends a printed label.
        colon = _followed_by_colon(text, match.end)
        if (short or match.score < 1.0) and label.endswith(":") and not colon:
            continue
        # A label's words inside a sentence, in lower case and without the colon, are prose: "Tôi cam
        # đoan nội dung đề nghị đăng ký khai sinh …" holds no "Nội dung đề nghị:".
        if not colon and label[:1].isupper() and text[match.start : match.start + 1].islower():
            continue
        # Longer labels win over their prefixes ("… tên người mẹ:" over "… tên:"), but not when they
        # only match loosely by running into the value: the score counts to the fourth power.
        candidates.append(_LabelHit(name, match.start, match.end, match.score**4 * len(label)))
    chosen: list[_LabelHit] = []
    for hit in sorted(candidates, key=lambda h: h.weight, reverse=True):
        if all(hit.end <= other.start or hit.start >= other.end for other in chosen):
            chosen.append(hit)
    return sorted(chosen, key=lambda h: h.start)


def _short_label_at_start(label: str, text: str, sk: Skeleton) -> PhraseMatch | None:
    """A short label ("Số:") misread by one character ("5ñ:", "sø:Nno:") at the start of a line,
    where labels stand; the caller still requires the colon."""
    target = skeleton(label).text
    k = target.count(" ") + 1
    if len(sk.tokens) < k:
        return None
    a, b = sk.tokens[0][0], sk.tokens[k - 1][1]
    window = sk.text[a:b].translate(DIGITS_AS_LETTERS)
    # A two-letter label ("Bà:") only misread in place, not with a letter lost ("“8:" is no "Bà:").
    if len(target) == 2 and len(window) != 2:
        return None
    if len(target) >= 2 and Levenshtein.distance(window, target) <= 1:
        return PhraseMatch(0.9, sk.index[a], sk.index[b - 1] + 1)
    return None


def _followed_by_colon(text: str, end: int) -> bool:
    rest = text[end : end + 3]
    return ":" in rest or ";" in rest


# ---------------------------------------------------------------------------------- normalisers


_DATE = re.compile(r"(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4})")
_DIGIT_LOOKALIKES = str.maketrans(
    {"O": "0", "o": "0", "D": "0", "Q": "0", "l": "1", "I": "1", "|": "1", "B": "8"}
)


def digit_tokens(raw: str, keep: str = "") -> str:
    """The digits of the mostly-digit tokens of ``raw`` (longest run of adjacent ones), with
    look-alike letters inside them read as digits; label remains such as "Nno:" are ignored."""
    runs: list[str] = [""]
    for token in raw.split():
        digits = sum(ch.isdigit() for ch in token)
        if digits and digits * 2 >= len(token.strip(":;.,")):
            mapped = token.translate(_DIGIT_LOOKALIKES)
            runs[-1] += "".join(ch for ch in mapped if ch.isdigit() or ch in keep)
        elif runs[-1]:
            runs.append("")
    return max(runs, key=len)


_WORDED_DATE = re.compile(r"NGAY(?: DATE)? (\w{1,2}) THANG(?: MONTH)? (\w{1,2}) NAM(?: YEAR)? (\w{4})\b")


def _worded_date(raw: str) -> tuple[int, int, int] | None:
    """(day, month, year) of "ngày 05 tháng 02 năm 2024" or "ngày/date 15 tháng/month 01 năm/year 2025"."""
    match = _WORDED_DATE.search(skeleton(raw).text)
    if not match:
        return None
    parts = [g.translate(_DIGIT_LOOKALIKES) for g in match.groups()]
    if not all(p.isdigit() for p in parts):
        return None
    day, month, year = (int(p) for p in parts)
    return day, month, year


def parse_date(raw: str) -> dt.date | None:
    """A date written dd/mm/yyyy (also with . or -) or "ngày dd tháng mm năm yyyy"."""
    text = raw.translate(_DIGIT_LOOKALIKES)
    match = _DATE.search(text)
    if match:
        day, month, year = (int(g) for g in match.groups())
    else:
        worded = _worded_date(raw)
        if worded is None:
            return None
        day, month, year = worded
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def parse_date_words(raw: str) -> dt.date | None:
    """A date written in words ("Ngày hai mươi hai, tháng hai, năm hai nghìn không trăm lẻ ba")."""
    parts = [skeleton(part).text.split() for part in raw.split(",")]
    if len(parts) != 3 or any(len(p) < 2 for p in parts):
        return None
    if [p[0] for p in parts] != ["NGAY", "THANG", "NAM"]:
        return None
    day, month, year = (parse_number_words(p[1:]) for p in parts)
    if day is None or month is None or year is None:
        return None
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def clean_text(raw: str) -> str:
    text = unicodedata.normalize("NFC", raw)
    text = re.sub(r"\.{2,}|…", " ", text)  # leader dots left by OCR
    text = re.sub(r"\s+,", ",", text)
    return " ".join(text.split()).strip(_SEPARATORS)


# Multi-word administrative terms of addresses, restored when OCR gets a mark wrong ("Thành phổ").
_ADMIN_TERMS = ("Thành phố", "Thị xã", "Thị trấn")


# Words that open a part of an address ("Xã Tân Phong, Huyện Vũ Thư, Tỉnh Thái Bình").
_ADDRESS_HEADS = ("Tỉnh", "Huyện", "Quận", "Phường", "Xã", "Thôn", "Số", "Ấp", "Tổ", "Đường")
_PROVINCE_HEADS = {"TINH", "THANH PHO"}


@lru_cache(maxsize=1)
def _provinces_by_fold() -> dict[str, str]:
    return {skeleton(name).text: name for name in load_province_codes().values()}


def _repair_address_part(part: str) -> str:
    """One comma-separated part of an address: its head word ("Xa" → "Xã") and, after "Tỉnh" or
    "Thành phố", a province name that folds to exactly one of the 63 ("Thai Binh" → "Thái Bình")."""
    words = part.split(" ")
    lead = next((i for i, w in enumerate(words) if w), None)
    if lead is None:
        return part
    head = skeleton(words[lead]).text
    for word in _ADDRESS_HEADS:
        if head == skeleton(word).text and words[lead][:1].isupper():
            words[lead] = word
            break
    folded = skeleton(" ".join(words)).text
    for prefix in _PROVINCE_HEADS:
        if folded.startswith(prefix + " "):
            name = _provinces_by_fold().get(folded[len(prefix) + 1 :])
            if name is not None:
                n_prefix = len(prefix.split(" "))
                return " ".join([*words[: lead + n_prefix], name])
    return " ".join(words)


def clean_place(raw: str) -> str:
    text = ", ".join(_repair_address_part(p) for p in clean_text(raw).split(", "))
    for term in _ADMIN_TERMS:
        parts = term.split(" ")
        folded = [skeleton(p).text for p in parts]
        words = list(re.finditer(r"\w+", text))
        for i in range(len(words) - len(parts), -1, -1):
            window = words[i : i + len(parts)]
            if [skeleton(w.group()).text for w in window] != folded:
                continue
            if any(text[a.end() : b.start()].strip() for a, b in itertools.pairwise(window)):
                continue  # not adjacent words
            for word, part in zip(reversed(window), reversed(parts), strict=True):
                fixed = part.capitalize() if word.group()[:1].isupper() else part.lower()
                text = text[: word.start()] + fixed + text[word.end() :]
    return text


_LEVEL_HEADS: tuple[tuple[Level, tuple[str, ...]], ...] = (
    ("commune", COMMUNE_HEADS),
    ("district", DISTRICT_HEADS),
)


def gazetteer_place(text: str) -> tuple[str, int]:
    """``text`` (an address, its parts cleaned) with each district and commune name the gazetteer shows
    to be a mark misreading replaced by the name ("Huyện Đức Phố" → "Huyện Đức Phổ"), or, when it has a
    syllable no Vietnamese word has, one letter from exactly one name ("Quận Thanh Oal"), and how many were
    replaced. Only parts opened by their level's head word are checked, never the last (the province)."""
    parts = text.split(", ")
    repaired = 0
    for i, part in enumerate(parts[:-1]):
        for level, heads in _LEVEL_HEADS:
            head = next((h for h in heads if part.lower().startswith(h.lower() + " ")), None)
            if head is None:
                continue
            name = part[len(head) + 1 :]
            fixed = repaired_name(name, level)
            if fixed is None and implausible_words(part):  # the head word makes it Vietnamese
                fixed = one_letter_away(name, level)
            if fixed is not None:
                parts[i] = f"{part[: len(head)]} {fixed.upper() if name.isupper() else fixed}"
                repaired += 1
            break
    return ", ".join(parts), repaired


def undoubled(word: str) -> str:
    """A marked vowel read twice, the second time as a capital ("HữỮu" → "Hữu", "NữỮ"): Tesseract's
    artefact on stacked marks; no Vietnamese word repeats a marked vowel."""
    out: list[str] = []
    for ch in word:
        if out and out[-1].islower() and ch.isupper() and out[-1].upper() == ch and not ch.isascii():
            continue
        out.append(ch)
    return "".join(out)


def normalise_name(raw: str) -> tuple[str, list[str]]:
    """Upper-case name of letters only; repairs a surname that lost one of its stacked marks."""
    text = unicodedata.normalize("NFC", raw)
    notes: list[str] = []
    if undoubled(text) != text:
        text = undoubled(text)
        notes.append("doubled_mark_removed")
    tokens = [re.sub(r"[^\w]", "", t) for t in text.split()]
    tokens = [t.upper() for t in tokens if t and not any(ch.isdigit() or ch == "_" for ch in t)]
    if tokens:
        repaired = repair_surname(tokens[0])
        if repaired != tokens[0]:
            tokens[0] = repaired
            notes.append("surname_repaired")
    return " ".join(tokens), notes


_SURNAMES_UPPER = {s.upper() for s in COMMON_SURNAMES}


_GIVEN_UPPER = {n.upper() for n in COMMON_GIVEN_NAMES}


@lru_cache(maxsize=1)
def _given_by_letters() -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for name in _GIVEN_UPPER | _SURNAMES_UPPER:
        out.setdefault(_letters(name), set()).add(name)
    return out


def _unusual_name_word(token: str) -> bool:
    """A middle or given name word that is no common name but has the letters of one (other marks)."""
    upper = token.upper()
    if upper in _GIVEN_UPPER or upper in _SURNAMES_UPPER:
        return False
    return bool(_given_by_letters().get(_letters(upper)))


def _marks(word: str) -> set[tuple[int, str]]:
    """(letter position, combining mark) pairs of a word."""
    out = set()
    for i, ch in enumerate(unicodedata.normalize("NFC", word)):
        for mark in unicodedata.normalize("NFD", ch)[1:]:
            out.add((i, mark))
    return out


_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}  # huyền, sắc, ngã, hỏi, nặng


_VOWELS = frozenset("AĂÂEÊIOÔƠUƯY")
_ONSETS = frozenset(
    ("", "B", "C", "CH", "D", "Đ", "G", "GH", "H", "K", "KH", "L", "M", "N", "NG", "NGH", "NH", "P",
     "PH", "Q", "R", "S", "T", "TH", "TR", "V", "X")
)  # fmt: skip
_FINALS = frozenset(("", "C", "CH", "M", "N", "NG", "NH", "P", "T"))
# The vowel nuclei of Vietnamese syllables (the medial o/u included; the u of "qu" and the i of "gi"
# before another vowel belong to the onset), without their marks: a misread that doubles a vowel
# ("ruồi" read "ruôồi": UOOI) or adds one is no syllable. Unmarked, so that a word whose marks OCR
# lost still passes ("NGUYEN"); a syllable passing this can still be misread.
_NUCLEI = frozenset(
    ("A", "E", "I", "O", "U", "Y", "AI", "AO", "AU", "AY", "EO", "EU", "IA", "IE", "IU", "OA", "OE",
     "OI", "OO", "UA", "UE", "UI", "UO", "UY", "UU", "YE", "IEU", "OAI", "OAO", "OAY", "OEO", "UAY",
     "UOI", "UOU", "UYA", "UYE", "UYU", "YEU")
)  # fmt: skip


def plausible_syllable(word: str) -> bool:
    """False for spellings no Vietnamese syllable has (a sign of an OCR error): an onset or final
    outside the closed sets ("GLANG"); a vowel cluster that is no nucleus ("RUÔỒI"); two tones; "ưy";
    a stop ending (-c, -ch, -p, -t) without sắc or nặng; -nh or -ch after another vowel than a, ê,
    i, y ("HƯỜNH" read for HUỲNH). A syllable passing this can still be misread."""
    upper = unicodedata.normalize("NFC", word).upper()
    if not upper.isalpha():
        return True  # not a word: nothing to say
    tones = [m for _, m in _marks(upper) if m in _TONES]
    toneless = unicodedata.normalize(
        "NFC", "".join(ch for ch in unicodedata.normalize("NFD", upper) if ch not in _TONES)
    )
    if len(tones) > 1 or "ƯY" in toneless:
        return False
    # One syllable: an onset and a final from the closed sets, vowels between ("GLANG" is none).
    vowel_at = [i for i, ch in enumerate(toneless) if ch in _VOWELS]
    if not vowel_at:
        return False
    onset, final = toneless[: vowel_at[0]], toneless[vowel_at[-1] + 1 :]
    if onset not in _ONSETS or final not in _FINALS or vowel_at[-1] - vowel_at[0] + 1 != len(vowel_at):
        return False
    nucleus = fold(toneless[vowel_at[0] : vowel_at[-1] + 1])
    if len(nucleus) > 1 and (onset, nucleus[0]) in (("Q", "U"), ("G", "I")):
        nucleus = nucleus[1:]  # "qu", "gi" before a vowel: the onset
    if nucleus not in _NUCLEI:
        return False
    for final in ("NH", "CH"):
        if toneless.endswith(final) and len(toneless) > 2 and toneless[-3] not in "AÊIY":
            return False
    stop_ending = fold(upper).endswith(("C", "CH", "P", "T"))
    return not stop_ending or bool(set(tones) & {"\u0301", "\u0323"})


# Syllables of place names in minority languages that no Kinh syllable spells (onsets Kr-, Gl-, Pl-,
# Pr-, Gr-, Kb-, J-; finals -k, -l, -r, -h; the vowel "ea"): Đắk Lắk, Krông Búk, Ea Kar, Cư Jút,
# Kbang, Đắk Glong, Kon Plông, Ia Grai, Chư Păh, Ayun Pa, Pleiku… (district names of the Central
# Highlands, [M]). With the provinces' and the ethnic groups' own syllables, they are never flagged.
MINORITY_SYLLABLES: frozenset[str] = frozenset(
    ("ĐẮK", "ĐĂK", "ĐAK", "LẮK", "LĂK", "KRÔNG", "BÚK", "EA", "KAR", "JÚT", "KBANG", "GLONG", "GLEI",
     "PLÔNG", "PRÔNG", "GRAI", "PĂH", "AYUN", "CHRO", "PLEIKU", "MIL", "ANA", "DRĂNG", "KNỐP", "SÚP",
     "WY", "PỐK", "DRAI", "KUIN", "HLEO", "RLẤP", "MGAR", "MDRẮK")
)  # fmt: skip
_ETH = str.maketrans({"Ð": "Đ", "ð": "đ"})  # an OCR's eth for the letter Đ


@lru_cache(maxsize=1)
def _known_syllables() -> frozenset[str]:
    names = (*load_province_codes().values(), *ETHNIC_GROUPS)
    return MINORITY_SYLLABLES | {w.upper() for name in names for w in name.split()}


def implausible_words(value: str) -> list[str]:
    """The words of a Vietnamese place or text value that are no Vietnamese syllable (an OCR misread:
    "Oal" for Oai, "ruôồi" for ruồi), minority-language place syllables excepted (Đắk, Krông, Ea).
    A value without any Vietnamese letter is not judged (a foreign name, or one read without its
    marks), nor are abbreviations (words without a vowel, "TNHH"; words in capitals without a
    mark, "UBND") nor words with a digit or an apostrophe ("H'Mông")."""
    text = unicodedata.normalize("NFC", value).translate(_ETH)
    if text.isascii():
        return []
    out = []
    for token in text.split():
        word = token.strip(".,;:()\"'-/")
        if not word.isalpha() or (word.isupper() and word.isascii()):
            continue
        upper = word.upper()
        if not any(fold(ch) in "AEIOUY" for ch in upper) or upper in _known_syllables():
            continue
        if not plausible_syllable(word):
            out.append(word)
    return out


def repair_surname(token: str) -> str:
    """NGUYÊN → NGUYỄN, ĐĂNG → ĐẶNG, HƯỲNH → HUỲNH: when ``token`` is not a known surname but has
    the letters of exactly one known surname, take that surname if the token is that surname
    missing marks (OCR drops one of two stacked marks on capitals, §6) or is no possible syllable
    at all. A plausible token with different marks is left alone (it may be a rare surname)."""
    upper = token.upper()
    if upper in _SURNAMES_UPPER:
        return upper
    candidates = [s for s in _SURNAMES_UPPER if _letters(s) == _letters(upper)]
    if len(candidates) != 1:
        return upper
    candidate = candidates[0]
    marks, wanted = _marks(upper), _marks(candidate)
    if (marks < wanted and len(wanted - marks) == 1) or not plausible_syllable(upper):
        return candidate
    # Same letters and vowel marks, another tone (ĐỒ for ĐỖ): Tesseract confuses the tone marks
    # stacked on a circumflex; the surname list is closed, the token is no surname.
    if {m for m in marks if m[1] not in _TONES} == {m for m in wanted if m[1] not in _TONES}:
        return candidate
    return upper


def _letters(word: str) -> str:
    """Base letters without any mark (Đ stays Đ: it is a letter, not a mark)."""
    return "".join(ch for ch in unicodedata.normalize("NFD", word.upper()) if not unicodedata.combining(ch))


def normalise_sex_value(raw: str) -> tuple[str | None, bool]:
    """("Nam"/"Nữ" or None, exact): "NAM", "Nữ", "Male"… exactly, or a token starting like one
    ("NữỮ" read for "Nữ"), which is reported as not exact."""
    folded = skeleton(raw).text
    first = folded.split(" ")[0] if folded else ""
    options = (("FEMALE", "Nữ"), ("MALE", "Nam"), ("NAM", "Nam"), ("NU", "Nữ"))
    for token, value in options:
        if first == token:
            return value, True
    for token, value in options:
        if first.startswith(token) and len(first) <= len(token) + 2:
            return value, False
    return normalise_sex(first) if first else None, False


def _lexicon_value(raw: str, lexicon: tuple[str, ...]) -> str | None:
    folded = skeleton(raw).text
    for entry in lexicon:
        if skeleton(entry).text == folded:
            return entry
    return None


# ---------------------------------------------------------------------------------- extraction


def _default_zone_reader(options: OcrOptions) -> ZoneReader:
    def reader(page: OcrPage, box: tuple[int, int, int, int], request: ZoneRequest) -> list[Word]:
        if page.image is None:
            return []
        return read_zone(page.image, box, request, page_number=page.page_number, options=options)

    return reader


@dataclass
class _Found:
    raw: str
    confidence: float
    page: OcrPage | None = None
    words: tuple[Word, ...] | None = None

    def digit_box(self) -> tuple[int, int, int, int] | None:
        """Box around the value's words that are mostly digits (not a label's remains), or around
        all its words when none is (a number misread as letters: "333" as "đóa")."""
        return self.box(lambda w: sum(ch.isdigit() for ch in w.text) * 2 >= len(w.text)) or self.box()

    def box(self, keep: Callable[[Word], bool] = lambda w: True) -> tuple[int, int, int, int] | None:
        words = [w for w in self.words or () if keep(w)]
        return words_box(words) if words else None


def _words_in_span(words: tuple[Word, ...], start: int, end: int) -> list[Word]:
    """The words overlapping [start, end) of ``" ".join(words)``."""
    out = []
    position = 0
    for word in words:
        w_start, w_end = position, position + len(word.text)
        if w_start < end and w_end > start:
            out.append(word)
        position = w_end + 1
    return out


def _found(line: _Line, segment: _Segment) -> _Found:
    words = _words_in_span(line.words, segment.value_start, segment.value_end)
    if not words:
        return _Found(segment.value, 0.0)
    confidence = sum(w.conf for w in words) / len(words) / 100.0
    return _Found(segment.value, confidence, line.page, tuple(words))


def _split_line(page: OcrPage, line: OcrLine, gap_factor: float = 2.5) -> list[_Line]:
    words = sorted(line.words, key=lambda w: w.left)
    if not words:
        return []
    heights = sorted(w.height for w in words)
    limit = gap_factor * heights[len(heights) // 2]
    runs: list[list[Word]] = [[words[0]]]
    for word in words[1:]:
        if word.left - runs[-1][-1].right > limit:
            runs.append([word])
        else:
            runs[-1].append(word)
    return [_Line(page, tuple(run)) for run in runs]


def _below(lines: list[_Line], index: int) -> int | None:
    """The nearest line under ``lines[index]`` on the same page that overlaps it horizontally."""
    current = lines[index]
    best: tuple[int, int] | None = None
    for j, other in enumerate(lines):
        if j == index or other.page is not current.page:
            continue
        if other.top < current.top + current.height // 2:
            continue
        if other.right < current.left or other.left > current.right:
            continue
        gap = other.top - current.bottom
        if gap > 2.5 * current.height:
            continue
        if best is None or gap < best[0]:
            best = (gap, j)
    return best[1] if best else None


def _segments(definition: DocumentTypeDef, pages: list[OcrPage]) -> list[_Line]:
    lines = [segment for page in pages for line in page.lines for segment in _split_line(page, line)]
    columns = any(f.column is not None for f in definition.fields)
    if columns:
        lines = [part for line in lines for part in _split_at_mid(line)]
    for line in lines:
        line.hits = _label_hits(line.text, definition)
        if columns:
            _column_hits(line, definition)
    return lines


def _page_mid(page: OcrPage) -> float:
    if page.image is not None:
        return page.image.width / 2
    if not page.words:
        return 0.0
    return (min(w.left for w in page.words) + max(w.right for w in page.words)) / 2


def _split_at_mid(line: _Line, gap_factor: float = 1.5) -> list[_Line]:
    """A run crossing the middle of the page split there when the words on either side are apart
    by more than a word space: the two columns of a two-column form, read as one line."""
    mid = _page_mid(line.page)
    words = line.words
    best: tuple[int, int] | None = None  # (gap, index of the first word of the right part)
    for k in range(1, len(words)):
        a, b = words[k - 1], words[k]
        if (a.left + a.right) / 2 < mid < (b.left + b.right) / 2:
            gap = b.left - a.right
            if best is None or gap > best[0]:
                best = (gap, k)
    if best is None or best[0] <= gap_factor * line.height:
        return [line]
    return [_Line(line.page, words[: best[1]]), _Line(line.page, words[best[1] :])]


def _column_hits(line: _Line, definition: DocumentTypeDef) -> None:
    """Label hits of column fields given to the field of the run's column that has the same label
    (the husband's "Ngày, tháng, năm sinh:" on the left, the wife's on the right)."""
    column = 0 if line.left < _page_mid(line.page) else 1
    out = []
    for hit in line.hits:
        fdef = definition.field(hit.field) if hit.field else None
        if fdef is None or fdef.column is None or fdef.column == column:
            out.append(hit)
            continue
        sibling = next(
            (f for f in definition.fields if f.column == column and set(f.labels) & set(fdef.labels)), None
        )
        out.append(dataclasses.replace(hit, field=sibling.name if sibling else None))
    line.hits = out


def _locate(definition: DocumentTypeDef, lines: list[_Line]) -> dict[str, _Found]:
    found: dict[str, _Found] = {}
    for i, line in enumerate(lines):
        segments = line.segments()
        for j, segment in enumerate(segments):
            name = segment.field
            if name is None or name in found:
                continue
            # The same field's label repeated (vi then en variant): the last one carries the value.
            if j + 1 < len(segments) and segments[j + 1].field == name:
                continue
            fdef = definition.field(name)
            below = _below(lines, i)
            if segment.value:
                result, source = _found(line, segment), i
            elif j == len(segments) - 1 and below is not None and lines[below].prefix().value:
                result, source = _found(lines[below], lines[below].prefix()), below
            else:
                continue
            if fdef.multiline:
                result = _continued(lines, source, result)
            found[name] = result
    for fdef in definition.fields:
        if fdef.pattern is not None and fdef.name not in found:
            located = _by_pattern(fdef, lines)
            if located is not None:
                found[fdef.name] = located
    return found


def _continued(lines: list[_Line], source: int, result: _Found) -> _Found:
    """``result`` with up to two continuation lines under ``lines[source]`` appended."""
    for _ in range(2):
        nxt = _below(lines, source)
        # A continuation has no label and reads as text (not a stamp's or rule's noise).
        if nxt is None or lines[nxt].hits or lines[nxt].confidence < _CONTINUATION_MIN_CONF:
            break
        more = _found(lines[nxt], lines[nxt].prefix())
        words = (result.words or ()) + (more.words or ())
        result = _Found(
            f"{result.raw} {more.raw}",
            (result.confidence + more.confidence) / 2,
            result.page,
            words,
        )
        source = nxt
    return result


def _by_pattern(fdef: FieldDef, lines: list[_Line]) -> _Found | None:
    """The first line (in reading order) where the field's pattern matches; its ``value`` group."""
    regex = re.compile(fdef.pattern or "")
    for i, line in enumerate(lines):
        text = line.text
        match = regex.search(text)
        if match is None:
            continue
        start, end = match.span("value") if "value" in regex.groupindex else match.span()
        start, end = _strip_span(text, start, end)
        if start >= end:
            continue
        result = _found(line, _Segment(fdef.name, text[start:end], start, end))
        return _continued(lines, i, result) if fdef.multiline else result
    return None


def _id_fallback(pages: list[OcrPage]) -> _Found | None:
    """The only 12-digit number of the page (the card's number) when its label was not read."""
    candidates = []
    for page in pages:
        for word in page.words:
            digits = re.sub(r"\D", "", word.text)
            if len(digits) == 12:
                candidates.append(_Found(digits, word.conf / 100.0 * 0.9, page, (word,)))
    return candidates[0] if len(candidates) == 1 else None


def _reread(
    found: _Found, whitelist: str, reader: ZoneReader | None, options: OcrOptions
) -> tuple[str, float] | None:
    """Digits of the value re-read with the digits model: (text, confidence 0-1)."""
    box = found.digit_box()
    if reader is None or found.page is None or box is None:
        return None
    if found.page.image is not None:
        box = without_trailing_dots(found.page.image, box)
    request = ZoneRequest(options.digits_language, whitelist=whitelist, binarise=True)
    words = reader(found.page, box, request)
    if not words:
        return None
    return "".join(w.text for w in words), min(w.conf for w in words) / 100.0


def _reread_worded(found: _Found, reader: ZoneReader | None, options: OcrOptions) -> tuple[str, float] | None:
    """The day, month and year of a worded date re-read one by one with the digits model, each in
    its own word's box: ("28/05/2024", confidence of the weakest) or None."""
    if reader is None or found.page is None:
        return None
    numbers = [
        w for w in found.words or () if sum(ch.isdigit() for ch in w.text) * 2 >= len(w.text.strip(".,;"))
    ]
    if len(numbers) != 3:
        return None
    request = ZoneRequest(options.digits_language, whitelist="0123456789", binarise=True)
    parts: list[str] = []
    confidence = 1.0
    for word in numbers:
        words = reader(found.page, (word.left, word.top, word.right, word.bottom), request)
        digits = "".join(w.text for w in words)
        if not words or not digits.isdigit():
            return None
        parts.append(digits)
        confidence = min(confidence, min(w.conf for w in words) / 100.0)
    return "/".join(parts), confidence


_NAME_RECHECK_BELOW = 85.0  # a name word read with less confidence is re-read from its zone
# Re-readings of a name line: several scales, gray and binarised. A misreading that one of them
# repeats (QUÂN as QUẦN at 1x and 1.5x gray) is outvoted or at least split, so it goes to review.
_NAME_READS = (
    ZoneRequest("", scale=0.75),
    ZoneRequest("", scale=1.5),
    ZoneRequest("", scale=1.0, binarise=True),
    ZoneRequest("", scale=1.5, binarise=True),
)


def _vote_name(found: _Found, reader: ZoneReader | None, options: OcrOptions) -> _Found:
    """Re-read a name whose words were read with low confidence, as one text line at a few scales,
    and vote word by word, each reading weighing its confidence.

    OCR of stacked capitals is unstable (HẰNG read HÀNG at 54% in the page and HẰNG at 87% alone at
    1.5x; HIỀN read HIÊN at 92% at 2x but HIỀN three times). Tesseract's confidences are not
    comparable across scales, so the most confident reading alone is no rule; a weighted vote is,
    and a split vote lowers the word's confidence so that the name goes to review.
    """
    words = [w for w in found.words or () if any(ch.isalpha() for ch in w.text)]
    if reader is None or found.page is None or not words:
        return found
    sure = min(w.conf for w in words) >= _NAME_RECHECK_BELOW
    if sure and all(plausible_syllable(w.text.strip(".,:;")) for w in words):
        return found
    box = words_box(words)
    readings: list[list[tuple[str, float]]] = [[(w.text, w.conf) for w in words]]
    for request in _NAME_READS:
        again = reader(found.page, box, dataclasses.replace(request, language=options.language))
        if again:
            readings.append([(w.text, w.conf) for w in again])
    # Readings may split a word differently ("NÑ GUYỄN"): keep the word count with most support.
    support: dict[int, float] = {}
    for reading in readings:
        support[len(reading)] = support.get(len(reading), 0.0) + sum(c for _, c in reading) / len(reading)
    length = max(support, key=lambda n: support[n])
    voted: list[tuple[str, float]] = []
    for column in zip(*(r for r in readings if len(r) == length), strict=True):
        weights: dict[str, float] = {}
        for text, conf in column:
            # An impossible spelling is a misreading, whatever Tesseract's confidence.
            weight = max(conf, 1.0) * (1.0 if plausible_syllable(text.strip(".,:;")) else 0.1)
            weights[text] = weights.get(text, 0.0) + weight
        winner = max(weights, key=lambda t: weights[t])
        share = weights[winner] / sum(weights.values())
        voted.append((winner, share * max(c for t, c in column if t == winner)))
    text = " ".join(t for t, _ in voted)
    return _Found(text, min(c for _, c in voted) / 100.0, found.page, found.words)


def _reread_lines(
    lines: list[_Line], definition: DocumentTypeDef, reader: ZoneReader | None, options: OcrOptions
) -> list[_Line]:
    """Short, unsure lines without a label, read again alone (``--psm 7``, binarised): a short
    line such as "Số: 95" is often misread in the page ("98.95") and right alone."""
    if reader is None:
        return lines
    out = []
    for line in lines:
        if (
            line.hits
            or len(line.words) > 6
            or min(w.conf for w in line.words) >= 80
            or line.page.image is None
        ):
            out.append(line)
            continue
        box = (line.left, line.top, line.right, line.bottom)
        words = reader(line.page, box, ZoneRequest(options.language, binarise=True))
        if not words:
            out.append(line)
            continue
        again = _Line(line.page, tuple(words))
        again.hits = _label_hits(again.text, definition)
        if any(f.column is not None for f in definition.fields):
            _column_hits(again, definition)
        out.append(again if again.hits else line)
    return out


# Characters of a code re-read alone (licence class, serial): capitals and digits.
_CODE_CHARACTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


def _codes_after_bare_labels(
    definition: DocumentTypeDef,
    lines: list[_Line],
    located: dict[str, _Found],
    reader: ZoneReader | None,
    options: OcrOptions,
) -> None:
    """A short code alone after its label ("Hạng/Class:  A"): Tesseract drops an isolated single
    letter from the page. For a CODE field whose label ends its run with nothing after it (nor a
    value below), the zone just right of the label (a third of a line height to four heights) is
    re-read with the digits model and a capitals-and-digits whitelist; the type's hook checks the
    code it gives."""
    if reader is None:
        return
    for line in lines:
        if not line.hits or line.page.image is None:
            continue
        name = line.hits[-1].field
        if name is None or name in located or definition.field(name).kind is not FieldKind.CODE:
            continue
        if line.segments()[-1].value:
            continue
        height = line.height
        box = (
            line.right + height // 3,
            line.top - height // 4,
            min(line.page.image.width, line.right + 4 * height),
            line.bottom + height // 4,
        )
        if box[2] - box[0] < height:
            continue
        request = ZoneRequest(options.digits_language, whitelist=_CODE_CHARACTERS, binarise=True)
        words = [w for w in reader(line.page, box, request) if w.text.strip()]
        if words:
            text = " ".join(w.text for w in words)
            located[name] = _Found(text, min(w.conf for w in words) / 100.0, line.page, tuple(words))


def extract(
    document_type: DocumentType,
    ocr_pages: list[OcrPage],
    *,
    zone_reader: ZoneReader | None = None,
    ocr_options: OcrOptions | None = None,
    today: dt.date | None = None,
) -> Extraction:
    """Fields of ``document_type`` from its OCR pages.

    ``zone_reader`` re-reads number zones from the page image (default: Tesseract ``eng`` with a
    digit whitelist, when the pages carry their image); pass a stub in tests.
    """
    extraction = Extraction(document_type)
    definition = DOCUMENT_TYPES.get(document_type)
    if definition is None:
        return extraction
    ocr_options = ocr_options or OcrOptions()
    if zone_reader is None:
        zone_reader = _default_zone_reader(ocr_options)

    lines = _segments(definition, ocr_pages)
    located = _locate(definition, lines)
    if any(f.required and f.name not in located for f in definition.fields):
        located = {
            **_locate(definition, _reread_lines(lines, definition, zone_reader, ocr_options)),
            **located,
        }
    _codes_after_bare_labels(definition, lines, located, zone_reader, ocr_options)
    if "id_number" not in located and any(f.name == "id_number" for f in definition.fields):
        fallback = _id_fallback(ocr_pages)
        if fallback is not None:
            located["id_number"] = fallback

    fields: dict[str, ExtractedField] = {}
    rewrites: dict[str, list[tuple[Word, str]]] = {}
    for fdef in definition.fields:
        if fdef.name in located:
            fields[fdef.name], printed = _normalise(fdef, located[fdef.name], zone_reader, ocr_options)
            if printed:
                rewrites[fdef.name] = _word_corrections(fdef, located[fdef.name], printed)
            if fdef.roman_numeral:
                fields[fdef.name] = numeral_from_strokes(fields[fdef.name], located[fdef.name])
    for source, values in _machine_values(document_type, ocr_pages, zone_reader):
        _merge_source(definition, fields, source, values)
    # List fields (CT07 household members, a decision's recipients) and the lost ỵ (H4b).
    from pipeline.lists import list_problems, read_lists  # lazy: pipeline.lists uses this module

    fields.update(read_lists(document_type, ocr_pages, zone_reader, ocr_options))
    repair_y_dot({f.name: f.kind.value for f in definition.fields}, fields)
    for fdef in definition.fields:
        merged = fields.get(fdef.name)
        if merged is not None and merged.source in ("qr", "mrz") and merged.value and fdef.name in located:
            # The text layer says what the machine-readable zone says, as it is printed.
            printed_form = merged.value
            if fdef.kind is FieldKind.DATE:
                printed_form = dt.date.fromisoformat(merged.value).strftime("%d/%m/%Y")
            rewrites[fdef.name] = _word_corrections(fdef, located[fdef.name], printed_form)
    _cross_validate(fields)
    _second_readings(definition, located, fields, zone_reader, ocr_options)
    _y_dot_from_pixels(definition, located, fields)
    document_problems = list(NORMALISERS[document_type](fields)) if document_type in NORMALISERS else []
    # The marks of the values as they will be kept: a type's hook may have put a closed list's
    # spelling in place of the reading ("ỦY BẠN" → "ỦY BAN": the page has no dot, and agrees).
    _dots_from_pixels(definition, located, fields)
    if definition.back_fields:
        # Only the back of a card (its side title and back fields, none of the front's): extracted
        # all the same, and flagged.
        front = [f.name for f in definition.fields if f.name not in definition.back_fields]
        if not any(name in located for name in front) and (
            any(name in located for name in definition.back_fields) or _has_side_title(definition, ocr_pages)
        ):
            document_problems.append("side_missing")
    extraction.fields = fields

    # Valid corrected values also correct the text layer (by page and word index).
    where = {id(word): (page.page_number, i) for page in ocr_pages for i, word in enumerate(page.words)}
    for name, pairs in rewrites.items():
        if not fields[name].valid:
            continue
        for word, text in pairs:
            if id(word) in where:
                page_number, index = where[id(word)]
                extraction.corrections.setdefault(page_number, {})[index] = text

    for fdef in definition.fields:
        extracted = fields.get(fdef.name)
        if extracted is None:
            if fdef.required:
                extraction.problems.append(ReviewProblem("field_missing", fdef.name))
        elif not extracted.valid:
            extraction.problems.append(ReviewProblem("field_invalid", fdef.name))
        elif extracted.confidence < LOW_CONFIDENCE:
            extraction.problems.append(ReviewProblem("low_confidence", fdef.name))
    extraction.problems.extend(ReviewProblem(code, name) for code, name in list_problems(fields))
    extraction.problems.extend(ReviewProblem(code, document_type.value) for code in document_problems)
    expired = expiry_problem(document_type, fields, today)
    if expired is not None:
        extraction.problems.append(expired)
    return extraction


def _checked(document_type: DocumentType, fields: dict[str, ExtractedField]) -> dict[str, ExtractedField]:
    """A copy of ``fields`` after the type's checks (the fields themselves untouched)."""
    checked = dict(fields)
    if document_type in NORMALISERS:
        NORMALISERS[document_type](checked)
    return checked


def _second_readings(
    definition: DocumentTypeDef,
    located: dict[str, _Found],
    fields: dict[str, ExtractedField],
    reader: ZoneReader | None,
    options: OcrOptions,
) -> None:
    """Fields read a second way when the type's checks fail them or they are unsure: a ``block``
    value re-read as a block of its own, a ``whitelist`` code re-read from its zone with the digits
    model. The second reading replaces the first only if the type's checks fail the first and pass
    it, or if it confirms the first's value more surely (noted ``read_again``); else the first
    stays, flagged as it was (two valid readings that disagree are left to a clerk). A ``block``
    field with a pattern that the page lost is looked for in the block of another ``block`` field."""
    recipes = [f for f in definition.fields if f.block or f.whitelist]
    if not recipes:
        return
    first = _checked(definition.type, fields)
    for fdef in recipes:
        if fdef.name not in located and fdef.block and fdef.pattern:
            anchor = next((located[f.name] for f in recipes if f.block and f.name in located), None)
            if anchor is not None:
                _missing_from_block(definition, fdef, anchor, (fields, reader, options))
            continue
        before, found = first.get(fdef.name), located.get(fdef.name)
        if before is None or found is None or found.page is None or found.page.image is None:
            continue
        sure = before.valid and before.confidence >= LOW_CONFIDENCE
        if sure and not fdef.confirm:
            continue
        again = (
            _block_reading(found, options) if fdef.block else _whitelist_reading(fdef, found, reader, options)
        )
        if again is None:
            continue
        candidate = _normalise(fdef, again, reader, options)[0]
        if fdef.confirm and before.valid:
            _confirm(definition, fdef, candidate, fields, before)
        else:
            _take_if_valid(definition, fdef, candidate, fields, before)


READINGS_DISAGREE = "readings_disagree"
# A ``confirm`` code read alike by the page's model and by the whitelisted digits model: two independent
# readings of a code that passes its format check agree, however unsure each was (vie reads codes at
# 0.35-0.65 on most clean pages: "NT 25776503" at 0.35).
READINGS_AGREE_CONFIDENCE = 0.8


def _confirm(
    definition: DocumentTypeDef,
    fdef: FieldDef,
    candidate: ExtractedField,
    fields: dict[str, ExtractedField],
    before: ExtractedField,
) -> None:
    """A ``confirm`` field's second reading against a first that passed the checks: the same value
    confirms it (noted ``read_again``, at least READINGS_AGREE_CONFIDENCE); a different value that
    passes the checks too sends the field to a clerk with the second value (noted ``readings_disagree``:
    the whitelisted model reads codes best, as the digits model does ID numbers; bench seed 5150:
    "GL15109228" and "VS96042430" on the page, "GL13109228" and "YS96042430" printed and re-read); an
    invalid one changes nothing."""
    after = _checked(definition.type, {**fields, fdef.name: candidate})[fdef.name]
    current = fields[fdef.name]
    if not after.valid:
        return
    if after.value == before.value:
        confidence = max(current.confidence, after.confidence, READINGS_AGREE_CONFIDENCE)
        fields[fdef.name] = dataclasses.replace(current, confidence=confidence).noted("read_again")
    else:
        fields[fdef.name] = dataclasses.replace(
            candidate, confidence=min(candidate.confidence, DISAGREEMENT_CONFIDENCE)
        ).noted(READINGS_DISAGREE)


Y_DOT_SEEN = "y_dot_seen"
_Y_NAME_WORD = re.compile(r"(?i)m[yỹ]\W*")  # the words of Y_DOT_NAME_WORDS as read ("Mỵ" → My, MỸ)


def _y_dot_from_pixels(
    definition: DocumentTypeDef, located: dict[str, _Found], fields: dict[str, ExtractedField]
) -> None:
    """A name sent to review because its last word may have lost an ỵ ("MY": MỴ or MY) whose page shows
    the dot below that word's y (pipeline.marks.dot_below) is the ỵ name (note ``y_dot_seen``, the
    word's own confidence). Without the dot, or without the page's pixels, it stays with a clerk: a dot
    not found may be one the scan lost."""
    for fdef in definition.fields:
        field, found = fields.get(fdef.name), located.get(fdef.name)
        if field is None or field.value is None or found is None or "y_dot_ambiguous" not in field.problems:
            continue
        if found.page is None or found.page.image is None or not found.words:
            continue
        word = next((w for w in reversed(found.words) if _Y_NAME_WORD.fullmatch(w.text)), None)
        if word is None or dot_below(found.page.image, word) is not True:
            continue
        value = re.sub(r"[yỹYỸ](?=\W*$)", lambda m: "Ỵ" if m.group().isupper() else "ỵ", field.value)
        fields[fdef.name] = dataclasses.replace(
            field,
            value=value,
            confidence=min(found.confidence, word.conf / 100.0),
            problems=(*(p for p in field.problems if p != "y_dot_ambiguous"), Y_DOT_SEEN),
        )


MARKS_UNSEEN = "marks_unseen"
_DOT_BELOW = "\u0323"


def _capitals(text: str) -> str | None:
    """``text`` without punctuation if it is an upper-case word of two or more letters, else None."""
    letters = "".join(ch for ch in text if ch.isalpha())
    return letters if len(letters) >= 2 and letters.isupper() else None


def _dots_from_pixels(
    definition: DocumentTypeDef, located: dict[str, _Found], fields: dict[str, ExtractedField]
) -> None:
    """A sure name or text in capitals whose words have, on the page, another number of dots below than
    the value gives them (pipeline.marks.dots_below) goes to review (note ``marks_unseen``): Tesseract
    read a dot that is not there ("SAO MAI" read "SAO MẠI" at 0.96, bench seed 5150) or lost one."""
    for fdef in definition.fields:
        field, found = fields.get(fdef.name), located.get(fdef.name)
        if fdef.kind not in (FieldKind.NAME, FieldKind.TEXT) or field is None or found is None:
            continue
        if (
            not field.valid
            or field.value is None
            or field.source != "ocr"
            or field.confidence < LOW_CONFIDENCE
        ):
            continue
        if found.page is None or found.page.image is None or not found.words:
            continue
        read = [w for w in found.words if _capitals(w.text)]
        value = [c for c in map(_capitals, field.value.split()) if c]
        if not read or len(read) != len(value):
            continue
        image = found.page.image
        for word, printed in zip(read, value, strict=True):
            seen = dots_below(image, word)
            if seen is not None and seen != unicodedata.normalize("NFD", printed).count(_DOT_BELOW):
                fields[fdef.name] = dataclasses.replace(
                    field, confidence=min(field.confidence, DISAGREEMENT_CONFIDENCE)
                ).noted(MARKS_UNSEEN)
                break


def _take_if_valid(
    definition: DocumentTypeDef,
    fdef: FieldDef,
    candidate: ExtractedField,
    fields: dict[str, ExtractedField],
    before: ExtractedField | None = None,
) -> None:
    """A second reading of ``fdef``, with the repairs and notes every OCR value gets (the lost ỵ),
    taken (noted ``read_again``) if the type's checks pass it and fail the first reading
    (``before``, after the checks), or if both readings give the same value and the second is surer
    after its own notes (two independent models agree; a name that may have lost its ỵ keeps its
    doubt, for the second reading gets it too)."""
    trial = {fdef.name: candidate}
    repair_y_dot({fdef.name: fdef.kind.value}, trial)
    after = _checked(definition.type, {**fields, **trial})[fdef.name]
    if not after.valid:
        return
    if (
        before is None
        or not before.valid
        or (after.value == before.value and after.confidence > before.confidence)
    ):
        fields[fdef.name] = trial[fdef.name].noted("read_again")


_NAME_BELOW_BLOCK = 16  # line heights under a block's first line that hold the name under it


def _missing_from_block(
    definition: DocumentTypeDef,
    fdef: FieldDef,
    anchor: _Found,
    context: tuple[dict[str, ExtractedField], ZoneReader | None, OcrOptions],
) -> None:
    """A ``block`` field printed under another block field but not found on the page (the signer's
    name under the capacity lines, lost to the seal and signature around it): the block from the
    other field's first line down is read on its own, and the field's pattern searched in its lines.
    Taken only if the type's checks pass it (noted ``read_again``)."""
    fields, reader, options = context
    regex = re.compile(fdef.pattern or "")
    for line in _block_rows(anchor, options, _NAME_BELOW_BLOCK):
        text = " ".join(w.text for w in line)
        match = regex.search(text)
        if match is None:
            continue
        start, end = _strip_span(text, *match.span("value"))
        words = _words_in_span(tuple(line), start, end)
        found = _Found(text[start:end], min(w.conf for w in words) / 100.0, anchor.page, tuple(words))
        _take_if_valid(definition, fdef, _normalise(fdef, found, reader, options)[0], fields)
        return


def _block_rows(found: _Found, options: OcrOptions, heights: int) -> list[list[Word]]:
    """The block of the value's words read on its own (``read_block``), from its first line down to
    ``heights`` of its line heights, in the half of the page it stands in; its rows, top to bottom."""
    image = found.page.image if found.page is not None else None
    words = found.words or ()
    if found.page is None or image is None or not words:
        return []
    height = int(np.median([w.height for w in words]))
    mid = image.width // 2
    left = 0 if min(w.left for w in words) < mid else mid
    right = mid if left == 0 and max(w.left + w.width for w in words) <= mid else image.width
    top = min(w.top for w in words) - height // 2
    box = (left, max(0, top), right, min(image.height, top + heights * height))
    from pipeline.lists import rows  # lazy: pipeline.lists uses this module

    block = read_block(image, box, page_number=found.page.page_number, options=options)
    return rows([w for w in block if w.text.strip()])


def _block_reading(found: _Found, options: OcrOptions) -> _Found | None:
    """The value's block read on its own: from its first line down to five of its line heights, the
    half of the page it stands in (the signer's block is printed beside "Nơi nhận", whose lines
    Tesseract merges with its own). The lines are taken from the top while each holds a word of at
    least ``_CONTINUATION_MIN_CONF`` (a seal or a signature under the block reads as noise)."""
    kept: list[Word] = []
    for line in _block_rows(found, options, 5):
        if max(w.conf for w in line) < _CONTINUATION_MIN_CONF:
            break
        kept.extend(line)
    if not kept:
        return None
    return _Found(" ".join(w.text for w in kept), min(w.conf for w in kept) / 100.0, found.page, tuple(kept))


def _whitelist_reading(
    fdef: FieldDef, found: _Found, reader: ZoneReader | None, options: OcrOptions
) -> _Found | None:
    """The value's zone re-read with the digits model and the field's whitelist."""
    box = found.box()
    if reader is None or box is None or fdef.whitelist is None or found.page is None:
        return None
    request = ZoneRequest(options.digits_language, whitelist=fdef.whitelist, binarise=True)
    words = [w for w in reader(found.page, box, request) if w.text.strip()]
    if not words:
        return None
    return _Found(
        "".join(w.text for w in words), min(w.conf for w in words) / 100.0, found.page, tuple(words)
    )


def _has_side_title(definition: DocumentTypeDef, pages: list[OcrPage]) -> bool:
    lines = [line.text for page in pages for line in page.lines]
    return any(find_phrase(title, text) for title in definition.side_titles for text in lines)


MACHINE_CONFIDENCE = 0.99  # a value from a QR payload or an MRZ whose own checks passed


def _machine_values(
    document_type: DocumentType, pages: list[OcrPage], reader: ZoneReader | None
) -> list[tuple[str, dict[str, str]]]:
    """("qr" | "mrz", values) from the document's machine-readable zones whose own checks pass."""
    out: list[tuple[str, dict[str, str]]] = []
    read_qr = QR_READERS.get(document_type)
    if read_qr is not None:
        payloads = (p for page in pages if page.image is not None for p in decode_qr(page.image))
        for payload in payloads:
            values = read_qr(payload)
            if values:
                out.append(("qr", values))
                break
    read_mrz = MRZ_READERS.get(document_type)
    if read_mrz is not None and reader is not None:
        for page in pages:
            mrz = read_td1(page, reader)
            values = read_mrz(mrz) if mrz is not None and mrz.valid else None
            if values:
                out.append(("mrz", values))
                break
    return out


def _from_machine(field: ExtractedField) -> bool:
    """Taken from, or confirmed by, a machine-readable source."""
    return field.source != "ocr" or any(p.startswith("confirmed_by_") for p in field.problems)


def _letters_only(text: str) -> str:
    return "".join(ch for ch in skeleton(text).text.translate(DIGITS_AS_LETTERS) if ch.isalpha())


def _merge_source(
    definition: DocumentTypeDef, fields: dict[str, ExtractedField], source: str, values: dict[str, str]
) -> None:
    """A machine-readable source wins over the printed text: it fills or replaces values, or
    confirms them; two machine sources that disagree send the field to review. An MRZ name (no
    diacritics) only confirms or questions the printed name."""
    names = {f.name: f for f in definition.fields}
    for name, value in values.items():
        fdef = names.get(name)
        if fdef is None:
            continue
        current = fields.get(name)
        if fdef.kind is FieldKind.NAME and source == "mrz":
            # The name line has no check digit: it confirms a name, it never overrules one.
            if current is not None and current.value is not None:
                same = _letters_only(current.value) == _letters_only(value)
                fields[name] = current.noted("confirmed_by_mrz" if same else "differs_from_mrz")
            continue
        if current is not None and current.value == value:
            confidence = max(current.confidence, MACHINE_CONFIDENCE)
            fields[name] = dataclasses.replace(current.noted(f"confirmed_by_{source}"), confidence=confidence)
        elif current is not None and _from_machine(current) and current.source != source:
            fields[name] = current.invalid("sources_disagree")  # QR and MRZ, both checked, differ
        else:
            printed = current is not None and current.value is not None
            notes = (f"from_{source}", *(("differs_from_print",) if printed else ()))
            raw = current.raw if current is not None else ""
            fields[name] = ExtractedField(value, raw, MACHINE_CONFIDENCE, True, notes, source=source)


def _value_problems(fdef: FieldDef, value: str | None) -> tuple[str, ...]:
    """Checks of one normalised value on its own (re-validation of stored or corrected fields)."""
    if value is None or not value.strip():
        return ("empty",)
    if fdef.kind is FieldKind.DATE:
        try:
            date = dt.date.fromisoformat(value)
        except ValueError:
            return ("not_a_date",)
        return () if 1900 <= date.year <= 2399 else ("implausible_year",)
    if fdef.kind is FieldKind.ID_NUMBER:
        return tuple(validate_personal_id(value))
    if fdef.kind is FieldKind.SEX:
        return () if value in ("Nam", "Nữ") else ("not_a_sex",)
    return ()


def corrected_field(fdef: FieldDef, raw: str) -> ExtractedField:
    """A clerk's value for ``fdef``, normalised as extraction normalises a reading (dates as
    dd/mm/yyyy, ISO or worded; names upper case…), with full confidence and source "clerk"."""
    text = unicodedata.normalize("NFC", raw).strip()
    if fdef.kind is FieldKind.DATE:
        try:
            value: str | None = dt.date.fromisoformat(text).isoformat()
        except ValueError:
            date = parse_date(text)
            value = date.isoformat() if date else None
    elif fdef.kind is FieldKind.NAME:
        value = " ".join(text.upper().split()) or None
    elif fdef.kind is FieldKind.SEX:
        value = normalise_sex_value(text)[0]
    elif fdef.kind in (FieldKind.ID_NUMBER, FieldKind.NUMBER):
        value = text.replace(" ", "") or None
    else:
        value = " ".join(text.split()) or None
    problems = _value_problems(fdef, value)
    return ExtractedField(value, text, 1.0, not problems, ("corrected", *problems), source="clerk")


def revalidate(
    document_type: DocumentType, fields: dict[str, ExtractedField], today: dt.date | None = None
) -> tuple[dict[str, ExtractedField], list[ReviewProblem]]:
    """Fields re-checked from their values (after a clerk's correction): each value on its own,
    then the cross-checks, the type's hook and the validity rule, as :func:`extract` does. A
    field's earlier validity is not kept: a date of birth corrected makes the ID valid again.
    Confidence stays as read, except that a clerk's value is certain."""
    definition = DOCUMENT_TYPES[document_type]
    names = {f.name: f for f in definition.fields}
    checked: dict[str, ExtractedField] = {}
    for name, f in fields.items():
        fdef = names.get(name)
        if fdef is None:
            if "." in name:  # a list item (pipeline.lists): kept as read
                checked[name] = f
            continue
        notes = tuple(p for p in f.problems if p in _NOTES)
        if f.value is None and "no_expiry" in notes:
            checked[name] = dataclasses.replace(f, valid=True, problems=notes)
            continue
        found = _value_problems(fdef, f.value)
        checked[name] = dataclasses.replace(f, valid=not found, problems=(*notes, *found))
    _cross_validate(checked)
    document_problems = list(NORMALISERS[document_type](checked)) if document_type in NORMALISERS else []
    problems: list[ReviewProblem] = []
    for fdef in definition.fields:
        current = checked.get(fdef.name)
        if current is None or (current.value is None and current.valid):
            if fdef.required and current is None:
                problems.append(ReviewProblem("field_missing", fdef.name))
        elif not current.valid:
            problems.append(ReviewProblem("field_invalid", fdef.name))
        elif current.confidence < LOW_CONFIDENCE and current.source != "clerk":
            problems.append(ReviewProblem("low_confidence", fdef.name))
    from pipeline.lists import list_problems  # lazy: pipeline.lists uses this module

    problems.extend(ReviewProblem(code, name) for code, name in list_problems(checked))
    problems.extend(ReviewProblem(code, document_type.value) for code in document_problems)
    expired = expiry_problem(document_type, checked, today)
    if expired is not None:
        problems.append(expired)
    return checked, problems


# Notes that describe how a value was obtained (kept on re-validation; the checks are redone).
_NOTES = frozenset(
    {
        "corrected",
        "no_expiry",
        "surname_repaired",
        "lexicon_repaired",
        "from_qr",
        "from_mrz",
        "confirmed_by_qr",
        "confirmed_by_mrz",
        "differs_from_print",
        "differs_from_mrz",
        "numeral_confirmed",
        "numeral_counted",
        ENTRY_AS_PRINTED,
        WORDS_REPAIRED,
    }
)


def expiry_problem(
    document_type: DocumentType, fields: dict[str, ExtractedField], today: dt.date | None = None
) -> ReviewProblem | None:
    """``document_expired`` (detail: the field that dates it) when the type's validity rule and
    the valid fields say the document is no longer valid on ``today`` (Vietnam date by default)."""
    rule = VALIDITY.get(document_type)
    if rule is None:
        return None
    values = {name: f.value for name, f in fields.items() if f.valid}
    try:
        expiry = rule.expiry(values)
    except ValueError:
        return None
    today = today or local_date(dt.datetime.now(dt.UTC))
    if expiry is None or expiry >= today:
        return None
    return ReviewProblem("document_expired", rule.expiry_field or rule.issue_field or document_type.value)


def _normalise(
    fdef: FieldDef, found: _Found, reader: ZoneReader | None, options: OcrOptions
) -> tuple[ExtractedField, str | None]:
    """The field, and its corrected printed form when it differs from the page's OCR words (a
    re-read number, a voted or repaired name) so that the text layer can be corrected too."""
    raw = unicodedata.normalize("NFC", found.raw)
    conf = found.confidence
    kind = fdef.kind
    if kind is FieldKind.NAME:
        found, tail = without_label_tail(found)
        voted = _vote_name(found, reader, options)
        # A name is wrong if any of its words is: its confidence is that of its weakest word.
        conf = voted.confidence if voted is not found else weakest_word(found.words or (), conf)
        value, notes = normalise_name(clean_text(unicodedata.normalize("NFC", voted.raw)))
        if tail:
            notes.append("label_tail")
        if notes:
            conf = min(conf, 0.85)
        if not all(plausible_syllable(token) for token in value.split()):
            notes.append("implausible_syllable")  # certainly misread somewhere: to review
            conf = min(conf, IMPLAUSIBLE_CONFIDENCE)
        elif any(_unusual_name_word(token) for token in value.split()[1:]):
            # CHẦU where CHÂU is a common name: more likely a misread mark than a rare name.
            notes.append("unusual_name_word")
            conf = min(conf, DISAGREEMENT_CONFIDENCE)
        return ExtractedField(value or None, raw, conf, bool(value), tuple(notes)), value or None
    if kind is FieldKind.DATE:
        if fold(raw).startswith("KHONG THOI HAN"):
            return ExtractedField(None, raw, conf, True, ("no_expiry",)), None
        date = parse_date(raw)
        printed = None
        # A worded date ("ngày 05 tháng 02 năm 2024"): its three numbers are re-read one by one (the
        # box of the whole value holds words, which wreck a whitelisted read).
        worded = _worded_date(raw) is not None
        reread = (
            _reread_worded(found, reader, options)
            if worded
            else _reread(found, "0123456789/", reader, options)
        )
        reread_date = parse_date(reread[0]) if reread else None
        if reread_date is not None and reread is not None:
            if reread_date == date or date is None:
                # Digits read best with the digits model (§6); agreement of both raises confidence.
                conf = max(conf, reread[1]) if reread_date == date else reread[1]
                date, printed = reread_date, reread[0]
            else:
                # Two models disagree: keep the more confident reading, and a clerk checks it.
                if reread[1] > conf:
                    date, printed = reread_date, reread[0]
                conf = min(max(conf, reread[1]), DISAGREEMENT_CONFIDENCE)
        if worded:
            printed = None  # the text layer keeps the worded form
        if date is None:
            return ExtractedField(None, raw, conf, False, ("not_a_date",)), None
        problems = () if 1900 <= date.year <= 2399 else ("implausible_year",)
        return ExtractedField(date.isoformat(), raw, conf, not problems, problems), printed
    if kind is FieldKind.SEX:
        sex, exact = normalise_sex_value(raw)
        # Two very different values ("NAM", "NU"): a match is reliable even when Tesseract is unsure
        # of the diacritics ("NữỮ" at 60%); the ID's sex digit checks it independently.
        if sex is not None:
            conf = max(conf, 0.9 if exact else 0.8)
        return ExtractedField(sex, raw, conf, sex is not None, () if sex else ("not_a_sex",)), None
    if kind is FieldKind.ID_NUMBER:
        read = digit_tokens(raw)
        reread = _reread(found, "0123456789", reader, options)
        value, conf, printed = read, conf, None
        if reread is not None:
            digits = re.sub(r"\D", "", reread[0])
            if len(digits) == 12 and digits == read:
                value, conf, printed = digits, max(conf, reread[1]), digits  # two models agree
            elif len(digits) == 12:
                # The digits model reads digits best (§6: vie reads a bold 3 as 5), but a
                # disagreement goes to a clerk unless the page reading is no possible ID at all.
                value, printed = digits, digits
                plausible_read = len(read) == 12 and not validate_personal_id(read)
                conf = min(reread[1], DISAGREEMENT_CONFIDENCE) if plausible_read else reread[1]
        id_problems = validate_personal_id(value)
        return ExtractedField(value or None, raw, conf, not id_problems, tuple(id_problems)), printed
    if kind is FieldKind.NUMBER:
        whitelist = "0123456789/" if "/" in raw else "0123456789"
        read = digit_tokens(raw, keep="/")
        reread = _reread(found, whitelist, reader, options)
        value, printed = read, None
        if reread is not None and reread[0]:
            if reread[0] == read or not read:
                value, conf = reread[0], (max(conf, reread[1]) if reread[0] == read else reread[1])
                printed = reread[0]
            else:
                # Two models disagree ("55" at 0.97 in the page, "35" at 0.73 re-read; a ";" boxed
                # with the digits and re-read as one): the more confident wins, a clerk checks it.
                if reread[1] > conf:
                    value, printed = reread[0], reread[0]
                conf = min(max(conf, reread[1]), DISAGREEMENT_CONFIDENCE)
        field = ExtractedField(value or None, raw, conf, bool(value), () if value else ("not_a_number",))
        return field, printed
    text = clean_place(raw) if kind is FieldKind.PLACE else clean_text(raw)
    conf = min(conf, weakest_word(found.words or (), conf))
    place_notes: tuple[str, ...] = ()
    if kind is FieldKind.PLACE and province_cut_short(text):
        place_notes, conf = ("province_unknown",), min(conf, DISAGREEMENT_CONFIDENCE)
    elif kind is FieldKind.PLACE and _ends_below_province(text):
        # "Xã Đông Hưng, Huyện Tuy Phước" where "Tỉnh Hà Tĩnh" was printed on a line OCR lost (bench
        # seed 7070): an address ends with its province.
        place_notes, conf = (PROVINCE_MISSING,), min(conf, DISAGREEMENT_CONFIDENCE)
    if kind is FieldKind.PLACE:
        text, repaired = gazetteer_place(text)
        if repaired:
            place_notes = (*place_notes, "gazetteer_repaired")
    if kind in (FieldKind.PLACE, FieldKind.TEXT) and implausible_words(text):
        # Certainly misread somewhere (a high-confidence mark misread: "Thanh Oal"): to review.
        place_notes, conf = (*place_notes, "implausible_syllable"), min(conf, IMPLAUSIBLE_CONFIDENCE)
    if kind in (FieldKind.PLACE, FieldKind.TEXT) and any(map(_stray, text.split())):
        # Marks that are no word nor punctuation ("Xã Vĩnh Niệm, ¡__ Huyện Kỳ Anh" at 0.96): a speck, or
        # a word lost to it; the words' confidence does not count them (they hold no letter).
        place_notes, conf = (*place_notes, STRAY_MARKS), min(conf, IMPLAUSIBLE_CONFIDENCE)
    if fdef.name == "nationality" and skeleton(text).text == "VIET NAM":
        text = "Việt Nam"
    elif fdef.name == "ethnicity":
        text = _lexicon_value(text, ETHNIC_GROUPS) or text
    return ExtractedField(text or None, raw, conf, bool(text), place_notes if text else ("empty",)), None


PROVINCE_MISSING = "province_missing"
# Head words of the parts below a province ("Thành phố" may head a province too: not counted).
_BELOW_PROVINCE = tuple(
    skeleton(head).text for head in (*DISTRICT_HEADS, *COMMUNE_HEADS) if head != "Thành phố"
)


def _ends_below_province(text: str) -> bool:
    """The last part of an address (after its last comma) is a district or a commune ("…, Huyện Tuy
    Phước"): the province after it was lost."""
    parts = [part for part in text.split(",") if part.strip()]
    if len(parts) < 2:
        return False
    last = skeleton(parts[-1]).text
    return any(last == head or last.startswith(head + " ") for head in _BELOW_PROVINCE)


STRAY_MARKS = "stray_marks"
_PUNCTUATION = "-–—,.;:()/&+%\"'“”‘’"


def _stray(token: str) -> bool:
    """A token of marks that are neither letters, digits nor punctuation a value prints ("¡__", "~")."""
    return not any(ch.isalnum() for ch in token) and bool(token.strip(_PUNCTUATION))


# Fields marked ``FieldDef.roman_numeral`` ("Loại III"): the numeral is counted from its strokes too.
NUMERAL_CONFIRMED = "numeral_confirmed"  # the strokes read the numeral the OCR read
NUMERAL_COUNTED = "numeral_counted"  # the strokes gave the number of stems the OCR merged or lost
NUMERAL_CONFIDENCE = 0.9  # two independent readings agree
COUNTED_CONFIDENCE = 0.8  # the strokes alone, where the OCR's glyphs differ only in stem count


def numeral_decision(field: ExtractedField, prefix: str, printed: str, strokes: str | None) -> ExtractedField:
    """``field`` given the OCR's numeral (``printed``, its stem-like glyphs counted: "HI" → "III")
    and the strokes' reading (None: none). Agreement confirms; a reading that differs only in the
    number of stems (III read as II: the blind spot) takes the strokes' count; anything else is left
    as read, with its doubts."""
    if strokes is None or not field.valid:
        return field
    if strokes == printed:
        return dataclasses.replace(
            field,
            value=clean_text(f"{prefix} {strokes}"),  # "HI" written as the numeral it is
            confidence=max(field.confidence, NUMERAL_CONFIDENCE),
            problems=(*field.problems, NUMERAL_CONFIRMED),
        )
    if strokes.replace("I", "") != printed.replace("I", ""):
        return field  # a V seen by one reading only: no rule decides, the type's hook flags it
    return dataclasses.replace(
        field,
        value=clean_text(f"{prefix} {strokes}"),
        confidence=COUNTED_CONFIDENCE,
        problems=(*field.problems, NUMERAL_COUNTED),
    )


def numeral_from_strokes(field: ExtractedField, found: _Found) -> ExtractedField:
    """A value ending in one Roman numeral word, checked against the numeral read from the word's
    strokes on the page image (:func:`pipeline.roman.read_roman`)."""
    words = list(found.words or ())
    at = [i for i, w in enumerate(words) if i > 0 and ocr_numeral(w.text) is not None]
    page = found.page
    if len(at) != 1 or page is None or page.image is None:
        return field
    word = words[at[0]]
    printed = ocr_numeral(word.text)
    if printed is None:
        return field
    gray = page.image.crop((word.left, word.top, word.right, word.bottom)).convert("L")
    strokes = read_roman(np.asarray(gray))
    prefix = " ".join(w.text for w in words[: at[0]])
    return numeral_decision(field, prefix, printed, strokes)


def without_label_tail(found: _Found) -> tuple[_Found, bool]:
    """A name's value without the label's last words left in front of it ("hoa):" of "Họ và tên
    (chữ in hoa):" half-matched): leading words holding ":" or ")", which no name has. Dropped
    before the name is voted and its surname repaired (the repair looks at the first word: with
    "HOA" first, NGUYÊN stayed unrepaired). (found, whether words were dropped)."""
    words = list(found.words or ())
    drop = 0
    while drop < len(words) - 1 and any(ch in words[drop].text for ch in ":)"):
        drop += 1
    if drop == 0:
        return found, False
    kept = tuple(words[drop:])
    raw = " ".join(w.text for w in kept)
    return _Found(raw, sum(w.conf for w in kept) / len(kept) / 100.0, found.page, kept), True


def weakest_word(words: tuple[Word, ...] | list[Word], default: float) -> float:
    """Confidence (0-1) of the least sure word holding a letter: a text is wrong if any of its
    words is, and the mean hides one misread word among sure ones ("SẠO" at 59% for SAO among
    words at 92-96%: a speck read as a dot below). ``default`` when there is no such word."""
    letters = [w.conf for w in words if any(ch.isalpha() for ch in w.text)]
    return min(letters) / 100.0 if letters else default


_AFFIXES = re.compile(r"^(\W*)(.*?)(\W*)$", re.DOTALL)


def _page_words(found: _Found) -> list[Word]:
    """The page's own words under the value: its words, or — for a value read again from a zone of
    the page ("Số: 0873061 32935" re-read as one word) — the page words its boxes overlap."""
    words = list(found.words or ())
    page = found.page
    if page is None or all(any(w is p for p in page.words) for w in words):
        return words
    out: list[Word] = []
    for word in words:
        for candidate in page.words:
            overlap_x = min(word.right, candidate.right) - max(word.left, candidate.left)
            overlap_y = min(word.bottom, candidate.bottom) - max(word.top, candidate.top)
            if overlap_x > 0 and overlap_y > candidate.height // 2 and candidate not in out:
                out.append(candidate)
    return sorted(out, key=lambda w: w.left)


def _word_corrections(fdef: FieldDef, found: _Found, printed: str) -> list[tuple[Word, str]]:
    """Page words to rewrite so that the text layer says ``printed``: a name word by word (same
    number of words), a number or date in its first word (up to three split words). Punctuation
    around is kept."""
    words = _page_words(found)
    if fdef.kind is FieldKind.NAME:
        words = [w for w in words if any(ch.isalpha() for ch in w.text)]
        tokens = printed.split()
    else:
        digit_words = [w for w in words if sum(ch.isdigit() for ch in w.text) * 2 >= len(w.text)]
        words = digit_words or words
        tokens = [printed]
        if 1 < len(digit_words) <= 3 and " " not in printed:
            # A number OCR split in two ("0873061 32935"): the first word carries it whole, so
            # that a search finds it; the others are blanked.
            tokens += [""] * (len(digit_words) - 1)
    if len(tokens) != len(words):
        return []
    out = []
    for word, token in zip(words, tokens, strict=True):
        match = _AFFIXES.match(word.text)
        lead, core, trail = match.groups() if match else ("", word.text, "")
        if unicodedata.normalize("NFC", core).casefold() == token.casefold():
            continue
        if core and not core.isupper() and fdef.kind is FieldKind.NAME:
            token = token.capitalize()
        out.append((word, f"{lead}{token}{trail}"))
    return out


def _cross_validate(fields: dict[str, ExtractedField]) -> None:
    """ID against printed date of birth and sex; dates in order."""
    dob_field = fields.get("date_of_birth")
    dob = (
        dt.date.fromisoformat(dob_field.value) if dob_field and dob_field.valid and dob_field.value else None
    )
    sex_field = fields.get("sex")
    sex = sex_field.value if sex_field and sex_field.valid else None
    id_field = fields.get("id_number")
    if id_field is not None and id_field.value:
        problems = validate_personal_id(id_field.value, dob, sex)
        if problems:
            fields["id_number"] = ExtractedField(
                id_field.value, id_field.raw, id_field.confidence, False, tuple(problems)
            )
    words = fields.get("date_of_birth_in_words")
    if dob_field is not None and dob and words is not None and words.value:
        written = parse_date_words(words.value)
        repaired = repair_words(words.value, DATE_WORDS) if written is None else None
        if repaired is not None and parse_date_words(repaired) == dob:
            # A word misread one letter away ("sáu rnươi tư", "tháng hat") that, respelled, says the
            # date the digits say: the words as printed (noted), and both sure below.
            fields["date_of_birth_in_words"] = dataclasses.replace(words, value=repaired).noted(
                WORDS_REPAIRED
            )
            written = dob
        if written is not None and written != dob:
            fields["date_of_birth"] = ExtractedField(
                dob_field.value, dob_field.raw, dob_field.confidence, False, (DIFFERS_FROM_WORDS,)
            )
        elif written == dob:
            words_agree(fields, "date_of_birth", "date_of_birth_in_words")
    for later in ("expiry_date", "registration_date"):
        f = fields.get(later)
        if dob and f is not None and f.valid and f.value and dt.date.fromisoformat(f.value) < dob:
            fields[later] = ExtractedField(f.value, f.raw, f.confidence, False, ("before_date_of_birth",))
