"""Birth certificate (Giấy khai sinh), form of Circular 04/2020/TT-BTP."""

from __future__ import annotations

import datetime as dt

from pydantic import field_validator, model_validator

from schemas.documents import (
    DocumentModel,
    DocumentType,
    DocumentTypeDef,
    FieldDef,
    FieldKind,
    Sex,
    ValidityRule,
    nfc_text,
    optional_nfc_text,
    require_personal_id,
    sane_date,
)

DEFINITION = DocumentTypeDef(
    type=DocumentType.BIRTH_CERTIFICATE,
    title_vi="Giấy khai sinh",
    titles=("GIẤY KHAI SINH",),
    fields=(
        FieldDef("full_name", "Họ, chữ đệm, tên", FieldKind.NAME, ("Họ, chữ đệm, tên:", "Họ và tên:")),
        FieldDef("date_of_birth", "Ngày, tháng, năm sinh", FieldKind.DATE, ("Ngày, tháng, năm sinh:",)),
        FieldDef(
            "date_of_birth_in_words", "Ghi bằng chữ", FieldKind.TEXT, ("ghi bằng chữ:",), required=False
        ),
        FieldDef("sex", "Giới tính", FieldKind.SEX, ("Giới tính:",)),
        FieldDef("ethnicity", "Dân tộc", FieldKind.TEXT, ("Dân tộc:",)),
        FieldDef("nationality", "Quốc tịch", FieldKind.TEXT, ("Quốc tịch:",)),
        FieldDef("place_of_birth", "Nơi sinh", FieldKind.PLACE, ("Nơi sinh:",), multiline=True),
        FieldDef("place_of_origin", "Quê quán", FieldKind.PLACE, ("Quê quán:",), multiline=True),
        FieldDef(
            "id_number",
            "Số định danh cá nhân",
            FieldKind.ID_NUMBER,
            ("Số định danh cá nhân:",),
            required=False,
        ),
        FieldDef("mother_name", "Họ, chữ đệm, tên người mẹ", FieldKind.NAME, ("Họ, chữ đệm, tên người mẹ:",)),
        FieldDef(
            "father_name",
            "Họ, chữ đệm, tên người cha",
            FieldKind.NAME,
            ("Họ, chữ đệm, tên người cha:",),
            required=False,
        ),
        FieldDef("registration_number", "Số", FieldKind.NUMBER, ("Số:",)),
        FieldDef("book", "Quyển số", FieldKind.NUMBER, ("Quyển số:",)),
        FieldDef(
            "registration_place",
            "Nơi đăng ký khai sinh",
            FieldKind.PLACE,
            ("Nơi đăng ký khai sinh:",),
            required=False,
            multiline=True,
        ),
        FieldDef(
            "registration_date", "Ngày, tháng, năm đăng ký", FieldKind.DATE, ("Ngày, tháng, năm đăng ký:",)
        ),
    ),
    other_labels=(
        "Năm sinh:",
        "Nơi cư trú:",
        "Người đi khai sinh:",
        "Giấy tờ tùy thân:",
        "Quan hệ với người được khai sinh:",
        "NGƯỜI KÝ GIẤY KHAI SINH",
        "(Ký, ghi rõ họ, chữ đệm, tên, chức vụ và đóng dấu)",
        "Ghi chú:",
    ),
)


VALIDITY = ValidityRule(
    kind="no_expiry",
    source="Decree 123/2015/ND-CP: a birth certificate is issued once and does not expire [R]",
)


class BirthCertificate(DocumentModel):
    """Birth certificate (Giấy khai sinh)."""

    full_name: str
    date_of_birth: dt.date
    sex: Sex
    ethnicity: str
    nationality: str = "Việt Nam"
    place_of_birth: str
    place_of_origin: str | None = None
    id_number: str | None = None  # printed on certificates issued since the population database
    father_name: str | None = None
    mother_name: str | None = None
    registration_number: str  # "Số"
    book: str  # "Quyển số"
    registration_date: dt.date

    _text = field_validator("full_name", "ethnicity", "nationality", "place_of_birth")(nfc_text)
    _optional_text = field_validator("place_of_origin", "father_name", "mother_name")(optional_nfc_text)
    _dates = field_validator("date_of_birth", "registration_date")(sane_date)

    @model_validator(mode="after")
    def _consistent(self) -> BirthCertificate:
        if self.id_number:
            require_personal_id("id_number", self.id_number, self.date_of_birth, self.sex)
        if self.registration_date < self.date_of_birth:
            raise ValueError("registration_date must not precede date_of_birth")
        return self


MODEL = BirthCertificate
