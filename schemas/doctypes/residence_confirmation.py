"""Residence confirmation (Xác nhận thông tin về cư trú), form CT07 of Circular 66/2023/TT-BCA.

The commune police confirm a citizen's residence data: numbered lines 1-9 (name, date of birth, sex,
personal ID, permanent, temporary and current residence, head of household, relation to the head),
then the household members as a table. Valid 1 year from issue (Circular 55/2021/TT-BCA Art. 17 as
amended by Circular 66/2023/TT-BCA; the 2021 text said 30 days) [M: secondary sources].
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

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


# The citizen's lines 1-9 and the household table (item 10) print the same facts twice: the citizen is
# one of the members, and the head of household is the member whose relation is "Chủ hộ".
TABLE_AGREES = "agrees_with_household_table"
TABLE_DIFFERS = "differs_from_household_table"
# Two readings of one value printed in two places of the page (independent crops) agree.
TABLE_AGREES_CONFIDENCE = 0.8
TABLE_DIFFERS_CONFIDENCE = 0.6  # below review's threshold (pipeline.extract.LOW_CONFIDENCE, 0.7)
HEAD = "Chủ hộ"
_MEMBER_KEY = re.compile(r"household_members\.(\d+)\.(\w+)")
# Notes that leave a reading as good as any other: an agreement cannot lift a value in doubt (a name
# that may have lost its ỵ, an unusual word, a row that may be shifted) — both readings share the doubt.
_PLAIN = frozenset({"surname_repaired", "entry_as_printed", "read_again", TABLE_AGREES})
_COLUMNS = ("full_name", "date_of_birth", "sex", "id_number", "relation_to_head")


def _note(field: ExtractedField, code: str) -> tuple[str, ...]:
    return field.problems if code in field.problems else (*field.problems, code)


def _compare(fields: dict[str, ExtractedField], a: str, b: str) -> None:
    """Two readings of one value: alike, both sure (unless either is in doubt); different, both to a
    clerk."""
    fa, fb = fields.get(a), fields.get(b)
    if fa is None or fb is None or not (fa.valid and fb.valid and fa.value and fb.value):
        return
    if fa.value == fb.value:
        if any(set(f.problems) - _PLAIN for f in (fa, fb)):
            return
        for key, f in ((a, fa), (b, fb)):
            fields[key] = dataclasses.replace(
                f, confidence=max(f.confidence, TABLE_AGREES_CONFIDENCE), problems=_note(f, TABLE_AGREES)
            )
    else:
        for key, f in ((a, fa), (b, fb)):
            fields[key] = dataclasses.replace(
                f, confidence=min(f.confidence, TABLE_DIFFERS_CONFIDENCE), problems=_note(f, TABLE_DIFFERS)
            )


def _value(fields: dict[str, ExtractedField], name: str) -> str | None:
    f = fields.get(name)
    return f.value if f is not None and f.valid else None


def against_household_table(fields: dict[str, ExtractedField]) -> None:
    """The citizen's own lines against their row of the household table (found by the personal ID,
    else by name and date of birth), and the head of household against the one "Chủ hộ" row: values
    read alike in both places are sure (noted ``agrees_with_household_table``), values read
    differently go to a clerk (``differs_from_household_table``)."""
    rows: set[int] = set()
    for key in fields:
        match = _MEMBER_KEY.fullmatch(key)
        if match:
            rows.add(int(match.group(1)))

    def cell(n: int, column: str) -> str:
        return f"household_members.{n}.{column}"

    subject_id = _value(fields, "id_number")
    mine = [n for n in sorted(rows) if subject_id and _value(fields, cell(n, "id_number")) == subject_id]
    if not mine:
        subject = (_value(fields, "full_name"), _value(fields, "date_of_birth"))
        mine = [
            n
            for n in sorted(rows)
            if all(subject)
            and (_value(fields, cell(n, "full_name")), _value(fields, cell(n, "date_of_birth"))) == subject
        ]
    if len(mine) == 1:
        for column in _COLUMNS:
            _compare(fields, column, cell(mine[0], column))
    heads = [n for n in sorted(rows) if _value(fields, cell(n, "relation_to_head")) == HEAD]
    if len(heads) == 1:
        _compare(fields, "head_of_household", cell(heads[0], "full_name"))


def normalise_fields(fields: dict[str, ExtractedField]) -> list[str]:
    """Document number "<n>/XN"; relation from the closed list; issued after birth, not in the future;
    the citizen's lines against the household table."""
    person_paper_checks(fields)
    if "relation_to_head" in fields:
        fields["relation_to_head"] = (
            snap(fields["relation_to_head"], RELATIONS, "unknown_relation") or fields["relation_to_head"]
        )
    against_household_table(fields)
    return []
