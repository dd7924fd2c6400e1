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
import unicodedata
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


# ----------------------------------------------------------------------------------------------
# Tax code / enterprise code (mã số thuế, mã số doanh nghiệp)
# ----------------------------------------------------------------------------------------------

# Problem codes of :func:`validate_tax_code`.
TAX_CODE_FORMAT = "tax_code_format"
TAX_CODE_CHECK_DIGIT = "tax_code_check_digit"
TAX_CODE_BRANCH = "tax_code_branch"

# Weights of digits 1-9; the 10th digit is 10 - (sum mod 11), remainder 0 impossible.
# [R: Circular 105/2020/TT-BTC; checked on real codes, ../shared/domain/README.md §3]
_TAX_WEIGHTS = (31, 29, 23, 19, 17, 13, 7, 5, 3)


def tax_check_digit(first_nine: str) -> int | None:
    """The 10th digit of a tax code from its first nine, or None when no digit can be valid."""
    remainder = sum(w * int(d) for w, d in zip(_TAX_WEIGHTS, first_nine, strict=True)) % 11
    return None if remainder == 0 else 10 - remainder


def normalise_tax_code(raw: str) -> str:
    """Digits of a tax code as printed: ``0101243150`` or the branch form ``0101243150-001``
    (spaces, dots and a missing dash tolerated)."""
    digits = "".join(ch for ch in raw if ch.isascii() and ch.isdigit())
    return f"{digits[:10]}-{digits[10:]}" if len(digits) == 13 else digits


def validate_tax_code(code: str) -> list[str]:
    """Problems of a normalised tax code (``NNNNNNNNNN`` or ``NNNNNNNNNN-NNN``); empty: valid."""
    main, _, branch = code.partition("-")
    if not (main.isascii() and main.isdigit() and len(main) == 10):
        return [TAX_CODE_FORMAT]
    if branch and not (branch.isascii() and branch.isdigit() and len(branch) == 3):
        return [TAX_CODE_FORMAT]
    problems = []
    if tax_check_digit(main[:9]) != int(main[9]):
        problems.append(TAX_CODE_CHECK_DIGIT)
    if branch == "000":
        problems.append(TAX_CODE_BRANCH)  # branches are numbered from 001
    return problems


def compose_tax_code(first_nine: str, branch: int | None = None) -> str:
    """A valid tax code from nine digits (raises ValueError when none exists for them)."""
    check = tax_check_digit(first_nine)
    if check is None or check > 9:
        raise ValueError("no valid check digit for these nine digits")
    code = f"{first_nine}{check}"
    return f"{code}-{branch:03d}" if branch is not None else code


# ----------------------------------------------------------------------------------------------
# Machine-readable zone, ICAO 9303 TD1 (the back of the 2021 CCCD and of the 2024 card)
# ----------------------------------------------------------------------------------------------

MRZ_LINE = 30
# Problem codes of :func:`parse_td1`.
MRZ_FORMAT = "mrz_format"
MRZ_DOCUMENT_NUMBER_CHECK = "mrz_document_number_check"
MRZ_BIRTH_CHECK = "mrz_birth_date_check"
MRZ_EXPIRY_CHECK = "mrz_expiry_date_check"
MRZ_COMPOSITE_CHECK = "mrz_composite_check"
_MRZ_VALUES = {**{str(d): d for d in range(10)}, **{chr(65 + i): 10 + i for i in range(26)}, "<": 0}


def mrz_check_digit(data: str) -> int:
    """ICAO 9303 check digit: weights 7, 3, 1 repeated; A-Z = 10-35, ``<`` = 0 (raises on others)."""
    return sum(_MRZ_VALUES[ch] * (7, 3, 1)[i % 3] for i, ch in enumerate(data)) % 10


@dataclass(frozen=True)
class MrzTd1:
    """A TD1 zone (3 lines of 30 characters) split into its fields, with its check results."""

    document_code: str
    issuing_state: str
    document_number: str
    optional_data_1: str
    birth: str  # YYMMDD
    sex: str  # "M", "F" or "<"
    expiry: str  # YYMMDD, or "<<<<<<" (none)
    nationality: str
    optional_data_2: str
    surname: str  # without diacritics, upper case, single spaces
    given_names: str
    problems: tuple[str, ...]  # failed checks; empty: every check digit is right

    @property
    def valid(self) -> bool:
        return not self.problems

    @property
    def id_number(self) -> str | None:
        """The 12-digit personal ID of a Vietnamese card (optional data 1), when it is there."""
        head = self.optional_data_1[:ID_LENGTH]
        if head.isdigit() and len(head) == ID_LENGTH and head.endswith(self.document_number):
            return head
        return None

    def date_of_birth(self) -> dt.date | None:
        """The birth date, its century from the ID's century/sex digit (else the nearest past)."""
        if not self.birth.isdigit():
            return None
        yy, mm, dd = int(self.birth[:2]), int(self.birth[2:4]), int(self.birth[4:])
        ident = self.id_number
        century = (
            parse_personal_id(ident).century if ident else (1900 if yy > dt.date.today().year % 100 else 2000)
        )
        try:
            return dt.date(century + yy, mm, dd)
        except ValueError:
            return None

    def date_of_expiry(self, date_of_birth: dt.date | None = None) -> dt.date | None:
        """The expiry date (its century: the first after the birth date), None when not printed."""
        if not self.expiry.isdigit():
            return None
        yy, mm, dd = int(self.expiry[:2]), int(self.expiry[2:4]), int(self.expiry[4:])
        base = (date_of_birth or dt.date(1950, 1, 1)).year
        year = base - base % 100 + yy
        if date_of_birth is not None and year <= base:
            year += 100
        try:
            return dt.date(year, mm, dd)
        except ValueError:
            return None

    @property
    def sex_vi(self) -> str | None:
        return {"M": _MALE, "F": _FEMALE}.get(self.sex)


def parse_td1(lines: list[str]) -> MrzTd1 | None:
    """The TD1 zone of three 30-character lines (spaces removed, upper case), or None when the
    text does not have that shape. Check digits are verified, not corrected."""
    cleaned = ["".join(line.split()).upper() for line in lines]
    if len(cleaned) != 3 or any(len(line) != MRZ_LINE for line in cleaned):
        return None
    if any(ch not in _MRZ_VALUES for line in cleaned for ch in line):
        return None
    one, two, three = cleaned
    problems = []

    def check(data: str, digit: str, code: str) -> None:
        if not digit.isdigit() or mrz_check_digit(data) != int(digit):
            problems.append(code)

    check(one[5:14], one[14], MRZ_DOCUMENT_NUMBER_CHECK)
    check(two[0:6], two[6], MRZ_BIRTH_CHECK)
    if two[8:14] != "<<<<<<":
        check(two[8:14], two[14], MRZ_EXPIRY_CHECK)
    check(one[5:30] + two[0:7] + two[8:15] + two[18:29], two[29], MRZ_COMPOSITE_CHECK)
    surname, _, given = three.partition("<<")
    return MrzTd1(
        document_code=one[0:2].rstrip("<"),
        issuing_state=one[2:5],
        document_number=one[5:14].rstrip("<"),
        optional_data_1=one[15:30].rstrip("<"),
        birth=two[0:6],
        sex=two[7],
        expiry=two[8:14],
        nationality=two[15:18],
        optional_data_2=two[18:29].rstrip("<"),
        surname=" ".join(surname.split("<")).strip(),
        given_names=" ".join(p for p in given.split("<") if p),
        problems=tuple(problems),
    )


def mrz_name(text: str) -> str:
    """A name as the MRZ writes it: upper case, no diacritics (Đ→D)."""
    decomposed = unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).upper()


def compose_td1(
    id_number: str,
    surname: str,
    given_names: str,
    date_of_birth: dt.date,
    sex: str,
    expiry: dt.date | None,
) -> list[str]:
    """The TD1 zone of a Vietnamese card (used by the sample generator); names without diacritics."""
    number = id_number[3:]
    line1 = f"IDVNM{number}{mrz_check_digit(number)}{id_number}<<"
    line1 += str(mrz_check_digit(line1[15:29]))
    birth = date_of_birth.strftime("%y%m%d")
    expiry_text = expiry.strftime("%y%m%d") if expiry else "<<<<<<"
    line2 = f"{birth}{mrz_check_digit(birth)}{'F' if normalise_sex(sex) == _FEMALE else 'M'}"
    line2 += f"{expiry_text}{mrz_check_digit(expiry_text)}VNM" + "<" * 11
    line2 += str(mrz_check_digit(line1[5:30] + line2[0:7] + line2[8:15] + line2[18:29]))
    name = "<".join(mrz_name(surname).split()) + "<<" + "<".join(mrz_name(given_names).split())
    line3 = (name + "<" * MRZ_LINE)[:MRZ_LINE]
    return [line1, line2, line3]
