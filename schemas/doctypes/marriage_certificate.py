"""Marriage certificate (Giấy chứng nhận kết hôn), form of Circular 04/2020/TT-BTP.

Two columns with the same labels: the husband's (left) and the wife's (right): name, date of birth,
ethnicity, nationality, residence, identity document; then the place and date of registration and
Số / Quyển số. Law on Civil Status 2014 Art. 17: the certificate's content. See
../shared/domain/README.md §4.
"""

from __future__ import annotations

import datetime as dt

from pydantic import field_validator, model_validator

from schemas.doctypes._papers import check_not_future, check_order, check_person_id, snap
from schemas.documents import (
    ETHNIC_GROUPS,
    DocumentModel,
    DocumentType,
    DocumentTypeDef,
    ExtractedField,
    FieldDef,
    FieldKind,
    ValidityRule,
    dates_in_order,
    nfc_text,
    sane_date,
)
from schemas.identifiers import validate_personal_id

# Minimum ages to marry: men 20, women 18 (Law on Marriage and Family 2014 Art. 8) [R].
MIN_AGE = {"husband": 20, "wife": 18}


def _spouse(prefix: str, who: str, column: int) -> tuple[FieldDef, ...]:
    return (
        FieldDef(
            f"{prefix}_name",
            f"Họ, chữ đệm, tên ({who})",
            FieldKind.NAME,
            ("Họ, chữ đệm, tên:",),
            column=column,
        ),
        FieldDef(
            f"{prefix}_date_of_birth",
            f"Ngày, tháng, năm sinh ({who})",
            FieldKind.DATE,
            ("Ngày, tháng, năm sinh:",),
            column=column,
        ),
        FieldDef(f"{prefix}_ethnicity", f"Dân tộc ({who})", FieldKind.TEXT, ("Dân tộc:",), column=column),
        FieldDef(
            f"{prefix}_nationality", f"Quốc tịch ({who})", FieldKind.TEXT, ("Quốc tịch:",), column=column
        ),
        FieldDef(
            f"{prefix}_residence",
            f"Nơi cư trú ({who})",
            FieldKind.PLACE,
            ("Nơi cư trú:",),
            multiline=True,
            column=column,
        ),
        FieldDef(
            f"{prefix}_id_number",
            f"Giấy tờ tùy thân ({who})",
            FieldKind.ID_NUMBER,
            ("Giấy tờ tùy thân:",),
            required=False,
            column=column,
        ),
    )


DEFINITION = DocumentTypeDef(
    type=DocumentType.MARRIAGE_CERTIFICATE,
    title_vi="Giấy chứng nhận kết hôn",
    titles=("GIẤY CHỨNG NHẬN KẾT HÔN",),
    fields=(
        FieldDef("registration_number", "Số", FieldKind.NUMBER, ("Số:",)),
        FieldDef("book", "Quyển số", FieldKind.NUMBER, ("Quyển số:",)),
        *_spouse("husband", "chồng", 0),
        *_spouse("wife", "vợ", 1),
        FieldDef("registration_place", "Nơi đăng ký", FieldKind.PLACE, ("Nơi đăng ký:",), multiline=True),
        FieldDef(
            "registration_date", "Ngày, tháng, năm đăng ký", FieldKind.DATE, ("Ngày, tháng, năm đăng ký:",)
        ),
    ),
    other_labels=(
        "Thông tin người chồng",
        "Thông tin người vợ",
        "(Ký, ghi rõ họ, chữ đệm, tên)",
        "NGƯỜI KÝ GIẤY CHỨNG NHẬN KẾT HÔN",
    ),
)

VALIDITY = ValidityRule(
    kind="no_expiry",
    source=(
        "Law on Civil Status 2014 Art. 17-18: the certificate records the marriage; it does not expire "
        "(a divorce is recorded separately) [M]"
    ),
)


class MarriageCertificate(DocumentModel):
    """Giấy chứng nhận kết hôn."""

    registration_number: str
    book: str
    husband_name: str
    husband_date_of_birth: dt.date
    husband_ethnicity: str
    husband_nationality: str = "Việt Nam"
    husband_residence: str
    husband_id_number: str | None = None
    wife_name: str
    wife_date_of_birth: dt.date
    wife_ethnicity: str
    wife_nationality: str = "Việt Nam"
    wife_residence: str
    wife_id_number: str | None = None
    registration_place: str
    registration_date: dt.date

    _text = field_validator(
        "husband_name", "husband_ethnicity", "husband_nationality", "husband_residence",
        "wife_name", "wife_ethnicity", "wife_nationality", "wife_residence", "registration_place",
    )(nfc_text)  # fmt: skip
    _dates = field_validator("husband_date_of_birth", "wife_date_of_birth", "registration_date")(sane_date)

    @model_validator(mode="after")
    def _consistent(self) -> MarriageCertificate:
        for prefix, sex in (("husband", "Nam"), ("wife", "Nữ")):
            number = getattr(self, f"{prefix}_id_number")
            born = getattr(self, f"{prefix}_date_of_birth")
            if number and validate_personal_id(number, born, sex):
                raise ValueError(f"{prefix}_id_number: does not match date of birth and sex")
            dates_in_order((f"{prefix}_date_of_birth", born), ("registration_date", self.registration_date))
        return self


MODEL = MarriageCertificate


def _age_on(born: dt.date, day: dt.date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def normalise_fields(fields: dict[str, ExtractedField]) -> list[str]:
    """Each spouse's ID against their own date of birth and sex; ethnicity from the closed list;
    registration after both births, at the legal ages, not in the future."""
    for prefix, sex in (("husband", "Nam"), ("wife", "Nữ")):
        check_person_id(fields, f"{prefix}_id_number", f"{prefix}_date_of_birth", sex=sex)
        name = f"{prefix}_ethnicity"
        if name in fields:
            fields[name] = snap(fields[name], ETHNIC_GROUPS, "unknown_ethnicity") or fields[name]
        check_order(fields, f"{prefix}_date_of_birth", "registration_date", "before_date_of_birth")
    registered = fields.get("registration_date")
    if registered is not None and registered.valid and registered.value:
        day = dt.date.fromisoformat(registered.value)
        for prefix, age in MIN_AGE.items():
            born = fields.get(f"{prefix}_date_of_birth")
            if born is None or not born.valid or not born.value:
                continue
            if _age_on(dt.date.fromisoformat(born.value), day) < age:
                fields["registration_date"] = fields["registration_date"].invalid("under_marriage_age")
                break
    check_not_future(fields, "registration_date")
    return []
