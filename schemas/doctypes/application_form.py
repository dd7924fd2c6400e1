"""Application forms (Tờ khai): the birth-registration form of Circular 04/2020/TT-BTP and the
residence-change form CT01 of Circular 66/2023/TT-BCA (and other "TỜ KHAI …" forms with the same
applicant labels).

The form's title names the procedure; "Kính gửi:" the receiving authority; the applicant's name, ID
(personal ID or the identity document) and address; the request; the place/date line. An application
form serves one dossier: single use [R: ../shared/domain/README.md §4].
"""

from __future__ import annotations

import datetime as dt

from pydantic import field_validator

from schemas.doctypes._papers import DATE_LINE, check_not_future, snap
from schemas.documents import (
    DocumentModel,
    DocumentType,
    DocumentTypeDef,
    ExtractedField,
    FieldDef,
    FieldKind,
    ValidityRule,
    nfc_text,
    optional_nfc_text,
    sane_date,
)
from schemas.identifiers import validate_personal_id

FORM_TITLES: tuple[str, ...] = (
    "TỜ KHAI ĐĂNG KÝ KHAI SINH",
    "TỜ KHAI THAY ĐỔI THÔNG TIN CƯ TRÚ",
    "TỜ KHAI ĐĂNG KÝ KẾT HÔN",
    "TỜ KHAI ĐĂNG KÝ KHAI TỬ",
)
_TITLE = r"^(?P<value>T\w{1,2} KHAI\s.+)$"

DEFINITION = DocumentTypeDef(
    type=DocumentType.APPLICATION_FORM,
    title_vi="Tờ khai",
    titles=FORM_TITLES,
    fields=(
        FieldDef("form_title", "Tên tờ khai (thủ tục)", FieldKind.TEXT, (), pattern=_TITLE),
        FieldDef("recipient", "Kính gửi", FieldKind.TEXT, ("Kính gửi:",), multiline=True),
        FieldDef(
            "applicant_name",
            "Họ, chữ đệm, tên người yêu cầu",
            FieldKind.NAME,
            ("Họ, chữ đệm, tên người yêu cầu:", "Họ, chữ đệm và tên:"),
        ),
        FieldDef(
            "applicant_id_number",
            "Số định danh cá nhân / giấy tờ tùy thân",
            FieldKind.ID_NUMBER,
            ("Giấy tờ tùy thân:", "Số định danh cá nhân:"),
        ),
        FieldDef(
            "applicant_address",
            "Nơi cư trú",
            FieldKind.PLACE,
            ("Nơi cư trú:",),
            required=False,
            multiline=True,
        ),
        FieldDef(
            "request",
            "Nội dung đề nghị",
            FieldKind.TEXT,
            ("Nội dung đề nghị:",),
            required=False,
            multiline=True,
        ),
        FieldDef(
            "issue_date", "Ngày khai (dòng địa danh, ngày tháng)", FieldKind.DATE, (), pattern=DATE_LINE
        ),
    ),
    other_labels=(
        "Quan hệ với người được khai sinh:",
        "Đề nghị cơ quan đăng ký khai sinh cho người dưới đây:",
        "Họ, chữ đệm, tên:",
        "Ngày, tháng, năm sinh:",
        "ghi bằng chữ:",
        "Giới tính:",
        "Dân tộc:",
        "Quốc tịch:",
        "Nơi sinh:",
        "Quê quán:",
        "Họ, chữ đệm, tên người mẹ:",
        "Họ, chữ đệm, tên người cha:",
        "Số điện thoại liên hệ:",
        "Email:",
        "Họ, chữ đệm và tên chủ hộ:",
        "Mối quan hệ với chủ hộ:",
        "Số định danh cá nhân của chủ hộ:",
        "Những thành viên trong hộ gia đình cùng thay đổi:",
        "Tôi cam đoan",
        "Làm tại:",
    ),
)

VALIDITY = ValidityRule(
    kind="single_use",
    source=(
        "An application form belongs to the dossier it was filed with and is never reused "
        "[R: domain brief §4]"
    ),
)


class ApplicationForm(DocumentModel):
    """Tờ khai."""

    form_title: str
    recipient: str
    applicant_name: str
    applicant_id_number: str
    applicant_address: str | None = None
    request: str | None = None
    issue_date: dt.date

    _text = field_validator("form_title", "recipient", "applicant_name")(nfc_text)
    _optional = field_validator("applicant_address", "request")(optional_nfc_text)
    _dates = field_validator("issue_date")(sane_date)

    @field_validator("applicant_id_number")
    @classmethod
    def _id(cls, value: str) -> str:
        if validate_personal_id(value):
            raise ValueError("applicant_id_number: not a personal ID number")
        return value


MODEL = ApplicationForm


def normalise_fields(fields: dict[str, ExtractedField]) -> list[str]:
    """The form's title snapped to the known forms (another "TỜ KHAI …" stays as read, noted); not
    dated in the future."""
    title = fields.get("form_title")
    if title is not None and title.value:
        snapped = snap(title, FORM_TITLES, "unknown_form")
        fields["form_title"] = (
            snapped if snapped is not None and snapped.valid else title.noted("unknown_form")
        )
    check_not_future(fields, "issue_date")
    return []
