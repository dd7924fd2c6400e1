"""Diploma (Bằng tốt nghiệp): a university degree (bằng cử nhân, kỹ sư, thạc sĩ…) or the upper-secondary
diploma (bằng tốt nghiệp trung học phổ thông).

The issuer line ("HIỆU TRƯỞNG TRƯỜNG ĐẠI HỌC …" / "GIÁM ĐỐC SỞ GIÁO DỤC VÀ ĐÀO TẠO …") and the degree
title are printed without a label; the field ("Ngành:"), holder ("Họ và tên:", "Ngày sinh:"),
classification ("Hạng tốt nghiệp:" / "Xếp loại tốt nghiệp:"), "Số hiệu:" and "Số vào sổ cấp bằng:" are
labelled [M: published specimens]. A diploma does not expire (Law on Higher Education 2012, as amended
2018, Art. 38) [M].
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

from pydantic import field_validator, model_validator

from schemas.doctypes._papers import (
    DATE_LINE,
    check_not_future,
    check_order,
    fold_key,
    province_cut_short,
    snap,
)
from schemas.documents import (
    DocumentModel,
    DocumentType,
    DocumentTypeDef,
    ExtractedField,
    FieldDef,
    FieldKind,
    ValidityRule,
    dates_in_order,
    nfc_text,
    optional_nfc_text,
    sane_date,
)

DEGREE_TITLES: tuple[str, ...] = (
    "BẰNG TỐT NGHIỆP TRUNG HỌC PHỔ THÔNG",
    "BẰNG TỐT NGHIỆP ĐẠI HỌC",
    "BẰNG CỬ NHÂN",
    "BẰNG KỸ SƯ",
    "BẰNG KIẾN TRÚC SƯ",
    "BẰNG BÁC SĨ",
    "BẰNG DƯỢC SĨ",
    "BẰNG THẠC SĨ",
    "BẰNG TIẾN SĨ",
)
# Classifications of a university degree (xuất sắc … trung bình) and of the school diploma [M].
# Common fields of study (ngành) as printed; a value folding to one of them (OCR slipped a mark:
# "Ngần hàng") takes its spelling, any other value stays as read (the official list is much longer:
# Circular 09/2022/TT-BGDĐT) [M].
FIELDS_OF_STUDY: tuple[str, ...] = (
    "Kế toán", "Kiểm toán", "Quản trị kinh doanh", "Công nghệ thông tin", "Kỹ thuật điện", "Luật",
    "Luật kinh tế", "Ngôn ngữ Anh", "Sư phạm Toán học", "Sư phạm Ngữ văn", "Kỹ thuật xây dựng",
    "Tài chính - Ngân hàng", "Khoa học máy tính", "Kinh tế", "Marketing", "Y khoa", "Dược học",
    "Điều dưỡng", "Kỹ thuật cơ khí", "Công nghệ kỹ thuật ô tô", "Quản lý đất đai", "Nông học",
)  # fmt: skip
CLASSIFICATIONS: tuple[str, ...] = ("Xuất sắc", "Giỏi", "Khá", "Trung bình khá", "Trung bình")

_ISSUER = (
    r"^(?:HI\w{1,2}U TR\w{1,3}NG|GI\w{1,2}M \w{1,2}\w?C)\s+"
    r"(?P<value>(?:TR\w{1,3}NG|S\w{1,2}|H\w{1,2}C VI\w{1,2}N|\w+ H\w{1,2}C)\s.+)$"
)
_DEGREE = (
    r"^(?P<value>B\w{1,3}NG\s+(?:T\w{1,3}T NGHI\w{1,2}P|C\w{1,2} NH\w{1,2}N|K\w{1,2}|KI\w{1,2}N TR\w{1,2}C"
    r"|B\w{1,2}C S\w{1,2}|D\w{1,3}C S\w{1,2}|TH\w{1,2}C S\w{1,2}|TI\w{1,2}N S\w{1,2})\b.*)$"
)

DEFINITION = DocumentTypeDef(
    type=DocumentType.DIPLOMA,
    title_vi="Văn bằng",
    titles=DEGREE_TITLES,
    fields=(
        FieldDef("degree_title", "Tên văn bằng", FieldKind.TEXT, (), pattern=_DEGREE),
        FieldDef("institution", "Cơ sở cấp bằng", FieldKind.TEXT, (), pattern=_ISSUER),
        FieldDef("field_of_study", "Ngành", FieldKind.TEXT, ("Ngành:", "Ngành đào tạo:"), required=False),
        FieldDef("full_name", "Họ và tên", FieldKind.NAME, ("Họ và tên:",)),
        FieldDef("date_of_birth", "Ngày sinh", FieldKind.DATE, ("Ngày sinh:",)),
        FieldDef(
            "classification",
            "Xếp loại / hạng tốt nghiệp",
            FieldKind.TEXT,
            ("Hạng tốt nghiệp:", "Xếp loại tốt nghiệp:", "Xếp loại:"),
        ),
        FieldDef("serial_number", "Số hiệu", FieldKind.CODE, ("Số hiệu:",)),
        FieldDef(
            "register_number", "Số vào sổ cấp bằng", FieldKind.TEXT, ("Số vào sổ cấp bằng:", "Số vào sổ:")
        ),
        FieldDef("issue_date", "Ngày cấp (dòng địa danh, ngày tháng)", FieldKind.DATE, (), pattern=DATE_LINE),
    ),
    other_labels=("Năm tốt nghiệp:", "Nơi sinh:", "Giới tính:"),
)

VALIDITY = ValidityRule(
    kind="no_expiry",
    source=(
        "Law on Higher Education 2012 (amended 2018) Art. 38; Law on Education 2019 Art. 12: "
        "a diploma does not expire [M]"
    ),
)

_LOOKALIKES = str.maketrans({"§": "S", "$": "S"})
_SERIAL = re.compile(r"^[A-Z]{1,3}\d{6,9}$")
_REGISTER = re.compile(r"^[A-Za-z0-9.\-]{1,12}/\d{4}$|^\d{1,6}$")


class Diploma(DocumentModel):
    """Bằng tốt nghiệp."""

    degree_title: str
    institution: str
    field_of_study: str | None = None
    full_name: str
    date_of_birth: dt.date
    classification: str
    serial_number: str
    register_number: str
    issue_date: dt.date

    _text = field_validator("degree_title", "institution", "full_name", "classification", "register_number")(
        nfc_text
    )
    _optional = field_validator("field_of_study")(optional_nfc_text)
    _dates = field_validator("date_of_birth", "issue_date")(sane_date)

    @model_validator(mode="after")
    def _consistent(self) -> Diploma:
        if self.degree_title not in DEGREE_TITLES:
            raise ValueError("degree_title: not a known degree")
        if self.classification not in CLASSIFICATIONS:
            raise ValueError("classification: not a known classification")
        if not _SERIAL.match(self.serial_number):
            raise ValueError("serial_number: letters then digits expected")
        dates_in_order(("date_of_birth", self.date_of_birth), ("issue_date", self.issue_date))
        return self


MODEL = Diploma


def _upper(field: ExtractedField | None) -> ExtractedField | None:
    if field is None or field.value is None:
        return field
    value = " ".join(field.value.upper().split())
    return field if value == field.value else dataclasses.replace(field, value=value)


def normalise_fields(fields: dict[str, ExtractedField]) -> list[str]:
    """Degree title and classification snapped to their closed lists, serial and register number
    formats, the institution upper case as printed, issued after birth."""
    if "degree_title" in fields:
        fields["degree_title"] = (
            snap(fields["degree_title"], DEGREE_TITLES, "unknown_degree") or fields["degree_title"]
        )
    if "classification" in fields:
        fields["classification"] = (
            snap(fields["classification"], CLASSIFICATIONS, "unknown_classification")
            or fields["classification"]
        )
    study = fields.get("field_of_study")
    if study is not None and study.value:
        known = snap(study, FIELDS_OF_STUDY, "unlisted_field_of_study")
        fields["field_of_study"] = known if known is not None and known.valid else study
    if "institution" in fields:
        institution = _upper(fields["institution"]) or fields["institution"]
        if institution.valid and institution.value and province_cut_short(institution.value):
            institution = institution.invalid("province_unknown")
        fields["institution"] = institution
    serial = fields.get("serial_number")
    if serial is not None and serial.value is not None:
        value = fold_key(serial.value).replace(" ", "")
        fields["serial_number"] = (
            dataclasses.replace(serial, value=value)
            if _SERIAL.match(value)
            else serial.invalid("bad_serial_number")
        )
    register = fields.get("register_number")
    if register is not None and register.value is not None:
        # As printed ("ThS01234/2009" keeps its case); "§" is how OCR reads that S (seen on the corpus).
        value = register.value.replace(" ", "").translate(_LOOKALIKES)
        fields["register_number"] = (
            dataclasses.replace(register, value=value)
            if _REGISTER.match(value)
            else register.invalid("bad_register_number")
        )
    check_order(fields, "date_of_birth", "issue_date", "before_date_of_birth")
    check_not_future(fields, "issue_date")
    return []
