"""Thẻ căn cước (identity card issued from 2024-07-01, Law on Identification 2023; card form of
Circular 16/2024/TT-BCA), front and back, filled in for a random but valid citizen.

Front: emblem, national name, red "CĂN CƯỚC / IDENTITY CARD", photo, Số định danh cá nhân, Họ, chữ
đệm và tên khai sinh, Ngày, tháng, năm sinh, Giới tính, Quốc tịch. Back: Nơi cư trú, Nơi đăng ký
khai sinh, Ngày, tháng, năm cấp, Ngày, tháng, năm hết hạn, the issuing ministry, the chip, a QR code
and the TD1 machine readable zone. Labels are bilingual as printed [R: the field list is the one of
the Circular as reported by the press; positions and type sizes are from memory, M].
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
    draw_chip,
    draw_mrz,
    on_scanner,
)
from pipeline.samples import (
    Citizen,
    _address,
    _draw_emblem,
    _draw_photo,
    _fit,
    _qr_image,
    _wrap,
    cccd_qr_payload,
    make_citizen,
)
from schemas.doctypes.cccd_2024 import FIRST_ISSUE, expected_expiry
from schemas.identifiers import compose_personal_id, compose_td1, load_province_codes

TYPE = "cccd_2024"
DPI = 600  # a card's 5-7 pt type needs 600 DPI for OCR (../shared/domain/README.md §6)
_GREY = (70, 70, 75)
CHILD_SHARE = 0.1  # cards of children under 14 (expiry: the 14th birthday)
PHOTO_FROM_AGE = 6  # a card of a child under 6 carries no photo [R: press summary of Circular 16/2024]


@dataclasses.dataclass(frozen=True)
class Holder:
    citizen: Citizen
    place_of_birth: str  # Nơi đăng ký khai sinh, as printed on the back
    issue_date: dt.date
    expiry_date: dt.date | None


def make_holder(rng: random.Random) -> Holder:
    citizen = make_citizen(rng)
    issue = FIRST_ISSUE + dt.timedelta(days=rng.randint(0, 540))
    province = load_province_codes()[citizen.province_code]
    birth_place = _address(rng, province, with_street=False)
    if rng.random() < CHILD_SHARE:
        # Cards are issued from birth (Law on Identification 2023 Art. 19 [M]): a child's card.
        born = issue - dt.timedelta(days=rng.randint(30, 14 * 365 - 30))
        ident = compose_personal_id(citizen.province_code, born, citizen.sex, int(citizen.id_number[6:]))
        citizen = dataclasses.replace(citizen, date_of_birth=born, id_number=ident)
    return Holder(citizen, birth_place, issue, expected_expiry(citizen.date_of_birth, issue))


def qr_payload(holder: Holder) -> str:
    """The 2021 card's payload format (ID|old ID|name|birth|sex|residence|issue) [M for the 2024 card]."""
    return cccd_qr_payload(dataclasses.replace(holder.citizen, card_issue_date=holder.issue_date))


def render_front(holder: Holder, dpi: int, rng: random.Random) -> Image.Image:
    card, c = card_canvas(dpi, rng, base=(230, 232, 240), waves=(10, 10, 4))
    citizen = holder.citizen
    _draw_emblem(c, 8.5, 8.8, 5.8)
    centre = 48.0
    c.text(centre, 5.4, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", c.font(SANS_BOLD, 6.4), anchor="ms")
    c.text(centre, 8.2, "SOCIALIST REPUBLIC OF VIET NAM", c.font(SANS, 5.0), anchor="ms")
    c.text(centre, 14.4, "CĂN CƯỚC", c.font(SANS_BOLD, 11.0), fill=RED, anchor="ms")
    c.text(centre, 17.6, "IDENTITY CARD", c.font(SANS_BOLD, 6.0), fill=RED, anchor="ms")
    age = (holder.issue_date - citizen.date_of_birth).days // 365
    if age >= PHOTO_FROM_AGE:
        _draw_photo(c, (3.0, 19.5, 21.0, 43.0))

    label, value, bold = c.font(SANS, 5.4), c.font(SANS, 7.0), c.font(SANS_BOLD, 7.6)
    x = 24.0
    c.text(x, 22.6, "Số định danh cá nhân / Personal identification number:", label, fill=_GREY)
    c.text(x, 26.8, citizen.id_number, c.font(SANS_BOLD, 10.5))
    c.text(x, 30.4, "Họ, chữ đệm và tên khai sinh / Full name:", label, fill=_GREY)
    name = citizen.full_name.upper()
    c.text(x, 34.2, name, _fit(c, name, SANS_BOLD, 7.6, 84.0 - x) if c.width_mm(name, bold) > 60 else bold)
    end = c.text(x, 38.0, "Ngày, tháng, năm sinh / Date of birth:", label, fill=_GREY)
    c.text(end + 1.5, 38.0, dmy(citizen.date_of_birth), value)
    end = c.text(x, 41.8, "Giới tính / Sex:", label, fill=_GREY)
    c.text(end + 1.5, 41.8, citizen.sex, value)
    end = c.text(52.0, 41.8, "Quốc tịch / Nationality:", label, fill=_GREY)
    c.text(end + 1.5, 41.8, citizen.nationality, value)
    return on_scanner(card, dpi)


def render_back(holder: Holder, dpi: int, rng: random.Random) -> Image.Image:
    card, c = card_canvas(dpi, rng, base=(232, 234, 242), waves=(10, 10, 4))
    citizen = holder.citizen
    label, value = c.font(SANS, 5.4), c.font(SANS, 6.8)
    x, right = 3.5, 64.0
    c.text(x, 5.2, "Nơi cư trú / Place of residence:", label, fill=_GREY)
    y = 8.6
    for line in _wrap(citizen.place_of_residence, value, c.px(right - x))[:2]:
        c.text(x, y, line, value)
        y += 3.2
    y += 0.8
    c.text(x, y, "Nơi đăng ký khai sinh / Place of birth:", label, fill=_GREY)
    y += 3.4
    for line in _wrap(holder.place_of_birth, value, c.px(right - x))[:2]:
        c.text(x, y, line, value)
        y += 3.2
    y += 0.8
    end = c.text(x, y, "Ngày, tháng, năm cấp / Date of issue:", label, fill=_GREY)
    c.text(end + 1.5, y, dmy(holder.issue_date), value)
    y += 3.6
    end = c.text(x, y, "Ngày, tháng, năm hết hạn / Date of expiry:", label, fill=_GREY)
    expiry = dmy(holder.expiry_date) if holder.expiry_date else "Không thời hạn"
    c.text(end + 1.5, y, expiry, value)

    qr = _qr_image(qr_payload(holder), max(3, c.px(0.25)))
    qr = qr.resize((c.px(15.5), c.px(15.5)), Image.Resampling.NEAREST)
    card.paste(qr, (c.px(67.5), c.px(3.0)))
    draw_chip(c, 70.5, 21.0)
    c.text(76.0, 33.0, "BỘ CÔNG AN", c.font(SANS_BOLD, 5.0), fill=INK, anchor="ms")
    c.text(76.0, 35.2, "MINISTRY OF PUBLIC SECURITY", c.font(SANS, 3.4), fill=INK, anchor="ms")

    given = " ".join(p for p in (citizen.middle_name, citizen.given_name) if p)
    mrz = compose_td1(
        citizen.id_number, citizen.surname, given, citizen.date_of_birth, citizen.sex, holder.expiry_date
    )
    draw_mrz(c, mrz, 41.0)
    return on_scanner(card, dpi)


def expected_fields(holder: Holder) -> dict[str, str]:
    citizen = holder.citizen
    fields = {
        "id_number": citizen.id_number,
        "full_name": citizen.full_name.upper(),
        "date_of_birth": citizen.date_of_birth.isoformat(),
        "sex": citizen.sex,
        "nationality": citizen.nationality,
        "place_of_residence": citizen.place_of_residence,
        "place_of_birth": holder.place_of_birth,
        "issue_date": holder.issue_date.isoformat(),
    }
    if holder.expiry_date is not None:
        fields["expiry_date"] = holder.expiry_date.isoformat()
    return fields


def render(rng: random.Random, dpi: int = DPI) -> CorpusDocument:
    """Front and back of one card (two pages, in that order)."""
    holder = make_holder(rng)
    pages = [render_front(holder, dpi, rng), render_back(holder, dpi, rng)]
    return CorpusDocument(document_type=TYPE, fields=expected_fields(holder), pages=pages, dpi=dpi)
