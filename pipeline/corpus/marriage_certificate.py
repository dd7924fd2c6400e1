"""Marriage certificate (Giấy chứng nhận kết hôn, form of Circular 04/2020/TT-BTP), one A4 page.

Layout [M: from the published blank]: registering authority, Số and Quyển số top left; national header;
title; two columns with the same labels, the husband's on the left and the wife's on the right (name,
date of birth, ethnicity, nationality, residence, identity document), each spouse's signature; then the
place and date of registration and the signer's block with the seal.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import TYPE_CHECKING

from pipeline.corpus import CorpusDocument
from pipeline.corpus.paper_forms import (
    LEFT,
    SERIF,
    SERIF_BOLD,
    SERIF_ITALIC,
    PaperDocument,
    commune,
    id_document,
    official_name,
    person,
    random_date,
)
from pipeline.samples import Citizen, _leader, _wrap

if TYPE_CHECKING:
    from PIL import Image


DPI = 300
DOCUMENT_TYPE = "marriage_certificate"
COLUMNS = ((LEFT, 103.0), (110.0, 195.0))  # husband's, wife's (mm)


def _spouse_column(doc: PaperDocument, citizen: Citizen, left: float, right: float, top: float) -> float:
    c = doc.c
    body, bold, dots = doc.font(SERIF, 12.0), doc.font(SERIF_BOLD, 12.0), doc.font(SERIF, 10.0)
    y = top

    def line(label: str, value: str | None = None, *, strong: bool = False) -> None:
        nonlocal y
        end = c.text(left, y, label, body)
        if value:
            end = c.text(end + 2.0, y, value, bold if strong else body)
        _leader(c, end + 2.0, right - 3.0, y, dots)
        y += 8.5

    line("Họ, chữ đệm, tên:")
    line("", citizen.full_name.upper(), strong=True)
    line("Ngày, tháng, năm sinh:", citizen.date_of_birth.strftime("%d/%m/%Y"))
    line("Dân tộc:", citizen.ethnicity)
    line("Quốc tịch:", citizen.nationality)
    end = c.text(left, y, "Nơi cư trú:", body)
    parts = _wrap(citizen.place_of_residence, body, c.px(right - end - 5.0))
    c.text(end + 2.0, y, parts[0], body)
    y += 8.5
    rest = " ".join(parts[1:])
    for text in _wrap(rest, body, c.px(right - left - 3.0)) if rest else []:
        c.text(left, y, text, body)
        y += 8.5
    line("Giấy tờ tùy thân:")
    line("", id_document(citizen))
    return y


def draw(rng: random.Random, dpi: int = DPI) -> tuple[list[Image.Image], dict[str, str]]:
    """The pages of one random marriage certificate and its expected fields."""
    husband = person(rng, sex="Nam", born_before=dt.date(2004, 1, 1))
    wife = person(rng, sex="Nữ", born_before=dt.date(2006, 1, 1))
    earliest = max(
        dt.date(husband.date_of_birth.year + 21, 1, 1),
        dt.date(wife.date_of_birth.year + 19, 1, 1),
        dt.date(2016, 1, 1),
    )
    registered = random_date(rng, earliest, dt.date(2025, 6, 30))
    place_commune = commune(rng)
    province = husband.place_of_residence.rsplit(", ", 1)[-1]
    authority = f"Ủy ban nhân dân xã {place_commune}, {province}"
    number = str(rng.randint(1, 250))
    book = f"{rng.randint(1, 3):02d}/{registered.year}"

    doc = PaperDocument(dpi=dpi)
    doc.headers(["Ủy ban nhân dân", f"xã {place_commune}"])
    doc.field("Số:", number, leader_to=80.0)
    doc.field("Quyển số:", book, leader_to=80.0)
    doc.y += 4.0
    doc.title("GIẤY CHỨNG NHẬN KẾT HÔN")
    top = doc.y
    doc.c.text(sum(COLUMNS[0]) / 2, top, "Thông tin người chồng", doc.font(SERIF_BOLD, 12.5), anchor="ms")
    doc.c.text(sum(COLUMNS[1]) / 2, top, "Thông tin người vợ", doc.font(SERIF_BOLD, 12.5), anchor="ms")
    top += 10.0
    bottom = max(_spouse_column(doc, husband, *COLUMNS[0], top), _spouse_column(doc, wife, *COLUMNS[1], top))
    doc.y = bottom + 4.0
    for (left, right), who in zip(COLUMNS, ("Chồng", "Vợ"), strict=True):
        doc.c.text((left + right) / 2, doc.y, who, doc.font(SERIF_BOLD, 12.0), anchor="ms")
        doc.c.text(
            (left + right) / 2,
            doc.y + 5.5,
            "(Ký, ghi rõ họ, chữ đệm, tên)",
            doc.font(SERIF_ITALIC, 10.5),
            anchor="ms",
        )
    doc.y += 22.0
    doc.multiline("Nơi đăng ký:", authority)
    doc.field("Ngày, tháng, năm đăng ký:", registered.strftime("%d/%m/%Y"), leader_to=130.0)
    doc.y += 2.0
    doc.signer(["NGƯỜI KÝ GIẤY CHỨNG NHẬN KẾT HÔN"], official_name(rng), x=140.0)

    fields = {"registration_number": number, "book": book, "registration_place": authority,
              "registration_date": registered.isoformat()}  # fmt: skip
    for prefix, citizen in (("husband", husband), ("wife", wife)):
        fields |= {
            f"{prefix}_name": citizen.full_name.upper(),
            f"{prefix}_date_of_birth": citizen.date_of_birth.isoformat(),
            f"{prefix}_ethnicity": citizen.ethnicity,
            f"{prefix}_nationality": citizen.nationality,
            f"{prefix}_residence": citizen.place_of_residence,
            f"{prefix}_id_number": citizen.id_number,
        }
    return doc.pages, fields


def render(rng: random.Random, dpi: int = DPI) -> CorpusDocument:
    pages, fields = draw(rng, dpi)
    return CorpusDocument(document_type=DOCUMENT_TYPE, fields=fields, pages=pages, dpi=dpi)
