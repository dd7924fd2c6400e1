"""Thẻ căn cước: the identity card issued from 2024-07-01 (Law on Identification 2023; card form of
Circular 16/2024/TT-BCA), front and back.

Front: Số định danh cá nhân; Họ, chữ đệm và tên khai sinh; Ngày, tháng, năm sinh; Giới tính; Quốc
tịch. Back: Nơi cư trú; Nơi đăng ký khai sinh; Ngày, tháng, năm cấp; Ngày, tháng, năm hết hạn; QR;
MRZ. See ../shared/domain/README.md §3-§4.
"""

from __future__ import annotations

import datetime as dt

from pydantic import field_validator, model_validator

from schemas.doctypes import cccd_2021
from schemas.doctypes._lexicon import field_date
from schemas.documents import (
    DocumentModel,
    DocumentType,
    DocumentTypeDef,
    ExtractedField,
    FieldDef,
    FieldKind,
    Sex,
    ValidityRule,
    add_months,
    dates_in_order,
    nfc_text,
    optional_sane_date,
    require_personal_id,
    sane_date,
)

FIRST_ISSUE = dt.date(2024, 7, 1)  # Law on Identification 2023 in force [R]
# Renewal ages (Law on Identification 2023 Art. 21): a card expires on the holder's 14th, 25th, 40th
# or 60th birthday; one issued within two years before such an age runs to the next; none from 58. [M]
RENEWAL_AGES: tuple[int, ...] = (14, 25, 40, 60)


def _labels(vi: str, en: str) -> tuple[str, ...]:
    return (f"{vi} / {en}:", f"{vi}:", f"{en}:")


DEFINITION = DocumentTypeDef(
    type=DocumentType.CCCD_2024,
    title_vi="Thẻ căn cước",
    titles=("CĂN CƯỚC", "IDENTITY CARD"),
    side_titles=("Nơi đăng ký khai sinh / Place of birth", "MINISTRY OF PUBLIC SECURITY"),
    fields=(
        FieldDef(
            "id_number",
            "Số định danh cá nhân",
            FieldKind.ID_NUMBER,
            _labels("Số định danh cá nhân", "Personal identification number"),
        ),
        FieldDef(
            "full_name",
            "Họ, chữ đệm và tên khai sinh",
            FieldKind.NAME,
            _labels("Họ, chữ đệm và tên khai sinh", "Full name"),
        ),
        FieldDef(
            "date_of_birth",
            "Ngày, tháng, năm sinh",
            FieldKind.DATE,
            _labels("Ngày, tháng, năm sinh", "Date of birth"),
        ),
        FieldDef("sex", "Giới tính", FieldKind.SEX, _labels("Giới tính", "Sex")),
        FieldDef("nationality", "Quốc tịch", FieldKind.TEXT, _labels("Quốc tịch", "Nationality")),
        FieldDef(
            "place_of_residence",
            "Nơi cư trú",
            FieldKind.PLACE,
            _labels("Nơi cư trú", "Place of residence"),
            multiline=True,
        ),
        FieldDef(
            "place_of_birth",
            "Nơi đăng ký khai sinh",
            FieldKind.PLACE,
            _labels("Nơi đăng ký khai sinh", "Place of birth"),
            multiline=True,
        ),
        FieldDef(
            "issue_date",
            "Ngày, tháng, năm cấp",
            FieldKind.DATE,
            _labels("Ngày, tháng, năm cấp", "Date of issue"),
        ),
        FieldDef(
            "expiry_date",
            "Ngày, tháng, năm hết hạn",
            FieldKind.DATE,
            _labels("Ngày, tháng, năm hết hạn", "Date of expiry"),
        ),
    ),
    other_labels=("BỘ CÔNG AN", "MINISTRY OF PUBLIC SECURITY"),
    back_fields=("place_of_residence", "place_of_birth", "issue_date", "expiry_date"),
)

# The back carries the TD1 zone and a QR code in the 2021 card's formats (../shared/domain/README.md
# §3) [M for the 2024 card]: the same readers; their values win over the printed ones when their
# own checks pass.
read_qr = cccd_2021.read_qr
read_mrz = cccd_2021.read_mrz

VALIDITY = ValidityRule(
    kind="printed_expiry",
    expiry_field="expiry_date",
    source=(
        "Law on Identification 2023 Art. 21: renewed at 14, 25, 40 and 60, the printed expiry is that "
        "birthday (issued within 2 years before one: the next one); none from 58 [M]"
    ),
)


def expected_expiry(date_of_birth: dt.date, issue: dt.date) -> dt.date | None:
    """The expiry the law gives a card issued on ``issue`` (None: no expiry)."""
    for age in RENEWAL_AGES:
        if issue < add_months(date_of_birth, 12 * (age - 2)):
            return add_months(date_of_birth, 12 * age)
    return None


class IdentityCard2024(DocumentModel):
    """Thẻ căn cước (2024): both sides."""

    id_number: str
    full_name: str
    date_of_birth: dt.date
    sex: Sex
    nationality: str = "Việt Nam"
    place_of_residence: str
    place_of_birth: str  # Nơi đăng ký khai sinh
    issue_date: dt.date
    expiry_date: dt.date | None = None  # None: no expiry

    _text = field_validator("full_name", "nationality", "place_of_residence", "place_of_birth")(nfc_text)
    _dates = field_validator("date_of_birth", "issue_date")(sane_date)
    _expiry = field_validator("expiry_date")(optional_sane_date)

    @field_validator("full_name")
    @classmethod
    def _upper_name(cls, value: str) -> str:
        return value.upper()  # printed upper case on the card

    @model_validator(mode="after")
    def _consistent(self) -> IdentityCard2024:
        require_personal_id("id_number", self.id_number, self.date_of_birth, self.sex)
        dates_in_order(
            ("date_of_birth", self.date_of_birth),
            ("issue_date", self.issue_date),
            ("expiry_date", self.expiry_date),
        )
        if self.issue_date < FIRST_ISSUE:
            raise ValueError("issue_date precedes the first issue of this card (2024-07-01)")
        if self.expiry_date != expected_expiry(self.date_of_birth, self.issue_date):
            raise ValueError("expiry_date is not the renewal birthday the law gives")
        return self


MODEL = IdentityCard2024


def normalise_fields(fields: dict[str, ExtractedField]) -> list[str]:
    """Issue date on or after 2024-07-01 and after birth; expiry the renewal birthday of the law."""
    birth, issue = field_date(fields, "date_of_birth"), field_date(fields, "issue_date")
    if issue is not None and (issue < FIRST_ISSUE or (birth is not None and issue <= birth)):
        fields["issue_date"] = fields["issue_date"].invalid("issue_date_out_of_range")
        issue = None
    expiry = fields.get("expiry_date")
    if birth is not None and issue is not None and expiry is not None and expiry.valid:
        wanted = expected_expiry(birth, issue)
        printed = dt.date.fromisoformat(expiry.value) if expiry.value else None
        if printed != wanted:
            fields["expiry_date"] = expiry.invalid("not_a_renewal_birthday")
    return []
