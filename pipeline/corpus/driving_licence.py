"""Giấy phép lái xe (driving licence), the PET card of Mẫu số 01 Phụ lục XXIV, Circular
35/2024/TT-BGTVT (issued 2025-01-01 to 2025-12-31), front and back, for a random holder.

The Circular's description [R, as reported]: ID-1 card, title "GIẤY PHÉP LÁI XE / DRIVER'S LICENSE"
and the back's "CÁC LOẠI XE CƠ GIỚI ĐƯỜNG BỘ ĐƯỢC ĐIỀU KHIỂN", "Số/No." and "Ngày trúng tuyển" in
red, other text black, straw-yellow guilloche, photo printed on the card, a QR code. Label wording and
positions follow the earlier PET form (Circular 12/2017/TT-BGTVT) [M].
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random

from PIL import Image

from pipeline.corpus import CorpusDocument
from pipeline.corpus._cards import (
    INK,
    RED,
    SANS,
    SANS_BOLD,
    card_canvas,
    dmy,
    on_scanner,
)
from pipeline.samples import _address, _draw_emblem, _draw_photo, _fit, _person_name, _qr_image, _wrap
from schemas.doctypes.driving_licence import expected_expiry
from schemas.identifiers import load_province_codes

TYPE = "driving_licence"
DPI = 600  # card type of 5-7 pt (../shared/domain/README.md §6)
FORM_FIRST_DAY, FORM_LAST_DAY = dt.date(2025, 1, 1), dt.date(2025, 12, 31)

# Classes of the Law on Road Traffic Order and Safety 2024 Art. 57 with (minimum age [M], how often
# they are issued in this corpus); their validity is the schema's (expected_expiry).
CLASSES: dict[str, tuple[int, int]] = {
    "A1": (18, 20),
    "A": (18, 8),
    "B1": (18, 3),
    "B": (18, 30),
    "C1": (18, 8),
    "C": (21, 6),
    "D1": (24, 2),
    "D2": (24, 2),
    "D": (27, 2),
    "BE": (21, 2),
    "C1E": (21, 2),
    "CE": (24, 3),
    "D1E": (27, 1),
    "D2E": (27, 1),
    "DE": (27, 1),
}
VEHICLES = {
    "A1": "Xe mô tô hai bánh có dung tích xi-lanh đến 125 cm3",
    "A": "Xe mô tô hai bánh có dung tích xi-lanh trên 125 cm3",
    "B1": "Xe mô tô ba bánh",
    "B": "Xe ô tô chở người đến 08 chỗ, xe tải đến 3.500 kg",
    "C1": "Xe ô tô tải trên 3.500 kg đến 7.500 kg",
    "C": "Xe ô tô tải trên 7.500 kg",
    "D1": "Xe ô tô chở người trên 08 chỗ đến 16 chỗ",
    "D2": "Xe ô tô chở người trên 16 chỗ đến 29 chỗ",
    "D": "Xe ô tô chở người trên 29 chỗ",
    "BE": "Xe hạng B kéo rơ moóc trên 750 kg",
    "C1E": "Xe hạng C1 kéo rơ moóc trên 750 kg",
    "CE": "Xe hạng C kéo rơ moóc trên 750 kg",
    "D1E": "Xe hạng D1 kéo rơ moóc trên 750 kg",
    "D2E": "Xe hạng D2 kéo rơ moóc trên 750 kg",
    "DE": "Xe hạng D kéo rơ moóc trên 750 kg",
}


@dataclasses.dataclass(frozen=True)
class Licence:
    number: str
    full_name: str  # as printed, upper case
    date_of_birth: dt.date
    nationality: str
    residence: str
    licence_class: str
    issue_place: str  # province of the issuing Sở Giao thông vận tải
    issue_date: dt.date
    passing_date: dt.date  # Ngày trúng tuyển
    expiry_date: dt.date | None


def make_licence(rng: random.Random) -> Licence:
    codes = load_province_codes()
    code = rng.choice(sorted(codes))
    province = codes[code]
    names, weights = list(CLASSES), [w for _, w in CLASSES.values()]
    licence_class = rng.choices(names, weights=weights)[0]
    min_age, _ = CLASSES[licence_class]
    issue = FORM_FIRST_DAY + dt.timedelta(days=rng.randint(0, (FORM_LAST_DAY - FORM_FIRST_DAY).days))
    age_days = rng.randint(min_age * 366, 60 * 365)
    sex = rng.choice(("Nam", "Nữ"))
    name = " ".join(_person_name(rng, sex)).upper()
    return Licence(
        number=code[1:] + "".join(str(rng.randint(0, 9)) for _ in range(10)),
        full_name=name,
        date_of_birth=issue - dt.timedelta(days=age_days),
        nationality="VIỆT NAM",
        residence=_address(rng, province, with_street=rng.random() < 0.6),
        licence_class=licence_class,
        issue_place=province,
        issue_date=issue,
        passing_date=issue - dt.timedelta(days=rng.randint(7, 40)),
        expiry_date=expected_expiry(licence_class, issue),
    )


def qr_payload(licence: Licence) -> str:
    """Number, name, date of birth, class, expiry [M: the real payload is not published]."""
    expiry = licence.expiry_date.strftime("%d%m%Y") if licence.expiry_date else ""
    return "|".join(
        (
            licence.number,
            licence.full_name,
            licence.date_of_birth.strftime("%d%m%Y"),
            licence.licence_class,
            expiry,
        )
    )


_BASE, _WAVES = (244, 236, 196), (18, 14, 2)


def render_front(licence: Licence, dpi: int, rng: random.Random) -> Image.Image:
    card, c = card_canvas(dpi, rng, base=_BASE, waves=_WAVES)
    _draw_emblem(c, 8.0, 8.2, 5.4)
    centre = 48.0
    c.text(centre, 5.0, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", c.font(SANS_BOLD, 6.2), anchor="ms")
    c.text(centre, 7.9, "Độc lập - Tự do - Hạnh phúc", c.font(SANS_BOLD, 5.8), anchor="ms")
    c.text(centre, 13.0, "GIẤY PHÉP LÁI XE / DRIVER'S LICENSE", c.font(SANS_BOLD, 8.4), fill=RED, anchor="ms")
    _draw_photo(c, (3.0, 16.5, 20.0, 38.5))
    qr = _qr_image(qr_payload(licence), max(3, c.px(0.22)))
    qr = qr.resize((c.px(12.0), c.px(12.0)), Image.Resampling.NEAREST)
    card.paste(qr, (c.px(5.5), c.px(40.5)))

    label, value, bold = c.font(SANS, 5.6), c.font(SANS, 6.8), c.font(SANS_BOLD, 7.2)
    x, right = 23.0, 84.0
    end = c.text(x, 19.6, "Số/No.:", label, fill=RED)
    c.text(end + 1.5, 19.8, licence.number, c.font(SANS_BOLD, 9.6))  # only the label is red
    end = c.text(x, 23.6, "Họ tên/Full name:", label)
    c.text(end + 1.5, 23.6, licence.full_name, _fit(c, licence.full_name, SANS_BOLD, 7.2, right - end - 1.5))
    end = c.text(x, 27.2, "Ngày sinh/Date of birth:", label)
    c.text(end + 1.5, 27.2, dmy(licence.date_of_birth), value)
    end = c.text(x, 30.8, "Quốc tịch/Nationality:", label)
    c.text(end + 1.5, 30.8, licence.nationality, value)
    end = c.text(x, 34.4, "Nơi cư trú/Address:", label)
    lines = _wrap(licence.residence, value, c.px(right - end - 1.5))
    c.text(end + 1.5, 34.4, lines[0], value)
    rest = " ".join(lines[1:])
    if rest:
        c.text(x, 37.6, rest, _fit(c, rest, SANS, 6.8, right - x))
    end = c.text(x, 41.6, "Hạng/Class:", label)
    c.text(end + 1.5, 41.6, licence.licence_class, bold)
    end = c.text(x, 45.2, "Có giá trị đến/Expires:", label)
    expiry = dmy(licence.expiry_date) if licence.expiry_date else "Không thời hạn"
    c.text(end + 1.5, 45.2, expiry, value)
    d = licence.issue_date
    place = f"{licence.issue_place}, ngày/date {d.day:02d} tháng/month {d.month:02d} năm/year {d.year}"
    c.text(x, 49.4, place, _fit(c, place, SANS, 5.4, right - x))
    c.text(66.0, 52.4, "GIÁM ĐỐC SỞ GIAO THÔNG VẬN TẢI", c.font(SANS_BOLD, 3.6), fill=INK, anchor="ms")
    return on_scanner(card, dpi)


def render_back(licence: Licence, dpi: int, rng: random.Random) -> Image.Image:
    card, c = card_canvas(dpi, rng, base=_BASE, waves=_WAVES)
    c.text(
        42.8,
        6.0,
        "CÁC LOẠI XE CƠ GIỚI ĐƯỜNG BỘ ĐƯỢC ĐIỀU KHIỂN",
        c.font(SANS_BOLD, 6.6),
        fill=RED,
        anchor="ms",
    )
    small, head = c.font(SANS, 5.0), c.font(SANS_BOLD, 5.0)
    cols = (3.0, 15.0, 64.0, 82.6)
    top = 9.0
    rows = [licence.licence_class, *[k for k in CLASSES if k != licence.licence_class][:5]]
    for i in range(len(rows) + 2):
        rule = c.px(top + i * 5.4)
        c.draw.line((c.px(cols[0]), rule, c.px(cols[-1]), rule), fill=(90, 80, 60), width=2)
    for xmm in cols:
        c.draw.line(
            (c.px(xmm), c.px(top), c.px(xmm), c.px(top + (len(rows) + 1) * 5.4)), fill=(90, 80, 60), width=2
        )
    c.text(cols[0] + 1.0, top + 3.8, "Hạng/Class", head)
    c.text(cols[1] + 1.0, top + 3.8, "Xe cơ giới đường bộ/Motor vehicles", head)
    c.text(cols[2] + 1.0, top + 3.8, "Ngày trúng tuyển", head, fill=RED)
    for i, klass in enumerate(rows, 1):
        y = top + i * 5.4 + 3.8
        c.text(cols[0] + 1.0, y, klass, head)
        c.text(cols[1] + 1.0, y, VEHICLES[klass], _fit(c, VEHICLES[klass], SANS, 5.0, cols[2] - cols[1] - 2))
        c.text(cols[2] + 1.0, y, dmy(licence.passing_date) if klass == licence.licence_class else "", small)
    return on_scanner(card, dpi)


def expected_fields(licence: Licence) -> dict[str, str]:
    fields = {
        "licence_number": licence.number,
        "full_name": licence.full_name,
        "date_of_birth": licence.date_of_birth.isoformat(),
        "nationality": "Việt Nam",
        "place_of_residence": licence.residence,
        "licence_class": licence.licence_class,
        "issue_date": licence.issue_date.isoformat(),
    }
    if licence.expiry_date is not None:
        fields["expiry_date"] = licence.expiry_date.isoformat()
    return fields


def render(rng: random.Random, dpi: int = DPI) -> CorpusDocument:
    """Front and back of one licence (two pages)."""
    licence = make_licence(rng)
    pages = [render_front(licence, dpi, rng), render_back(licence, dpi, rng)]
    return CorpusDocument(document_type=TYPE, fields=expected_fields(licence), pages=pages, dpi=dpi)
