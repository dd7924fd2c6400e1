"""Giấy phép lái xe (driving licence), the PET card (Circular 35/2024/TT-BGTVT Mẫu số 01, and the
earlier form of Circular 12/2017/TT-BGTVT whose labels it keeps).

Front: Số/No.; Họ tên/Full name; Ngày sinh/Date of birth; Quốc tịch/Nationality; Nơi cư
trú/Address; Hạng/Class; Có giá trị đến/Expires; place and date of issue; QR. Back: the classes table
("CÁC LOẠI XE CƠ GIỚI ĐƯỜNG BỘ ĐƯỢC ĐIỀU KHIỂN", Ngày trúng tuyển). See ../shared/domain/README.md §4.
"""

from __future__ import annotations

import datetime as dt
import re

from pydantic import field_validator, model_validator

from schemas.doctypes._lexicon import field_date
from schemas.documents import (
    DocumentModel,
    DocumentType,
    DocumentTypeDef,
    ExtractedField,
    FieldDef,
    FieldKind,
    ValidityRule,
    add_months,
    dates_in_order,
    nfc_text,
    optional_sane_date,
    sane_date,
)

LAW_2024_IN_FORCE = dt.date(2025, 1, 1)  # Law on Road Traffic Order and Safety 2024 [R]

# Classes of the Law on Road Traffic Order and Safety 2024 Art. 57 and the validity of each, in
# years from issue (None: no expiry): A1, A, B1 none; B, C1 10 years; the others 5 years. [M]
CLASS_VALIDITY_YEARS: dict[str, int | None] = {
    "A1": None, "A": None, "B1": None, "B": 10, "C1": 10, "C": 5, "D1": 5, "D2": 5, "D": 5,
    "BE": 5, "C1E": 5, "CE": 5, "D1E": 5, "D2E": 5, "DE": 5,
}  # fmt: skip
# Classes of the 2008 Road Traffic Law (licences issued before 2025 stay valid). [M]
OLD_CLASSES: frozenset[str] = frozenset(
    {"A1", "A2", "A3", "A4", "B1", "B2", "C", "D", "E", "FB2", "FC", "FD", "FE"}
)
# The letters and digits of every class of both laws.
CLASS_CHARACTERS = "".join(sorted({ch for code in (*CLASS_VALIDITY_YEARS, *OLD_CLASSES) for ch in code}))
LICENCE_NUMBER_LENGTH = 12  # [M]
# "ngày/date 15 tháng/month 01 năm/year 2025" (OCR may lose the marks or the slashes)
ISSUE_LINE = r"(?i)(?P<value>ng\w{1,2}y\s*/?\s*date\s*\d{1,2}\s+th\w{1,3}ng\s*/?\s*month.*)"

# Problem codes (no personal data)
WRONG_NUMBER = "licence_number_not_12_digits"
UNKNOWN_CLASS = "unknown_licence_class"
EXPIRY_MISMATCH = "expiry_not_the_class_validity"


_FIRST_LETTER = str.maketrans({"8": "B", "4": "A", "6": "C", "0": "D", "Đ": "D", "Ð": "D"})
_LATER_DIGIT = str.maketrans({"I": "1", "L": "1", "|": "1", "!": "1", "T": "1"})


def normalise_class(raw: str | None) -> str | None:
    """ "b" / "B " / "C l E" → "B" / "C1E" (a digit read as a look-alike letter and back); None for
    anything that is no licence class of either law."""
    code = re.sub(r"[\s.:]", "", (raw or "").upper())
    if not code:
        return None
    for candidate in (code, code[0].translate(_FIRST_LETTER) + code[1:].translate(_LATER_DIGIT)):
        if candidate in CLASS_VALIDITY_YEARS or candidate in OLD_CLASSES:
            return candidate
    return None


def _labels(vi: str, en: str) -> tuple[str, ...]:
    return (f"{vi}/{en}:", f"{vi}:", f"{en}:")


DEFINITION = DocumentTypeDef(
    type=DocumentType.DRIVING_LICENCE,
    title_vi="Giấy phép lái xe",
    titles=("GIẤY PHÉP LÁI XE / DRIVER'S LICENSE", "GIẤY PHÉP LÁI XE", "DRIVER'S LICENSE"),
    side_titles=("CÁC LOẠI XE CƠ GIỚI ĐƯỜNG BỘ ĐƯỢC ĐIỀU KHIỂN",),
    fields=(
        # "SốNo.:": OCR drops the thin slash of the red label and joins the two words.
        FieldDef("licence_number", "Số", FieldKind.NUMBER, ("Số/No.:", "Số:", "No.:", "SốNo.:")),
        FieldDef("full_name", "Họ tên", FieldKind.NAME, _labels("Họ tên", "Full name")),
        FieldDef("date_of_birth", "Ngày sinh", FieldKind.DATE, _labels("Ngày sinh", "Date of birth")),
        FieldDef("nationality", "Quốc tịch", FieldKind.TEXT, _labels("Quốc tịch", "Nationality")),
        FieldDef(
            "place_of_residence",
            "Nơi cư trú",
            FieldKind.PLACE,
            _labels("Nơi cư trú", "Address"),
            multiline=True,
        ),
        # "C1" read "CÍ", "D1" read "D†": the zone re-read with the letters and digits of the classes,
        # always (``confirm``): both models reading the same class make it sure ("A1" at 0.64-0.70 alone).
        FieldDef(
            "licence_class",
            "Hạng",
            FieldKind.CODE,
            _labels("Hạng", "Class"),
            whitelist=CLASS_CHARACTERS,
            confirm=True,
        ),
        FieldDef("expiry_date", "Có giá trị đến", FieldKind.DATE, _labels("Có giá trị đến", "Expires")),
        # The place and date line "Hà Nội, ngày/date 15 tháng/month 01 năm/year 2025" has no label.
        FieldDef("issue_date", "Ngày cấp", FieldKind.DATE, (), required=False, pattern=ISSUE_LINE),
    ),
    other_labels=(
        "GIÁM ĐỐC SỞ GIAO THÔNG VẬN TẢI",
        "CÁC LOẠI XE CƠ GIỚI ĐƯỜNG BỘ ĐƯỢC ĐIỀU KHIỂN",
        "Xe cơ giới đường bộ/Motor vehicles",
        "Ngày trúng tuyển",
    ),
)

VALIDITY = ValidityRule(
    kind="printed_expiry",
    expiry_field="expiry_date",
    source=(
        "Law on Road Traffic Order and Safety 2024 Art. 57(5): A1, A, B1 without expiry; B, C1 10 years; "
        "C, D1, D2, D, BE, C1E, CE, D1E, D2E, DE 5 years from issue; the printed 'Có giá trị đến' [M]"
    ),
)


def expected_expiry(licence_class: str, issue: dt.date) -> dt.date | None:
    years = CLASS_VALIDITY_YEARS[licence_class]
    return add_months(issue, 12 * years) if years else None


class DrivingLicence(DocumentModel):
    """Giấy phép lái xe (PET card)."""

    licence_number: str
    full_name: str
    date_of_birth: dt.date
    nationality: str = "Việt Nam"
    place_of_residence: str
    licence_class: str
    expiry_date: dt.date | None = None  # None: "Không thời hạn"
    issue_date: dt.date | None = None

    _text = field_validator("full_name", "nationality", "place_of_residence")(nfc_text)
    _birth = field_validator("date_of_birth")(sane_date)
    _dates = field_validator("expiry_date", "issue_date")(optional_sane_date)

    @field_validator("licence_number")
    @classmethod
    def _number(cls, value: str) -> str:
        if len(value) != LICENCE_NUMBER_LENGTH or not value.isascii() or not value.isdigit():
            raise ValueError(WRONG_NUMBER)
        return value

    @field_validator("licence_class", mode="before")
    @classmethod
    def _class(cls, value: str) -> str:
        code = normalise_class(value)
        if code is None:
            raise ValueError(UNKNOWN_CLASS)
        return code

    @field_validator("full_name")
    @classmethod
    def _upper_name(cls, value: str) -> str:
        return value.upper()

    @model_validator(mode="after")
    def _consistent(self) -> DrivingLicence:
        dates_in_order(("date_of_birth", self.date_of_birth), ("issue_date", self.issue_date))
        dates_in_order(("date_of_birth", self.date_of_birth), ("expiry_date", self.expiry_date))
        if (
            self.issue_date is not None
            and self.issue_date >= LAW_2024_IN_FORCE
            and self.licence_class in CLASS_VALIDITY_YEARS
            and self.expiry_date != expected_expiry(self.licence_class, self.issue_date)
        ):
            raise ValueError(EXPIRY_MISMATCH)
        return self


MODEL = DrivingLicence


def normalise_fields(fields: dict[str, ExtractedField]) -> list[str]:
    """12-digit number, a known class, dates in order, expiry = issue + the class's validity."""
    number = fields.get("licence_number")
    if number is not None and number.valid:
        value = number.value or ""
        if len(value) != LICENCE_NUMBER_LENGTH or not value.isdigit():
            fields["licence_number"] = number.invalid(WRONG_NUMBER)
    klass = fields.get("licence_class")
    code: str | None = None
    if klass is not None and klass.value is not None:
        code = normalise_class(klass.value)
        if code is None:
            fields["licence_class"] = klass.invalid(UNKNOWN_CLASS)
        elif code != klass.value:
            fields["licence_class"] = ExtractedField(
                code, klass.raw, klass.confidence, klass.valid, klass.problems
            )
    birth, issue = field_date(fields, "date_of_birth"), field_date(fields, "issue_date")
    if birth is not None and issue is not None and issue <= birth:
        fields["issue_date"] = fields["issue_date"].invalid("before_date_of_birth")
        issue = None
    expiry = fields.get("expiry_date")
    if (
        expiry is not None
        and expiry.valid
        and issue is not None
        and issue >= LAW_2024_IN_FORCE
        and code in CLASS_VALIDITY_YEARS
    ):
        printed = dt.date.fromisoformat(expiry.value) if expiry.value else None
        if printed != expected_expiry(code, issue):
            fields["expiry_date"] = expiry.invalid(EXPIRY_MISMATCH)
    return []
