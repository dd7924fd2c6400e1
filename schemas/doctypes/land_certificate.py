"""Giấy chứng nhận quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất (land certificate), the
form of the Land Law 2024 (Decree 101/2024/NĐ-CP), first page.

Holder (Ông/Bà, Năm sinh, Số định danh cá nhân, Địa chỉ thường trú); parcel (Thửa đất số, Tờ bản đồ
số, Địa chỉ, Diện tích in m², Hình thức / Mục đích / Thời hạn / Nguồn gốc sử dụng); Số vào sổ cấp
Giấy chứng nhận; serial of 2 letters + 8 digits. See ../shared/domain/README.md §4.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from pydantic import field_validator, model_validator

from schemas.doctypes._lexicon import fixed_code, folded, snap
from schemas.documents import (
    DocumentModel,
    DocumentType,
    DocumentTypeDef,
    ExtractedField,
    FieldDef,
    FieldKind,
    ValidityRule,
    nfc_text,
    require_personal_id,
)
from schemas.identifiers import validate_personal_id
from schemas.numbers import against_words

SERIAL_LETTERS, SERIAL_DIGITS = 2, 8  # [M: domain brief §4] "AB 01234567"
BOOK_LETTERS, BOOK_DIGITS = 2, 5  # [M] "CS 01234"
# "…, ngày 11 tháng 11 năm 2024" (Decree 30/2020 place and date line)
DATE_LINE = r"(?i)(?P<value>ng\w{1,2}y\s+\d{1,2}\s+th\w{1,3}ng\s+\d{1,2}\s+n\w{1,2}m\s+\d{4})"

# Closed lists of the printed values seen on certificates (a value close to exactly one entry is
# snapped to it; anything else is kept as read). [M]
PURPOSES: tuple[str, ...] = (
    "Đất ở tại nông thôn", "Đất ở tại đô thị", "Đất trồng cây lâu năm", "Đất trồng cây hằng năm khác",
    "Đất trồng lúa", "Đất nuôi trồng thủy sản", "Đất rừng sản xuất", "Đất thương mại, dịch vụ",
)  # fmt: skip
USE_FORMS: tuple[str, ...] = ("Sử dụng riêng", "Sử dụng chung")
ORIGINS: tuple[str, ...] = (
    "Nhà nước giao đất có thu tiền sử dụng đất",
    "Nhà nước giao đất không thu tiền sử dụng đất",
    "Nhà nước cho thuê đất trả tiền một lần cho cả thời gian thuê",
    "Nhà nước cho thuê đất trả tiền hằng năm",
    "Công nhận quyền sử dụng đất như giao đất có thu tiền sử dụng đất",
    "Công nhận quyền sử dụng đất như giao đất không thu tiền sử dụng đất",
    "Nhận chuyển nhượng quyền sử dụng đất",
    "Nhận thừa kế quyền sử dụng đất",
    "Nhận tặng cho quyền sử dụng đất",
)

# Problem codes (no personal data)
BAD_SERIAL = "serial_not_2_letters_8_digits"
BAD_BOOK_NUMBER = "book_number_malformed"
BAD_AREA = "area_not_a_number"
SURE_CONFIDENCE = 0.9  # a value no misreading can produce (a closed list's only non-date term)
ID_YEAR_MISMATCH = "id_number_birth_year_mismatch"


def _variants(label: str, letter: str) -> tuple[str, ...]:
    return (f"{letter}) {label}:", f"{label}:")


DEFINITION = DocumentTypeDef(
    type=DocumentType.LAND_CERTIFICATE,
    title_vi="Giấy chứng nhận quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất",
    titles=(
        "QUYỀN SỬ DỤNG ĐẤT, QUYỀN SỞ HỮU TÀI SẢN GẮN LIỀN VỚI ĐẤT",
        "GIẤY CHỨNG NHẬN QUYỀN SỬ DỤNG ĐẤT, QUYỀN SỞ HỮU TÀI SẢN GẮN LIỀN VỚI ĐẤT",
        "GIẤY CHỨNG NHẬN QUYỀN SỬ DỤNG ĐẤT",
    ),
    fields=(
        FieldDef("holder_name", "Người sử dụng đất", FieldKind.NAME, ("Ông:", "Bà:")),
        FieldDef("holder_birth_year", "Năm sinh", FieldKind.NUMBER, ("Năm sinh:",)),
        FieldDef("holder_id_number", "Số định danh cá nhân", FieldKind.ID_NUMBER, ("Số định danh cá nhân:",)),
        FieldDef(
            "holder_address", "Địa chỉ thường trú", FieldKind.PLACE, ("Địa chỉ thường trú:",), multiline=True
        ),
        FieldDef("parcel_number", "Thửa đất số", FieldKind.NUMBER, _variants("Thửa đất số", "a")),
        FieldDef("map_sheet_number", "Tờ bản đồ số", FieldKind.NUMBER, _variants("Tờ bản đồ số", "b")),
        FieldDef("land_address", "Địa chỉ", FieldKind.PLACE, _variants("Địa chỉ", "c"), multiline=True),
        FieldDef("area_m2", "Diện tích", FieldKind.TEXT, _variants("Diện tích", "d")),
        # The area printed a second time, in words, in brackets after it: checks the digits.
        FieldDef("area_in_words", "Diện tích bằng chữ", FieldKind.TEXT, ("Bằng chữ:",), required=False),
        FieldDef("use_form", "Hình thức sử dụng", FieldKind.TEXT, _variants("Hình thức sử dụng", "đ")),
        FieldDef("purpose", "Mục đích sử dụng", FieldKind.TEXT, _variants("Mục đích sử dụng", "e")),
        FieldDef("use_term", "Thời hạn sử dụng", FieldKind.TEXT, _variants("Thời hạn sử dụng", "g")),
        FieldDef(
            "origin", "Nguồn gốc sử dụng", FieldKind.TEXT, _variants("Nguồn gốc sử dụng", "h"), multiline=True
        ),
        FieldDef(
            "book_number",
            "Số vào sổ cấp Giấy chứng nhận",
            FieldKind.CODE,
            ("Số vào sổ cấp Giấy chứng nhận:",),
            whitelist="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
            confirm=True,
        ),
        FieldDef(
            "serial",
            "Số seri",
            FieldKind.CODE,
            ("Số seri:",),
            whitelist="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
            confirm=True,
        ),
        # The place and date line "Bắc Kạn, ngày 11 tháng 11 năm 2024" has no label.
        FieldDef("issue_date", "Ngày cấp", FieldKind.DATE, (), required=False, pattern=DATE_LINE),
    ),
    other_labels=(
        "1. Người sử dụng đất, chủ sở hữu tài sản gắn liền với đất:",
        "2. Thông tin thửa đất:",
        "3. Thông tin tài sản gắn liền với đất:",
        "4. Ghi chú:",
        "5. Sơ đồ thửa đất:",
        "TM. ỦY BAN NHÂN DÂN",
        "KT. CHỦ TỊCH",
    ),
)

VALIDITY = ValidityRule(
    kind="until_amended",
    source=(
        "Land Law 2024 Art. 133-135, Decree 101/2024/NĐ-CP: the certificate has no expiry; a registered "
        "change is recorded on it or a new one is issued (the land use term is a field, not the "
        "certificate's validity) [M]"
    ),
)


def normalise_area(raw: str) -> str | None:
    """ "120,5 m²" → "120.5"; "1.250,5 m2" → "1250.5"; None when there is no number."""
    match = re.search(r"(?<![^\W\d_])\d[\d.,\s]*", raw)
    if not match:
        return None
    number = re.sub(r"\s", "", match.group()).rstrip(".,")
    number = re.sub(r"\.(?=\d{3}(\D|$))", "", number).replace(",", ".")
    try:
        value = Decimal(number)
    except InvalidOperation:
        return None
    return format(value.normalize(), "f") if value > 0 else None


PERMANENT_TERM = "Lâu dài"
_TERM_UNTIL = re.compile(r"^DEN NGAY (\d{1,2}) (\d{1,2}) (\d{4})$")


def normalise_term(raw: str) -> str | None:
    """The land use term as printed: "Lâu dài" (permanent) or "Đến ngày dd/mm/yyyy" (OCR marks and
    separators repaired); None for anything else."""
    key = folded(raw)
    if key == "LAU DAI":
        return PERMANENT_TERM
    match = _TERM_UNTIL.match(key)
    if match is None:
        return None
    day, month, year = (int(g) for g in match.groups())
    try:
        return f"Đến ngày {dt.date(year, month, day).strftime('%d/%m/%Y')}"
    except ValueError:
        return None


class LandCertificate(DocumentModel):
    """Giấy chứng nhận quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất (2024 form)."""

    holder_name: str
    holder_birth_year: int | None = None
    holder_id_number: str | None = None
    holder_address: str | None = None
    parcel_number: int
    map_sheet_number: int
    land_address: str
    area_m2: Decimal
    area_in_words: str | None = None
    use_form: str | None = None
    purpose: str
    use_term: str
    origin: str | None = None
    book_number: str | None = None
    serial: str
    issue_date: dt.date | None = None

    _text = field_validator("holder_name", "land_address", "purpose", "use_term")(nfc_text)

    @field_validator("serial")
    @classmethod
    def _serial(cls, value: str) -> str:
        code, _ = fixed_code(value, SERIAL_LETTERS, SERIAL_DIGITS)
        if code != value:
            raise ValueError(BAD_SERIAL)
        return value

    @field_validator("area_m2")
    @classmethod
    def _area(cls, value: Decimal) -> Decimal:
        if value <= 0:
            raise ValueError(BAD_AREA)
        return value

    @model_validator(mode="after")
    def _consistent(self) -> LandCertificate:
        if self.holder_id_number is not None:
            birth = dt.date(self.holder_birth_year, 1, 1) if self.holder_birth_year else None
            require_personal_id("holder_id_number", self.holder_id_number, birth)
        return self


MODEL = LandCertificate


def _set(fields: dict[str, ExtractedField], name: str, value: str, repaired: bool) -> None:
    f = fields[name]
    confidence = min(f.confidence, 0.85) if repaired else f.confidence
    problems = (*f.problems, "repaired") if repaired else f.problems
    fields[name] = ExtractedField(value, f.raw, confidence, f.valid, problems, f.source)


def normalise_fields(fields: dict[str, ExtractedField]) -> list[str]:
    """Serial and book number formats, area as a decimal number of m², closed-list values snapped,
    the holder's ID against the printed birth year."""
    for name, letters, digits, problem in (
        ("serial", SERIAL_LETTERS, SERIAL_DIGITS, BAD_SERIAL),
        ("book_number", BOOK_LETTERS, BOOK_DIGITS, BAD_BOOK_NUMBER),
    ):
        f = fields.get(name)
        if f is None or f.value is None:
            continue
        code, repaired = fixed_code(f.value, letters, digits)
        if code is None:
            fields[name] = f.invalid(problem)
        elif code != f.value:
            _set(fields, name, code, repaired)
    area = fields.get("area_m2")
    if area is not None and area.value is not None:
        value = normalise_area(area.value)
        if value is None:
            fields["area_m2"] = area.invalid(BAD_AREA)
        elif value != area.value:
            _set(fields, "area_m2", value, False)
    words = fields.get("area_in_words")
    if words is not None and words.value and words.value.rstrip().endswith(")"):
        # "(Bằng chữ: … mét vuông)": the bracket closes the one opened before the label.
        _set(fields, "area_in_words", words.value.rstrip(") "), False)
    against_words(fields, "area_m2", "area_in_words", ("MET VUONG", "M2"))
    term = fields.get("use_term")
    if term is not None and term.value:
        value = normalise_term(term.value)
        if value is None:
            fields["use_term"] = term.invalid("not_a_use_term")
        elif value != term.value:
            _set(fields, "use_term", value, False)
        if value == PERMANENT_TERM:
            # Read as "Lâu dài" but for its marks: the other terms are dates, which never fold to it.
            f = fields["use_term"]
            fields["use_term"] = dataclasses.replace(f, confidence=max(f.confidence, SURE_CONFIDENCE))
    for name, lexicon in (("purpose", PURPOSES), ("use_form", USE_FORMS), ("origin", ORIGINS)):
        f = fields.get(name)
        if f is not None and f.value:
            entry, exact = snap(f.value, lexicon)
            if entry is not None and entry != f.value:
                _set(fields, name, entry, not exact)
    id_field, year_field = fields.get("holder_id_number"), fields.get("holder_birth_year")
    if (
        id_field is not None
        and id_field.valid
        and id_field.value
        and year_field is not None
        and year_field.valid
    ):
        year = year_field.value or ""
        if len(year) == 4 and year.isdigit():
            if validate_personal_id(id_field.value, dt.date(int(year), 1, 1)):
                fields["holder_id_number"] = id_field.invalid(ID_YEAR_MISMATCH)
        else:
            fields["holder_birth_year"] = year_field.invalid("not_a_year")
    return []
