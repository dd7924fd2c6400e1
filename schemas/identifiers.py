"""Structure checks for Vietnamese identifiers (see ../shared/domain/README.md §3).

Personal ID number (số định danh cá nhân), 12 digits::

    PPP C YY NNNNNN
    │   │ │  └ 6 random digits (no check digit)
    │   │ └ last two digits of the birth year
    │   └ century/sex digit: 1900s 0 male / 1 female, 2000s 2/3, 2100s 4/5, 2200s 6/7, 2300s 8/9
    └ province of birth registration (Circular 07/2016/TT-BCA App. 1, ``data/id_province_codes.csv``)

Problems are returned as short codes, never containing the number itself, so they can be logged.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

ID_LENGTH = 12

# Problem codes returned by :func:`validate_personal_id` (safe to log: no personal data).
WRONG_LENGTH = "wrong_length"
NOT_DIGITS = "not_digits"
UNKNOWN_PROVINCE = "unknown_province_code"
CENTURY_MISMATCH = "century_mismatch"
BIRTH_YEAR_MISMATCH = "birth_year_mismatch"
SEX_MISMATCH = "sex_mismatch"

_MALE = "Nam"
_FEMALE = "Nữ"
_SEX_ALIASES = {
    "nam": _MALE,
    "male": _MALE,
    "m": _MALE,
    "nữ": _FEMALE,
    "nu": _FEMALE,
    "female": _FEMALE,
    "f": _FEMALE,
}


@lru_cache(maxsize=1)
def load_province_codes() -> dict[str, str]:
    """The 3-digit province codes of the personal ID number, ``{"001": "Hà Nội", ...}``."""
    text = resources.files("schemas").joinpath("data/id_province_codes.csv").read_text(encoding="utf-8")
    rows = csv.DictReader(io.StringIO(text))
    return {row["code"].strip(): row["province"].strip() for row in rows}


def normalise_sex(sex: str | None) -> str | None:
    """Map "Nam"/"Nữ"/"male"/"female"/"M"/"F" to "Nam" or "Nữ"; anything else to None."""
    if sex is None:
        return None
    return _SEX_ALIASES.get(sex.strip().casefold())


def century_sex_digit(year: int, sex: str) -> int:
    """The 4th digit of the ID for someone born in ``year`` of ``sex`` ("Nam"/"Nữ")."""
    century_index = year // 100 - 19  # 1900s → 0, 2000s → 1, ...
    if not 0 <= century_index <= 4:
        raise ValueError("birth year outside 1900-2399")
    normalised = normalise_sex(sex)
    if normalised is None:
        raise ValueError("sex must be Nam or Nữ")
    return 2 * century_index + (1 if normalised == _FEMALE else 0)


@dataclass(frozen=True)
class PersonalIdParts:
    province_code: str
    century: int  # e.g. 1900
    sex: str  # "Nam" or "Nữ"
    year_last_two: int
    serial: str

    @property
    def birth_year(self) -> int:
        return self.century + self.year_last_two


def parse_personal_id(id_number: str) -> PersonalIdParts:
    """Split a structurally valid 12-digit ID into its parts (raises ``ValueError`` otherwise)."""
    if len(id_number) != ID_LENGTH or not id_number.isascii() or not id_number.isdigit():
        raise ValueError("a personal ID number has exactly 12 digits")
    digit = int(id_number[3])
    return PersonalIdParts(
        province_code=id_number[:3],
        century=1900 + 100 * (digit // 2),
        sex=_FEMALE if digit % 2 else _MALE,
        year_last_two=int(id_number[4:6]),
        serial=id_number[6:],
    )


def compose_personal_id(province_code: str, date_of_birth: dt.date, sex: str, serial: int) -> str:
    """Build an ID number consistent with province, birth year and sex (used by the sample generator)."""
    if province_code not in load_province_codes():
        raise ValueError("unknown province code")
    if not 0 <= serial <= 999_999:
        raise ValueError("serial must have at most 6 digits")
    digit = century_sex_digit(date_of_birth.year, sex)
    return f"{province_code}{digit}{date_of_birth.year % 100:02d}{serial:06d}"


def validate_personal_id(
    id_number: str, date_of_birth: dt.date | None = None, sex: str | None = None
) -> list[str]:
    """Return the problems found in a personal ID number (empty list: valid).

    Checks the length and digits, the province code against ``id_province_codes.csv`` and, when
    given, that the century/sex digit and the two year digits agree with ``date_of_birth`` and
    ``sex`` ("Nam"/"Nữ", "male"/"female"). Problem codes contain no personal data.
    """
    problems: list[str] = []
    compact = id_number.strip()
    if not compact.isascii() or not compact.isdigit():
        problems.append(NOT_DIGITS)
    if len(compact) != ID_LENGTH:
        problems.append(WRONG_LENGTH)
    if problems:
        return problems

    parts = parse_personal_id(compact)
    if parts.province_code not in load_province_codes():
        problems.append(UNKNOWN_PROVINCE)
    if date_of_birth is not None:
        if date_of_birth.year // 100 * 100 != parts.century:
            problems.append(CENTURY_MISMATCH)
        if date_of_birth.year % 100 != parts.year_last_two:
            problems.append(BIRTH_YEAR_MISMATCH)
    normalised_sex = normalise_sex(sex)
    if normalised_sex is not None and normalised_sex != parts.sex:
        problems.append(SEX_MISMATCH)
    return problems
