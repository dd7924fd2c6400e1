"""Diploma (Bằng tốt nghiệp): a university degree or the upper-secondary diploma, one landscape page.

Layout [M: from published specimens of the Ministry of Education's forms]: national header centred on
top, the issuer line ("HIỆU TRƯỞNG TRƯỜNG ĐẠI HỌC …" or "GIÁM ĐỐC SỞ GIÁO DỤC VÀ ĐÀO TẠO …"), "cấp",
the degree title ("BẰNG CỬ NHÂN", "BẰNG KỸ SƯ", "BẰNG TỐT NGHIỆP TRUNG HỌC PHỔ THÔNG"), the field
("Ngành:"), the holder ("Họ và tên:", "Ngày sinh:"), the classification, the place/date line and the
signer; "Số hiệu:" and "Số vào sổ cấp bằng:" bottom left.
"""

from __future__ import annotations

import datetime as dt
import random

from PIL import Image

from pipeline.corpus import CorpusDocument
from pipeline.corpus.paper_forms import (
    SERIF,
    SERIF_BOLD,
    SERIF_ITALIC,
    SIGNATURE_BLUE,
    official_name,
    person,
    random_date,
    vn_date,
)
from pipeline.samples import _Canvas

DPI = 300
DOCUMENT_TYPE = "diploma"
LANDSCAPE_MM = (297.0, 210.0)

UNIVERSITIES = (
    ("Trường Đại học Bách khoa Hà Nội", "Hà Nội"),
    ("Trường Đại học Kinh tế Quốc dân", "Hà Nội"),
    ("Trường Đại học Cần Thơ", "Cần Thơ"),
    ("Trường Đại học Đà Nẵng", "Đà Nẵng"),
    ("Trường Đại học Sư phạm Thành phố Hồ Chí Minh", "Thành phố Hồ Chí Minh"),
    ("Trường Đại học Hàng hải Việt Nam", "Hải Phòng"),
    ("Trường Đại học Nông Lâm Huế", "Huế"),
)
DEGREES = (("BẰNG CỬ NHÂN", "CN"), ("BẰNG KỸ SƯ", "KS"), ("BẰNG THẠC SĨ", "ThS"))
FIELDS_OF_STUDY = (
    "Kế toán", "Quản trị kinh doanh", "Công nghệ thông tin", "Kỹ thuật điện", "Luật",
    "Ngôn ngữ Anh", "Sư phạm Toán học", "Kỹ thuật xây dựng", "Tài chính - Ngân hàng", "Khoa học máy tính",
)  # fmt: skip
UNIVERSITY_CLASSES = ("Xuất sắc", "Giỏi", "Khá", "Trung bình")
SCHOOL_CLASSES = ("Giỏi", "Khá", "Trung bình")
HIGH_SCHOOL = "BẰNG TỐT NGHIỆP TRUNG HỌC PHỔ THÔNG"


def draw(rng: random.Random, dpi: int = DPI) -> tuple[list[Image.Image], dict[str, str]]:
    holder = person(rng, born_before=dt.date(2005, 1, 1), born_after=dt.date(1965, 1, 1))
    school = rng.random() < 0.35
    if school:
        province = holder.place_of_origin.rsplit(", ", 1)[-1]
        issuer = f"Sở Giáo dục và Đào tạo {province.replace('Tỉnh ', '').replace('Thành phố ', '')}"
        signer_title, degree, field_of_study = "GIÁM ĐỐC", HIGH_SCHOOL, None
        grad_year = holder.date_of_birth.year + 18
        issued = random_date(rng, dt.date(grad_year, 7, 1), dt.date(grad_year, 9, 30))
        classification = rng.choice(SCHOOL_CLASSES)
        city = province.replace("Tỉnh ", "").replace("Thành phố ", "")
        serial = f"A{rng.randint(0, 9_999_999):07d}"
        register = f"{rng.randint(1, 9999)}/{issued.year}"
    else:
        issuer, city = rng.choice(UNIVERSITIES)
        signer_title = "HIỆU TRƯỞNG"
        degree, code = rng.choice(DEGREES)
        field_of_study = rng.choice(FIELDS_OF_STUDY)
        grad_year = holder.date_of_birth.year + (22 if code != "ThS" else 25) + rng.randint(0, 3)
        issued = random_date(rng, dt.date(grad_year, 6, 1), dt.date(grad_year, 12, 31))
        classification = rng.choice(UNIVERSITY_CLASSES)
        serial = f"QA{rng.randint(0, 9_999_999):07d}"
        register = f"{code}{rng.randint(1, 99999):05d}/{issued.year}"

    size = (round(LANDSCAPE_MM[0] * dpi / 25.4), round(LANDSCAPE_MM[1] * dpi / 25.4))
    page = Image.new("RGB", size, (255, 252, 245))
    c = _Canvas(page, dpi)
    red = (170, 30, 35)
    border = c.px(8.0)
    for k in (0, 10):
        box = (border + k, border + k, size[0] - border - k, size[1] - border - k)
        c.draw.rectangle(box, outline=red, width=6)
    body, bold, italic = c.font(SERIF, 13.0), c.font(SERIF_BOLD, 13.0), c.font(SERIF_ITALIC, 13.0)
    mid = 210.0  # right panel centre (the left panel carries the English text on real diplomas)
    c.text(mid, 26.0, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", c.font(SERIF_BOLD, 12.5), anchor="ms")
    c.text(mid, 32.0, "Độc lập - Tự do - Hạnh phúc", c.font(SERIF_BOLD, 12.5), anchor="ms")
    c.draw.line((c.px(mid - 22.0), c.px(34.0), c.px(mid + 22.0), c.px(34.0)), fill=(25, 25, 25), width=3)
    c.text(mid, 46.0, f"{signer_title} {issuer.upper()}", c.font(SERIF_BOLD, 12.5), anchor="ms")
    c.text(mid, 54.0, "cấp", italic, anchor="ms")
    c.text(mid, 68.0, degree, c.font(SERIF_BOLD, 20.0 if not school else 16.0), fill=red, anchor="ms")
    left = 150.0
    y = 84.0
    if field_of_study:
        end = c.text(left, y, "Ngành:", body)
        c.text(end + 2.0, y, field_of_study, bold)
        y += 9.0
    else:
        c.text(mid, y, f"Năm tốt nghiệp: {issued.year}", body, anchor="ms")
        y += 9.0
    for label, value, strong in (
        ("Họ và tên:", holder.full_name, True),
        ("Ngày sinh:", holder.date_of_birth.strftime("%d/%m/%Y"), False),
        ("Xếp loại tốt nghiệp:" if school else "Hạng tốt nghiệp:", classification, True),
    ):
        end = c.text(left, y, label, body)
        c.text(end + 2.0, y, value, bold if strong else body)
        y += 9.0
    y += 4.0
    c.text(mid + 20.0, y, f"{city}, {vn_date(issued)}", italic, anchor="ms")
    c.text(mid + 20.0, y + 8.0, signer_title, bold, anchor="ms")
    stroke = (c.px(mid + 8.0), c.px(y + 26.0), c.px(mid + 38.0), c.px(y + 16.0))
    c.draw.line(stroke, fill=SIGNATURE_BLUE, width=5)
    c.text(mid + 20.0, y + 38.0, official_name(rng), bold, anchor="ms")
    # Left panel: emblem placeholder and the numbers.
    c.draw.ellipse((c.px(55.0), c.px(40.0), c.px(95.0), c.px(80.0)), outline=red, width=6)
    c.text(30.0, 170.0, "Số hiệu:", body)
    c.text(30.0 + c.width_mm("Số hiệu: ", body), 170.0, serial, body)
    c.text(30.0, 179.0, "Số vào sổ cấp bằng:", body)
    c.text(30.0 + c.width_mm("Số vào sổ cấp bằng: ", body), 179.0, register, body)

    fields = {
        "degree_title": degree,
        "institution": issuer.upper(),
        "full_name": holder.full_name.upper(),
        "date_of_birth": holder.date_of_birth.isoformat(),
        "classification": classification,
        "serial_number": serial,
        "register_number": register,
        "issue_date": issued.isoformat(),
    }
    if field_of_study:
        fields["field_of_study"] = field_of_study
    return [page], fields


def render(rng: random.Random, dpi: int = DPI) -> CorpusDocument:
    pages, fields = draw(rng, dpi)
    return CorpusDocument(document_type=DOCUMENT_TYPE, fields=fields, pages=pages, dpi=dpi)
