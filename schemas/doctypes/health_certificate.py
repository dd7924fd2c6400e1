"""Health certificate for adults (Giấy khám sức khỏe), form of Circular 32/2023/TT-BYT, two pages.

Page 1: the examining facility and "Số: …/GKSK", the person ("Họ và tên (chữ in hoa):", "Giới tính:",
"Ngày sinh:", the personal ID, "Chỗ ở hiện tại:", "Lý do khám sức khỏe:") and the medical history;
page 2: examination results, the conclusion ("Phân loại sức khỏe:") and the place/date line of the
concluding doctor. Valid 12 months from the conclusion (Circular 32/2023/TT-BYT) [M].
"""

from __future__ import annotations

import dataclasses
import re

from pydantic import field_validator, model_validator

from schemas.doctypes._papers import DATE_LINE, PersonPaper, person_paper_checks, snap
from schemas.documents import (
    DocumentType,
    DocumentTypeDef,
    ExtractedField,
    FieldDef,
    FieldKind,
    ValidityRule,
    nfc_text,
)

# Health classes of the conclusion (Loại I very good … Loại V very weak) [M: Circular 32/2023 annex].
HEALTH_CLASSES: tuple[str, ...] = ("Loại I", "Loại II", "Loại III", "Loại IV", "Loại V")
# What a half-matched "(chữ in hoa):" leaves before the value: "hoa):", "in hoa):" or just "):".
_LABEL_TAIL = re.compile(r"(?i)^\W*(?:(?:ch\w{1,2}\s+)?(?:in\s+)?hoa)?\W*[):;]")
# Notes of pipeline.extract when the numeral's strokes were counted on the page image and settle it.
NUMERAL_SETTLED: frozenset[str] = frozenset({"numeral_confirmed", "numeral_counted"})

DEFINITION = DocumentTypeDef(
    type=DocumentType.HEALTH_CERTIFICATE,
    title_vi="Giấy khám sức khỏe",
    titles=("GIẤY KHÁM SỨC KHỎE",),
    fields=(
        FieldDef("document_number", "Số", FieldKind.TEXT, ("Số:",)),
        FieldDef("full_name", "Họ và tên", FieldKind.NAME, ("Họ và tên (chữ in hoa):", "Họ và tên:")),
        FieldDef("sex", "Giới tính", FieldKind.SEX, ("Giới tính:",)),
        FieldDef("date_of_birth", "Ngày sinh", FieldKind.DATE, ("Ngày sinh:",)),
        FieldDef("id_number", "Số định danh cá nhân", FieldKind.ID_NUMBER, ("Số định danh cá nhân:",)),
        FieldDef("residence", "Chỗ ở hiện tại", FieldKind.PLACE, ("Chỗ ở hiện tại:",), multiline=True),
        FieldDef("reason", "Lý do khám sức khỏe", FieldKind.TEXT, ("Lý do khám sức khỏe:",)),
        FieldDef(
            "health_class", "Phân loại sức khỏe", FieldKind.TEXT, ("Phân loại sức khỏe:",), roman_numeral=True
        ),
        FieldDef(
            "issue_date", "Ngày kết luận (dòng địa danh, ngày tháng)", FieldKind.DATE, (), pattern=DATE_LINE
        ),
    ),
    other_labels=(
        "TIỀN SỬ BỆNH CỦA ĐỐI TƯỢNG KHÁM SỨC KHỎE",
        "Các bệnh, tật (nếu có):",
        "Tiền sử gia đình:",
        "KẾT LUẬN",
        "NGƯỜI KẾT LUẬN",
    ),
)

VALIDITY = ValidityRule(
    kind="months_from_issue",
    months=12,
    issue_field="issue_date",
    source="Circular 32/2023/TT-BYT: a health certificate is valid 12 months from the conclusion [M]",
)


class HealthCertificate(PersonPaper):
    """Giấy khám sức khỏe."""

    residence: str
    reason: str
    health_class: str

    _text = field_validator("residence", "reason", "health_class")(nfc_text)

    @model_validator(mode="after")
    def _known_class(self) -> HealthCertificate:
        if self.health_class not in HEALTH_CLASSES:
            raise ValueError("health_class: not a known class")
        return self


MODEL = HealthCertificate


def normalise_fields(fields: dict[str, ExtractedField]) -> list[str]:
    """Document number; the health class snapped to Loại I-V (OCR joins "LoạiI"); concluded after
    birth and not in the future."""
    person_paper_checks(fields)
    name = fields.get("full_name")
    # The label's "(chữ in hoa):" half-matched, its last words left before the name ("HOA PHẠM ANH
    # DŨNG", seen on the corpus; the name's re-read zone may hold "hoa" when the raw starts at "):").
    if name is not None and name.value and _LABEL_TAIL.match(name.raw):
        words = name.value.split()
        while len(words) > 2 and words[0] in ("IN", "HOA"):
            words = words[1:]
        value = " ".join(words)
        if value != name.value:
            fields["full_name"] = dataclasses.replace(
                name, value=value, problems=(*name.problems, "label_tail")
            )
    if "health_class" in fields:
        klass = snap(fields["health_class"], HEALTH_CLASSES, "unknown_health_class") or fields["health_class"]
        if klass.valid and not NUMERAL_SETTLED & set(klass.problems):
            # Tesseract reads "III" as "II" and "II" as "I" with high confidence (seen on the
            # corpus; "IV" as "V" is the same lost stem): unless the strokes counted on the page
            # image settle the numeral, a clerk checks it.
            klass = dataclasses.replace(
                klass,
                confidence=min(klass.confidence, 0.6),
                problems=(*klass.problems, "roman_numeral_unsure"),
            )
        fields["health_class"] = klass
    return []
