"""Giấy chứng nhận đăng ký doanh nghiệp (enterprise registration certificate) of a limited company or
a joint-stock company, first page, as the business registration office prints it (form of Circular
02/2023/TT-BKHĐT, Phụ lục IV) [M: label wording and layout from specimens as remembered].

Left header: the provincial department and "PHÒNG ĐĂNG KÝ KINH DOANH"; national header; title and
company form; Mã số doanh nghiệp (a valid tax code); Đăng ký lần đầu / Đăng ký thay đổi lần thứ with
worded dates; 1. Tên công ty (Vietnamese, foreign, abbreviated); 2. Địa chỉ trụ sở chính; 3. Vốn điều
lệ with the amount in words; 4. Người đại diện theo pháp luật (name, sex, title, birth date, ethnicity,
nationality, ID document and number, residence); signer and seal.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random

from PIL import Image, ImageFont

from pipeline.corpus import CorpusDocument
from pipeline.corpus._cards import SERIF, SERIF_BOLD, SERIF_ITALIC, dmy
from pipeline.samples import (
    A4_MM,
    ETHNICITIES,
    STREETS,
    _address,
    _Canvas,
    _number_words,
    _person_name,
    _province_label,
    _wrap,
)
from schemas.identifiers import compose_personal_id, compose_tax_code, load_province_codes

TYPE = "enterprise_registration_certificate"
DPI = 300

FORMS = (
    ("CÔNG TY TRÁCH NHIỆM HỮU HẠN MỘT THÀNH VIÊN", "CÔNG TY TNHH", "COMPANY LIMITED"),
    ("CÔNG TY TRÁCH NHIỆM HỮU HẠN HAI THÀNH VIÊN TRỞ LÊN", "CÔNG TY TNHH", "COMPANY LIMITED"),
    ("CÔNG TY CỔ PHẦN", "CÔNG TY CỔ PHẦN", "JOINT STOCK COMPANY"),
)
TRADES = (
    ("THƯƠNG MẠI", "TRADING"),
    ("XÂY DỰNG", "CONSTRUCTION"),
    ("DỊCH VỤ", "SERVICES"),
    ("VẬN TẢI", "TRANSPORT"),
    ("CÔNG NGHỆ", "TECHNOLOGY"),
    ("THỰC PHẨM", "FOOD"),
    ("DU LỊCH", "TRAVEL"),
)
BRANDS = (
    ("AN PHÁT", "AN PHAT"), ("HÒA BÌNH", "HOA BINH"), ("MINH QUANG", "MINH QUANG"),
    ("TÂN THÀNH", "TAN THANH"), ("HƯNG THỊNH", "HUNG THINH"), ("ĐẠI VIỆT", "DAI VIET"),
    ("SAO MAI", "SAO MAI"), ("PHÚ GIA", "PHU GIA"), ("HẢI ĐĂNG", "HAI DANG"),
    ("TRƯỜNG SƠN", "TRUONG SON"), ("VIỆT TIẾN", "VIET TIEN"), ("KIM LONG", "KIM LONG"),
)  # fmt: skip
TITLES = ("Giám đốc", "Tổng giám đốc", "Chủ tịch công ty", "Chủ tịch Hội đồng quản trị")


@dataclasses.dataclass(frozen=True)
class Enterprise:
    code: str
    form: str
    name: str
    name_foreign: str
    name_short: str
    address: str
    capital: int  # đồng
    first_registration: dt.date
    amendment: tuple[int, dt.date] | None
    province: str
    rep_name: str  # upper case
    rep_sex: str
    rep_title: str
    rep_birth: dt.date
    rep_ethnicity: str
    rep_id: str
    rep_id_issue: dt.date
    rep_residence: str


def capital_words(amount: int) -> str:
    """ "Một tỷ năm trăm triệu đồng" for 1 500 000 000."""
    parts = []
    for unit, size in (("tỷ", 10**9), ("triệu", 10**6), ("nghìn", 10**3)):
        group, amount = divmod(amount, size)
        if group:
            parts.append(f"{_number_words(group)} {unit}")
    if amount:
        parts.append(_number_words(amount))
    return (" ".join(parts) + " đồng").capitalize()


def make_enterprise(rng: random.Random) -> Enterprise:
    codes = load_province_codes()
    pcode = rng.choice(sorted(codes))
    province = codes[pcode]
    form, short_form, foreign_form = rng.choice(FORMS)
    trade, trade_en = rng.choice(TRADES)
    brand, brand_en = rng.choice(BRANDS)
    while True:
        nine = f"0{rng.randint(10_000_000, 99_999_999)}"
        try:
            code = compose_tax_code(nine)
            break
        except ValueError:
            continue
    first = dt.date(2010, 1, 1) + dt.timedelta(days=rng.randint(0, 13 * 365))
    amendment = None
    if rng.random() < 0.6:
        amendment = (rng.randint(1, 9), first + dt.timedelta(days=rng.randint(60, 900)))
    sex = rng.choice(("Nam", "Nữ"))
    birth = dt.date(rng.randint(1960, 1998), rng.randint(1, 12), rng.randint(1, 28))
    street = f"Số {rng.randint(1, 299)} {rng.choice(STREETS)}"
    head_office = _address(rng, province, with_street=False)
    return Enterprise(
        code=code,
        form=form,
        name=f"{short_form} {trade} {brand}",
        name_foreign=f"{brand_en} {trade_en} {foreign_form}",
        name_short=f"{brand_en} CO., LTD" if "TNHH" in short_form else f"{brand_en} JSC",
        address=f"{street}, {head_office}, Việt Nam",
        capital=rng.randint(1, 60) * 100_000_000,
        first_registration=first,
        amendment=amendment,
        province=province,
        rep_name=" ".join(_person_name(rng, sex)).upper(),
        rep_sex=sex,
        rep_title=rng.choice(TITLES),
        rep_birth=birth,
        rep_ethnicity=rng.choice(ETHNICITIES),
        rep_id=compose_personal_id(pcode, birth, sex, rng.randint(0, 999_999)),
        rep_id_issue=dt.date(2021, 1, 1) + dt.timedelta(days=rng.randint(0, 1000)),
        rep_residence=_address(rng, province, with_street=True),
    )


def _vn_date(date: dt.date) -> str:
    return f"ngày {date.day:02d} tháng {date.month:02d} năm {date.year}"


def _money(amount: int) -> str:
    return f"{amount:,}".replace(",", ".")


def render_page(e: Enterprise, dpi: int, rng: random.Random) -> Image.Image:
    size = (round(A4_MM[0] * dpi / 25.4), round(A4_MM[1] * dpi / 25.4))
    page = Image.new("RGB", size, (255, 255, 255))
    c = _Canvas(page, dpi)
    body, bold, italic = c.font(SERIF, 12.0), c.font(SERIF_BOLD, 12.0), c.font(SERIF_ITALIC, 11.5)
    small_bold = c.font(SERIF_BOLD, 11.0)
    left, right = 20.0, 192.0

    department = f"SỞ KẾ HOẠCH VÀ ĐẦU TƯ {_province_label(e.province).upper()}"
    c.text(55.0, 18.0, department, _fit_font(c, department, 11.0, 80.0), anchor="ms")
    c.text(55.0, 23.5, "PHÒNG ĐĂNG KÝ KINH DOANH", small_bold, anchor="ms")
    c.draw.line((c.px(38.0), c.px(25.5), c.px(72.0), c.px(25.5)), fill=(30, 30, 30), width=3)
    c.text(145.0, 18.0, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", small_bold, anchor="ms")
    c.text(145.0, 23.5, "Độc lập - Tự do - Hạnh phúc", c.font(SERIF_BOLD, 12.0), anchor="ms")
    c.draw.line((c.px(124.0), c.px(25.5), c.px(166.0), c.px(25.5)), fill=(30, 30, 30), width=3)

    c.text(105.0, 40.0, "GIẤY CHỨNG NHẬN ĐĂNG KÝ DOANH NGHIỆP", c.font(SERIF_BOLD, 15.0), anchor="ms")
    c.text(105.0, 47.0, e.form, c.font(SERIF_BOLD, 13.0), anchor="ms")
    end = c.text(70.0, 56.0, "Mã số doanh nghiệp:", bold)
    c.text(end + 2.0, 56.0, e.code, c.font(SERIF_BOLD, 13.0))
    end = c.text(70.0, 63.0, "Đăng ký lần đầu:", italic)
    c.text(end + 2.0, 63.0, _vn_date(e.first_registration), italic)
    if e.amendment:
        number, date = e.amendment
        end = c.text(70.0, 69.5, "Đăng ký thay đổi lần thứ:", italic)
        c.text(end + 2.0, 69.5, f"{number}, {_vn_date(date)}", italic)

    y, step = 82.0, 7.6

    def field(label: str, value: str, *, x: float = left + 4, value_font: object = None) -> None:
        nonlocal y
        end = c.text(x, y, label, body)
        font = value_font or body
        lines = _wrap(value, font, c.px(right - end - 2.0))  # type: ignore[arg-type]
        c.text(end + 2.0, y, lines[0], font)  # type: ignore[arg-type]
        rest = " ".join(lines[1:])
        for more in _wrap(rest, font, c.px(right - left - 4)) if rest else []:  # type: ignore[arg-type]
            y += step
            c.text(left + 4, y, more, font)  # type: ignore[arg-type]
        y += step

    c.text(left, y, "1. Tên công ty", bold)
    y += step
    field("Tên công ty viết bằng tiếng Việt:", e.name, value_font=bold)
    field("Tên công ty viết bằng tiếng nước ngoài:", e.name_foreign)
    field("Tên công ty viết tắt:", e.name_short)
    c.text(left, y, "2. Địa chỉ trụ sở chính", bold)
    y += step
    for line in _wrap(e.address, body, c.px(right - left - 4)):
        c.text(left + 4, y, line, body)
        y += step
    c.text(left + 4, y, "Điện thoại:", body)
    c.text(left + 90, y, "Fax:", body)
    y += step
    c.text(left + 4, y, "Email:", body)
    c.text(left + 90, y, "Website:", body)
    y += step
    end = c.text(left, y, "3. Vốn điều lệ:", bold)
    c.text(end + 2.0, y, f"{_money(e.capital)} đồng", body)
    y += step
    field("Bằng chữ:", capital_words(e.capital))
    c.text(left, y, "4. Người đại diện theo pháp luật của công ty", bold)
    y += step
    end = c.text(left + 4, y, "* Họ và tên:", body)
    c.text(end + 2.0, y, e.rep_name, bold)
    end = c.text(128.0, y, "Giới tính:", body)
    c.text(end + 2.0, y, e.rep_sex, body)
    y += step
    field("Chức danh:", e.rep_title)
    end = c.text(left + 4, y, "Sinh ngày:", body)
    c.text(end + 2.0, y, dmy(e.rep_birth), body)
    end = c.text(82.0, y, "Dân tộc:", body)
    c.text(end + 2.0, y, e.rep_ethnicity, body)
    end = c.text(128.0, y, "Quốc tịch:", body)
    c.text(end + 2.0, y, "Việt Nam", body)
    y += step
    field("Loại giấy tờ pháp lý của cá nhân:", "Căn cước công dân")
    field("Số giấy tờ pháp lý của cá nhân:", e.rep_id)
    end = c.text(left + 4, y, "Ngày cấp:", body)
    c.text(end + 2.0, y, dmy(e.rep_id_issue), body)
    field("Nơi cấp:", "Cục Cảnh sát quản lý hành chính về trật tự xã hội", x=82.0)
    field("Địa chỉ thường trú:", e.rep_residence)
    field("Địa chỉ liên lạc:", e.rep_residence)

    y += 4.0
    c.text(150.0, y, "TRƯỞNG PHÒNG", bold, anchor="ms")
    cx, cy, r = c.px(140.0), c.px(y + 16.0), c.px(16.0)
    for k in range(3):
        c.draw.ellipse(
            (cx - r + 6 * k, cy - r + 6 * k, cx + r - 6 * k, cy + r - 6 * k), outline=(210, 60, 60), width=4
        )
    c.draw.line((c.px(142.0), c.px(y + 22.0), c.px(172.0), c.px(y + 12.0)), fill=(40, 40, 120), width=4)
    return page


def _fit_font(c: _Canvas, text: str, pt: float, width_mm: float) -> ImageFont.FreeTypeFont:
    size = pt
    font = c.font(SERIF_BOLD, size)
    while c.width_mm(text, font) > width_mm and size > 8.0:
        size -= 0.25
        font = c.font(SERIF_BOLD, size)
    return font


def expected_fields(e: Enterprise) -> dict[str, str]:
    fields = {
        "enterprise_code": e.code,
        "first_registration_date": e.first_registration.isoformat(),
        "enterprise_name": e.name,
        "enterprise_name_foreign": e.name_foreign,
        "head_office_address": e.address,
        "charter_capital": str(e.capital),
        "charter_capital_in_words": capital_words(e.capital),
        "representative_name": e.rep_name,
        "representative_sex": e.rep_sex,
        "representative_date_of_birth": e.rep_birth.isoformat(),
        "representative_id_number": e.rep_id,
    }
    if e.amendment:
        fields["amendment_date"] = e.amendment[1].isoformat()
    return fields


def render(rng: random.Random, dpi: int = DPI) -> CorpusDocument:
    enterprise = make_enterprise(rng)
    page = render_page(enterprise, dpi, rng)
    return CorpusDocument(document_type=TYPE, fields=expected_fields(enterprise), pages=[page], dpi=dpi)
