"""Residence confirmation (Xác nhận thông tin về cư trú, form CT07 of Circular 66/2023/TT-BCA).

Layout [M: from the published blank]: police of the province and of the commune, "Số: …/XN" top left;
national header and place/date line; title; numbered lines: the person's name, date of birth, sex,
personal ID number, permanent residence, temporary residence, current residence, head of household,
relation to the head, then the household members as a table (No., name, date of birth, sex, personal
ID, relation); the signer (TRƯỞNG CÔNG AN …) with the seal.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import TYPE_CHECKING

from pipeline.corpus import CorpusDocument
from pipeline.corpus.paper_forms import (
    SERIF,
    SERIF_BOLD,
    PaperDocument,
    commune,
    official_name,
    person,
    random_date,
    vn_date,
)
from pipeline.samples import Citizen, _person_name, _wrap

if TYPE_CHECKING:
    from PIL import Image


DPI = 300
DOCUMENT_TYPE = "residence_confirmation"
_TABLE_COLUMNS = (22.0, 32.0, 90.0, 120.0, 138.0, 170.0, 195.0)  # STT | name | DOB | sex | ID | relation


_OLDEST_HOLDER_UNDER_A_HEAD = dt.date(1972, 1, 1)


def _household(rng: random.Random, holder: Citizen) -> tuple[str, list[tuple[str, str, str, str, str]]]:
    """(holder's relation to the head, members as (name, DOB, sex, ID, relation)), the head first."""
    members: list[tuple[str, str, str, str, str]] = []
    # A head two years older than the holder must exist among make_citizen's births (from ~1964):
    # an older holder heads the household (drawing one failed: bench seed 2718 #2).
    if rng.random() < 0.5 or holder.date_of_birth < _OLDEST_HOLDER_UNDER_A_HEAD:
        relation = "Chủ hộ"
        head = holder
    else:
        relation = "Con" if holder.date_of_birth.year >= 1985 else rng.choice(("Vợ", "Chồng", "Em"))
        if relation in ("Vợ", "Chồng"):
            relation = "Vợ" if holder.sex == "Nữ" else "Chồng"
        head = person(rng, sex="Nam", born_before=holder.date_of_birth - dt.timedelta(days=365 * 2))
    members.append(
        (head.full_name, head.date_of_birth.strftime("%d/%m/%Y"), head.sex, head.id_number, "Chủ hộ")
    )
    if head is not holder:
        members.append(
            (
                holder.full_name,
                holder.date_of_birth.strftime("%d/%m/%Y"),
                holder.sex,
                holder.id_number,
                relation,
            )
        )
    for _ in range(rng.randint(0, 2)):
        other = person(rng, born_after=dt.date(1960, 1, 1))
        name = " ".join(_person_name(rng, other.sex, head.surname))
        members.append((name, other.date_of_birth.strftime("%d/%m/%Y"), other.sex, other.id_number, "Con"))
    return relation, members


def draw(rng: random.Random, dpi: int = DPI) -> tuple[list[Image.Image], dict[str, str]]:
    holder = person(rng, born_before=dt.date(2008, 1, 1))
    issued = random_date(rng, dt.date(2023, 7, 1), dt.date(2025, 12, 31))
    place = commune(rng)
    province = holder.place_of_residence.rsplit(", ", 1)[-1]
    province_name = province.replace("Thành phố ", "").replace("Tỉnh ", "")
    number = f"{rng.randint(1, 999)}/XN"
    relation, members = _household(rng, holder)
    head_name = members[0][0]
    temporary = rng.random() < 0.3
    current = holder.place_of_residence

    doc = PaperDocument(dpi=dpi, body_pt=12.0)
    doc.headers(
        [f"Công an {province}", f"Công an xã {place}"],
        number_line=f"Số: {number}",
        date_line=f"{place}, {vn_date(issued)}",
    )
    doc.title("XÁC NHẬN THÔNG TIN VỀ CƯ TRÚ")
    doc.paragraph(
        f"Công an xã {place}, {province} xác nhận thông tin về cư trú của công dân như sau:", indent=10.0
    )
    doc.field("1. Họ, chữ đệm và tên:", holder.full_name.upper(), bold=True)
    doc.row(
        ("2. Ngày, tháng, năm sinh:", holder.date_of_birth.strftime("%d/%m/%Y"), 22.0, 118.0),
        ("3. Giới tính:", holder.sex, 122.0, 195.0),
    )
    doc.field("4. Số định danh cá nhân:", holder.id_number)
    doc.multiline("5. Nơi thường trú:", holder.place_of_residence)
    temp_text = (
        f"Số {rng.randint(1, 90)} ngõ {rng.randint(1, 30)}, Phường {commune(rng)}, Thành phố {province_name}"
    )
    doc.multiline("6. Nơi tạm trú:", temp_text if temporary else "Không")
    doc.multiline("7. Nơi ở hiện tại:", current)
    doc.field("8. Họ, chữ đệm và tên chủ hộ:", head_name.upper(), bold=True)
    doc.field("9. Quan hệ với chủ hộ:", relation, leader_to=130.0)
    doc.paragraph("10. Thông tin về thành viên trong hộ gia đình:", indent=0.0)

    # Household table.
    c = doc.c
    head_font, cell_font = doc.font(SERIF_BOLD, 9.5), doc.font(SERIF, 10.5)
    cols = _TABLE_COLUMNS
    top = doc.y - 5.0
    heads = (
        "TT",
        "Họ, chữ đệm và tên",
        "Ngày sinh",
        "Giới tính",
        "Số định danh cá nhân",
        "Quan hệ với chủ hộ",
    )
    row_h = 8.0
    rows = [heads, *[(str(i + 1), *m) for i, m in enumerate(members)]]
    header_h = 12.0
    for k, text in enumerate(heads):
        for n, part in enumerate(_wrap(text, head_font, c.px(cols[k + 1] - cols[k] - 2.0))[:2]):
            c.text(cols[k] + 1.0, top + 4.5 + 4.5 * n, part, head_font)
    for r, cells in enumerate(rows[1:]):
        base = top + header_h + row_h * r + 5.5
        for k, text in enumerate(cells):
            c.text(cols[k] + 1.0, base, text.upper() if k == 1 else text, cell_font)
    bottom = top + header_h + row_h * (len(rows) - 1)
    for yy_mm in (top, *(top + header_h + row_h * r for r in range(len(rows)))):
        yy = c.px(yy_mm)
        c.draw.line((c.px(cols[0]), yy, c.px(cols[-1]), yy), fill=(60, 60, 60), width=2)
    for x in cols:
        c.draw.line((c.px(x), c.px(top), c.px(x), c.px(bottom)), fill=(60, 60, 60), width=2)
    doc.y = bottom + 9.0
    doc.paragraph("Thông tin trên có giá trị sử dụng 01 năm kể từ ngày cấp.", italic=True, indent=0.0)
    doc.y += 4.0
    doc.signer([f"TRƯỞNG CÔNG AN XÃ {place.upper()}"], official_name(rng))

    fields = {
        "document_number": number,
        "issue_date": issued.isoformat(),
        "full_name": holder.full_name.upper(),
        "date_of_birth": holder.date_of_birth.isoformat(),
        "sex": holder.sex,
        "id_number": holder.id_number,
        "permanent_residence": holder.place_of_residence,
        "temporary_residence": temp_text if temporary else "Không",
        "current_residence": current,
        "head_of_household": head_name.upper(),
        "relation_to_head": relation,
        "household_members.count": str(len(members)),
    }
    for n, (name, born, sex, id_number, member_relation) in enumerate(members, start=1):
        day, month, year = born.split("/")
        fields |= {
            f"household_members.{n}.full_name": name.upper(),
            f"household_members.{n}.date_of_birth": f"{year}-{month}-{day}",
            f"household_members.{n}.sex": sex,
            f"household_members.{n}.id_number": id_number,
            f"household_members.{n}.relation_to_head": member_relation,
        }
    return doc.pages, fields


def render(rng: random.Random, dpi: int = DPI) -> CorpusDocument:
    pages, fields = draw(rng, dpi)
    return CorpusDocument(document_type=DOCUMENT_TYPE, fields=fields, pages=pages, dpi=dpi)
