"""Document types as data, their fields, and pydantic models of the extracted content.

First cut (issue 2): the 2021 citizen identity card (front side) and the birth certificate (form of
Circular 04/2020/TT-BTP). See ../shared/domain/README.md §4. Labels are the printed ones; the
classifier and the extractor compare them after removing diacritics, so they are written here once,
exactly as printed.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, field_validator, model_validator

from schemas.identifiers import normalise_sex, validate_personal_id


class DocumentType(StrEnum):
    CCCD_2021 = "cccd_2021"
    BIRTH_CERTIFICATE = "birth_certificate"
    UNKNOWN = "unknown"

    @property
    def title_vi(self) -> str:
        return _TITLES_VI[self]


_TITLES_VI = {
    DocumentType.CCCD_2021: "Căn cước công dân",
    DocumentType.BIRTH_CERTIFICATE: "Giấy khai sinh",
    DocumentType.UNKNOWN: "Không xác định",
}


class FieldKind(StrEnum):
    TEXT = "text"
    NAME = "name"
    DATE = "date"
    ID_NUMBER = "id_number"
    SEX = "sex"
    PLACE = "place"
    NUMBER = "number"


@dataclass(frozen=True)
class FieldDef:
    """One field of a document type.

    ``labels`` are the printed label variants that anchor the value (longest first is not
    required: the extractor prefers the longest match). ``multiline`` values may continue on the
    following lines until the next label.
    """

    name: str
    label_vi: str
    kind: FieldKind
    labels: tuple[str, ...]
    required: bool = True
    multiline: bool = False


@dataclass(frozen=True)
class DocumentTypeDef:
    type: DocumentType
    title_vi: str
    # Title lines that identify the type (printed below the national header).
    titles: tuple[str, ...]
    fields: tuple[FieldDef, ...]
    # Printed labels that are not extracted but end the value of the preceding field.
    other_labels: tuple[str, ...] = field(default=())

    def field(self, name: str) -> FieldDef:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)


NATIONAL_HEADER = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc")

CCCD_2021 = DocumentTypeDef(
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

BIRTH_CERTIFICATE = DocumentTypeDef(
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

DOCUMENT_TYPES: dict[DocumentType, DocumentTypeDef] = {
    CCCD_2021.type: CCCD_2021,
    BIRTH_CERTIFICATE.type: BIRTH_CERTIFICATE,
}

# A 2021 card is valid until its holder turns 25, 40 or 60 (renewal ages, Law on Citizen
# Identification 2014 Art. 21; a card issued within two years before one of them runs to the next)
# and has no expiry from 60. The printed expiry date is therefore one of those birthdays. [M]
CCCD_RENEWAL_AGES: tuple[int, ...] = (25, 40, 60)

# Titles of documents this version does not handle. A page whose title line is one of these is
# "unknown", even if many of its labels look like a supported type's (a birth-registration
# application form has nearly all the labels of a birth certificate).
OTHER_TITLES: tuple[str, ...] = (
    "TRÍCH LỤC KHAI SINH",
    "TỜ KHAI ĐĂNG KÝ KHAI SINH",
    "GIẤY CHỨNG SINH",
    "CĂN CƯỚC",  # the 2024 identity card (Thẻ căn cước)
    "IDENTITY CARD",
    "CHỨNG MINH NHÂN DÂN",
    "GIẤY CHỨNG NHẬN KẾT HÔN",
    "GIẤY XÁC NHẬN TÌNH TRẠNG HÔN NHÂN",
    "GIẤY PHÉP LÁI XE",
    "QUYẾT ĐỊNH",
    "GIẤY CHỨNG NHẬN ĐĂNG KÝ DOANH NGHIỆP",
    "GIẤY CHỨNG NHẬN QUYỀN SỬ DỤNG ĐẤT",
)


# Vietnamese surnames form a small closed set: the most common ~15 cover about 90% of the population
# (Nguyễn alone roughly 38%). Used to repair surnames that OCR reads without one of their two stacked
# marks (NGUYỄN→NGUYÊN, ĐẶNG→ĐĂNG, measured in ../shared/domain/README.md §6). [M: frequency lists]
COMMON_SURNAMES: tuple[str, ...] = (
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ",
    "Ngô", "Dương", "Lý", "Đinh", "Trịnh", "Đoàn", "Lương", "Mai", "Tạ", "Lâm", "Cao", "Trương", "Hà",
    "Quách", "Kiều", "Thái", "Chu", "Triệu", "Tô", "Đào", "Lưu", "Nông", "Văn", "Tăng", "Lã", "Lại",
    "Mạc", "Khổng", "Khúc", "Phùng", "Âu", "Hứa", "Đàm", "Thân", "Thạch", "Châu", "La", "Doãn",
    "Diệp", "Từ", "Ông", "Giang", "Bạch", "Vương", "Nghiêm", "Tiêu", "Mẫn", "Ninh", "Đồng", "Lục",
)  # fmt: skip

# The 54 recognised ethnic groups (Dân tộc), as written on civil-status papers. [R: Decision 121-TCTK/PPCĐ]
ETHNIC_GROUPS: tuple[str, ...] = (
    "Kinh", "Tày", "Thái", "Mường", "Khmer", "Hoa", "Nùng", "Mông", "Dao", "Gia Rai", "Ê Đê", "Ba Na",
    "Sán Chay", "Chăm", "Cơ Ho", "Xơ Đăng", "Sán Dìu", "Hrê", "Ra Glai", "Mnông", "Thổ", "Xtiêng",
    "Khơ Mú", "Bru - Vân Kiều", "Cơ Tu", "Giáy", "Tà Ôi", "Mạ", "Giẻ - Triêng", "Co", "Chơ Ro",
    "Xinh Mun", "Hà Nhì", "Chu Ru", "Lào", "La Chí", "Kháng", "Phù Lá", "La Hủ", "La Ha", "Pà Thẻn",
    "Lự", "Ngái", "Chứt", "Lô Lô", "Mảng", "Cơ Lao", "Bố Y", "Cống", "Si La", "Pu Péo", "Rơ Măm",
    "Brâu", "Ơ Đu",
)  # fmt: skip

# ----------------------------------------------------------------------------------------------
# Models
# ----------------------------------------------------------------------------------------------

Sex = Literal["Nam", "Nữ"]


def _nfc_text(value: str) -> str:
    text = " ".join(unicodedata.normalize("NFC", value).split())
    if not text:
        raise ValueError("must not be empty")
    return text


def _sex(value: str) -> str:
    normalised = normalise_sex(value)
    if normalised is None:
        raise ValueError("must be Nam or Nữ")
    return normalised


def _sane_date(value: dt.date) -> dt.date:
    if not 1900 <= value.year <= 2399:
        raise ValueError("year outside 1900-2399")
    return value


class _Document(BaseModel):
    # hide_input_in_errors: a validation error must never carry personal data into a log.
    model_config = ConfigDict(frozen=True, str_strip_whitespace=True, hide_input_in_errors=True)


class CitizenIdCard(_Document):
    """Front side of the 2021 citizen identity card (Căn cước công dân)."""

    id_number: str
    full_name: str
    date_of_birth: dt.date
    sex: Sex
    nationality: str = "Việt Nam"
    place_of_origin: str
    place_of_residence: str
    expiry_date: dt.date | None = None  # None: "Không thời hạn" (no expiry)

    _text = field_validator("full_name", "nationality", "place_of_origin", "place_of_residence")(_nfc_text)
    _dates = field_validator("date_of_birth", "expiry_date")(
        lambda v: _sane_date(v) if v is not None else None
    )

    @field_validator("full_name")
    @classmethod
    def _upper_name(cls, value: str) -> str:
        return value.upper()  # printed upper case on the card

    @field_validator("sex", mode="before")
    @classmethod
    def _normalise_sex(cls, value: str) -> str:
        return _sex(value)

    @model_validator(mode="after")
    def _consistent(self) -> CitizenIdCard:
        problems = validate_personal_id(self.id_number, self.date_of_birth, self.sex)
        if problems:
            raise ValueError("id_number: " + ", ".join(problems))
        if self.expiry_date is not None and self.expiry_date <= self.date_of_birth:
            raise ValueError("expiry_date must be after date_of_birth")
        return self


class BirthCertificate(_Document):
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

    _text = field_validator("full_name", "ethnicity", "nationality", "place_of_birth")(_nfc_text)
    _optional_text = field_validator("place_of_origin", "father_name", "mother_name")(
        lambda v: _nfc_text(v) if v else None
    )
    _dates = field_validator("date_of_birth", "registration_date")(_sane_date)

    @field_validator("sex", mode="before")
    @classmethod
    def _normalise_sex(cls, value: str) -> str:
        return _sex(value)

    @model_validator(mode="after")
    def _consistent(self) -> BirthCertificate:
        if self.id_number:
            problems = validate_personal_id(self.id_number, self.date_of_birth, self.sex)
            if problems:
                raise ValueError("id_number: " + ", ".join(problems))
        if self.registration_date < self.date_of_birth:
            raise ValueError("registration_date must not precede date_of_birth")
        return self


MODELS: dict[DocumentType, type[_Document]] = {
    DocumentType.CCCD_2021: CitizenIdCard,
    DocumentType.BIRTH_CERTIFICATE: BirthCertificate,
}
