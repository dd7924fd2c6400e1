"""Marital-status confirmation (Giấy xác nhận tình trạng hôn nhân), form of Circular 04/2020/TT-BTP.

The commune's people's committee confirms a person's marital status for a stated purpose. Number
"Số: 422/UBND-XNTTHN" and the place/date line at the top; the person's name, date of birth, sex,
ethnicity, nationality, identity document, residence; "Tình trạng hôn nhân:"; "Giấy này được cấp
để:". Valid 6 months from issue (Decree 123/2015/NĐ-CP Art. 23) [M].
"""

from __future__ import annotations

from pydantic import field_validator

from schemas.doctypes._papers import DATE_LINE, PersonPaper, person_paper_checks, snap
from schemas.documents import (
    ETHNIC_GROUPS,
    DocumentType,
    DocumentTypeDef,
    ExtractedField,
    FieldDef,
    FieldKind,
    ValidityRule,
    nfc_text,
)

DEFINITION = DocumentTypeDef(
    type=DocumentType.MARITAL_STATUS_CONFIRMATION,
    title_vi="Giấy xác nhận tình trạng hôn nhân",
    titles=("GIẤY XÁC NHẬN TÌNH TRẠNG HÔN NHÂN",),
    fields=(
        FieldDef("document_number", "Số", FieldKind.TEXT, ("Số:",)),
        FieldDef("issue_date", "Ngày cấp (dòng địa danh, ngày tháng)", FieldKind.DATE, (), pattern=DATE_LINE),
        FieldDef("full_name", "Họ, chữ đệm, tên", FieldKind.NAME, ("Họ, chữ đệm, tên:",)),
        FieldDef("date_of_birth", "Ngày, tháng, năm sinh", FieldKind.DATE, ("Ngày, tháng, năm sinh:",)),
        FieldDef("sex", "Giới tính", FieldKind.SEX, ("Giới tính:",)),
        FieldDef("ethnicity", "Dân tộc", FieldKind.TEXT, ("Dân tộc:",)),
        FieldDef("nationality", "Quốc tịch", FieldKind.TEXT, ("Quốc tịch:",)),
        FieldDef("id_number", "Giấy tờ tùy thân", FieldKind.ID_NUMBER, ("Giấy tờ tùy thân:",)),
        FieldDef("residence", "Nơi cư trú", FieldKind.PLACE, ("Nơi cư trú:",), multiline=True),
        FieldDef(
            "marital_status", "Tình trạng hôn nhân", FieldKind.TEXT, ("Tình trạng hôn nhân:",), multiline=True
        ),
        FieldDef("purpose", "Mục đích sử dụng", FieldKind.TEXT, ("Giấy này được cấp để:",), multiline=True),
    ),
    other_labels=(
        # The title holds the words of the "Tình trạng hôn nhân:" label: as a longer label it wins there.
        "GIẤY XÁC NHẬN TÌNH TRẠNG HÔN NHÂN",
        "XÁC NHẬN:",
        "Xét đề nghị của",
        "Giấy này có giá trị",
        "Trong thời gian cư trú tại",
    ),
)

VALIDITY = ValidityRule(
    kind="months_from_issue",
    months=6,
    issue_field="issue_date",
    source="Decree 123/2015/NĐ-CP Art. 23: valid 6 months from the date of issue [M]",
)


class MaritalStatusConfirmation(PersonPaper):
    """Giấy xác nhận tình trạng hôn nhân."""

    ethnicity: str
    nationality: str = "Việt Nam"
    residence: str
    marital_status: str
    purpose: str

    _text = field_validator("ethnicity", "nationality", "residence", "marital_status", "purpose")(nfc_text)


MODEL = MaritalStatusConfirmation


def normalise_fields(fields: dict[str, ExtractedField]) -> list[str]:
    """Document number "<n>/<SYMBOL>"; ethnicity from the closed list; issued after birth, not later
    than today."""
    person_paper_checks(fields)
    if "ethnicity" in fields:
        fields["ethnicity"] = (
            snap(fields["ethnicity"], ETHNIC_GROUPS, "unknown_ethnicity") or fields["ethnicity"]
        )
    return []
