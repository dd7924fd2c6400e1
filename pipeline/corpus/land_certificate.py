"""Giấy chứng nhận quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất (land certificate), the
form issued under the Land Law 2024 (Decree 101/2024/NĐ-CP), first page, for a random holder.

Layout [M: from published specimens as remembered]: national header, red title,
"1. Người sử dụng đất, chủ sở hữu tài sản gắn liền với đất" (Ông/Bà, Năm sinh, Số định danh cá nhân,
Địa chỉ thường trú), "2. Thông tin thửa đất" (a) Thửa đất số, b) Tờ bản đồ số, c) Địa chỉ, d) Diện
tích with the area in words, đ) Hình thức sử dụng, e) Mục đích sử dụng, g) Thời hạn sử dụng, h)
Nguồn gốc sử dụng), assets and notes, a parcel sketch, "Số vào sổ cấp Giấy chứng nhận", place and
date, signer and seal, a QR code, and the red serial (2 letters + 8 digits).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import random

from PIL import Image

from pipeline.corpus import CorpusDocument
from pipeline.corpus._cards import RED, SERIF, SERIF_BOLD, SERIF_ITALIC, date_words_line
from pipeline.samples import (
    A4_MM,
    _address,
    _Canvas,
    _number_words,
    _person_name,
    _qr_image,
    _wrap,
)
from schemas.identifiers import compose_personal_id, load_province_codes

TYPE = "land_certificate"
DPI = 300
FORM_FIRST_DAY = dt.date(2024, 8, 1)  # Land Law 2024 and Decree 101/2024 in force [R]

SERIAL_LETTERS = "ABCDEGHKLMNPRSTUVXY"  # [M] letters of the serial; no I, O, Q (read as digits)
PURPOSES = (
    ("Đất ở tại nông thôn", "Lâu dài"),
    ("Đất ở tại đô thị", "Lâu dài"),
    ("Đất trồng cây lâu năm", None),
    ("Đất trồng lúa", None),
    ("Đất nuôi trồng thủy sản", None),
)
ORIGINS = (
    "Nhà nước giao đất có thu tiền sử dụng đất",
    "Nhà nước giao đất không thu tiền sử dụng đất",
    "Công nhận quyền sử dụng đất như giao đất có thu tiền sử dụng đất",
    "Nhận chuyển nhượng quyền sử dụng đất",
    "Nhận thừa kế quyền sử dụng đất",
)
FORMS = ("Sử dụng riêng", "Sử dụng chung")


@dataclasses.dataclass(frozen=True)
class Certificate:
    holder_title: str  # "Ông" or "Bà"
    holder_name: str  # upper case, as printed
    holder_birth_year: int
    holder_id_number: str
    holder_address: str
    parcel_number: int
    map_sheet_number: int
    land_address: str
    area_m2: str  # "120,5" as printed (decimal comma)
    use_form: str
    purpose: str
    use_term: str
    origin: str
    book_number: str  # Số vào sổ cấp Giấy chứng nhận, e.g. "CS01234"
    serial: str  # "AB01234567"
    issue_place: str
    issue_date: dt.date


def _area_words(area: str) -> str:
    whole, _, decimal = area.partition(",")
    words = _number_words(int(whole))
    if decimal:
        words += " phẩy " + " ".join(_number_words(int(d)) for d in decimal)
    return (words + " mét vuông").capitalize()


def make_certificate(rng: random.Random) -> Certificate:
    codes = load_province_codes()
    code = rng.choice(sorted(codes))
    province = codes[code]
    sex = rng.choice(("Nam", "Nữ"))
    issue = FORM_FIRST_DAY + dt.timedelta(days=rng.randint(0, 500))
    birth = dt.date(rng.randint(1945, 2000), rng.randint(1, 12), rng.randint(1, 28))
    purpose, term = rng.choice(PURPOSES)
    if term is None:
        term = f"Đến ngày {dt.date(issue.year + 50, issue.month, min(issue.day, 28)).strftime('%d/%m/%Y')}"
    whole = rng.randint(35, 900)
    area = f"{whole},{rng.randint(1, 9)}" if rng.random() < 0.4 else str(whole)
    serial = "".join(rng.choice(SERIAL_LETTERS) for _ in range(2)) + f"{rng.randint(0, 99_999_999):08d}"
    return Certificate(
        holder_title="Ông" if sex == "Nam" else "Bà",
        holder_name=" ".join(_person_name(rng, sex)).upper(),
        holder_birth_year=birth.year,
        holder_id_number=compose_personal_id(code, birth, sex, rng.randint(0, 999_999)),
        holder_address=_address(rng, province, with_street=True),
        parcel_number=rng.randint(1, 1200),
        map_sheet_number=rng.randint(1, 80),
        land_address=_address(rng, province, with_street=rng.random() < 0.5),
        area_m2=area,
        use_form=rng.choice(FORMS),
        purpose=purpose,
        use_term=term,
        origin=rng.choice(ORIGINS),
        book_number=f"CS{rng.randint(1, 99_999):05d}",
        serial=serial,
        issue_place=province,
        issue_date=issue,
    )


def qr_payload(cert: Certificate) -> str:
    """Serial, parcel, sheet [M: the real payload is an identifier of the land database]."""
    return f"GCN|{cert.serial}|{cert.parcel_number}|{cert.map_sheet_number}"


def render_page(cert: Certificate, dpi: int, rng: random.Random) -> Image.Image:
    size = (round(A4_MM[0] * dpi / 25.4), round(A4_MM[1] * dpi / 25.4))
    page = Image.new("RGB", size, (253, 251, 244))
    c = _Canvas(page, dpi)
    body, bold, italic = c.font(SERIF, 12.0), c.font(SERIF_BOLD, 12.0), c.font(SERIF_ITALIC, 11.0)
    left, right = 20.0, 192.0

    qr = _qr_image(qr_payload(cert), max(3, c.px(0.5)))
    qr = qr.resize((c.px(20), c.px(20)), Image.Resampling.NEAREST)
    page.paste(qr, (c.px(172), c.px(238)))
    c.text(118.0, 20.0, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", c.font(SERIF_BOLD, 12.5), anchor="ms")
    c.text(118.0, 26.0, "Độc lập - Tự do - Hạnh phúc", c.font(SERIF_BOLD, 12.5), anchor="ms")
    c.draw.line((c.px(96.0), c.px(28.0), c.px(140.0), c.px(28.0)), fill=(30, 30, 30), width=3)
    c.text(105.0, 46.0, "GIẤY CHỨNG NHẬN", c.font(SERIF_BOLD, 20.0), fill=RED, anchor="ms")
    c.text(
        105.0,
        54.0,
        "QUYỀN SỬ DỤNG ĐẤT, QUYỀN SỞ HỮU TÀI SẢN GẮN LIỀN VỚI ĐẤT",
        c.font(SERIF_BOLD, 13.0),
        fill=RED,
        anchor="ms",
    )

    y, step = 70.0, 8.2

    def line(x: float, label: str, value: str, *, value_font: object = None) -> float:
        end = c.text(x, y, label, body)
        return c.text(end + 2.0, y, value, value_font or body)  # type: ignore[arg-type]

    def wrapped(label: str, value: str) -> None:
        nonlocal y
        end = c.text(left + 4, y, label, body)
        lines = _wrap(value, body, c.px(right - end - 2.0))
        c.text(end + 2.0, y, lines[0], body)
        rest = " ".join(lines[1:])
        for more in _wrap(rest, body, c.px(right - left - 4)) if rest else []:
            y += step
            c.text(left + 4, y, more, body)
        y += step

    c.text(left, y, "1. Người sử dụng đất, chủ sở hữu tài sản gắn liền với đất:", bold)
    y += step
    line(left + 4, f"{cert.holder_title}:", cert.holder_name, value_font=bold)
    line(128.0, "Năm sinh:", str(cert.holder_birth_year))
    y += step
    line(left + 4, "Số định danh cá nhân:", cert.holder_id_number)
    y += step
    wrapped("Địa chỉ thường trú:", cert.holder_address)
    y += 2.0
    c.text(left, y, "2. Thông tin thửa đất:", bold)
    y += step
    line(left + 4, "a) Thửa đất số:", str(cert.parcel_number))
    line(105.0, "b) Tờ bản đồ số:", str(cert.map_sheet_number))
    y += step
    wrapped("c) Địa chỉ:", cert.land_address)
    end = line(left + 4, "d) Diện tích:", f"{cert.area_m2} m²")
    c.text(end + 3.0, y, f"(Bằng chữ: {_area_words(cert.area_m2)})", italic)
    y += step
    line(left + 4, "đ) Hình thức sử dụng:", cert.use_form)
    y += step
    line(left + 4, "e) Mục đích sử dụng:", cert.purpose)
    y += step
    line(left + 4, "g) Thời hạn sử dụng:", cert.use_term)
    y += step
    wrapped("h) Nguồn gốc sử dụng:", cert.origin)
    y += 2.0
    c.text(left, y, "3. Thông tin tài sản gắn liền với đất: -/-", bold)
    y += step
    c.text(left, y, "4. Ghi chú: -/-", bold)
    y += step
    c.text(left, y, "5. Sơ đồ thửa đất:", bold)
    _sketch(c, (left + 10, y + 4, left + 70, y + 50), rng)

    sign_x = 145.0
    c.text(sign_x, y + 6, date_words_line(cert.issue_place, cert.issue_date), italic, anchor="ms")
    c.text(sign_x, y + 13, "TM. ỦY BAN NHÂN DÂN", c.font(SERIF_BOLD, 12.0), anchor="ms")
    c.text(sign_x, y + 19, "KT. CHỦ TỊCH", c.font(SERIF_BOLD, 12.0), anchor="ms")
    cx, cy, r = c.px(sign_x - 8), c.px(y + 34), c.px(16)
    for k in range(3):
        c.draw.ellipse(
            (cx - r + 6 * k, cy - r + 6 * k, cx + r - 6 * k, cy + r - 6 * k), outline=(210, 60, 60), width=4
        )

    bottom = 262.0
    end = c.text(left, bottom, "Số vào sổ cấp Giấy chứng nhận:", body)
    c.text(end + 2.0, bottom, f"{cert.book_number[:2]} {cert.book_number[2:]}", bold)
    end = c.text(125.0, bottom + 12, "Số seri:", body, fill=RED)
    c.text(end + 2.0, bottom + 12, f"{cert.serial[:2]} {cert.serial[2:]}", c.font(SERIF_BOLD, 14.0), fill=RED)
    return page


def _sketch(c: _Canvas, box: tuple[float, float, float, float], rng: random.Random) -> None:
    """A parcel polygon with its corner numbers, as on the certificate's sketch."""
    x0, y0, x1, y1 = box
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    corners = rng.randint(4, 6)
    points = []
    for i in range(corners):
        angle = 2 * math.pi * i / corners + rng.uniform(-0.25, 0.25)
        radius = rng.uniform(0.6, 0.95)
        points.append(
            (
                c.px(cx + radius * (x1 - x0) / 2 * math.cos(angle)),
                c.px(cy + radius * (y1 - y0) / 2 * math.sin(angle)),
            )
        )
    c.draw.polygon(points, outline=(40, 40, 40), width=3)


def expected_fields(cert: Certificate) -> dict[str, str]:
    return {
        "holder_name": cert.holder_name,
        "holder_birth_year": str(cert.holder_birth_year),
        "holder_id_number": cert.holder_id_number,
        "holder_address": cert.holder_address,
        "parcel_number": str(cert.parcel_number),
        "map_sheet_number": str(cert.map_sheet_number),
        "land_address": cert.land_address,
        "area_m2": cert.area_m2.replace(",", "."),
        "area_in_words": _area_words(cert.area_m2),
        "use_form": cert.use_form,
        "purpose": cert.purpose,
        "use_term": cert.use_term,
        "origin": cert.origin,
        "book_number": cert.book_number,
        "serial": cert.serial,
        "issue_date": cert.issue_date.isoformat(),
    }


def render(rng: random.Random, dpi: int = DPI) -> CorpusDocument:
    cert = make_certificate(rng)
    return CorpusDocument(
        document_type=TYPE, fields=expected_fields(cert), pages=[render_page(cert, dpi, rng)], dpi=dpi
    )
