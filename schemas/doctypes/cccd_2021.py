"""The 2021 citizen identity card (Căn cước công dân, chip card), front side.

Law on Citizen Identification 2014; Circular 06/2021/TT-BCA (card form). See
../shared/domain/README.md §3-§4.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import unicodedata

from pydantic import field_validator, model_validator

from schemas.documents import (
    CCCD_RENEWAL_AGES,
    DocumentModel,
    DocumentType,
    DocumentTypeDef,
    ExtractedField,
    FieldDef,
    FieldKind,
    Sex,
    ValidityRule,
    birthday,
    dates_in_order,
    nfc_text,
    optional_nfc_text,
    optional_sane_date,
    require_personal_id,
)
from schemas.identifiers import MrzTd1, normalise_sex, validate_personal_id

DEFINITION = DocumentTypeDef(
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
        # Back side.
        FieldDef(
            "personal_identification",
            "Đặc điểm nhân dạng",
            FieldKind.TEXT,
            (
                "Đặc điểm nhân dạng / Personal identification:",
                "Đặc điểm nhân dạng:",
                "Personal identification:",
            ),
            required=False,
        ),
        FieldDef(
            "issue_date",
            "Ngày, tháng, năm (cấp)",
            FieldKind.DATE,
            ("Ngày, tháng, năm / Date, month, year:", "Ngày, tháng, năm:", "Date, month, year:"),
            required=False,
        ),
    ),
    other_labels=(
        "CỤC TRƯỞNG CỤC CẢNH SÁT",
        "QUẢN LÝ HÀNH CHÍNH VỀ TRẬT TỰ XÃ HỘI",
        "DIRECTOR GENERAL OF THE POLICE DEPARTMENT",
        "Ngón trỏ trái",
        "Ngón trỏ phải",
    ),
    side_titles=("CỤC TRƯỞNG CỤC CẢNH SÁT", "QUẢN LÝ HÀNH CHÍNH VỀ TRẬT TỰ XÃ HỘI"),
    back_fields=("personal_identification", "issue_date"),
)

VALIDITY = ValidityRule(
    kind="printed_expiry",
    expiry_field="expiry_date",
    source=(
        "Law on Citizen Identification 2014 Art. 21: renewed at 25, 40 and 60, the printed expiry is "
        "that birthday; none from 60 [R]"
    ),
)


def read_qr(payload: str) -> dict[str, str] | None:
    """The front's QR payload ``ID|old CMND|name|DDMMYYYY|sex|residence|DDMMYYYY issue`` (§3), when
    it parses and the ID agrees with the date of birth and sex in it; else None."""
    parts = unicodedata.normalize("NFC", payload).split("|")
    if len(parts) != 7:
        return None
    ident, _, name, born, sex, residence, issued = (p.strip() for p in parts)
    try:
        dob = dt.datetime.strptime(born, "%d%m%Y").date()
        issue = dt.datetime.strptime(issued, "%d%m%Y").date()
    except ValueError:
        return None
    sex_vi = normalise_sex(sex)
    if sex_vi is None or validate_personal_id(ident, dob, sex_vi) or not name or not dob < issue:
        return None
    values = {
        "id_number": ident,
        "full_name": " ".join(name.upper().split()),
        "date_of_birth": dob.isoformat(),
        "sex": sex_vi,
        "issue_date": issue.isoformat(),
    }
    if residence:
        values["place_of_residence"] = " ".join(residence.split())
    return values


def read_mrz(mrz: MrzTd1) -> dict[str, str] | None:
    """ID, date of birth, sex, expiry and name (without diacritics) of a checked TD1 zone."""
    ident, dob, sex = mrz.id_number, mrz.date_of_birth(), mrz.sex_vi
    if mrz.issuing_state != "VNM" or ident is None or dob is None or sex is None:
        return None
    if validate_personal_id(ident, dob, sex):
        return None
    values = {
        "id_number": ident,
        "date_of_birth": dob.isoformat(),
        "sex": sex,
        "full_name": f"{mrz.surname} {mrz.given_names}".strip(),
    }
    expiry = mrz.date_of_expiry(dob)
    if expiry is not None:
        values["expiry_date"] = expiry.isoformat()
    return values


# Words of identification marks (Đặc điểm nhân dạng), as the police write them. OCR drops the dot
# below ("Sẹo" read "Seo"); a word that folds to exactly one of these is that word. [M]
MARK_WORDS: tuple[str, ...] = (
    "Nốt", "ruồi", "Sẹo", "chấm", "cách", "trên", "dưới", "trước", "sau", "cánh", "mũi", "phải",
    "trái", "đuôi", "mắt", "đầu", "lông", "mày", "mép", "tai", "cằm", "má", "trán", "giữa", "vết",
    "bớt", "xăm", "mặt", "môi", "cổ",
)  # fmt: skip


def _fold(word: str) -> str:
    decomposed = unicodedata.normalize("NFD", word.replace("Đ", "D").replace("đ", "d"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def repair_mark_words(text: str) -> str:
    """Identification-mark words with a lost diacritic put right (case of the first letter kept)."""
    by_fold: dict[str, list[str]] = {}
    for word in MARK_WORDS:
        by_fold.setdefault(_fold(word), []).append(word)
    out = []
    for token in text.split(" "):
        candidates = by_fold.get(_fold(token), [])
        if len(candidates) == 1 and token.casefold() != candidates[0].casefold():
            word = candidates[0]
            token = word[0].upper() + word[1:] if token[:1].isupper() else word.lower()
        out.append(token)
    return " ".join(out)


def normalise_fields(fields: dict[str, ExtractedField]) -> list[str]:
    """Identification-mark words repaired. The printed expiry is the 25th, 40th or 60th birthday
    (Art. 21); none from 60. Issued after birth and before expiry."""
    mark = fields.get("personal_identification")
    if mark is not None and mark.value:
        repaired = repair_mark_words(mark.value)
        if repaired != mark.value:
            repaired_field = dataclasses.replace(mark, value=repaired)
            fields["personal_identification"] = repaired_field.noted("lexicon_repaired")
    dob_field, expiry = fields.get("date_of_birth"), fields.get("expiry_date")
    if dob_field is None or not dob_field.valid or not dob_field.value:
        return []
    issue = fields.get("issue_date")
    dob = dt.date.fromisoformat(dob_field.value)
    if issue is not None and issue.valid and issue.value:
        issued = dt.date.fromisoformat(issue.value)
        expires = dt.date.fromisoformat(expiry.value) if expiry and expiry.valid and expiry.value else None
        if issued <= dob or (expires is not None and expires <= issued):
            fields["issue_date"] = issue.invalid("dates_out_of_order")
    if expiry is None or not expiry.valid or not expiry.value:
        return []
    if dt.date.fromisoformat(expiry.value) not in {
        birthday(dob, dob.year + age) for age in CCCD_RENEWAL_AGES
    }:
        fields["expiry_date"] = expiry.invalid("not_a_renewal_birthday")
    return []


class CitizenIdCard(DocumentModel):
    """The 2021 citizen identity card (Căn cước công dân), front and back."""

    id_number: str
    full_name: str
    date_of_birth: dt.date
    sex: Sex
    nationality: str = "Việt Nam"
    place_of_origin: str
    place_of_residence: str
    expiry_date: dt.date | None = None  # None: "Không thời hạn" (no expiry)
    personal_identification: str | None = None  # back side
    issue_date: dt.date | None = None  # back side

    _text = field_validator("full_name", "nationality", "place_of_origin", "place_of_residence")(nfc_text)
    _optional_text = field_validator("personal_identification")(optional_nfc_text)
    _dates = field_validator("date_of_birth", "expiry_date", "issue_date")(optional_sane_date)

    @field_validator("full_name")
    @classmethod
    def _upper_name(cls, value: str) -> str:
        return value.upper()  # printed upper case on the card

    @model_validator(mode="after")
    def _consistent(self) -> CitizenIdCard:
        require_personal_id("id_number", self.id_number, self.date_of_birth, self.sex)
        if self.expiry_date is not None and self.expiry_date <= self.date_of_birth:
            raise ValueError("expiry_date must be after date_of_birth")
        dates_in_order(
            ("date_of_birth", self.date_of_birth),
            ("issue_date", self.issue_date),
            ("expiry_date", self.expiry_date),
        )
        return self


MODEL = CitizenIdCard
