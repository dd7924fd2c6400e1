"""Giấy chứng nhận đăng ký doanh nghiệp (enterprise registration certificate), first page (form of
Circular 02/2023/TT-BKHĐT, Phụ lục IV; Law on Enterprises 2020 Art. 28 lists its content [R]).

Mã số doanh nghiệp (the tax code, 10 digits with a check digit); Đăng ký lần đầu and Đăng ký thay đổi
lần thứ (worded dates); Tên công ty (Vietnamese, foreign); Địa chỉ trụ sở chính; Vốn điều lệ; Người
đại diện theo pháp luật (name, sex, date of birth, personal ID). See ../shared/domain/README.md §3-§4.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import unicodedata

from pydantic import field_validator, model_validator

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
    dates_in_order,
    nfc_text,
    optional_nfc_text,
    optional_sane_date,
    require_personal_id,
    sane_date,
)
from schemas.identifiers import normalise_tax_code, validate_personal_id, validate_tax_code
from schemas.numbers import against_words

# Problem codes (no personal data)
BAD_CAPITAL = "capital_not_an_amount"
REPAIRED_CONFIDENCE = 0.85  # a value repaired by a rule (as a repaired surname)
MARKS_REMOVED = "vietnamese_marks_removed"  # a note: OCR put Vietnamese marks in the foreign name

# Marks only Vietnamese puts on Latin letters: dot below, hook above, horn, breve. A foreign name is
# "translated into a foreign language of the Latin alphabet" (Law on Enterprises 2020 Art. 39 [R]):
# it may carry é, è, ô, ñ… but never these, nor two marks on one letter.
_VIETNAMESE_ONLY_MARKS = frozenset("\u0323\u0309\u031b\u0306")


DEFINITION = DocumentTypeDef(
    type=DocumentType.ENTERPRISE_REGISTRATION_CERTIFICATE,
    title_vi="Giấy chứng nhận đăng ký doanh nghiệp",
    titles=("GIẤY CHỨNG NHẬN ĐĂNG KÝ DOANH NGHIỆP",),
    fields=(
        FieldDef("enterprise_code", "Mã số doanh nghiệp", FieldKind.NUMBER, ("Mã số doanh nghiệp:",)),
        FieldDef("first_registration_date", "Đăng ký lần đầu", FieldKind.DATE, ("Đăng ký lần đầu:",)),
        FieldDef(
            "amendment_date",
            "Đăng ký thay đổi",
            FieldKind.DATE,
            ("Đăng ký thay đổi lần thứ:",),
            required=False,
        ),
        FieldDef(
            "enterprise_name",
            "Tên công ty viết bằng tiếng Việt",
            FieldKind.TEXT,
            ("Tên công ty viết bằng tiếng Việt:", "Tên doanh nghiệp viết bằng tiếng Việt:"),
            multiline=True,
        ),
        FieldDef(
            "enterprise_name_foreign",
            "Tên công ty viết bằng tiếng nước ngoài",
            FieldKind.TEXT,
            ("Tên công ty viết bằng tiếng nước ngoài:", "Tên doanh nghiệp viết bằng tiếng nước ngoài:"),
            required=False,
            multiline=True,
        ),
        FieldDef(
            "head_office_address",
            "Địa chỉ trụ sở chính",
            FieldKind.PLACE,
            ("2. Địa chỉ trụ sở chính", "Địa chỉ trụ sở chính:"),
            multiline=True,
        ),
        FieldDef("charter_capital", "Vốn điều lệ", FieldKind.TEXT, ("3. Vốn điều lệ:", "Vốn điều lệ:")),
        # The capital printed a second time, in words, on the next line: checks the digits.
        FieldDef(
            "charter_capital_in_words", "Vốn điều lệ bằng chữ", FieldKind.TEXT, ("Bằng chữ:",), required=False
        ),
        FieldDef("representative_name", "Họ và tên", FieldKind.NAME, ("* Họ và tên:", "Họ và tên:")),
        FieldDef("representative_sex", "Giới tính", FieldKind.SEX, ("Giới tính:",)),
        FieldDef("representative_date_of_birth", "Sinh ngày", FieldKind.DATE, ("Sinh ngày:",)),
        FieldDef(
            "representative_id_number",
            "Số giấy tờ pháp lý của cá nhân",
            FieldKind.ID_NUMBER,
            ("Số giấy tờ pháp lý của cá nhân:", "Số giấy tờ chứng thực cá nhân:"),
        ),
    ),
    other_labels=(
        "1. Tên công ty",
        "Tên công ty viết tắt:",
        "Điện thoại:",
        "Fax:",
        "Email:",
        "Website:",
        "4. Người đại diện theo pháp luật của công ty",
        "Chức danh:",
        "Dân tộc:",
        "Quốc tịch:",
        "Loại giấy tờ pháp lý của cá nhân:",
        "Ngày cấp:",
        "Nơi cấp:",
        "Địa chỉ thường trú:",
        "Địa chỉ liên lạc:",
        "TRƯỞNG PHÒNG",
    ),
)

VALIDITY = ValidityRule(
    kind="until_amended",
    source=(
        "Law on Enterprises 2020 Art. 28, 30: the certificate has no expiry; a change of its content is "
        "registered and a new certificate issued ('Đăng ký thay đổi lần thứ'), superseding it [M]"
    ),
)


def normalise_capital(raw: str) -> str | None:
    """ "1.300.000.000 đồng" → "1300000000"; None when the digits are not grouped by thousands."""
    match = re.search(r"\d{1,3}(?:[.,\s]\d{3})*(?!\d)", raw)
    if not match:
        return None
    digits = re.sub(r"\D", "", match.group())
    return digits.lstrip("0") or None


def without_vietnamese_marks(text: str) -> str:
    """``text`` with the marks of Vietnamese removed from any letter carrying a Vietnamese-only mark
    or two marks ("TẠN THANH" → "TAN THANH", "HƯNG" → "HUNG"; Đ → D); "SOCIÉTÉ" stays."""
    out: list[str] = []
    for ch in unicodedata.normalize("NFC", text):
        if ch in "Đđ":
            out.append("D" if ch == "Đ" else "d")
            continue
        decomposed = unicodedata.normalize("NFD", ch)
        base, marks = decomposed[0], set(decomposed[1:])
        if len(decomposed) > 2 or _VIETNAMESE_ONLY_MARKS.intersection(marks):
            out.append(base)
        else:
            out.append(ch)
    return "".join(out)


class EnterpriseRegistrationCertificate(DocumentModel):
    """Giấy chứng nhận đăng ký doanh nghiệp."""

    enterprise_code: str
    first_registration_date: dt.date
    amendment_date: dt.date | None = None
    enterprise_name: str
    enterprise_name_foreign: str | None = None
    head_office_address: str
    charter_capital: int
    charter_capital_in_words: str | None = None
    representative_name: str
    representative_sex: Sex | None = None
    representative_date_of_birth: dt.date | None = None
    representative_id_number: str | None = None

    _text = field_validator("enterprise_name", "head_office_address", "representative_name")(nfc_text)
    _optional_text = field_validator("enterprise_name_foreign")(optional_nfc_text)
    _first = field_validator("first_registration_date")(sane_date)
    _dates = field_validator("amendment_date", "representative_date_of_birth")(optional_sane_date)

    @field_validator("enterprise_code", mode="before")
    @classmethod
    def _code(cls, value: str) -> str:
        code = normalise_tax_code(value)
        problems = validate_tax_code(code)
        if problems:
            raise ValueError(", ".join(problems))
        return code

    @field_validator("representative_sex", mode="before")
    @classmethod
    def _sex(cls, value: str | None) -> str | None:
        return value or None  # a blank printed sex is no sex; Sex normalises the rest

    @field_validator("charter_capital")
    @classmethod
    def _capital(cls, value: int) -> int:
        if value <= 0:
            raise ValueError(BAD_CAPITAL)
        return value

    @model_validator(mode="after")
    def _consistent(self) -> EnterpriseRegistrationCertificate:
        dates_in_order(
            ("representative_date_of_birth", self.representative_date_of_birth),
            ("first_registration_date", self.first_registration_date),
        )
        dates_in_order(
            ("first_registration_date", self.first_registration_date), ("amendment_date", self.amendment_date)
        )
        if self.representative_id_number:
            require_personal_id(
                "representative_id_number",
                self.representative_id_number,
                self.representative_date_of_birth,
                self.representative_sex,
            )
        return self


MODEL = EnterpriseRegistrationCertificate


def normalise_fields(fields: dict[str, ExtractedField]) -> list[str]:
    """Tax code check digit, capital as a number of đồng, the representative's ID against their
    printed birth date and sex, registration dates in order."""
    code = fields.get("enterprise_code")
    if code is not None and code.value is not None:
        normalised = normalise_tax_code(code.value)
        problems = validate_tax_code(normalised)
        fixed = ExtractedField(normalised, code.raw, code.confidence, code.valid, code.problems, code.source)
        fields["enterprise_code"] = fixed.invalid(*problems) if problems else fixed
    foreign = fields.get("enterprise_name_foreign")
    if foreign is not None and foreign.value and foreign.source == "ocr":
        latin = without_vietnamese_marks(foreign.value)
        if latin != foreign.value:
            # Specks read as a dot below (TẠN) or a horn (HƯNG) on an English name: the language
            # rule removes them; the value is still a repair, so not fully sure.
            fields["enterprise_name_foreign"] = dataclasses.replace(
                foreign,
                value=latin,
                confidence=min(foreign.confidence, REPAIRED_CONFIDENCE),
                problems=(*foreign.problems, MARKS_REMOVED),
            )
    capital = fields.get("charter_capital")
    if capital is not None and capital.value is not None:
        amount = normalise_capital(capital.value)
        if amount is None:
            fields["charter_capital"] = capital.invalid(BAD_CAPITAL)
        else:
            fields["charter_capital"] = ExtractedField(
                amount, capital.raw, capital.confidence, capital.valid, capital.problems, capital.source
            )
            against_words(fields, "charter_capital", "charter_capital_in_words", ("DONG",))
    rep_id = fields.get("representative_id_number")
    if rep_id is not None and rep_id.valid and rep_id.value:
        sex = fields.get("representative_sex")
        problems = validate_personal_id(
            rep_id.value,
            field_date(fields, "representative_date_of_birth"),
            sex.value if sex is not None and sex.valid else None,
        )
        if problems:
            fields["representative_id_number"] = rep_id.invalid(*problems)
    birth = field_date(fields, "representative_date_of_birth")
    first = field_date(fields, "first_registration_date")
    if birth is not None and first is not None and first <= birth:
        fields["first_registration_date"] = fields["first_registration_date"].invalid("before_date_of_birth")
        first = None
    amendment = field_date(fields, "amendment_date")
    if first is not None and amendment is not None and amendment < first:
        fields["amendment_date"] = fields["amendment_date"].invalid("before_first_registration")
    return []
