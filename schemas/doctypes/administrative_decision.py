"""Administrative decision (Quyết định), the typical written result of a procedure; layout of Decree
30/2020/NĐ-CP Appendix I.

Issuing agency (top left, no label), "Số: 125/QĐ-UBND", the place/date line, "QUYẾT ĐỊNH", the
abstract "Về việc …", the authority, legal bases, articles, "Nơi nhận:" and the signer's block: the
capacity lines (TM. / KT. / Q. / TL. …) and the signer's name under the signature, both without a
label. Validity depends on the content ("per content"): recorded as until amended [M].
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

from pydantic import Field, field_validator, model_validator

from schemas.doctypes._papers import (
    DATE_LINE,
    SIGNER_NAME_LINE,
    SIGNER_TITLE_LINE,
    canonical_phrases,
    check_not_future,
    document_number,
    fold_key,
    gather_list,
)
from schemas.documents import (
    DocumentModel,
    DocumentType,
    DocumentTypeDef,
    ExtractedField,
    FieldDef,
    FieldKind,
    ValidityRule,
    nfc_text,
    sane_date,
)

# The agency block: a people's committee, a department or ministry, the police… [R: Decree 30/2020].
# OCR drops or adds a mark on the fixed words ("ỦY BẠN NHÂN DÂN"); the hook restores them.
_AGENCY = r"^(?P<value>(?:[ỦU]\w? B\wN NH\w{1,2}N D\w{1,2}N|UBND|S\w{1,2} |B\w{1,2} |C\w{1,2}NG AN )\S*.*)$"

# Capacity lines of a signer's block (Decree 30/2020 Art. 13 and Appendix I) [R].
SIGNER_PHRASES: tuple[str, ...] = (
    "TM.", "KT.", "Q.", "TL.", "TUQ.", "ỦY BAN NHÂN DÂN", "CHỦ TỊCH", "PHÓ CHỦ TỊCH", "GIÁM ĐỐC",
    "PHÓ GIÁM ĐỐC", "CHÁNH VĂN PHÒNG", "TRƯỞNG PHÒNG", "BỘ TRƯỞNG", "THỨ TRƯỞNG",
)  # fmt: skip
# Type abbreviations of Decree 30/2020 Appendix III used in a decision's symbol (QĐ) and agencies [R].
_SYMBOL_FIXES = {"QD": "QĐ", "Q0": "QĐ", "UBNO": "UBND"}
_NUMBER_SHAPE = re.compile(r"^\d{1,5}/QĐ-[A-ZĐ]{2,10}(?:-[A-ZĐ]{2,10})?$")

DEFINITION = DocumentTypeDef(
    type=DocumentType.ADMINISTRATIVE_DECISION,
    title_vi="Quyết định hành chính",
    titles=("QUYẾT ĐỊNH",),
    fields=(
        FieldDef("issuing_agency", "Cơ quan ban hành", FieldKind.TEXT, (), pattern=_AGENCY, multiline=True),
        FieldDef("document_number", "Số, ký hiệu", FieldKind.TEXT, ("Số:",)),
        FieldDef("issue_date", "Địa danh, ngày tháng năm ban hành", FieldKind.DATE, (), pattern=DATE_LINE),
        FieldDef("subject", "Trích yếu (Về việc …)", FieldKind.TEXT, ("Về việc",)),
        FieldDef(
            "signer_title",
            "Quyền hạn, chức vụ người ký",
            FieldKind.TEXT,
            (),
            pattern=SIGNER_TITLE_LINE,
            multiline=True,
            block=True,  # beside "Nơi nhận", whose lines Tesseract merges with the block's
        ),
        # Under the capacity lines, the seal and the signature: when the page lost it, the signer's block
        # is read on its own (block=True: under the title's block).
        FieldDef("signer_name", "Họ tên người ký", FieldKind.NAME, (), pattern=SIGNER_NAME_LINE, block=True),
    ),
    other_labels=("Nơi nhận:", "Căn cứ", "Theo đề nghị của", "QUYẾT ĐỊNH:"),
)

VALIDITY = ValidityRule(
    kind="until_amended",
    source=(
        "Decree 30/2020/NĐ-CP: a decision takes effect as its own articles say, until amended or revoked [M]"
    ),
)


class AdministrativeDecision(DocumentModel):
    """Quyết định."""

    issuing_agency: str
    document_number: str
    issue_date: dt.date
    subject: str
    signer_title: str
    signer_name: str
    # "Nơi nhận": extracted as the flat fields ``recipients.<n>`` (as printed, without the dash and
    # the final ";" or "."), gathered here in order.
    recipients: list[str] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _gather(cls, data: object) -> object:
        return gather_list(data, "recipients")

    _text = field_validator("issuing_agency", "document_number", "subject", "signer_title", "signer_name")(
        nfc_text
    )
    _dates = field_validator("issue_date")(sane_date)

    @field_validator("recipients")
    @classmethod
    def _recipients(cls, value: list[str]) -> list[str]:
        return [nfc_text(v) for v in value]

    @model_validator(mode="after")
    def _consistent(self) -> AdministrativeDecision:
        if not _NUMBER_SHAPE.match(self.document_number):
            raise ValueError("document_number: not <n>/QĐ-<agency>")
        return self


MODEL = AdministrativeDecision


# Authority marks of a signer's block: each is followed by one line (the collective, or the head's
# title), and the signer's own capacity comes last (Decree 30/2020 Appendix I: "TM. ỦY BAN NHÂN DÂN /
# KT. CHỦ TỊCH / PHÓ CHỦ TỊCH") [R].
_AUTHORITY_MARKS = ("TM.", "KT.", "Q.", "TL.", "TUQ.")


def _incomplete_title(value: str) -> bool:
    """A canonical signer title that stops at an authority mark or right after its line ("TM. ỦY BAN
    NHÂN DÂN" without "CHỦ TỊCH"): the block's last line was lost (bench seed 5151 #2, 4242 #9)."""
    ordered = sorted(SIGNER_PHRASES, key=lambda phrase: -len(phrase.split()))
    words = value.split()
    phrases: list[str] = []
    i = 0
    while i < len(words):
        phrase = next((p for p in ordered if words[i : i + len(p.split())] == p.split()), words[i])
        phrases.append(phrase)
        i += len(phrase.split())
    return bool(phrases) and (
        phrases[-1] in _AUTHORITY_MARKS or (len(phrases) > 1 and phrases[-2] in _AUTHORITY_MARKS)
    )


def normalise_fields(fields: dict[str, ExtractedField]) -> list[str]:
    """Number "<n>/QĐ-<AGENCY>" (QD read for QĐ repaired); the signer's capacity rebuilt from the known
    phrases (a lost mark: "CHỦ TICH"); the agency upper case; not dated in the future."""
    number = document_number(fields.get("document_number"), "bad_document_number", _SYMBOL_FIXES)
    if number is not None:
        if number.valid and number.value and not _NUMBER_SHAPE.match(number.value):
            number = number.invalid("not_a_decision_number")
        fields["document_number"] = number
    title = canonical_phrases(fields.get("signer_title"), SIGNER_PHRASES, "unknown_signer_title")
    if title is not None:
        if title.valid and title.value and _incomplete_title(title.value):
            title = title.invalid("signer_title_incomplete")
        fields["signer_title"] = title
    agency = fields.get("issuing_agency")
    if agency is not None and agency.value:
        words = agency.value.upper().split()
        if fold_key(" ".join(words[:4])) == "UY BAN NHAN DAN":
            words[:4] = ["ỦY", "BAN", "NHÂN", "DÂN"]  # a lost mark in the fixed part of the name
        value = " ".join(words)
        if value != agency.value:
            fields["issuing_agency"] = dataclasses.replace(agency, value=value)
    check_not_future(fields, "issue_date")
    return []
