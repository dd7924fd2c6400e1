"""List fields of paper documents, read from the page geometry: the household members table of a
residence confirmation (CT07) and the recipients ("Nơi nhận:") of an administrative decision.

A list is returned as flat fields so that review, the bench and corrections treat each item like
any other field: ``household_members.<n>.<column>`` (n from 1) and ``household_members.count``;
``recipients.<n>`` and ``recipients.count``. Each cell is normalised as the field of the same kind
is (a name voted and repaired, a date and an ID re-read with the digits model, the ID checked
against the row's date of birth and sex). A row that is there but cannot be read is kept with its
unreadable cells invalid (never dropped), and a gap in the row numbers invalidates the count.
Problem codes name the check, never a value.
"""

from __future__ import annotations

import dataclasses
import re
import statistics
import unicodedata
from collections.abc import Callable, Sequence

import cv2
import numpy as np
from PIL import Image

from pipeline.extract import (
    LOW_CONFIDENCE,
    ZoneReader,
    _cross_validate,
    _Found,
    _normalise,
    _repair_address_part,
    clean_text,
)
from pipeline.ocr import OcrOptions, OcrPage, Word, ZoneRequest, read_block, words_box
from schemas.doctypes._lexicon import repair_y_dot
from schemas.doctypes._papers import fold_key, snap
from schemas.doctypes.residence_confirmation import RELATIONS
from schemas.documents import DocumentType, ExtractedField, FieldDef, FieldKind

MEMBERS = "household_members"
RECIPIENTS = "recipients"
# Columns of the CT07 household table, left to right, and how each cell is normalised.
MEMBER_COLUMNS: tuple[tuple[str, FieldKind | None], ...] = (
    ("number", None),  # "TT": the row number, only checks the order
    ("full_name", FieldKind.NAME),
    ("date_of_birth", FieldKind.DATE),
    ("sex", FieldKind.SEX),
    ("id_number", FieldKind.ID_NUMBER),
    ("relation_to_head", FieldKind.TEXT),
)
# The header words that start each column ("TT", "Họ, chữ đệm và tên", "Ngày sinh", "Giới tính",
# "Số định danh cá nhân", "Quan hệ với chủ hộ"), folded.
_HEADER_STARTS = ("TT", "HO", "NGAY", "GIOI", "SO", "QUAN")
_HEADER_WORDS = frozenset(
    ("TT", "HO", "CHU", "DEM", "VA", "TEN", "NGAY", "SINH", "GIOI", "TINH", "SO", "DINH", "DANH", "CA",
     "NHAN", "QUAN", "HE", "VOI", "STT")
)  # fmt: skip
_TABLE_END = "THONG TIN TREN CO GIA TRI"
_RULE = re.compile(r"[|\[\]¦]")  # table rulings read as characters


def _fold(word: Word | str) -> str:
    text = word.text if isinstance(word, Word) else word
    return fold_key(_RULE.sub("", text))


def _centre(word: Word) -> float:
    return word.top + word.height / 2


def rows(words: Sequence[Word]) -> list[list[Word]]:
    """Words grouped into rows by their vertical centre (top to bottom), each row left to right."""
    if not words:
        return []
    height = statistics.median(w.height for w in words)
    grouped: list[list[Word]] = []
    for word in sorted(words, key=_centre):
        if grouped and abs(_centre(word) - statistics.fmean(_centre(w) for w in grouped[-1])) <= 0.5 * height:
            grouped[-1].append(word)
        else:
            grouped.append([word])
    return [sorted(row, key=lambda w: w.left) for row in grouped]


def _confidence(words: Sequence[Word]) -> float:
    return min(w.conf for w in words) / 100.0 if words else 0.0


def _unreadable(code: str) -> ExtractedField:
    return ExtractedField(None, "", 0.0, False, (code,))


_SHIFTED = 0.5  # confidence of list items whose position is in doubt (below LOW_CONFIDENCE)


def _shifted(field: ExtractedField) -> ExtractedField:
    """An item read after a lost, split or merged row: its position is in doubt, so it goes to review
    (kept as read)."""
    return dataclasses.replace(
        field, confidence=min(field.confidence, _SHIFTED), problems=(*field.problems, "list_shifted")
    )


# ------------------------------------------------------------------------------ household members


def _member_header(page: OcrPage) -> tuple[list[int], int] | None:
    """(left edge of each column, bottom of the header's first line) of the household table."""
    for line in page.lines:
        folded = [_fold(w) for w in line.words]
        if "NGAY" not in folded or "GIOI" not in folded or "QUAN" not in folded:
            continue
        words = [w for w, f in zip(line.words, folded, strict=True) if f]  # rulings read alone: "|"
        folded = [f for f in folded if f]
        lefts: list[int] = []
        start = 0
        for k, head in enumerate(_HEADER_STARTS):
            at = next((i for i in range(start, len(folded)) if folded[i] == head), None)
            if at is None and k < 2 and start < len(folded) and folded[start] not in _HEADER_STARTS[2:]:
                at = start  # "TT" or "Họ," misread: the first words of the line start those columns
            if at is None:
                break
            lefts.append(words[at].left)
            start = at + 1
        if len(lefts) == len(_HEADER_STARTS):
            return lefts, max(w.top + w.height for w in line.words)
    return None


def _table_end(page: OcrPage, below: int) -> int:
    for line in page.lines:
        top = min(w.top for w in line.words)
        if top > below and " ".join(_fold(w) for w in line.words).startswith(_TABLE_END):
            return top
    return (
        page.image.height
        if page.image is not None
        else max((w.top + w.height for w in page.words), default=0)
    )


def _member_cells(row: list[Word], lefts: list[int]) -> list[list[Word]]:
    tolerance = statistics.median(w.height for w in row) / 2
    cells: list[list[Word]] = [[] for _ in lefts]
    for word in row:
        if not _RULE.sub("", word.text).strip():
            continue
        column = max((k for k, left in enumerate(lefts) if word.left + tolerance >= left), default=0)
        cells[column].append(dataclasses.replace(word, text=_RULE.sub("", word.text)))
    return cells


def _relation(raw: str, conf: float) -> ExtractedField:
    field = ExtractedField(clean_text(raw) or None, raw, conf, bool(clean_text(raw)))
    snapped = snap(field, RELATIONS, "unknown_relation")
    return snapped if snapped is not None else field


# A row number re-read alone with the digits model: at least this sure (0-100) to count.
_ROW_NUMBER_AGAIN = 80.0


def _row_number_again(
    page: OcrPage, cell: list[Word], position: int, reader: ZoneReader | None, options: OcrOptions
) -> int | None:
    """The "TT" number of a row that is not its position as read in the page (a lone digit in a
    narrow cell: "3" read "ỏ" at 0, "2" read "”", "4" read "1" at 41 on light scans), re-read from its
    own box with the digits model: ``position`` when that reading says so, sure; else None (the rows
    stay in doubt: one may have been lost or split)."""
    if reader is None or page.image is None:
        return None
    box = words_box(cell)
    request = ZoneRequest(options.digits_language, whitelist="0123456789", binarise=True)
    again = [w for w in reader(page, box, request) if w.text.strip()]
    if len(again) == 1 and again[0].text.strip() == str(position) and again[0].conf >= _ROW_NUMBER_AGAIN:
        return position
    return None


def household_members(
    pages: Sequence[OcrPage], reader: ZoneReader | None, options: OcrOptions
) -> dict[str, ExtractedField]:
    """The CT07 household table: one set of fields per row, and the number of rows."""
    out: dict[str, ExtractedField] = {}
    for page in pages:
        header = _member_header(page)
        if header is None:
            continue
        lefts, header_bottom = header
        end = _table_end(page, header_bottom)
        words = [w for w in page.words if header_bottom < _centre(w) < end and _RULE.sub("", w.text).strip()]
        numbers: list[int | None] = []
        for row in rows(words):
            cells = _member_cells(row, lefts)
            texts = [" ".join(w.text for w in cell) for cell in cells]
            if not numbers and all(_fold(t) in _HEADER_WORDS for t in " ".join(texts).split()):
                continue  # the header's second line ("nhân", "chủ hộ")
            n = len(numbers) + 1
            digits = re.sub(r"\D", "", texts[0])
            number = int(digits) if digits else None
            if number != n and cells[0]:
                number = _row_number_again(page, cells[0], n, reader, options) or number
            numbers.append(number)
            member: dict[str, ExtractedField] = {}
            for (column, kind), cell, text in zip(MEMBER_COLUMNS, cells, texts, strict=True):
                if kind is None:
                    continue
                if not cell:
                    member[column] = _unreadable("unreadable_cell")
                elif kind is FieldKind.TEXT:
                    member[column] = _relation(text, _confidence(cell))
                else:
                    fdef = FieldDef(column, column, kind, ())
                    found = _Found(text, _confidence(cell), page, tuple(cell))
                    member[column] = _normalise(fdef, found, reader, options)[0]
            _cross_validate(member)  # the ID against the row's date of birth and sex
            repair_y_dot({"full_name": "name"}, member)
            out.update({f"{MEMBERS}.{n}.{column}": f for column, f in member.items()})
        if numbers:
            in_order = numbers == list(range(1, len(numbers) + 1))
            # From the first row whose number is not its position on, a row may have been lost or
            # split: those rows' fields go to review (kept as read).
            first_off = next((i for i, k in enumerate(numbers) if k != i + 1), len(numbers))
            for key, f in list(out.items()):
                if int(key.split(".")[1]) > first_off and f.valid:
                    out[key] = _shifted(f)
            count = str(len(numbers))
            out[f"{MEMBERS}.count"] = ExtractedField(
                count, count, 1.0 if in_order else 0.5, in_order, () if in_order else ("rows_out_of_order",)
            )
            return out
    out[f"{MEMBERS}.count"] = _unreadable("table_not_found")
    return out


# ------------------------------------------------------------------------------------ recipients

_GARBLED = 30.0  # a word read below this (0-100) makes the rest of its list doubtful
_ARCHIVE = "VT"  # "Lưu: VT, …": the clerical office keeps a copy (Decree 30/2020 Appendix I) [R]
_BULLETS = ("-", "–", "—", "+", "•")
# The unit that drafted the text, archived after VT: the abbreviations of a People's Committee's own
# offices and departments. District level: the specialised offices of Decree 37/2014/NĐ-CP as amended
# by Decree 108/2020/NĐ-CP (Nội vụ, Tư pháp, Tài chính - Kế hoạch, Tài nguyên và Môi trường, Lao động -
# Thương binh và Xã hội, Văn hóa và Thông tin, Giáo dục và Đào tạo, Y tế, Thanh tra, Văn phòng, Kinh tế,
# Nông nghiệp và PTNT, Quản lý đô thị, Kinh tế và Hạ tầng, Dân tộc); provincial level: the departments
# of Decree 24/2014/NĐ-CP as amended by Decree 107/2020/NĐ-CP and the office's divisions (Nội chính,
# Khoa giáo - Văn xã, Kinh tế, Tổng hợp, Hành chính - Tổ chức). A unit read as none of them ("TP" read
# "TE" at full confidence, bench seed 5150) is doubtful: re-read, else a clerk checks it.
UNIT_CODES = frozenset(
    {
        "NV", "TP", "TCKH", "TNMT", "LĐTBXH", "VHTT", "GDĐT", "YT", "TTR", "VP", "KT", "NNPTNT",
        "QLĐT", "KTHT", "DT", "SNV", "STP", "SKHĐT", "STC", "SCT", "SNNPTNT", "SGTVT", "SXD",
        "STNMT", "STTTT", "SLĐTBXH", "SVHTTDL", "SKHCN", "SGDĐT", "SYT", "BDT", "NC", "KGVX", "TH",
        "HCTC",
    }
)  # fmt: skip


def _merged_unit(first: str) -> str | None:
    """The unit of an archive's first code read as one with its "VT" ("VTLĐTBXH"; "VELĐTBXH",
    "VFELĐTBXH": the T misread too): after "VT", or after a V and one or two letters, one of
    UNIT_CODES; None for a code of its own."""
    if len(first) > 3 and first.startswith(_ARCHIVE):
        return first[len(_ARCHIVE) :]
    if len(first) > 3 and first.startswith("V"):
        return next((first[k:] for k in (2, 3) if first[k:] in UNIT_CODES), None)
    return None


def _recipient(raw: str, words: Sequence[Word]) -> ExtractedField:
    """One recipient, as printed without its dash and final ";" or ".": "Như Điều 3", "UBND Tỉnh
    Quảng Bình", "Lưu: VT, TP"."""
    text = clean_text(raw).lstrip("".join(_BULLETS) + " ").rstrip(";.,: ")
    conf = _confidence(words)
    folded = fold_key(text)
    problems: tuple[str, ...] = ()
    match = re.fullmatch(r"NHU DIEU (\d+)", folded)
    if match:
        text = f"Như Điều {match.group(1)}"
    elif folded.startswith("LUU "):
        codes = re.findall(r"[A-ZĐ0-9]+", text.split(" ", 1)[1].upper())
        raw_first = codes[0] if codes else ""
        unit = _merged_unit(raw_first)
        if unit is not None:
            # "Lưu: VT, LĐTBXH" read "VTLĐTBXH" or "VELĐTBXH": the thin comma lost; VT is mandatory
            # first. The merged word's own confidence counts (its unit's initials may be misread too).
            codes[:1] = [_ARCHIVE, unit]
            conf = min(0.85, _confidence([w for w in words if fold_key(w.text) != "LUU"]))
        elif codes and len(codes[0]) <= 3 and codes[0][0] == "V":
            # "VT" is mandatory first; its low confidence (a stamp, a thin comma) says nothing.
            codes[0] = _ARCHIVE
            rest = [w for w in words if fold_key(w.text) not in ("LUU", fold_key(raw_first))]
            conf = max(conf, min(0.9, _confidence(rest) if rest else 0.9))
        else:
            problems = ("archive_without_vt",)
        if any(re.search(r"(.)\1\1", code) for code in codes) or (
            codes[:1] == [_ARCHIVE] and len(codes) > 1 and codes[1] not in UNIT_CODES
        ):
            # A unit's initials never repeat a letter three times: Tesseract doubled one ("VHTT" read
            # "VHTTT" at full confidence, 4 confident wrong values on bench seed 2718). The unit after
            # VT is one of UNIT_CODES (later codes, a drafter's initials, are not checked).
            conf = min(conf, _SHIFTED)
            problems = (*problems, "archive_code_doubtful")
        text = "Lưu: " + ", ".join(codes)
    elif folded.startswith("UBND "):
        text = "UBND " + _repair_address_part(text.split(" ", 1)[1])
    value = unicodedata.normalize("NFC", text)
    field = ExtractedField(value or None, raw, conf, bool(value) and not problems, problems)
    return field


# An archive code re-read alone (eng: no Đ). With its punctuation and the space: without them LSTM
# forces the final "." into a "," and gives the line a confidence of 0.
_CODE_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ, .;"


def _archive_again(
    field: ExtractedField, words: Sequence[Word], page: OcrPage, reader: ZoneReader | None, language: str
) -> ExtractedField:
    """An archive item whose code repeats a letter three times ("VHTT" read "VHTTT" at full
    confidence) or whose unit is none of UNIT_CODES re-read from the codes' zone with the digits model
    and capitals only: taken if it reads the same number of codes, none with a letter three times, the
    unit one of UNIT_CODES."""
    codes = [w for w in words if fold_key(w.text) not in ("", "LUU")]
    if reader is None or page.image is None or not codes or "archive_code_doubtful" not in field.problems:
        return field
    box = words_box(codes)
    again = [
        w
        for w in reader(page, box, ZoneRequest(language, whitelist=_CODE_LETTERS, binarise=True))
        if w.text.strip()
    ]
    read = re.findall(r"[A-Z]+", " ".join(w.text for w in again))
    before = re.findall(r"[A-ZĐ0-9]+", (field.value or "").split(" ", 1)[-1])
    if not read or len(read) != len(before) or any(re.search(r"(.)\1\1", code) for code in read):
        return field
    if read[0] != _ARCHIVE or any("Đ" in code for code in before):
        return field
    if len(read) > 1 and read[1] not in UNIT_CODES:
        return field
    return ExtractedField(
        "Lưu: " + ", ".join(read),
        field.raw,
        min(w.conf for w in again) / 100.0,
        True,
        ("read_again",),
    )


def _gap_near(image: Image.Image, word: Word, at: int) -> int:
    """The x where the letter at index ``at`` of ``word`` starts ("L" of "VELĐTBXH."): the last of the
    least inked columns of the word's box within half a letter of its share of the width (the gap
    before it)."""
    per_letter = word.width / max(1, len(word.text))
    guess = word.left + per_letter * at
    crop = np.asarray(image.convert("L").crop(words_box([word])))
    _, ink = cv2.threshold(crop, 0, 1, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    columns = ink.sum(axis=0)
    lo = max(0, round(guess - per_letter / 2) - word.left)
    hi = min(len(columns), round(guess + per_letter / 2) - word.left + 1)
    if hi <= lo:
        return round(guess)
    least = int(columns[lo:hi].min())
    # The last such column: a comma read into the word ("VT, L…" read "VEL…") stands before the gap.
    return word.left + max(x for x in range(lo, hi) if columns[x] == least)


def _unit_alone(
    field: ExtractedField, words: Sequence[Word], page: OcrPage, reader: ZoneReader | None, language: str
) -> ExtractedField:
    """An archive item "Lưu: VT, <unit>" left unsure because its VT was misread ("VI," or "VE" at
    30-47: Tesseract gives the unit's word the doubt of the stretch of line it shares with it, "VI,
    LĐTBXH." both at 30) whose unit, re-read alone from its own part of the last word, reads as
    itself and sure: sure (noted ``read_again``; VT is restored whatever it reads)."""
    if reader is None or page.image is None or not words or not field.valid or not field.value:
        return field
    codes = field.value.removeprefix("Lưu: ").split(", ")
    if field.confidence >= LOW_CONFIDENCE or len(codes) != 2 or codes[0] != _ARCHIVE:
        return field
    unit, last = codes[1], words[-1]
    at = last.text.upper().rfind(unit)
    if unit not in UNIT_CODES or at < 0 or any(ch.isalnum() for ch in last.text[at + len(unit) :]):
        return field
    left = last.left if at == 0 else _gap_near(page.image, last, at)
    again = reader(page, (left, last.top, last.right, last.bottom), ZoneRequest(language, binarise=True))
    read = "".join(ch for w in again for ch in w.text.upper() if ch.isalnum())
    conf = min((w.conf for w in again), default=0.0)
    if read != unit or conf < LOW_CONFIDENCE * 100:
        return field
    return dataclasses.replace(field, confidence=min(0.9, conf / 100)).noted("read_again")


def _row_reader(page: OcrPage, mid: int, reader: ZoneReader | None, options: OcrOptions) -> RowReader | None:
    """Reads a garbled row of the list again as one line of its own (its words' box to the page's
    middle, the page's language, binarised): "- Lưu: VT, TP." read as one word "=I.UUV1,:1P." at 0%
    reads whole alone. The row's own words stay when the re-read is no surer, or when the row is
    taller than a line (merged lines)."""
    if reader is None or page.image is None:
        return None

    line = statistics.median(w.height for w in page.words) if page.words else 0

    def read_row(row: list[Word]) -> list[Word]:
        if max(w.top + w.height for w in row) - min(w.top for w in row) > 1.5 * line:
            return row  # lines merged into one row: one line's re-read would lose the other
        box = (
            min(w.left for w in row),
            min(w.top for w in row),
            max(mid, max(w.left + w.width for w in row)),
            max(w.top + w.height for w in row),
        )
        again = [w for w in reader(page, box, ZoneRequest(options.language, binarise=True)) if w.text.strip()]
        if again and _confidence(_judged(again)) > _confidence(_judged(row)):
            return again
        return row

    return read_row


def _judged(item: list[Word]) -> list[Word]:
    """The words of an item whose confidence tells whether its line was read: all but the "VT" of an
    archive line ("Lưu: VT, …"), which Tesseract reads unsure (a stamp, a thin comma) and which
    :func:`_recipient` restores (VT is mandatory first)."""
    folded = [_fold(w) for w in item]
    at = next((i for i, f in enumerate(folded) if f == "LUU"), None)
    if at is None or at + 1 >= len(item) or not folded[at + 1].startswith("V") or len(folded[at + 1]) > 3:
        return item
    return [*item[: at + 1], *item[at + 2 :]]


def _bullet(word: Word, first: Word) -> bool:
    """The word opens a new item: a dash, or a speck of punctuation where the dashes are (a dash
    read ":" or "=" when the line was garbled)."""
    if word.text[:1] in _BULLETS:
        return True
    at_dashes = abs(word.left - first.left) <= max(first.height, 20)
    return at_dashes and len(word.text) <= 4 and not any(ch.isalnum() for ch in word.text)


def _page_mid(page: OcrPage) -> float:
    if page.image is not None:
        return page.image.width / 2
    return max((w.left + w.width for w in page.words), default=0) / 2


RowReader = Callable[[list[Word]], list[Word]]


def _items(
    words: Sequence[Word], below: float, mid: float, read_row: RowReader | None = None
) -> tuple[list[list[Word]], int]:
    """The list's items (words) under the label in the left column, and the index of the first
    doubtful one (a garbled line: Tesseract merged it with the signer's block beside it, words at a
    few percent; it may hide a lost or merged item, so that item, the rest and the count may be
    shifted); ``len(items)`` when none is. A garbled row is first read again alone (``read_row``)."""
    column = [w for w in words if _centre(w) > below and w.left + w.width / 2 < mid]
    items: list[list[Word]] = []
    last_bottom = below
    for row in rows(column):
        top = min(w.top for w in row)
        height = statistics.median(w.height for w in row)
        if top - last_bottom > 3 * max(height, 20):
            break  # past the list
        if read_row is not None and _confidence(_judged(row)) * 100 < _GARBLED:
            row = read_row(row)
        if not items or _bullet(row[0], items[0][0]) or items[-1][-1].text.endswith(";"):
            # A new item: its dash, or the last one ended (each item but the last ends with ";",
            # Decree 30/2020 Appendix I): "- Lưu: VT, VHTT." whose dash was read "=LƯU:" is no
            # continuation of "- Phòng Tài chính - Kế hoạch;" (seed 5150 decision #40 light).
            items.append(list(row))
        else:
            items[-1].extend(row)  # a recipient continued on the next line
        last_bottom = max(w.top + w.height for w in row)
    doubtful = next(
        (
            i
            for i, item in enumerate(items)
            # a garbled line, or an item of bullets and specks only (a stray mark read as a dash: the
            # items after it are shifted by one)
            if _confidence(_judged(item)) * 100 < _GARBLED
            or not any(ch.isalnum() for w in item for ch in w.text)
        ),
        len(items),
    )
    return items, doubtful


def recipients(
    pages: Sequence[OcrPage], options: OcrOptions | None = None, reader: ZoneReader | None = None
) -> dict[str, ExtractedField]:
    """The "Nơi nhận:" list at the bottom left of the last page that has one.

    When the page's reading of the list is doubtful (a garbled line) or an item is unsure, and the
    page image is kept, the left half from the label down is re-read as a block of its own
    (:func:`pipeline.ocr.read_block`): cut at the page's middle, the signer's block can no longer
    merge with the list's lines. The re-read is taken only if none of its lines is garbled and its
    weakest item is at least as sure as the page's; otherwise the page's reading stays, its doubtful
    part flagged."""
    out: dict[str, ExtractedField] = {}
    ocr_options = options or OcrOptions()
    for page in reversed(pages):
        label = next(
            (
                (a, b)
                for line in page.lines
                for a, b in zip(line.words, line.words[1:], strict=False)
                if _fold(a) == "NOI" and _fold(b).startswith("NHAN")
            ),
            None,
        )
        if label is None:
            continue
        mid = _page_mid(page)
        below = label[1].top + label[1].height
        items, doubtful_from = _items(page.words, below, mid)
        # Any unsure word (the archive's VT too: an unsure line may sit next to a lost one) asks for
        # the re-read; the readings are compared without the VT (restored whatever it reads).
        unsure = min((_confidence(item) for item in items), default=0.0) < LOW_CONFIDENCE
        weakest = min((_confidence(_judged(item)) for item in items), default=0.0)
        if (doubtful_from < len(items) or unsure) and page.image is not None:
            top = max(0, label[0].top - label[0].height // 2)
            block = read_block(
                page.image,
                (0, top, int(mid), page.image.height),
                page_number=page.page_number,
                options=options,
            )
            again, again_doubtful = _items(block, below, mid)
            if (
                again
                and again_doubtful == len(again)
                and min(_confidence(_judged(i)) for i in again) >= weakest
            ):
                items, doubtful_from = again, again_doubtful
            elif doubtful_from < len(items):
                # Last: the page's garbled rows read again one by one, taken if none stays garbled.
                read_row = _row_reader(page, int(mid), reader, ocr_options)
                fixed, fixed_doubtful = _items(page.words, below, mid, read_row)
                if read_row is not None and fixed and fixed_doubtful == len(fixed):
                    items, doubtful_from = fixed, fixed_doubtful
        fields = []
        for item in items:
            field = _archive_again(
                _recipient(" ".join(w.text for w in item), item),
                item,
                page,
                reader,
                ocr_options.digits_language,
            )
            fields.append(_unit_alone(field, item, page, reader, ocr_options.language))
        if doubtful_from == len(items) - 1 and "read_again" in fields[-1].problems:
            # Only the last item, the archive's, was garbled, and it reads whole again: nothing after
            # it to shift, nothing lost in it.
            doubtful_from = len(items)
        for n, field in enumerate(fields, start=1):
            out[f"{RECIPIENTS}.{n}"] = _shifted(field) if n > doubtful_from else field
        count = str(len(items))
        sure = doubtful_from == len(items)
        out[f"{RECIPIENTS}.count"] = ExtractedField(
            count,
            count,
            (1.0 if sure else _SHIFTED) if items else 0.0,
            bool(items),
            () if sure else ("list_shifted",),
        )
        return out
    out[f"{RECIPIENTS}.count"] = _unreadable("list_not_found")
    return out


# ------------------------------------------------------------------------------------------ entry

ListReader = Callable[[Sequence[OcrPage], ZoneReader | None, OcrOptions], dict[str, ExtractedField]]
# The list each type carries (its field prefix; a clerk corrects only its own type's items) and its reader.
LISTS: dict[DocumentType, tuple[str, ListReader]] = {
    DocumentType.RESIDENCE_CONFIRMATION: (MEMBERS, household_members),
    DocumentType.ADMINISTRATIVE_DECISION: (
        RECIPIENTS,
        lambda pages, reader, options: recipients(pages, options, reader),
    ),
}


def read_lists(
    document_type: DocumentType, pages: Sequence[OcrPage], reader: ZoneReader | None, options: OcrOptions
) -> dict[str, ExtractedField]:
    """The list fields of ``document_type`` (none for most types)."""
    entry = LISTS.get(document_type)
    return entry[1](pages, reader, options) if entry is not None else {}


def is_list_field(name: str) -> bool:
    """A flat list-item field ("household_members.2.id_number", "recipients.count")."""
    return "." in name


def list_problems(fields: dict[str, ExtractedField]) -> list[tuple[str, str]]:
    """(reason code, field name) of the list fields to review: invalid, or below LOW_CONFIDENCE."""
    out = []
    for name, f in fields.items():
        if not is_list_field(name):
            continue
        if not f.valid:
            out.append(("field_invalid", name))
        elif f.confidence < LOW_CONFIDENCE and f.source != "clerk":
            out.append(("low_confidence", name))
    return out


def list_field_def(name: str, document_type: DocumentType | None = None) -> FieldDef | None:
    """The field definition of a list item (for a clerk's correction): the kind of its column
    ("household_members.2.date_of_birth" is a date, "recipients.count" a number); None for an
    unknown name, or a list ``document_type`` does not carry."""
    parts = name.split(".")
    if document_type is not None and parts[0] != LISTS.get(document_type, ("",))[0]:
        return None
    if len(parts) == 2 and parts[0] in (MEMBERS, RECIPIENTS) and parts[1] == "count":
        return FieldDef(name, name, FieldKind.NUMBER, ())
    if len(parts) == 3 and parts[0] == MEMBERS and parts[1].isdigit():
        kind = dict(MEMBER_COLUMNS).get(parts[2])
        return FieldDef(name, name, kind, ()) if kind is not None else None
    if len(parts) == 2 and parts[0] == RECIPIENTS and parts[1].isdigit():
        return FieldDef(name, name, FieldKind.TEXT, ())
    return None
