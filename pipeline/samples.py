"""Realistic sample batches for tests and measurements: one random but valid citizen, the front of
their 2021 citizen identity card and their birth certificate, rendered as scanned-looking pages with
the citizen's data as ground truth.

Everything is driven by a seeded ``random.Random``: the same seed gives the same citizen, the same
pages and the same bytes. The citizens are invented; the lexicons hold common Vietnamese names,
including the ones OCR finds hard (NGUYỄN, ĐẶNG, HUỲNH, QUỲNH, VỸ: stacked or rare diacritics).
The ``vie`` model cannot produce ``ỵ`` at all (../shared/domain/README.md §6): the given name Mỵ
and the ward Đồng Kỵ are in the lists (about 1.5% of people, 5% of addresses: more than in life, so
that the extraction bench sees them) and extraction repairs or flags them (schemas/doctypes/_lexicon.py).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import math
import random
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import qrcode
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from schemas.documents import COMMON_SURNAMES
from schemas.identifiers import compose_personal_id, compose_td1, load_province_codes

FONT_DIRS = (Path("/usr/share/fonts/truetype/noto"), Path("/usr/share/fonts/truetype/dejavu"))

# --------------------------------------------------------------------------------------------
# Lexicons
# --------------------------------------------------------------------------------------------

# Surnames by rough frequency (the shared lexicon's first 35); the first few cover most people.
SURNAMES: tuple[str, ...] = COMMON_SURNAMES[:35]
_SURNAME_WEIGHTS = (38, 11, 9, 7, 5, 5, 4, 4, 4, 3, 3, 3) + (1,) * (len(SURNAMES) - 12)

MIDDLE_NAMES_MALE: tuple[str, ...] = (
    "Văn", "Hữu", "Đức", "Minh", "Quốc", "Công", "Thành", "Xuân", "Ngọc", "Quang", "Anh", "Duy",
    "Tiến", "Gia", "Trọng", "Đình", "Mạnh", "Thế",
)  # fmt: skip
MIDDLE_NAMES_FEMALE: tuple[str, ...] = (
    "Thị", "Ngọc", "Thu", "Thanh", "Kim", "Mỹ", "Bích", "Diệu", "Khánh", "Phương", "Hồng", "Thùy",
    "Thị Thu", "Thị Mỹ",
)  # fmt: skip
GIVEN_NAMES_MALE: tuple[str, ...] = (
    "An", "Bảo", "Cường", "Dũng", "Đạt", "Hải", "Hiếu", "Hoàng", "Hùng", "Huy", "Khánh", "Khoa",
    "Long", "Minh", "Nam", "Nghĩa", "Phúc", "Quân", "Sơn", "Thắng", "Thịnh", "Trung", "Tuấn", "Việt",
    "Vỹ", "Kỳ", "Lộc", "Đức", "Toàn", "Tùng", "Quyết", "Nguyên",
)  # fmt: skip
GIVEN_NAMES_FEMALE: tuple[str, ...] = (
    "Anh", "Châu", "Chi", "Dung", "Giang", "Hà", "Hạnh", "Hằng", "Hiền", "Hoa", "Hương", "Huyền",
    "Lan", "Linh", "Loan", "Mai", "My", "Nga", "Ngân", "Nhung", "Oanh", "Phương", "Quỳnh", "Thảo",
    "Thủy", "Trang", "Trinh", "Tuyết", "Vy", "Yến", "Mỵ", "Ánh", "Nguyệt", "Diệp",
)  # fmt: skip

# Commune- and district-level place names (plausible, not a gazetteer).
COMMUNES: tuple[str, ...] = (
    "Tân Phong", "Hòa Bình", "Quang Trung", "Đông Hưng", "Yên Thịnh", "Phú Lợi", "Nghĩa Đô",
    "Bến Nghé", "Hồng Hải", "Trà Cổ", "Vĩnh Niệm", "Thủy Xuân", "Mỹ Đình", "Láng Hạ", "Đức Thắng",
    "Kỳ Sơn", "Hưng Đạo", "Thuận Thành", "An Khánh", "Xuân Đỉnh",
)  # fmt: skip
# The communes of generated addresses: one with ỵ (Đồng Kỵ, a ward of Từ Sơn) in place of the last
# (same length: the same seed draws the same positions as before).
CORPUS_COMMUNES: tuple[str, ...] = (*COMMUNES[:-1], "Đồng Kỵ")
DISTRICTS: tuple[str, ...] = (
    "Vũ Thư", "Đông Anh", "Hạ Long", "Kỳ Anh", "Yên Dũng", "Thủy Nguyên", "Cẩm Giàng", "Thanh Oai",
    "Đức Phổ", "Tuy Phước", "Châu Thành", "Phù Cừ", "Nghĩa Hưng", "Quỳnh Lưu", "Diễn Châu",
)  # fmt: skip
STREETS: tuple[str, ...] = ("Lê Lợi", "Trần Phú", "Nguyễn Trãi", "Hùng Vương", "Lý Thường Kiệt", "Bạch Đằng")
ETHNICITIES: tuple[str, ...] = ("Kinh",) * 9 + ("Tày", "Thái", "Mường", "Hoa", "Khmer", "Nùng")
_CITY_PROVINCES = {"Hà Nội", "Hồ Chí Minh", "Hải Phòng", "Đà Nẵng", "Cần Thơ"}

_DIGIT_WORDS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
_MONTH_WORDS = (
    "một", "hai", "ba", "tư", "năm", "sáu", "bảy", "tám", "chín", "mười", "mười một", "mười hai",
)  # fmt: skip


# --------------------------------------------------------------------------------------------
# The citizen
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Citizen:
    """An invented citizen; every text is NFC, as printed (title case; the card prints names upper)."""

    surname: str
    middle_name: str
    given_name: str
    date_of_birth: dt.date
    sex: str  # "Nam" or "Nữ"
    id_number: str
    nationality: str
    ethnicity: str
    province_code: str  # province of birth registration (first 3 digits of the ID)
    place_of_birth: str
    place_of_origin: str
    place_of_residence: str
    father_name: str
    mother_name: str
    registration_place: str
    registration_number: str
    book: str
    registration_date: dt.date
    card_issue_date: dt.date
    card_expiry_date: dt.date | None  # None: no expiry ("Không thời hạn")

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.surname, self.middle_name, self.given_name) if p)

    def to_json(self) -> dict[str, object]:
        data = dataclasses.asdict(self)
        data["full_name"] = self.full_name
        for key, value in data.items():
            if isinstance(value, dt.date):
                data[key] = value.isoformat()
        return data


def _province_label(province: str) -> str:
    return ("Thành phố " if province in _CITY_PROVINCES else "Tỉnh ") + province


def _address(rng: random.Random, province: str, *, with_street: bool) -> str:
    commune = rng.choice(CORPUS_COMMUNES)
    district = rng.choice(DISTRICTS)
    city = province in _CITY_PROVINCES
    parts = []
    if with_street:
        parts.append(
            f"Số {rng.randint(1, 199)} {rng.choice(STREETS)}" if city else f"Thôn {rng.randint(1, 12)}"
        )
    parts.append(("Phường " if city else "Xã ") + commune)
    parts.append(("Quận " if city else "Huyện ") + district)
    parts.append(_province_label(province))
    return ", ".join(parts)


def _person_name(rng: random.Random, sex: str, surname: str | None = None) -> tuple[str, str, str]:
    if surname is None:
        surname = rng.choices(SURNAMES, weights=_SURNAME_WEIGHTS)[0]
    if sex == "Nam":
        return surname, rng.choice(MIDDLE_NAMES_MALE), rng.choice(GIVEN_NAMES_MALE)
    return surname, rng.choice(MIDDLE_NAMES_FEMALE), rng.choice(GIVEN_NAMES_FEMALE)


def _card_expiry(date_of_birth: dt.date, issue: dt.date) -> dt.date | None:
    """CCCD validity: renewed at 25, 40 and 60; issued within 2 years before 60: no expiry."""
    for age in (25, 40, 60):
        milestone = _birthday(date_of_birth, date_of_birth.year + age)
        # A card issued within 2 years before a milestone age lasts until the next one.
        if issue < _birthday(date_of_birth, date_of_birth.year + age - 2):
            return milestone
    return None


def _birthday(date_of_birth: dt.date, year: int) -> dt.date:
    try:
        return date_of_birth.replace(year=year)
    except ValueError:  # 29 February
        return dt.date(year, 3, 1)


def make_citizen(rng: random.Random) -> Citizen:
    """A random but valid citizen: ID consistent with province, century, sex and birth year."""
    codes = load_province_codes()
    province_code = rng.choice(sorted(codes))
    province = codes[province_code]
    sex = rng.choice(("Nam", "Nữ"))
    issue = dt.date(2021, 1, 1) + dt.timedelta(days=rng.randint(0, 4 * 365))
    # Between 14 and 57 at issue, so both centuries occur and most cards expire.
    age_days = rng.randint(14 * 365 + 4, 57 * 365)
    date_of_birth = issue - dt.timedelta(days=age_days)
    surname, middle, given = _person_name(rng, sex)
    father = " ".join(_person_name(rng, "Nam", surname))
    mother = " ".join(_person_name(rng, "Nữ"))
    origin_province = province if rng.random() < 0.6 else codes[rng.choice(sorted(codes))]
    residence_province = province if rng.random() < 0.7 else codes[rng.choice(sorted(codes))]
    registration_date = date_of_birth + dt.timedelta(days=rng.randint(3, 60))
    commune = rng.choice(CORPUS_COMMUNES)
    if rng.random() < 0.5:
        place_of_birth = f"Bệnh viện Đa khoa {_province_label(province)}"
    else:
        place_of_birth = f"Trạm y tế xã {commune}, {_province_label(province)}"
    return Citizen(
        surname=surname,
        middle_name=middle,
        given_name=given,
        date_of_birth=date_of_birth,
        sex=sex,
        id_number=compose_personal_id(province_code, date_of_birth, sex, rng.randint(0, 999_999)),
        nationality="Việt Nam",
        ethnicity=rng.choice(ETHNICITIES),
        province_code=province_code,
        place_of_birth=place_of_birth,
        place_of_origin=_address(rng, origin_province, with_street=False),
        place_of_residence=_address(rng, residence_province, with_street=True),
        father_name=father,
        mother_name=mother,
        registration_place=f"Ủy ban nhân dân xã {commune}, {_province_label(province)}",
        registration_number=str(rng.randint(1, 350)),
        book=f"{rng.randint(1, 4):02d}/{registration_date.year}",
        registration_date=registration_date,
        card_issue_date=issue,
        card_expiry_date=_card_expiry(date_of_birth, issue),
    )


def date_in_words(date: dt.date) -> str:
    """Birth date in words as written on a birth certificate (e.g. "Ngày năm, tháng ba, năm …")."""
    day, month, year = _number_words(date.day), _MONTH_WORDS[date.month - 1], _number_words(date.year)
    return f"Ngày {day}, tháng {month}, năm {year}"


def _number_words(n: int) -> str:
    if n < 10:
        return _DIGIT_WORDS[n]
    if n < 100:
        tens, unit = divmod(n, 10)
        head = "mười" if tens == 1 else f"{_DIGIT_WORDS[tens]} mươi"
        if unit == 0:
            return head
        tail = {1: "mốt" if tens > 1 else "một", 5: "lăm", 4: "tư" if tens > 1 else "bốn"}.get(
            unit, _DIGIT_WORDS[unit]
        )
        return f"{head} {tail}"
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        head = f"{_DIGIT_WORDS[hundreds]} trăm"
        if rest == 0:
            return head
        return f"{head} {'lẻ ' + _DIGIT_WORDS[rest] if rest < 10 else _number_words(rest)}"
    thousands, rest = divmod(n, 1000)
    head = f"{_DIGIT_WORDS[thousands]} nghìn"
    if rest == 0:
        return head
    if rest < 100:
        return f"{head} không trăm {'lẻ ' + _DIGIT_WORDS[rest] if rest < 10 else _number_words(rest)}"
    return f"{head} {_number_words(rest)}"


# --------------------------------------------------------------------------------------------
# Drawing helpers
# --------------------------------------------------------------------------------------------


@lru_cache(maxsize=64)
def _font(name: str, size_px: int) -> ImageFont.FreeTypeFont:
    for directory in FONT_DIRS:
        path = directory / name
        if path.exists():
            return ImageFont.truetype(str(path), size_px)
    raise FileNotFoundError(f"font {name} not found in {[str(d) for d in FONT_DIRS]}")


class _Canvas:
    """Draws in millimetres and points on an image of a given DPI."""

    def __init__(self, image: Image.Image, dpi: int) -> None:
        self.image = image
        self.dpi = dpi
        self.draw = ImageDraw.Draw(image)

    def px(self, mm: float) -> int:
        return round(mm * self.dpi / 25.4)

    def font(self, name: str, pt: float) -> ImageFont.FreeTypeFont:
        return _font(name, round(pt * self.dpi / 72))

    def text(
        self,
        x_mm: float,
        baseline_mm: float,
        text: str,
        font: ImageFont.FreeTypeFont,
        fill: tuple[int, int, int] = (25, 25, 25),
        anchor: str = "ls",
    ) -> float:
        """Draw ``text`` with its baseline at ``baseline_mm``; returns the x (mm) where it ends."""
        text = unicodedata.normalize("NFC", text)
        self.draw.text((self.px(x_mm), self.px(baseline_mm)), text, font=font, fill=fill, anchor=anchor)
        width_px = font.getlength(text)
        if anchor[0] == "m":
            return x_mm + width_px / 2 * 25.4 / self.dpi
        return x_mm + width_px * 25.4 / self.dpi

    def width_mm(self, text: str, font: ImageFont.FreeTypeFont) -> float:
        return font.getlength(text) * 25.4 / self.dpi


def _wrap(text: str, font: ImageFont.FreeTypeFont, width_px: float) -> list[str]:
    """Break ``text`` into lines no wider than ``width_px``, preferably after a comma."""
    lines: list[str] = []
    rest = text
    while rest and font.getlength(rest) > width_px:
        words = rest.split(" ")
        cut = 1
        best_comma = 0
        for i in range(1, len(words) + 1):
            if font.getlength(" ".join(words[:i])) > width_px:
                break
            cut = i
            if words[i - 1].endswith(","):
                best_comma = i
        if best_comma and best_comma >= cut - 2:
            cut = best_comma
        lines.append(" ".join(words[:cut]))
        rest = " ".join(words[cut:])
    if rest:
        lines.append(rest)
    return lines


def _qr_image(payload: str, module_px: int) -> Image.Image:
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=module_px, border=1)
    qr.add_data(payload.encode("utf-8"), optimize=0)  # one byte segment: readable by OpenCV
    qr.make(fit=True)
    matrix = qr.get_matrix()
    size = len(matrix) * module_px
    image = Image.new("L", (size, size), 255)
    draw = ImageDraw.Draw(image)
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                draw.rectangle(
                    (x * module_px, y * module_px, (x + 1) * module_px - 1, (y + 1) * module_px - 1), fill=0
                )
    return image


# --------------------------------------------------------------------------------------------
# Renderers
# --------------------------------------------------------------------------------------------

CARD_MM = (85.6, 54.0)
A4_MM = (210.0, 297.0)
_INK = (28, 28, 30)
_RED = (190, 30, 35)


def cccd_qr_payload(citizen: Citizen) -> str:
    """The 2021 card's QR payload (§3): ID|old ID|name|DDMMYYYY|sex|residence|DDMMYYYY issue."""
    return "|".join(
        (
            citizen.id_number,
            "",
            citizen.full_name,
            citizen.date_of_birth.strftime("%d%m%Y"),
            citizen.sex,
            citizen.place_of_residence,
            citizen.card_issue_date.strftime("%d%m%Y"),
        )
    )


def _card_background(size: tuple[int, int], rng: random.Random) -> Image.Image:
    """Pale green-blue security background with faint guilloche waves."""
    w, h = size
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    base = np.zeros((h, w, 3), np.float32)
    base[..., 0] = 226 + 8 * (x / w)
    base[..., 1] = 236 - 4 * (y / h)
    base[..., 2] = 228 + 10 * (y / h)
    phase = rng.uniform(0, 2 * math.pi)
    period = w / 9
    waves = np.sin(2 * math.pi * x / period + 3 * np.sin(2 * math.pi * y / (h / 2.3)) + phase)
    lines = (np.abs(waves) < 0.06).astype(np.float32)
    base -= lines[..., None] * np.array([14, 8, 12], np.float32)
    return Image.fromarray(np.clip(base, 0, 255).astype(np.uint8))


def _draw_emblem(canvas: _Canvas, cx_mm: float, cy_mm: float, r_mm: float) -> None:
    draw = canvas.draw
    cx, cy, r = canvas.px(cx_mm), canvas.px(cy_mm), canvas.px(r_mm)
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=(205, 160, 40))
    r2 = int(r * 0.82)
    draw.ellipse((cx - r2, cy - r2, cx + r2, cy + r2), fill=(200, 35, 35))
    star = []
    for i in range(10):
        radius = r2 * (0.62 if i % 2 == 0 else 0.25)
        angle = -math.pi / 2 + i * math.pi / 5
        star.append((cx + radius * math.cos(angle), cy + radius * math.sin(angle)))
    draw.polygon(star, fill=(250, 215, 60))


def _draw_photo(canvas: _Canvas, box_mm: tuple[float, float, float, float]) -> None:
    """Photo placeholder: a grey silhouette in a frame."""
    x0, y0, x1, y1 = (canvas.px(v) for v in box_mm)
    w, h = x1 - x0, y1 - y0
    photo = Image.new("RGB", (w, h), (200, 205, 212))
    draw = ImageDraw.Draw(photo)
    head_r = w * 0.22
    cx, cy = w / 2, h * 0.38
    draw.ellipse((cx - head_r, cy - head_r * 1.2, cx + head_r, cy + head_r * 1.2), fill=(150, 150, 158))
    draw.pieslice((w * 0.1, h * 0.62, w * 0.9, h * 1.5), 180, 360, fill=(110, 112, 125))
    canvas.image.paste(photo, (x0, y0))
    canvas.draw.rectangle((x0, y0, x1, y1), outline=(120, 120, 120), width=2)


def render_cccd_front(
    citizen: Citizen, *, dpi: int = 600, seed: int = 0, on_scanner: bool = True
) -> Image.Image:
    """The front of the 2021 citizen identity card, clean (apply :func:`degrade` for a scan look).

    The card's real type sizes are 5-9 pt; at 600 DPI their x-height is 20-35 px, which Tesseract
    reads well (at 300 DPI it is 10-17 px). With ``on_scanner`` the card lies on a light scanner
    bed with a few millimetres of margin, as a flatbed or phone capture gives it.
    """
    rng = random.Random(seed)
    card = _card_background((round(CARD_MM[0] * dpi / 25.4), round(CARD_MM[1] * dpi / 25.4)), rng)
    c = _Canvas(card, dpi)
    sans, bold = "NotoSans-Regular.ttf", "NotoSans-Bold.ttf"

    _draw_emblem(c, 9.0, 9.5, 6.0)
    qr = _qr_image(cccd_qr_payload(citizen), max(3, c.px(0.3)))
    qr = qr.resize((c.px(14), c.px(14)), Image.Resampling.NEAREST)
    card.paste(qr, (c.px(69.5), c.px(3.0)))

    centre = 42.0
    c.text(centre, 5.6, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", c.font(bold, 6.6), anchor="ms")
    c.text(centre, 8.3, "SOCIALIST REPUBLIC OF VIET NAM", c.font(sans, 5.0), anchor="ms")
    c.text(centre, 11.4, "Độc lập - Tự do - Hạnh phúc", c.font(bold, 6.4), anchor="ms")
    c.text(centre, 14.0, "Independence - Freedom - Happiness", c.font(sans, 5.0), anchor="ms")
    c.text(centre + 4, 19.4, "CĂN CƯỚC CÔNG DÂN", c.font(bold, 10.0), fill=_RED, anchor="ms")
    c.text(centre + 4, 22.4, "Citizen Identity Card", c.font(sans, 6.0), anchor="ms")

    _draw_photo(c, (3.0, 20.5, 22.0, 43.0))

    label, value, value_bold = c.font(sans, 5.6), c.font(sans, 7.0), c.font(bold, 7.4)
    x = 24.5
    end = c.text(x, 26.4, "Số / No.:", label)
    c.text(end + 2.0, 26.6, citizen.id_number, c.font(bold, 10.0))
    c.text(x, 29.9, "Họ và tên / Full name:", label)
    c.text(x, 33.6, citizen.full_name.upper(), value_bold)
    end = c.text(x, 37.1, "Ngày sinh / Date of birth:", label)
    c.text(end + 1.2, 37.1, citizen.date_of_birth.strftime("%d/%m/%Y"), value)
    end = c.text(x, 40.4, "Giới tính / Sex:", label)
    c.text(end + 1.2, 40.4, citizen.sex, value)
    end = c.text(51.0, 40.4, "Quốc tịch / Nationality:", label)
    c.text(end + 1.2, 40.4, citizen.nationality, value)
    c.text(x, 43.7, "Quê quán / Place of origin:", label)
    c.text(x, 46.8, citizen.place_of_origin, _fit(c, citizen.place_of_origin, sans, 7.0, 85.0 - x))
    end = c.text(x, 49.9, "Nơi thường trú / Place of residence:", label)
    residence_font = c.font(sans, 6.6)
    first_width = c.px(85.0 - end - 1.2)
    lines = _wrap(citizen.place_of_residence, residence_font, first_width)
    if len(lines) > 1:
        rest = " ".join(lines[1:])
        c.text(end + 1.2, 49.9, lines[0], residence_font)
        c.text(x, 52.4, rest, _fit(c, rest, sans, 6.6, 85.0 - x))
    else:
        c.text(end + 1.2, 49.9, lines[0], residence_font)

    expiry = citizen.card_expiry_date.strftime("%d/%m/%Y") if citizen.card_expiry_date else "Không thời hạn"
    c.text(3.0, 46.6, "Có giá trị đến:", c.font(sans, 5.0))
    c.text(3.0, 49.4, expiry, c.font(sans, 6.0))
    c.text(3.0, 51.8, "Date of expiry", c.font(sans, 4.6))

    return _finish_card(card, c, on_scanner)


def _finish_card(card: Image.Image, c: _Canvas, on_scanner: bool) -> Image.Image:
    """Round the card's corners and lay it on a light scanner bed (or on white)."""
    card = _round_corners(card, c.px(3.2))
    if not on_scanner:
        background = Image.new("RGB", card.size, (255, 255, 255))
        background.paste(card, (0, 0), card)
        return background
    margin = c.px(7.0)
    bed = Image.new("RGB", (card.width + 2 * margin, card.height + 2 * margin), (236, 236, 233))
    shadow = Image.new("L", bed.size, 0)
    ImageDraw.Draw(shadow).rounded_rectangle(
        (margin + 6, margin + 8, margin + card.width + 6, margin + card.height + 8), c.px(3.2), fill=90
    )
    shadow = shadow.filter(ImageFilter.GaussianBlur(c.px(0.6)))
    bed.paste((150, 150, 150), (0, 0), shadow)
    bed.paste(card, (margin, margin), card)
    return bed


# Identification marks as the card prints them (Đặc điểm nhân dạng).
IDENTIFICATION_MARKS: tuple[str, ...] = (
    "Nốt ruồi C:1cm trên sau cánh mũi phải",
    "Nốt ruồi C:2cm dưới trước đuôi mắt trái",
    "Sẹo chấm C:1cm trên đầu lông mày phải",
    "Nốt ruồi C:1,5cm dưới sau mép phải",
    "Sẹo chấm C:2cm trên trước đầu mày trái",
    "Nốt ruồi C:3cm dưới trước tai trái",
)
CCCD_2021_ISSUER = ("CỤC TRƯỞNG CỤC CẢNH SÁT", "QUẢN LÝ HÀNH CHÍNH VỀ TRẬT TỰ XÃ HỘI")


def identification_mark(citizen: Citizen) -> str:
    """The citizen's identification mark (stable for a citizen: chosen from the ID's serial)."""
    return IDENTIFICATION_MARKS[int(citizen.id_number[-4:]) % len(IDENTIFICATION_MARKS)]


def render_cccd_back(
    citizen: Citizen, *, dpi: int = 600, seed: int = 0, on_scanner: bool = True
) -> Image.Image:
    """The back of the 2021 citizen identity card: identification mark, issue date, the issuer's
    title, signature and seal, two fingerprints, the chip and the ICAO TD1 machine-readable zone."""
    rng = random.Random(seed)
    card = _card_background((round(CARD_MM[0] * dpi / 25.4), round(CARD_MM[1] * dpi / 25.4)), rng)
    c = _Canvas(card, dpi)
    sans, bold = "NotoSans-Regular.ttf", "NotoSans-Bold.ttf"
    label, value = c.font(sans, 5.6), c.font(sans, 6.8)

    c.text(3.0, 5.0, "Đặc điểm nhân dạng / Personal identification:", label)
    mark = identification_mark(citizen)
    c.text(3.0, 8.6, mark, _fit(c, mark, sans, 6.8, 47.0))
    end = c.text(3.0, 13.2, "Ngày, tháng, năm / Date, month, year:", label)
    c.text(end + 1.2, 13.2, citizen.card_issue_date.strftime("%d/%m/%Y"), value)
    for i, line in enumerate(CCCD_2021_ISSUER):
        c.text(25.0, 17.4 + 2.6 * i, line, c.font(bold, 5.2), anchor="ms")
    c.text(25.0, 22.6, "DIRECTOR GENERAL OF THE POLICE DEPARTMENT", c.font(sans, 3.8), anchor="ms")
    c.text(25.0, 24.4, "FOR ADMINISTRATIVE MANAGEMENT OF SOCIAL ORDER", c.font(sans, 3.8), anchor="ms")
    # Seal (red ring) under a signature stroke, and the signer's name.
    cx, cy, r = c.px(19.0), c.px(29.5), c.px(4.2)
    c.draw.ellipse((cx - r, cy - r, cx + r, cy + r), outline=(200, 40, 45), width=max(2, c.px(0.35)))
    points = [(c.px(20.0 + 1.4 * k), c.px(29.5 + (0.9 if k % 2 else -0.9))) for k in range(8)]
    c.draw.line(points, fill=(30, 40, 120), width=max(2, c.px(0.25)))
    c.text(25.0, 35.6, "Tô Văn Huệ", c.font(bold, 6.0), anchor="ms")
    # Fingerprint boxes.
    for x0, caption in ((56.5, "Ngón trỏ trái"), (71.0, "Ngón trỏ phải")):
        box = (c.px(x0), c.px(3.0), c.px(x0 + 12.5), c.px(21.0))
        c.draw.rectangle(box, outline=(110, 110, 110), width=2)
        for k in range(8):
            inset = c.px(0.8 + 0.65 * k)
            c.draw.ellipse(
                (box[0] + inset, box[1] + inset + c.px(1.5), box[2] - inset, box[3] - inset),
                outline=(150, 150, 150),
                width=max(1, c.px(0.12)),
            )
        c.text(x0 + 6.25, 24.0, caption, c.font(sans, 4.4), anchor="ms")
        c.text(x0 + 6.25, 26.0, "Left index finger" if "trái" in caption else "Right index finger",
               c.font(sans, 3.8), anchor="ms")  # fmt: skip
    chip = (c.px(62.0), c.px(28.0), c.px(73.0), c.px(36.5))
    c.draw.rounded_rectangle(chip, c.px(1.2), fill=(206, 172, 92), outline=(150, 120, 60), width=2)
    mrz = compose_td1(
        citizen.id_number,
        citizen.surname,
        f"{citizen.middle_name} {citizen.given_name}",
        citizen.date_of_birth,
        citizen.sex,
        citizen.card_expiry_date,
    )
    mono = c.font("DejaVuSansMono.ttf", 10.5)
    for i, line in enumerate(mrz):
        c.text(5.0, 42.0 + 4.4 * i, line, mono, fill=(20, 20, 20))
    return _finish_card(card, c, on_scanner)


def _fit(c: _Canvas, text: str, font_name: str, pt: float, width_mm: float) -> ImageFont.FreeTypeFont:
    """The font at ``pt`` or smaller (down to 80%) so that ``text`` fits in ``width_mm``."""
    size = pt
    font = c.font(font_name, size)
    while c.width_mm(text, font) > width_mm and size > pt * 0.8:
        size -= 0.2
        font = c.font(font_name, size)
    return font


def _round_corners(image: Image.Image, radius: int) -> Image.Image:
    mask = Image.new("L", image.size, 0)
    ImageDraw.Draw(mask).rounded_rectangle((0, 0, image.width - 1, image.height - 1), radius, fill=255)
    out = image.convert("RGBA")
    out.putalpha(mask)
    return out


def render_birth_certificate(citizen: Citizen, *, dpi: int = 300) -> Image.Image:
    """An A4 birth certificate (form of Circular 04/2020/TT-BTP) filled in for ``citizen``, clean."""
    size = (round(A4_MM[0] * dpi / 25.4), round(A4_MM[1] * dpi / 25.4))
    page = Image.new("RGB", size, (255, 255, 255))
    c = _Canvas(page, dpi)
    serif, serif_bold, serif_italic = "NotoSerif-Regular.ttf", "NotoSerif-Bold.ttf", "NotoSerif-Italic.ttf"
    body, value_bold, small_bold = c.font(serif, 12.5), c.font(serif_bold, 12.5), c.font(serif_bold, 12.0)
    dots = c.font(serif, 10.0)

    left, right = 22.0, 195.0
    # Left header block: issuing authority, registration number and book.
    commune = citizen.registration_place.split(",")[0].replace("Ủy ban nhân dân ", "")
    c.text(52.0, 22.0, "ỦY BAN NHÂN DÂN", small_bold, anchor="ms")
    c.text(52.0, 28.0, commune.upper(), small_bold, anchor="ms")
    end = c.text(left + 6, 40.0, "Số:", body)
    c.text(end + 2.0, 40.0, citizen.registration_number, body)
    end = c.text(left + 6, 47.0, "Quyển số:", body)
    c.text(end + 2.0, 47.0, citizen.book, body)
    # National header, top right.
    c.text(140.0, 22.0, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", small_bold, anchor="ms")
    c.text(140.0, 28.0, "Độc lập - Tự do - Hạnh phúc", c.font(serif_bold, 12.5), anchor="ms")
    c.draw.line((c.px(118.0), c.px(30.0), c.px(162.0), c.px(30.0)), fill=_INK, width=3)

    c.text(105.0, 66.0, "GIẤY KHAI SINH", c.font(serif_bold, 17.0), anchor="ms")

    def field(
        y: float, label: str, value: str, *, x: float = left, bold: bool = False, leader_to: float = right
    ) -> float:
        end = c.text(x, y, label, body)
        end = c.text(end + 2.0, y, value, value_bold if bold else body)
        _leader(c, end + 2.0, leader_to, y, dots)
        return end

    y = 84.0
    step = 9.5
    field(y, "Họ, chữ đệm, tên:", citizen.full_name.upper(), bold=True)
    y += step
    field(y, "Ngày, tháng, năm sinh:", citizen.date_of_birth.strftime("%d/%m/%Y"), leader_to=95.0)
    c.text(97.0, y, "ghi bằng chữ:", body)
    y += step
    words = date_in_words(citizen.date_of_birth)
    c.text(left, y, words, c.font(serif_italic, 12.0))
    y += step
    field(y, "Giới tính:", citizen.sex, leader_to=68.0)
    field(y, "Dân tộc:", citizen.ethnicity, x=72.0, leader_to=128.0)
    field(y, "Quốc tịch:", citizen.nationality, x=132.0)
    y += step
    y = _multiline_field(c, y, step, "Nơi sinh:", citizen.place_of_birth, body, dots, left, right)
    y = _multiline_field(c, y, step, "Quê quán:", citizen.place_of_origin, body, dots, left, right)
    field(y, "Số định danh cá nhân:", citizen.id_number)
    y += step + 4.0

    mother_birth_year = citizen.date_of_birth.year - 20 - (sum(map(ord, citizen.mother_name)) % 12)
    father_birth_year = mother_birth_year - 1 - (sum(map(ord, citizen.father_name)) % 6)
    for label, name, year in (
        ("Họ, chữ đệm, tên người mẹ:", citizen.mother_name, mother_birth_year),
        ("Họ, chữ đệm, tên người cha:", citizen.father_name, father_birth_year),
    ):
        field(y, label, name.upper(), bold=True)
        y += step
        field(y, "Năm sinh:", str(year), leader_to=68.0)
        field(y, "Dân tộc:", citizen.ethnicity, x=72.0, leader_to=128.0)
        field(y, "Quốc tịch:", citizen.nationality, x=132.0)
        y += step
        y = _multiline_field(c, y, step, "Nơi cư trú:", citizen.place_of_residence, body, dots, left, right)
        y += 4.0

    y = _multiline_field(
        c, y, step, "Nơi đăng ký khai sinh:", citizen.registration_place, body, dots, left, right
    )
    field(y, "Ngày, tháng, năm đăng ký:", citizen.registration_date.strftime("%d/%m/%Y"), leader_to=130.0)
    y += 2 * step
    c.text(150.0, y, "NGƯỜI KÝ GIẤY KHAI SINH", small_bold, anchor="ms")
    c.text(
        150.0,
        y + 6.0,
        "(Ký, ghi rõ họ, chữ đệm, tên, chức vụ và đóng dấu)",
        c.font(serif_italic, 10.5),
        anchor="ms",
    )
    # A round red seal overlapping the signature area.
    cx, cy, r = c.px(138.0), c.px(y + 24.0), c.px(17.0)
    for k in range(3):
        c.draw.ellipse(
            (cx - r + 6 * k, cy - r + 6 * k, cx + r - 6 * k, cy + r - 6 * k), outline=(210, 60, 60), width=5
        )
    c.draw.line((c.px(140.0), c.px(y + 30.0), c.px(172.0), c.px(y + 20.0)), fill=(40, 40, 120), width=5)
    return page


def _multiline_field(
    c: _Canvas,
    y: float,
    step: float,
    label: str,
    value: str,
    font: ImageFont.FreeTypeFont,
    dots: ImageFont.FreeTypeFont,
    left: float,
    right: float,
) -> float:
    end = c.text(left, y, label, font)
    lines = _wrap(value, font, c.px(right - end - 4.0))
    first = lines[0]
    end = c.text(end + 2.0, y, first, font)
    _leader(c, end + 2.0, right, y, dots)
    rest = " ".join(lines[1:])
    y += step
    for line in _wrap(rest, font, c.px(right - left)) if rest else []:
        end = c.text(left, y, line, font)
        _leader(c, end + 2.0, right, y, dots)
        y += step
    return y


def _leader(c: _Canvas, x0_mm: float, x1_mm: float, baseline_mm: float, font: ImageFont.FreeTypeFont) -> None:
    """Dotted leader of a printed form (light grey, as on a photocopied blank)."""
    if x1_mm - x0_mm < 3.0:
        return
    count = int((x1_mm - x0_mm) / c.width_mm(". ", font))
    c.text(x0_mm, baseline_mm, ". " * count, font, fill=(150, 150, 150))


# --------------------------------------------------------------------------------------------
# Degradations: composable (image, rng) -> image functions
# --------------------------------------------------------------------------------------------

Degradation = Callable[[Image.Image, random.Random], Image.Image]


def rotate(max_degrees: float = 2.0) -> Degradation:
    """Rotate by a random angle within ±``max_degrees`` (≤ 2° for a scanner), edges replicated."""

    def apply(image: Image.Image, rng: random.Random) -> Image.Image:
        angle = rng.uniform(-max_degrees, max_degrees)
        if abs(angle) < 0.05:
            angle = 0.05 if angle >= 0 else -0.05
        fill = _border_colour(image)
        return image.rotate(angle, resample=Image.Resampling.BICUBIC, expand=False, fillcolor=fill)

    return apply


def rotate_by(angle: float) -> Degradation:
    """Rotate by exactly ``angle`` degrees (counter-clockwise)."""

    def apply(image: Image.Image, rng: random.Random) -> Image.Image:
        return image.rotate(
            angle, resample=Image.Resampling.BICUBIC, expand=False, fillcolor=_border_colour(image)
        )

    return apply


def gaussian_blur(sigma: float) -> Degradation:
    def apply(image: Image.Image, rng: random.Random) -> Image.Image:
        return image.filter(ImageFilter.GaussianBlur(sigma)) if sigma > 0 else image

    return apply


def gaussian_noise(sigma: float) -> Degradation:
    def apply(image: Image.Image, rng: random.Random) -> Image.Image:
        array = np.asarray(image).astype(np.float32)
        noise = np.random.default_rng(rng.getrandbits(64)).normal(0.0, sigma, array.shape[:2])
        if array.ndim == 3:
            noise = noise[..., None]
        return Image.fromarray(np.clip(array + noise, 0, 255).astype(np.uint8))

    return apply


def jpeg_artefacts(quality: int) -> Degradation:
    def apply(image: Image.Image, rng: random.Random) -> Image.Image:
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=quality)
        buffer.seek(0)
        out = Image.open(buffer)
        out.load()
        return out.convert(image.mode)

    return apply


def vignette(strength: float = 0.12) -> Degradation:
    """Light shadow: darker towards one random edge and the corners (lid not closed, book fold)."""

    def apply(image: Image.Image, rng: random.Random) -> Image.Image:
        array = np.asarray(image).astype(np.float32)
        h, w = array.shape[:2]
        y, x = np.mgrid[0:h, 0:w].astype(np.float32)
        nx, ny = x / w - 0.5, y / h - 0.5
        radial = (nx**2 + ny**2) * 2.0
        edge = rng.choice(("left", "right", "top", "bottom"))
        ramp = {"left": 0.5 - nx, "right": 0.5 + nx, "top": 0.5 - ny, "bottom": 0.5 + ny}[edge]
        shade = 1.0 - strength * (0.5 * radial + 0.5 * ramp**3)
        if array.ndim == 3:
            shade = shade[..., None]
        return Image.fromarray(np.clip(array * shade, 0, 255).astype(np.uint8))

    return apply


def paper_tint(rgb: tuple[int, int, int] = (250, 247, 238)) -> Degradation:
    """Off-white paper: multiply by a slightly yellow tint."""

    def apply(image: Image.Image, rng: random.Random) -> Image.Image:
        array = np.asarray(image.convert("RGB")).astype(np.float32)
        array *= np.array(rgb, np.float32) / 255.0
        return Image.fromarray(array.astype(np.uint8)).convert(image.mode)

    return apply


def degrade(image: Image.Image, steps: Sequence[Degradation], seed: int) -> Image.Image:
    """Apply ``steps`` in order with one seeded generator (same seed, same bytes)."""
    rng = random.Random(seed)
    for step in steps:
        image = step(image, rng)
    return image


def scan_look(rng: random.Random) -> list[Degradation]:
    """A mild, realistic flatbed scan: tint, ≤ 2° skew, slight blur, sensor noise, shadow, JPEG."""
    return [
        paper_tint(),
        rotate(2.0),
        gaussian_blur(rng.uniform(0.3, 0.9)),
        vignette(rng.uniform(0.05, 0.15)),
        gaussian_noise(rng.uniform(2.0, 6.0)),
        jpeg_artefacts(rng.randint(70, 90)),
    ]


def _border_colour(image: Image.Image) -> int | tuple[int, ...]:
    array = np.asarray(image)
    border = np.concatenate([array[0], array[-1], array[:, 0], array[:, -1]])
    median = np.median(border, axis=0)
    if np.ndim(median) == 0:
        return int(median)
    return tuple(int(v) for v in median)


# --------------------------------------------------------------------------------------------
# Batches
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SampleBatch:
    """Files written by :func:`write_sample_batch` and the ground truth behind them."""

    directory: Path
    seed: int
    citizen: Citizen
    cccd_front: Path  # JPEG of the card on a scanner bed, 600 DPI
    birth_certificate: Path  # one-page PDF with the scanned page image at 300 DPI
    ground_truth: Path

    @property
    def files(self) -> dict[str, Path]:
        return {"cccd_front": self.cccd_front, "birth_certificate": self.birth_certificate}


def scanned_cccd_front(citizen: Citizen, seed: int, *, dpi: int = 600) -> Image.Image:
    rng = random.Random(seed)
    card = render_cccd_front(citizen, dpi=dpi, seed=seed)
    return degrade(card, scan_look(rng), seed + 1)


def scanned_birth_certificate(citizen: Citizen, seed: int, *, dpi: int = 300) -> Image.Image:
    rng = random.Random(seed)
    page = render_birth_certificate(citizen, dpi=dpi)
    return degrade(page, scan_look(rng), seed + 2).convert("L")


def save_pdf(images: Sequence[Image.Image], path: Path, dpi: int = 300, quality: int = 85) -> None:
    """Wrap page images in a PDF as a scanner does (one JPEG image per page, page size = pixels/DPI)."""
    first, *rest = images
    first.save(path, "PDF", resolution=float(dpi), save_all=True, append_images=list(rest), quality=quality)


def write_sample_batch(directory: Path, seed: int, *, card_dpi: int = 600) -> SampleBatch:
    """Write ``cccd_front.jpg``, ``birth_certificate.pdf`` and ``ground_truth.json`` for one citizen."""
    directory.mkdir(parents=True, exist_ok=True)
    citizen = make_citizen(random.Random(seed))
    card_path = directory / "cccd_front.jpg"
    card = scanned_cccd_front(citizen, seed, dpi=card_dpi)
    card.save(card_path, "JPEG", quality=88, dpi=(card_dpi, card_dpi))
    certificate_path = directory / "birth_certificate.pdf"
    save_pdf([scanned_birth_certificate(citizen, seed)], certificate_path, dpi=300)
    truth_path = directory / "ground_truth.json"
    truth = {
        "seed": seed,
        "citizen": citizen.to_json(),
        "files": {"cccd_front": card_path.name, "birth_certificate": certificate_path.name},
    }
    truth_path.write_text(json.dumps(truth, ensure_ascii=False, indent=2), encoding="utf-8")
    return SampleBatch(directory, seed, citizen, card_path, certificate_path, truth_path)


if __name__ == "__main__":  # python -m pipeline.samples OUT_DIR SEED [SEED ...]
    import sys

    out = Path(sys.argv[1])
    for value in sys.argv[2:] or ["1"]:
        batch = write_sample_batch(out / f"seed-{value}", int(value))
        print(batch.directory, *[p.name for p in batch.files.values()])
