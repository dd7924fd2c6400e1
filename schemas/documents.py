"""Document types as data, their fields, pydantic models of the extracted content, and the registry.

A document type is DATA: a :class:`DocumentTypeDef` (its printed title lines and field labels), a
pydantic model (:class:`DocumentModel`), a :class:`ValidityRule`, and optionally a
``normalise_fields`` hook for type-specific normalisation and cross-checks. Each type lives in its
own module ``schemas/doctypes/<type>.py``; :data:`DOCUMENT_TYPES`, :data:`MODELS`, :data:`VALIDITY`
and :data:`NORMALISERS` are built from the modules listed in ``schemas.doctypes.TYPE_MODULES`` on
first use. See ../shared/domain/README.md §3-§4. Labels are the printed ones; the classifier and the
extractor compare them after removing diacritics, so they are written once, exactly as printed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib
import itertools
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Annotated, Literal, Protocol, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict

from schemas.identifiers import MrzTd1, normalise_sex, validate_personal_id


class DocumentType(StrEnum):
    CCCD_2021 = "cccd_2021"
    CCCD_2024 = "cccd_2024"
    DRIVING_LICENCE = "driving_licence"
    LAND_CERTIFICATE = "land_certificate"
    ENTERPRISE_REGISTRATION_CERTIFICATE = "enterprise_registration_certificate"
    BIRTH_CERTIFICATE = "birth_certificate"
    MARRIAGE_CERTIFICATE = "marriage_certificate"
    MARITAL_STATUS_CONFIRMATION = "marital_status_confirmation"
    RESIDENCE_CONFIRMATION = "residence_confirmation"
    DIPLOMA = "diploma"
    HEALTH_CERTIFICATE = "health_certificate"
    ADMINISTRATIVE_DECISION = "administrative_decision"
    APPLICATION_FORM = "application_form"
    UNKNOWN = "unknown"

    @property
    def title_vi(self) -> str:
        return _TITLES_VI[self]


_TITLES_VI = {
    DocumentType.CCCD_2021: "Căn cước công dân",
    DocumentType.CCCD_2024: "Thẻ căn cước",
    DocumentType.DRIVING_LICENCE: "Giấy phép lái xe",
    DocumentType.LAND_CERTIFICATE: "Giấy chứng nhận quyền sử dụng đất",
    DocumentType.ENTERPRISE_REGISTRATION_CERTIFICATE: "Giấy chứng nhận đăng ký doanh nghiệp",
    DocumentType.BIRTH_CERTIFICATE: "Giấy khai sinh",
    DocumentType.MARRIAGE_CERTIFICATE: "Giấy chứng nhận kết hôn",
    DocumentType.MARITAL_STATUS_CONFIRMATION: "Giấy xác nhận tình trạng hôn nhân",
    DocumentType.RESIDENCE_CONFIRMATION: "Giấy xác nhận thông tin về cư trú",
    DocumentType.DIPLOMA: "Văn bằng",
    DocumentType.HEALTH_CERTIFICATE: "Giấy khám sức khỏe",
    DocumentType.ADMINISTRATIVE_DECISION: "Quyết định hành chính",
    DocumentType.APPLICATION_FORM: "Tờ khai",
    DocumentType.UNKNOWN: "Không xác định",
}


class FieldKind(StrEnum):
    TEXT = "text"
    NAME = "name"
    DATE = "date"
    ID_NUMBER = "id_number"  # 12-digit personal ID (checked against date of birth and sex)
    SEX = "sex"
    PLACE = "place"
    NUMBER = "number"  # digits, possibly with "/" (re-read with the digits model)
    CODE = "code"  # letters and digits, upper case, inner spaces removed (serials, licence classes)


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
    # Two-column forms (a marriage certificate's husband and wife columns share their labels): the
    # column of the page (0 left, 1 right) whose label hits belong to this field; None: any.
    column: int | None = None
    # A value printed without a label (the place/date line "…, ngày 05 tháng 02 năm 2024", a signer's
    # title): a regular expression searched in each OCR line when no label was found; its group
    # ``value`` (else the whole match) is the raw value. Flags inline (``(?i)``).
    pattern: str | None = None
    # The value ends in a Roman numeral ("Loại III"): Tesseract reads three serif capitals as "II" or
    # "HI", so the extractor also counts the numeral from its strokes (pipeline.roman).
    roman_numeral: bool = False
    # A value printed as a block of lines beside other text (a signer's capacity lines beside "Nơi
    # nhận"): when its reading is unsure or fails the type's checks, the block is re-read on its own
    # (pipeline.ocr.read_block) and the re-read taken if it passes them.
    block: bool = False
    # A code of a closed alphabet (a licence class "C1" read "CÍ"): when its reading fails the type's
    # checks, its zone is re-read with the digits model and this whitelist, taken if it passes them.
    whitelist: str | None = None
    # With ``whitelist``: a code whose misreadings stay valid ("GL13109228" read "GL15109228", Y read V):
    # the zone is re-read even when the first reading passes the checks surely; two valid readings that
    # differ go to a clerk, two that agree make the code sure however unsure each model was (a second
    # reading that fails the checks changes nothing).
    confirm: bool = False


@dataclass(frozen=True)
class DocumentTypeDef:
    type: DocumentType
    title_vi: str
    # Title lines that identify the type (printed below the national header).
    titles: tuple[str, ...]
    fields: tuple[FieldDef, ...]
    # Printed labels that are not extracted but end the value of the preceding field.
    other_labels: tuple[str, ...] = field(default=())
    # Lines that identify another page or side of the same document (the back of a card, which
    # repeats no title): a page with one of them and none of ``titles`` is that other side.
    side_titles: tuple[str, ...] = field(default=())
    # Fields printed on that other side (the back of a card): a document with only these (and a
    # side title) is that side without its front, still extracted and flagged ``side_missing``.
    back_fields: tuple[str, ...] = field(default=())

    def field(self, name: str) -> FieldDef:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)


ValidityKind = Literal["printed_expiry", "months_from_issue", "no_expiry", "until_amended", "single_use"]


@dataclass(frozen=True)
class ValidityRule:
    """How long a document of a type is valid.

    ``printed_expiry``: until the date in ``expiry_field``; ``months_from_issue``: ``months`` after
    the date in ``issue_field``; ``no_expiry``; ``until_amended`` (valid until replaced, e.g. a land
    certificate); ``single_use`` (used by one procedure only, e.g. an application form). ``source``
    cites the rule with its mark: [R] a regulation, [M] a measurement or market practice.
    """

    kind: ValidityKind
    source: str
    months: int | None = None
    issue_field: str | None = None
    expiry_field: str | None = None

    def __post_init__(self) -> None:
        if self.kind == "printed_expiry" and not self.expiry_field:
            raise ValueError("printed_expiry needs expiry_field")
        if self.kind == "months_from_issue" and (not self.months or not self.issue_field):
            raise ValueError("months_from_issue needs months and issue_field")

    def expiry(self, values: Mapping[str, str | None]) -> dt.date | None:
        """The last valid day given normalised field values (ISO dates); None: no known expiry."""
        if self.kind == "printed_expiry" and self.expiry_field:
            value = values.get(self.expiry_field)
            return dt.date.fromisoformat(value) if value else None
        if self.kind == "months_from_issue" and self.issue_field and self.months:
            value = values.get(self.issue_field)
            return add_months(dt.date.fromisoformat(value), self.months) if value else None
        return None


def add_months(date: dt.date, months: int) -> dt.date:
    """``date`` plus ``months`` calendar months (the last day of a shorter month if needed)."""
    index = date.year * 12 + date.month - 1 + months
    year, month = divmod(index, 12)
    for day in range(date.day, 27, -1):
        try:
            return dt.date(year, month + 1, day)
        except ValueError:
            continue
    return dt.date(year, month + 1, min(date.day, 28))


# ----------------------------------------------------------------------------------------------
# Extracted fields (shared by the extractor and the type hooks)
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExtractedField:
    value: str | None  # normalised (ISO date, "Nam"/"Nữ", upper-case name…); None if not found/usable
    raw: str  # as read
    confidence: float  # 0-1
    valid: bool
    problems: tuple[str, ...] = ()  # codes such as "not_a_date", "sex_mismatch", "surname_repaired"
    source: str = "ocr"  # "ocr", "qr", "mrz" (a machine-readable zone whose own checks passed), "clerk"

    def invalid(self, *codes: str) -> ExtractedField:
        """The same field marked invalid with problem ``codes`` (names, never values)."""
        return dataclasses.replace(self, valid=False, problems=(*self.problems, *codes))

    def noted(self, *codes: str) -> ExtractedField:
        """The same field with notes added, validity unchanged."""
        return dataclasses.replace(self, problems=(*self.problems, *codes))


class FieldsHook(Protocol):
    """A type module's optional ``normalise_fields(fields)``: normalise values and cross-check
    fields in place (replace entries of ``fields``: :meth:`ExtractedField.invalid` for a failed
    check), and return document-level reason codes of ``schemas.reasons`` (may be empty). It runs
    after the generic normalisation and cross-checks, before the validity (expiry) check."""

    def __call__(self, fields: dict[str, ExtractedField]) -> list[str]: ...


# ----------------------------------------------------------------------------------------------
# Models and shared validators
# ----------------------------------------------------------------------------------------------


class DocumentModel(BaseModel):
    """Base of every document model. hide_input_in_errors: a validation error must never carry
    personal data into a log."""

    model_config = ConfigDict(frozen=True, str_strip_whitespace=True, hide_input_in_errors=True)


def nfc_text(value: str) -> str:
    """NFC, single spaces, not empty."""
    text = " ".join(unicodedata.normalize("NFC", value).split())
    if not text:
        raise ValueError("must not be empty")
    return text


def optional_nfc_text(value: str | None) -> str | None:
    return nfc_text(value) if value else None


def sex_value(value: str) -> str:
    normalised = normalise_sex(value)
    if normalised is None:
        raise ValueError("must be Nam or Nữ")
    return normalised


# A model's sex field takes the printed forms ("NAM", "Nữ", "Male"…) and keeps "Nam" or "Nữ".
Sex = Annotated[Literal["Nam", "Nữ"], BeforeValidator(sex_value)]


def require_personal_id(
    field_name: str, id_number: str, date_of_birth: dt.date | None, sex: str | None = None
) -> None:
    """Raise ValueError naming ``field_name`` when the ID's structure contradicts the date of birth and
    sex printed beside it (schemas.identifiers.validate_personal_id)."""
    problems = validate_personal_id(id_number, date_of_birth, sex)
    if problems:
        raise ValueError(f"{field_name}: " + ", ".join(problems))


def sane_date(value: dt.date) -> dt.date:
    if not 1900 <= value.year <= 2399:
        raise ValueError("year outside 1900-2399")
    return value


def optional_sane_date(value: dt.date | None) -> dt.date | None:
    return sane_date(value) if value is not None else None


def birthday(date_of_birth: dt.date, year: int) -> dt.date:
    """The birthday in ``year`` (1 March for 29 February in a common year)."""
    try:
        return date_of_birth.replace(year=year)
    except ValueError:
        return dt.date(year, 3, 1)


def dates_in_order(*dates: tuple[str, dt.date | None]) -> None:
    """Raise ValueError naming the first pair of (name, date) out of order (earlier must come first)."""
    known = [(name, date) for name, date in dates if date is not None]
    for (first, a), (second, b) in itertools.pairwise(known):
        if b < a:
            raise ValueError(f"{second} must not precede {first}")


# ----------------------------------------------------------------------------------------------
# Shared data
# ----------------------------------------------------------------------------------------------

NATIONAL_HEADER = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc")

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

# Common given names and middle names (tên, tên đệm), about 250 of the most frequent. A name word with
# the same letters as one of these but other marks (CHẦU for CHÂU) is more likely misread than rare:
# the extractor sends it to review, it never rewrites it (names are an open set). [M: name lists]
COMMON_GIVEN_NAMES: tuple[str, ...] = (
    "An", "Anh", "Ánh", "Ân", "Bảo", "Bắc", "Bích", "Bình", "Cẩm", "Chi", "Chinh", "Chính", "Châu", "Công",
    "Cúc", "Cường", "Danh", "Diệp", "Diệu", "Dung", "Duy", "Duyên", "Dũng", "Dương", "Đan", "Đào", "Đạt",
    "Điệp", "Định", "Đình", "Đoan", "Đông", "Đức", "Gia", "Giang", "Hà", "Hải", "Hạnh", "Hào", "Hằng",
    "Hân", "Hậu", "Hiền", "Hiếu", "Hiển", "Hiệp", "Hòa", "Hoa", "Hoài", "Hoàn", "Hoàng", "Hồng", "Huệ",
    "Hùng", "Huy", "Huyền", "Huỳnh", "Hưng", "Hương", "Hường", "Hữu", "Khang", "Khanh", "Khánh", "Khoa",
    "Khôi", "Khuê", "Kiên", "Kiều", "Kim", "Kỳ", "Lam", "Lan", "Lâm", "Lê", "Liên", "Liễu", "Linh", "Loan",
    "Long", "Lộc", "Lợi", "Luân", "Lực", "Ly", "Lý", "Mai", "Mạnh", "Minh", "My", "Mỹ", "Nam", "Nga",
    "Ngân", "Nghĩa", "Ngọc", "Nguyên", "Nguyệt", "Nhàn", "Nhân", "Nhật", "Nhi", "Như", "Nhung", "Nhưng",
    "Ninh", "Oanh", "Phát", "Phong", "Phú", "Phúc", "Phụng", "Phương", "Phượng", "Quang", "Quân", "Quế",
    "Quốc", "Quyên", "Quyết", "Quỳnh", "Sang", "Sơn", "Tài", "Tâm", "Tân", "Thạch", "Thái", "Thanh",
    "Thành", "Thảo", "Thắm", "Thắng", "Thế", "Thị", "Thiện", "Thịnh", "Thoa", "Thu", "Thuận", "Thủy",
    "Thùy", "Thúy", "Thư", "Thương", "Tiến", "Tiên", "Toàn", "Trà", "Trâm", "Trang", "Trí", "Trinh",
    "Trọng", "Trung", "Trúc", "Tú", "Tuấn", "Tùng", "Tuyết", "Tường", "Uyên", "Văn", "Vân", "Việt", "Vinh",
    "Vĩnh", "Vũ", "Vy", "Vỹ", "Xuân", "Yến", "Ý", "Ngà", "Ngô", "Hoan", "Lệ", "Mến", "Nương", "Quyền",
    "Sáng", "Sinh", "Tín", "Tình", "Trường", "Tư", "Vượng", "Bằng", "Cảnh", "Chiến", "Chung", "Điền", "Hạ",
    "Hiên", "Khải", "Khiêm", "Lành", "Lương", "Mừng", "Phước", "Sương", "Tấn", "Thục", "Trân", "Tuyền",
    "Uy", "Vững", "Yên",
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
# Registry (built from schemas/doctypes/ on first use, so type modules may import this module)
# ----------------------------------------------------------------------------------------------

_V = TypeVar("_V")


class _Registry(Mapping[DocumentType, _V]):
    def __init__(self, attribute: str, *, optional: bool = False) -> None:
        self._attribute = attribute
        self._optional = optional
        self._data: dict[DocumentType, _V] | None = None

    def _load(self) -> dict[DocumentType, _V]:
        if self._data is None:
            doctypes = importlib.import_module("schemas.doctypes")
            data: dict[DocumentType, _V] = {}
            for module in doctypes.load_modules():
                if self._optional and not hasattr(module, self._attribute):
                    continue
                data[DocumentType(module.DEFINITION.type)] = getattr(module, self._attribute)
            self._data = data
        return self._data

    def __getitem__(self, key: DocumentType) -> _V:
        return self._load()[key]

    def __iter__(self) -> Iterator[DocumentType]:
        return iter(self._load())

    def __len__(self) -> int:
        return len(self._load())

    def __repr__(self) -> str:
        return f"Registry({self._attribute}: {sorted(self._load())})"


DOCUMENT_TYPES: Mapping[DocumentType, DocumentTypeDef] = _Registry("DEFINITION")
MODELS: Mapping[DocumentType, type[DocumentModel]] = _Registry("MODEL")
VALIDITY: Mapping[DocumentType, ValidityRule] = _Registry("VALIDITY")
# Optional machine-readable sources of a type: ``read_qr(payload) -> {field: value} | None`` and
# ``read_mrz(mrz: schemas.identifiers.MrzTd1) -> {field: value} | None`` (None: the source's own
# checks failed). Values are normalised like extraction's; NAME values from an MRZ are upper case
# without diacritics and only confirm or question the printed name.
QR_READERS: Mapping[DocumentType, Callable[[str], dict[str, str] | None]] = _Registry(
    "read_qr", optional=True
)
MRZ_READERS: Mapping[DocumentType, Callable[[MrzTd1], dict[str, str] | None]] = _Registry(
    "read_mrz", optional=True
)
NORMALISERS: Mapping[DocumentType, Callable[[dict[str, ExtractedField]], list[str]]] = _Registry(
    "normalise_fields", optional=True
)
