"""Vietnam's administrative units by name: the gazetteer that address fields are checked against.

Source: the dataset of ``vietnamadminunits`` (PyPI, MIT licence, pinned in pyproject.toml), a SQLite
file with two tables:

- ``admin_units_legacy``: the three-level system before 1 July 2025 (63 provinces; districts: Huyện,
  Quận, Thị xã, Thành phố; communes: Xã, Phường, Thị trấn). Cards and certificates issued before the
  reform print these, and stay valid after it.
- ``admin_units``: the two-level system from 1 July 2025 (34 provinces; Xã, Phường, Đặc khu), per
  Resolution 202/2025/QH15 and the Standing Committee's resolutions on each province's communes.

The gazetteer is a snapshot: a district dissolved before it was taken (Yên Dũng, merged into Bắc Giang
city in 2025) is missing, so a name it does not hold is never taken for a misreading by itself. What it
is for: Tesseract's high-confidence mark misreads on place names ("Đức Phổ" read "Đức Phố", "Đức
Thắng" read "Đức Thẳng"), which are valid syllables that no syllable check can catch. A name the
gazetteer does not hold at its level, whose letters (diacritics aside) are those of exactly one name it
holds at that level, is that name.
"""

from __future__ import annotations

import sqlite3
import unicodedata
from functools import lru_cache
from importlib import resources
from typing import Literal

from rapidfuzz.distance import Levenshtein
from rapidfuzz.process import extract

from schemas.doctypes._lexicon import folded

Level = Literal["district", "commune"]

# The words that open a part of an address at each level, as printed (longest first).
DISTRICT_HEADS: tuple[str, ...] = ("Thành phố", "Thị xã", "Huyện", "Quận")
COMMUNE_HEADS: tuple[str, ...] = ("Thị trấn", "Đặc khu", "Phường", "Xã")


class GazetteerUnavailable(RuntimeError):
    """The dataset file of ``vietnamadminunits`` is missing (the package is not installed)."""


def _strip_head(full: str, head: str | None) -> str:
    if head and full.startswith(head + " "):
        return full[len(head) + 1 :]
    return full


@lru_cache(maxsize=1)
def _names() -> dict[Level, frozenset[str]]:
    try:
        path = resources.files("vietnamadminunits") / "data" / "dataset.db"
    except ModuleNotFoundError as exc:  # pragma: no cover - the package is a pinned dependency
        raise GazetteerUnavailable("vietnamadminunits is not installed") from exc
    with resources.as_file(path) as db:
        connection = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            legacy = connection.execute(
                "SELECT district, districtType, ward, wardType, wardShort FROM admin_units_legacy"
            ).fetchall()
            current = connection.execute("SELECT ward, wardType, wardShort FROM admin_units").fetchall()
        finally:
            connection.close()
    districts: set[str] = set()
    communes: set[str] = set()
    for district, district_type, ward, ward_type, ward_short in legacy:
        if district:
            districts.add(_strip_head(district, district_type))
        if ward:
            communes.add(_strip_head(ward, ward_type) if ward_type else ward_short or ward)
    for ward, ward_type, ward_short in current:
        if ward:
            communes.add(_strip_head(ward, ward_type) if ward_type else ward_short or ward)
    return {"district": _nfc(districts), "commune": _nfc(communes)}


def _nfc(names: set[str]) -> frozenset[str]:
    return frozenset(unicodedata.normalize("NFC", n) for n in names if n)


@lru_cache(maxsize=1)
def _by_fold() -> dict[Level, dict[str, frozenset[str]]]:
    index: dict[Level, dict[str, set[str]]] = {"district": {}, "commune": {}}
    for level, names in _names().items():
        for name in names:
            index[level].setdefault(folded(name), set()).add(name)
    return {level: {k: frozenset(v) for k, v in by.items()} for level, by in index.items()}


@lru_cache(maxsize=2)
def _folds(level: Level) -> tuple[str, ...]:
    return tuple(_by_fold()[level])


def known(name: str, level: Level) -> bool:
    """Whether a unit of ``level`` is named ``name`` (as printed, without its head word)."""
    return unicodedata.normalize("NFC", name) in _names()[level]


def same_letters(name: str, level: Level) -> frozenset[str]:
    """The names of ``level`` whose letters are those of ``name``, diacritics aside."""
    return _by_fold()[level].get(folded(name), frozenset())


def repaired_name(name: str, level: Level) -> str | None:
    """The one name of ``level`` that ``name`` is a mark misreading of, or None: ``name`` is a known
    name, or no known name has its letters, or several do (never a guess between two)."""
    if not name or known(name, level):
        return None
    candidates = same_letters(name, level)
    return next(iter(candidates)) if len(candidates) == 1 else None


def one_letter_away(name: str, level: Level) -> str | None:
    """The one name of ``level`` whose letters differ from ``name``'s (diacritics aside) by one edit, or
    None (none or several). For a name with a syllable no Vietnamese word has ("Thanh Oal": l read for
    i); a valid-looking name is never changed this way."""
    key = folded(name)
    if not key:
        return None
    by_fold = _by_fold()[level]
    close = extract(key, _folds(level), scorer=Levenshtein.distance, score_cutoff=1, limit=None)
    names = {n for fold, distance, _ in close if distance == 1 for n in by_fold[fold]}
    return next(iter(names)) if len(names) == 1 else None
