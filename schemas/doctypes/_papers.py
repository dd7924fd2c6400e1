"""Shared pieces of the paper document types (civil-status papers, confirmations, diplomas, health
certificates, decisions, application forms): patterns of unlabelled lines, closed-list snapping and
the cross-checks their hooks run. Problem codes name the check, never a value.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import re
import unicodedata
from collections.abc import Iterable

from pydantic import field_validator, model_validator
from rapidfuzz.distance import Levenshtein

from schemas.calendar import local_date
from schemas.documents import (
    DocumentModel,
    ExtractedField,
    Sex,
    dates_in_order,
    nfc_text,
    require_personal_id,
    sane_date,
)
from schemas.identifiers import load_province_codes, validate_personal_id

_LOWER = "a-zàáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ"
_UPPER = "A-ZÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬĐÈÉẺẼẸÊỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÙÚỦŨỤƯỪỨỬỮỰỲÝỶỸỴ"

# The place/date line of an official paper: "Quảng Ninh, ngày 05 tháng 02 năm 2024" (Decree 30/2020
# Appendix I), at the end of its line; tolerant of OCR losing the words' marks.
DATE_LINE = r"(?i),\s*(?P<value>ng\w{1,3}\s*\d{1,2}\s+th\w{2,4}\s*\d{1,2}\s+n\w{1,2}m\s*\d{4})\s*\.?\s*$"
# A person's name as printed under a signature: two to five Title-case words alone on the line.
# A word may carry a marked vowel read twice, the second time as a capital ("HữỮu": extract.undoubled).
_NAME_WORD = rf"[{_UPPER}][{_LOWER}]+(?:[{_UPPER}][{_LOWER}]*)?"
SIGNER_NAME_LINE = rf"^(?P<value>{_NAME_WORD}(?:\s+{_NAME_WORD}){{1,4}})\s*$"
# The signer's title block of Decree 30/2020: "TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "Q. CHỦ TỊCH"…
SIGNER_TITLE_LINE = (
    r"^(?P<value>(?:TM|KT|Q|TL|TUQ)\s?\.\s?\S.*|CH\w{1,2} T\w{2,4}|PH\w{1,2} CH\w{1,2} T\w{2,4})\s*$"
)


def fold_key(text: str) -> str:
    """Upper-case letters and digits without marks (Đ→D), single spaces: "Loại  I" → "LOAI I"."""
    out = []
    for ch in unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d")):
        if unicodedata.combining(ch):
            continue
        out.append(ch.upper() if ch.isalnum() else " ")
    return " ".join("".join(out).split())


_PROVINCE_HEADS = (("THANH", "PHO"), ("TINH",))


@functools.lru_cache(maxsize=1)
def _province_keys() -> frozenset[str]:
    return frozenset(fold_key(name) for name in load_province_codes().values())


def province_cut_short(text: str) -> bool:
    """True when the last part of ``text`` (an address's last comma part before "Việt Nam", or a
    name such as a school's) names a province by its head word ("Tỉnh", "Thành phố") but what
    follows is none of the 63 provinces: its end was lost ("Thành phố Đà" where "Nẵng" was on a lost
    line, "… THÀNH PHỐ HỒ CHÍ MIN") or misread beyond repair."""
    parts = [part for part in text.split(",") if part.strip()]
    if parts and fold_key(parts[-1]) == "VIET NAM":
        parts = parts[:-1]
    words = fold_key(parts[-1]).split() if parts else []
    if any(" ".join(words[-n:]) in _province_keys() for n in range(1, min(4, len(words)) + 1)):
        return False  # ends with a province's name, which may end in a head word ("Tỉnh Hà Tĩnh")
    for at in range(len(words) - 1, -1, -1):  # the last head of the part
        for head in _PROVINCE_HEADS:
            if tuple(words[at : at + len(head)]) == head:
                return " ".join(words[at + len(head) :]) not in _province_keys()
    return False


# A closed list's entry read exactly as printed (marks and all), when no other entry lies one misread
# character away: that reading takes two misreads from any other entry, whatever the word's own
# confidence (heavy scans: "Con" at 0.20, "Chủ hộ" at 0.39, all right on bench seed 2611).
ENTRY_SURE_CONFIDENCE = 0.9
ENTRY_AS_PRINTED = "entry_as_printed"


def _spelling(text: str) -> str:
    return "".join(unicodedata.normalize("NFC", text).casefold().split())


def unambiguous_entry(entry: str, lexicon: Iterable[str]) -> bool:
    """True when no other entry of ``lexicon`` is one edit (a character misread, lost or added; a
    mark is part of its character) from ``entry``, spaces and case aside: "Con" among the relations,
    not "Bố" ("Bà"), not "Loại I" ("Loại II")."""
    key = _spelling(entry)
    return all(Levenshtein.distance(key, other) > 1 for other in map(_spelling, lexicon) if other != key)


def snap(field: ExtractedField | None, lexicon: Iterable[str], problem: str) -> ExtractedField | None:
    """The field with its value replaced by the lexicon entry it folds to (spaces ignored: OCR joins
    "Loại I" into "LoạiI"), or marked invalid with ``problem`` when it folds to none. A value that is
    an :func:`unambiguous_entry` as printed, without other problems, is sure
    (``ENTRY_SURE_CONFIDENCE``, noted ``entry_as_printed``)."""
    if field is None or field.value is None:
        return field
    lexicon = tuple(lexicon)
    key = fold_key(field.value).replace(" ", "")
    for entry in lexicon:
        if fold_key(entry).replace(" ", "") == key:
            if (
                field.valid
                and not field.problems
                and field.confidence < ENTRY_SURE_CONFIDENCE
                and _spelling(field.value) == _spelling(entry)
                and unambiguous_entry(entry, lexicon)
            ):
                return dataclasses.replace(
                    field, value=entry, confidence=ENTRY_SURE_CONFIDENCE, problems=(ENTRY_AS_PRINTED,)
                )
            return field if entry == field.value else dataclasses.replace(field, value=entry)
    # An entry followed only by specks a stamp or the leader dots left ("Kinh ˆˆ “'ˆ ”"): no letter
    # or digit of the alphabet after it.
    words = fold_key(field.value).split()
    for entry in sorted(lexicon, key=len, reverse=True):
        n = len(fold_key(entry).split())
        if fold_key(" ".join(words[:n])) == fold_key(entry) and not any(
            ch.isascii() and ch.isalnum() for ch in "".join(words[n:])
        ):
            return dataclasses.replace(field, value=entry, problems=(*field.problems, "trailing_noise"))
    return field.invalid(problem)


def valid_date(fields: dict[str, ExtractedField], name: str) -> dt.date | None:
    f = fields.get(name)
    if f is None or not f.valid or not f.value:
        return None
    try:
        return dt.date.fromisoformat(f.value)
    except ValueError:
        return None


def check_order(fields: dict[str, ExtractedField], earlier: str, later: str, problem: str) -> None:
    """Mark ``later`` invalid when it precedes ``earlier`` (both valid dates)."""
    a, b = valid_date(fields, earlier), valid_date(fields, later)
    if a is not None and b is not None and b < a:
        fields[later] = fields[later].invalid(problem)


def check_not_future(fields: dict[str, ExtractedField], name: str, today: dt.date | None = None) -> None:
    day = valid_date(fields, name)
    # Vietnam's date (UTC+7), not the machine's; a day of slack for a paper dated "tomorrow" by mistake.
    if day is not None and day > (today or local_date(dt.datetime.now(dt.UTC))) + dt.timedelta(days=1):
        fields[name] = fields[name].invalid("date_in_future")


def check_person_id(
    fields: dict[str, ExtractedField],
    id_name: str,
    dob_name: str,
    sex: str | None = None,
    sex_name: str | None = None,
) -> None:
    """A personal ID against the printed date of birth and sex of the same person (a spouse's ID against
    the spouse's date of birth, the husband's sex digit male)."""
    f = fields.get(id_name)
    if f is None or not f.value:
        return
    if sex is None and sex_name is not None:
        s = fields.get(sex_name)
        sex = s.value if s is not None and s.valid else None
    problems = validate_personal_id(f.value, valid_date(fields, dob_name), sex)
    new = tuple(p for p in problems if p not in f.problems)
    if problems and (f.valid or new):
        fields[id_name] = f.invalid(*new)


_NUMBER = re.compile(r"^(\d{1,5})\s*/\s*([A-Z0-9Đ]+(?:-[A-Z0-9Đ]+)*)$")


def document_number(
    field: ExtractedField | None, problem: str, fixes: dict[str, str] | None = None
) -> ExtractedField | None:
    """ "Số: 125/QĐ-UBND": the number and symbol without spaces, upper case; invalid when it is not
    "<digits>/<SYMBOL>[-<SYMBOL>…]". ``fixes`` repairs known symbols OCR reads without a mark (QD→QĐ)."""
    if field is None or field.value is None:
        return field
    text = (
        unicodedata.normalize("NFC", field.value).upper().replace(" ", "").replace("—", "-").replace("–", "-")
    )
    text = text.rstrip(".,;:")
    match = _NUMBER.match(text)
    if match is None:
        return field.invalid(problem)
    number, symbol = match.groups()
    parts = [(fixes or {}).get(part, part) for part in symbol.split("-")]
    value = f"{number}/{'-'.join(parts)}"
    return field if value == field.value else dataclasses.replace(field, value=value)


def canonical_phrases(
    field: ExtractedField | None, phrases: Iterable[str], problem: str
) -> ExtractedField | None:
    """A value made of known phrases only ("TM. ỦY BAN NHÂN DÂN KT. CHỦ TỊCH"), rebuilt from the phrases
    it folds to (OCR drops a mark: "CHỦ TICH"); invalid with ``problem`` when a part is unknown."""
    if field is None or field.value is None:
        return field
    options = sorted(((fold_key(p).split(), p) for p in phrases), key=lambda item: -len(item[0]))
    words = fold_key(field.value).split()
    out: list[str] = []
    i = 0
    while i < len(words):
        for key, phrase in options:
            if words[i : i + len(key)] == key:
                out.append(phrase)
                i += len(key)
                break
        else:
            return field.invalid(problem)
    value = " ".join(out)
    return field if value == field.value else dataclasses.replace(field, value=value)


class PersonPaper(DocumentModel):
    """Base of the papers issued to one person (marital-status and residence confirmations, health
    certificates): the person's ID against their date of birth and sex, issued after birth."""

    document_number: str
    issue_date: dt.date
    full_name: str
    date_of_birth: dt.date
    sex: Sex
    id_number: str

    _person_text = field_validator("document_number", "full_name")(nfc_text)
    _person_dates = field_validator("issue_date", "date_of_birth")(sane_date)

    @model_validator(mode="after")
    def _person_consistent(self) -> PersonPaper:
        require_personal_id("id_number", self.id_number, self.date_of_birth, self.sex)
        dates_in_order(("date_of_birth", self.date_of_birth), ("issue_date", self.issue_date))
        return self


def person_paper_checks(fields: dict[str, ExtractedField]) -> None:
    """Hook checks shared by the papers issued to one person: document number "<n>/<SYMBOL>", issued
    after birth and not in the future."""
    if "document_number" in fields:
        fields["document_number"] = (
            document_number(fields["document_number"], "bad_document_number") or fields["document_number"]
        )
    check_order(fields, "date_of_birth", "issue_date", "before_date_of_birth")
    check_not_future(fields, "issue_date")


def gather_list(data: object, prefix: str) -> object:
    """A model's input with the flat list fields of extraction ("household_members.2.id_number",
    "recipients.1") gathered into a list under ``prefix``, in item order; ``<prefix>.count`` is
    dropped (it only checks the rows). Other input is returned as it is."""
    if not isinstance(data, dict) or prefix in data:
        return data
    items: dict[int, object] = {}
    rest: dict[str, object] = {}
    for key, value in data.items():
        parts = key.split(".") if isinstance(key, str) else []
        if len(parts) < 2 or parts[0] != prefix:
            rest[key] = value
        elif parts[1].isdigit():
            n = int(parts[1])
            if len(parts) == 2:
                items[n] = value
            else:
                entry = items.setdefault(n, {})
                if isinstance(entry, dict):
                    entry[".".join(parts[2:])] = value
    if items:
        rest[prefix] = [items[n] for n in sorted(items)]
    return rest
