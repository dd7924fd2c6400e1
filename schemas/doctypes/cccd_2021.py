"""The 2021 citizen identity card (Căn cước công dân, chip card), front side.

Law on Citizen Identification 2014; Circular 06/2021/TT-BCA (card form). See
../shared/domain/README.md §3-§4.
"""

from __future__ import annotations

import datetime as dt

from pydantic import field_validator, model_validator

from schemas.documents import (
    CCCD_RENEWAL_AGES,
    DocumentModel,
    DocumentType,
    DocumentTypeDef,
    ExtractedField,
    FieldDef,
    FieldKind,
    Sex,
    ValidityRule,
    birthday,
    nfc_text,
    optional_sane_date,
    sex_value,
)
from schemas.identifiers import validate_personal_id

DEFINITION = DocumentTypeDef(
    type=DocumentType.CCCD_2021,
    title_vi="Căn cước công dân",
    titles=("CĂN CƯỚC CÔNG DÂN", "Citizen Identity Card"),
    fields=(
        FieldDef("id_number", "Số", FieldKind.ID_NUMBER, ("Số / No.:", "Số:", "No.:")),
        FieldDef(
            "full_name", "Họ và tên", FieldKind.NAME, ("Họ và tên / Full name:", "Họ và tên:", "Full name:")
        ),
        FieldDef(
            "date_of_birth",
            "Ngày sinh",
            FieldKind.DATE,
            ("Ngày sinh / Date of birth:", "Ngày sinh:", "Date of birth:"),
        ),
        FieldDef("sex", "Giới tính", FieldKind.SEX, ("Giới tính / Sex:", "Giới tính:", "Sex:")),
        FieldDef(
            "nationality",
            "Quốc tịch",
            FieldKind.TEXT,
            ("Quốc tịch / Nationality:", "Quốc tịch:", "Nationality:"),
        ),
        FieldDef(
            "place_of_origin",
            "Quê quán",
            FieldKind.PLACE,
            ("Quê quán / Place of origin:", "Quê quán:", "Place of origin:"),
            multiline=True,
        ),
        FieldDef(
            "place_of_residence",
            "Nơi thường trú",
            FieldKind.PLACE,
            ("Nơi thường trú / Place of residence:", "Nơi thường trú:", "Place of residence:"),
            multiline=True,
        ),
        FieldDef(
            "expiry_date",
            "Có giá trị đến",
            FieldKind.DATE,
            ("Có giá trị đến / Date of expiry:", "Có giá trị đến:", "Date of expiry:"),
        ),
    ),
    other_labels=("Đặc điểm nhân dạng:", "Ngày, tháng, năm:"),
)

VALIDITY = ValidityRule(
    kind="printed_expiry",
    expiry_field="expiry_date",
    source=(
        "Law on Citizen Identification 2014 Art. 21: renewed at 25, 40 and 60, the printed expiry is "
        "that birthday; none from 60 [R]"
    ),
)


def normalise_fields(fields: dict[str, ExtractedField]) -> list[str]:
    """The printed expiry is the 25th, 40th or 60th birthday (Art. 21); none from 60."""
    dob_field, expiry = fields.get("date_of_birth"), fields.get("expiry_date")
    if dob_field is None or not dob_field.valid or not dob_field.value:
        return []
    if expiry is None or not expiry.valid or not expiry.value:
        return []
    dob = dt.date.fromisoformat(dob_field.value)
    if dt.date.fromisoformat(expiry.value) not in {
        birthday(dob, dob.year + age) for age in CCCD_RENEWAL_AGES
    }:
        fields["expiry_date"] = expiry.invalid("not_a_renewal_birthday")
    return []


class CitizenIdCard(DocumentModel):
    """Front side of the 2021 citizen identity card (Căn cước công dân)."""

    id_number: str
    full_name: str
    date_of_birth: dt.date
    sex: Sex
    nationality: str = "Việt Nam"
    place_of_origin: str
    place_of_residence: str
    expiry_date: dt.date | None = None  # None: "Không thời hạn" (no expiry)

    _text = field_validator("full_name", "nationality", "place_of_origin", "place_of_residence")(nfc_text)
    _dates = field_validator("date_of_birth", "expiry_date")(optional_sane_date)

    @field_validator("full_name")
    @classmethod
    def _upper_name(cls, value: str) -> str:
        return value.upper()  # printed upper case on the card

    @field_validator("sex", mode="before")
    @classmethod
    def _normalise_sex(cls, value: str) -> str:
        return sex_value(value)

    @model_validator(mode="after")
    def _consistent(self) -> CitizenIdCard:
        problems = validate_personal_id(self.id_number, self.date_of_birth, self.sex)
        if problems:
            raise ValueError("id_number: " + ", ".join(problems))
        if self.expiry_date is not None and self.expiry_date <= self.date_of_birth:
            raise ValueError("expiry_date must be after date_of_birth")
        return self


MODEL = CitizenIdCard
