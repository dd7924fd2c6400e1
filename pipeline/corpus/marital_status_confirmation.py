"""Marital-status confirmation (Giấy xác nhận tình trạng hôn nhân, form of Circular 04/2020/TT-BTP).

Layout [M: from the published blank]: commune people's committee and "Số: …/UBND-XNTTHN" top left,
national header and place/date line top right, title, the requester's details, the confirmed status,
the purpose, the validity note (6 months from issue), the signer's block (TM. ỦY BAN NHÂN DÂN /
KT. CHỦ TỊCH / PHÓ CHỦ TỊCH) and the seal.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import TYPE_CHECKING

from pipeline.corpus import CorpusDocument
from pipeline.corpus.paper_forms import (
    PaperDocument,
    commune,
    id_document,
    official_name,
    person,
    random_date,
    vn_date,
)

if TYPE_CHECKING:
    from PIL import Image


DPI = 300
DOCUMENT_TYPE = "marital_status_confirmation"

STATUSES = (
    "Hiện tại chưa đăng ký kết hôn với ai",
    "Chưa đăng ký kết hôn với ai",
    "Đã đăng ký kết hôn, đã ly hôn theo bản án của Tòa án và hiện tại chưa đăng ký kết hôn với ai",
    "Có đăng ký kết hôn, vợ đã chết năm 2019 và hiện tại chưa đăng ký kết hôn với ai",
)
PURPOSES = (
    "Đăng ký kết hôn",
    "Làm thủ tục mua bán nhà đất",
    "Bổ sung hồ sơ vay vốn ngân hàng",
    "Làm thủ tục thừa kế",
    "Bổ sung hồ sơ xin việc",
)


def draw(rng: random.Random, dpi: int = DPI) -> tuple[list[Image.Image], dict[str, str]]:
    citizen = person(rng, born_before=dt.date(2006, 1, 1))
    issued = random_date(rng, dt.date(2022, 1, 1), dt.date(2025, 12, 31))
    place = commune(rng)
    province = citizen.place_of_residence.rsplit(", ", 1)[-1]
    number = f"{rng.randint(1, 480)}/UBND-XNTTHN"
    status = rng.choice(STATUSES)
    if "vợ đã chết" in status and citizen.sex == "Nữ":
        status = status.replace("vợ đã chết", "chồng đã chết")
    purpose = rng.choice(PURPOSES)

    doc = PaperDocument(dpi=dpi)
    doc.headers(
        ["Ủy ban nhân dân", f"xã {place}"],
        number_line=f"Số: {number}",
        date_line=f"{place}, {vn_date(issued)}",
    )
    doc.title("GIẤY XÁC NHẬN TÌNH TRẠNG HÔN NHÂN")
    doc.paragraph(f"ỦY BAN NHÂN DÂN XÃ {place.upper()}, {province.upper()}", bold=True, indent=0.0)
    doc.paragraph("Xét đề nghị của ông/bà về việc cấp Giấy xác nhận tình trạng hôn nhân,", italic=True)
    doc.y += 2.0
    doc.centred("XÁC NHẬN:")
    doc.y += 2.0
    doc.field("Họ, chữ đệm, tên:", citizen.full_name.upper(), bold=True)
    doc.field("Ngày, tháng, năm sinh:", citizen.date_of_birth.strftime("%d/%m/%Y"), leader_to=130.0)
    doc.row(
        ("Giới tính:", citizen.sex, 22.0, 68.0),
        ("Dân tộc:", citizen.ethnicity, 72.0, 128.0),
        ("Quốc tịch:", citizen.nationality, 132.0, 195.0),
    )
    doc.field("Giấy tờ tùy thân:", id_document(citizen))
    doc.multiline("Nơi cư trú:", citizen.place_of_residence)
    doc.multiline("Tình trạng hôn nhân:", status)
    doc.multiline("Giấy này được cấp để:", purpose)
    doc.y += 2.0
    doc.paragraph(
        "Giấy này có giá trị 6 tháng kể từ ngày cấp, được sử dụng vào mục đích nêu trên.",
        italic=True,
        indent=0.0,
    )
    doc.y += 6.0
    doc.signer(["TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"], official_name(rng))

    fields = {
        "document_number": number,
        "issue_date": issued.isoformat(),
        "full_name": citizen.full_name.upper(),
        "date_of_birth": citizen.date_of_birth.isoformat(),
        "sex": citizen.sex,
        "ethnicity": citizen.ethnicity,
        "nationality": citizen.nationality,
        "id_number": citizen.id_number,
        "residence": citizen.place_of_residence,
        "marital_status": status,
        "purpose": purpose,
    }
    return doc.pages, fields


def render(rng: random.Random, dpi: int = DPI) -> CorpusDocument:
    pages, fields = draw(rng, dpi)
    return CorpusDocument(document_type=DOCUMENT_TYPE, fields=fields, pages=pages, dpi=dpi)
