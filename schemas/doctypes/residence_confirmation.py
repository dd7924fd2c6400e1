"""Residence confirmation (Xác nhận thông tin về cư trú), form CT07 of Circular 66/2023/TT-BCA.

The commune police confirm a citizen's residence data: numbered lines 1-9 (name, date of birth, sex,
personal ID, permanent, temporary and current residence, head of household, relation to the head),
then the household members as a table. Valid 1 year from issue (Circular 55/2021/TT-BCA Art. 17 as
amended by Circular 66/2023/TT-BCA; the 2021 text said 30 days) [M: secondary sources].
"""

from __future__ import annotations

import datetime as dt

from pydantic import Field, field_validator, model_validator

from schemas.doctypes._papers import DATE_LINE, PersonPaper, gather_list, person_paper_checks, snap
from schemas.documents import (
    DocumentModel,
    DocumentType,
    DocumentTypeDef,
    ExtractedField,
    FieldDef,
    FieldKind,
    Sex,
    ValidityRule,
    nfc_text,
    optional_nfc_text,
    require_personal_id,
    sane_date,
)

# Relations to the head of household as written on residence papers [M].
RELATIONS: tuple[str, ...] = (
    "Chủ hộ", "Vợ", "Chồng", "Con", "Con đẻ", "Con nuôi", "Bố", "Mẹ", "Ông", "Bà", "Cháu", "Anh", "Chị",
    "Em", "Con dâu", "Con rể", "Người ở nhờ", "Khác",
)  # fmt: skip

DEFINITION = DocumentTypeDef(
    type=DocumentType.RESIDENCE_CONFIRMATION,
    title_vi="Xác nhận thông tin về cư trú",
    titles=("XÁC NHẬN THÔNG TIN VỀ CƯ TRÚ",),
    fields=(
        FieldDef("document_number", "Số", FieldKind.TEXT, ("Số:",)),
        FieldDef("issue_date", "Ngày cấp (dòng địa danh, ngày tháng)", FieldKind.DATE, (), pattern=DATE_LINE),
        FieldDef("full_name", "Họ, chữ đệm và tên", FieldKind.NAME, ("Họ, chữ đệm và tên:",)),
        FieldDef("date_of_birth", "Ngày, tháng, năm sinh", FieldKind.DATE, ("Ngày, tháng, năm sinh:",)),
        FieldDef("sex", "Giới tính", FieldKind.SEX, ("Giới tính:",)),
        FieldDef("id_number", "Số định danh cá nhân", FieldKind.ID_NUMBER, ("Số định danh cá nhân:",)),
        FieldDef(
            "permanent_residence", "Nơi thường trú", FieldKind.PLACE, ("Nơi thường trú:",), multiline=True
        ),
        FieldDef(
            "temporary_residence",
            "Nơi tạm trú",
            FieldKind.PLACE,
            ("Nơi tạm trú:",),
            required=False,
            multiline=True,
        ),
        FieldDef(
            "current_residence", "Nơi ở hiện tại", FieldKind.PLACE, ("Nơi ở hiện tại:",), multiline=True
        ),
        FieldDef(
            "head_of_household", "Họ, chữ đệm và tên chủ hộ", FieldKind.NAME, ("Họ, chữ đệm và tên chủ hộ:",)
        ),
        FieldDef("relation_to_head", "Quan hệ với chủ hộ", FieldKind.TEXT, ("Quan hệ với chủ hộ:",)),
    ),
    other_labels=(
        "Thông tin về thành viên trong hộ gia đình:",
        "Số định danh cá nhân của chủ hộ:",
        "Thông tin trên có giá trị",
        "xác nhận thông tin về cư trú của công dân như sau:",
    ),
)

VALIDITY = ValidityRule(
    kind="months_from_issue",
    months=12,
    issue_field="issue_date",
    source=(
        "Circular 55/2021/TT-BCA Art. 17 as amended by Circular 66/2023/TT-BCA: a residence confirmation is "
        "valid 1 year from issue (30 days before the amendment) [M]"
    ),
)


class HouseholdMember(DocumentModel):
    """One row of the CT07 household table (item 10): extracted as the flat fields
    ``household_members.<n>.<field>`` and gathered here in row order."""

    full_name: str
    date_of_birth: dt.date
    sex: Sex
    id_number: str
    relation_to_head: str

    _text = field_validator("full_name", "relation_to_head")(nfc_text)
    _dates = field_validator("date_of_birth")(sane_date)

    @model_validator(mode="after")
    def _consistent(self) -> HouseholdMember:
        require_personal_id("id_number", self.id_number, self.date_of_birth, self.sex)
        if self.relation_to_head not in RELATIONS:
            raise ValueError("relation_to_head: not a relation of the list")
        return self


class ResidenceConfirmation(PersonPaper):
    """Xác nhận thông tin về cư trú (CT07)."""

    permanent_residence: str
    temporary_residence: str | None = None  # "Không" when there is none
    current_residence: str
    head_of_household: str
    relation_to_head: str
    household_members: list[HouseholdMember] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _gather(cls, data: object) -> object:
        return gather_list(data, "household_members")

    _text = field_validator(
        "permanent_residence", "current_residence", "head_of_household", "relation_to_head"
    )(nfc_text)
    _optional = field_validator("temporary_residence")(optional_nfc_text)


MODEL = ResidenceConfirmation


def normalise_fields(fields: dict[str, ExtractedField]) -> list[str]:
    """Document number "<n>/XN"; relation from the closed list; issued after birth, not in the future."""
    person_paper_checks(fields)
    if "relation_to_head" in fields:
        fields["relation_to_head"] = (
            snap(fields["relation_to_head"], RELATIONS, "unknown_relation") or fields["relation_to_head"]
        )
    return []
