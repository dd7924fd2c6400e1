"""Health certificate for adults (Giấy khám sức khỏe, form of Circular 32/2023/TT-BYT), two A4 pages.

Layout [M: from the published blank]: page 1: health department and hospital, "Số: …/GKSK" top left;
national header; title; the person's details ("Họ và tên (chữ in hoa):", "Giới tính:", "Ngày sinh:",
the identity number, "Chỗ ở hiện tại:", "Lý do khám sức khỏe:"), the medical history. Page 2: the
examination results and the conclusion ("Phân loại sức khỏe:", diseases), place/date line and the
concluding doctor's block with the seal. Valid 12 months from the conclusion [M].
"""

from __future__ import annotations

import datetime as dt
import random
from typing import TYPE_CHECKING

from pipeline.corpus import CorpusDocument
from pipeline.corpus.paper_forms import (
    PaperDocument,
    official_name,
    person,
    random_date,
    vn_date,
)
from schemas.doctypes.health_certificate import HEALTH_CLASSES

if TYPE_CHECKING:
    from PIL import Image


DPI = 300
DOCUMENT_TYPE = "health_certificate"

REASONS = (
    "Đi học", "Đi làm", "Xin việc làm", "Bổ sung hồ sơ tuyển dụng", "Học lái xe",
    "Đổi giấy phép lái xe", "Thi tuyển công chức",
)  # fmt: skip
CLASSES = HEALTH_CLASSES  # all five: IV and V have strokes of their own to read
HOSPITALS = (
    "Bệnh viện Đa khoa", "Trung tâm Y tế huyện", "Bệnh viện Đa khoa khu vực",
)  # fmt: skip


def draw(rng: random.Random, dpi: int = DPI) -> tuple[list[Image.Image], dict[str, str]]:
    citizen = person(rng, born_before=dt.date(2007, 1, 1))
    examined = random_date(rng, dt.date(2023, 10, 1), dt.date(2025, 12, 31))
    province = citizen.place_of_residence.rsplit(", ", 1)[-1]
    province_name = province.replace("Tỉnh ", "").replace("Thành phố ", "")
    hospital = f"{rng.choice(HOSPITALS)} {province_name}"
    number = f"{rng.randint(1, 9999)}/GKSK"
    reason = rng.choice(REASONS)
    health_class = rng.choice(CLASSES)

    doc = PaperDocument(dpi=dpi, body_pt=12.0)
    doc.headers([f"Sở Y tế {province_name}", hospital], number_line=f"Số: {number}", agency_x=55.0)
    doc.title("GIẤY KHÁM SỨC KHỎE")
    doc.field("1. Họ và tên (chữ in hoa):", citizen.full_name.upper(), bold=True)
    doc.row(
        ("2. Giới tính:", citizen.sex, 22.0, 80.0),
        ("3. Ngày sinh:", citizen.date_of_birth.strftime("%d/%m/%Y"), 84.0, 150.0),
    )
    doc.field("4. Số định danh cá nhân:", citizen.id_number)
    doc.multiline("5. Chỗ ở hiện tại:", citizen.place_of_residence)
    doc.field("6. Lý do khám sức khỏe:", reason)
    doc.y += 4.0
    doc.centred("TIỀN SỬ BỆNH CỦA ĐỐI TƯỢNG KHÁM SỨC KHỎE")
    doc.paragraph(
        "1. Tiền sử gia đình: Có ai trong gia đình mắc bệnh truyền nhiễm, bệnh mạn tính: Không.", indent=0.0
    )
    doc.paragraph("2. Tiền sử bản thân: Đã từng mắc các bệnh truyền nhiễm, bệnh mạn tính: Không.", indent=0.0)
    doc.paragraph("3. Câu hỏi khác (nếu có): Không.", indent=0.0)
    doc.paragraph(
        "Tôi xin cam đoan những điều khai trên đây hoàn toàn đúng với sự thật theo sự hiểu biết của tôi.",
        italic=True,
        indent=0.0,
    )

    doc.new_page()
    doc.centred("I. KHÁM THỂ LỰC")
    height, weight = rng.randint(150, 182), rng.randint(45, 80)
    doc.paragraph(
        f"Chiều cao: {height} cm; Cân nặng: {weight} kg; Mạch: {rng.randint(64, 90)} lần/phút; "
        f"Huyết áp: {rng.randint(105, 130)}/{rng.randint(65, 85)} mmHg.",
        indent=0.0,
    )
    doc.centred("II. KHÁM LÂM SÀNG")
    for part in ("Nội khoa", "Mắt", "Tai - Mũi - Họng", "Răng - Hàm - Mặt", "Da liễu"):
        doc.paragraph(f"{part}: Bình thường.", indent=0.0)
    doc.centred("III. KHÁM CẬN LÂM SÀNG")
    doc.paragraph("Xét nghiệm máu, nước tiểu, chẩn đoán hình ảnh: Bình thường.", indent=0.0)
    doc.y += 4.0
    doc.centred("KẾT LUẬN")
    doc.field("1. Phân loại sức khỏe:", health_class, leader_to=120.0)
    doc.field("2. Các bệnh, tật (nếu có):", "Không")
    doc.y += 4.0
    doc.c.text(
        150.0,
        doc.y,
        f"{province_name}, {vn_date(examined)}",
        doc.font("NotoSerif-Italic.ttf", 12.0),
        anchor="ms",
    )
    doc.y += 7.0
    doc.signer(["NGƯỜI KẾT LUẬN"], official_name(rng))

    fields = {
        "document_number": number,
        "full_name": citizen.full_name.upper(),
        "sex": citizen.sex,
        "date_of_birth": citizen.date_of_birth.isoformat(),
        "id_number": citizen.id_number,
        "residence": citizen.place_of_residence,
        "reason": reason,
        "health_class": health_class,
        "issue_date": examined.isoformat(),
    }
    return doc.pages, fields


def render(rng: random.Random, dpi: int = DPI) -> CorpusDocument:
    pages, fields = draw(rng, dpi)
    return CorpusDocument(document_type=DOCUMENT_TYPE, fields=fields, pages=pages, dpi=dpi)
