"""Application forms (Tờ khai), filled in: the birth-registration form of Circular 04/2020/TT-BTP and the
residence-change form CT01 of Circular 66/2023/TT-BCA, one A4 page each.

Layout [M: from the published blanks]: national header centred (an application has no agency block),
the title, "Kính gửi:" the receiving authority, the applicant's details, the request, then the place
and date line and the applicant's signature. Application forms are single use.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import TYPE_CHECKING

from pipeline.corpus import CorpusDocument
from pipeline.corpus.paper_forms import (
    SERIF_BOLD,
    SERIF_ITALIC,
    PaperDocument,
    commune,
    id_document,
    newborn,
    person,
    random_date,
    vn_date,
)
from pipeline.samples import date_in_words

if TYPE_CHECKING:
    from PIL import Image


DPI = 300
DOCUMENT_TYPE = "application_form"
BIRTH_FORM = "TỜ KHAI ĐĂNG KÝ KHAI SINH"
CT01 = "TỜ KHAI THAY ĐỔI THÔNG TIN CƯ TRÚ"
CT01_REQUESTS = ("Đăng ký thường trú", "Đăng ký tạm trú", "Gia hạn tạm trú", "Tách hộ")


def _national_header(doc: PaperDocument) -> None:
    doc.centred("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", pt=12.5)
    doc.centred("Độc lập - Tự do - Hạnh phúc", pt=12.5)
    doc.c.draw.line(
        (doc.c.px(83.0), doc.c.px(doc.y - 5.0), doc.c.px(127.0), doc.c.px(doc.y - 5.0)),
        fill=(25, 25, 25),
        width=3,
    )
    doc.y += 8.0


def _birth_form(rng: random.Random, doc: PaperDocument) -> dict[str, str]:
    applicant = person(rng, born_before=dt.date(2004, 1, 1), born_after=dt.date(1975, 1, 1))
    child = newborn(rng, random_date(rng, dt.date(2023, 1, 1), dt.date(2025, 10, 31)))
    signed = random_date(
        rng, child.date_of_birth + dt.timedelta(days=2), child.date_of_birth + dt.timedelta(days=55)
    )
    place = commune(rng)
    province = applicant.place_of_residence.rsplit(", ", 1)[-1]
    recipient = f"Ủy ban nhân dân xã {place}, {province}"
    relation = "Mẹ" if applicant.sex == "Nữ" else "Cha"
    _national_header(doc)
    doc.title(BIRTH_FORM)
    doc.multiline("Kính gửi:", recipient)
    doc.field("Họ, chữ đệm, tên người yêu cầu:", applicant.full_name.upper(), bold=True)
    doc.multiline("Nơi cư trú:", applicant.place_of_residence)
    doc.field("Giấy tờ tùy thân:", id_document(applicant))
    doc.field("Quan hệ với người được khai sinh:", relation, leader_to=150.0)
    doc.paragraph("Đề nghị cơ quan đăng ký khai sinh cho người dưới đây:", indent=0.0, bold=True)
    child_name = (
        f"{applicant.surname if relation == 'Cha' else child.surname} {child.middle_name} {child.given_name}"
    )
    doc.field("Họ, chữ đệm, tên:", child_name.upper(), bold=True)
    doc.field(
        "Ngày, tháng, năm sinh:", child.date_of_birth.strftime("%d/%m/%Y"), leader_to=95.0, advance=False
    )
    doc.c.text(97.0, doc.y, "ghi bằng chữ:", doc.font())
    doc.y += 9.5
    doc.c.text(22.0, doc.y, date_in_words(child.date_of_birth), doc.font(SERIF_ITALIC, 12.0))
    doc.y += 9.5
    doc.row(
        ("Giới tính:", child.sex, 22.0, 68.0),
        ("Dân tộc:", child.ethnicity, 72.0, 128.0),
        ("Quốc tịch:", child.nationality, 132.0, 195.0),
    )
    doc.multiline("Nơi sinh:", child.place_of_birth)
    doc.multiline("Quê quán:", child.place_of_origin)
    doc.paragraph(
        "Tôi cam đoan nội dung đề nghị đăng ký khai sinh trên đây là đúng sự thật, được sự thỏa thuận "
        "nhất trí của các bên liên quan theo quy định pháp luật.",
        indent=10.0,
    )
    doc.paragraph(
        "Tôi chịu hoàn toàn trách nhiệm trước pháp luật về nội dung cam đoan của mình.", indent=10.0
    )
    doc.y += 2.0
    doc.c.text(
        150.0, doc.y, f"Làm tại: {place}, {vn_date(signed)}", doc.font(SERIF_ITALIC, 12.0), anchor="ms"
    )
    doc.y += 7.0
    doc.c.text(150.0, doc.y, "Người yêu cầu", doc.font(SERIF_BOLD, 12.5), anchor="ms")
    doc.c.text(150.0, doc.y + 5.5, "(Ký, ghi rõ họ, chữ đệm, tên)", doc.font(SERIF_ITALIC, 10.5), anchor="ms")
    doc.c.text(150.0, doc.y + 26.0, applicant.full_name, doc.font(SERIF_BOLD, 12.5), anchor="ms")
    return {
        "form_title": BIRTH_FORM,
        "recipient": recipient,
        "applicant_name": applicant.full_name.upper(),
        "applicant_id_number": applicant.id_number,
        "applicant_address": applicant.place_of_residence,
        "issue_date": signed.isoformat(),
    }


def _ct01(rng: random.Random, doc: PaperDocument) -> dict[str, str]:
    applicant = person(rng, born_before=dt.date(2007, 1, 1))
    signed = random_date(rng, dt.date(2023, 7, 1), dt.date(2025, 12, 31))
    place = commune(rng)
    province = applicant.place_of_residence.rsplit(", ", 1)[-1]
    recipient = f"Công an xã {place}, {province}"
    head = applicant if rng.random() < 0.5 else person(rng, sex="Nam", born_before=dt.date(1990, 1, 1))
    relation = "Chủ hộ" if head is applicant else ("Con" if applicant.date_of_birth.year > 1990 else "Em")
    request = f"{rng.choice(CT01_REQUESTS)} tại {applicant.place_of_residence}"
    _national_header(doc)
    doc.title(CT01)
    doc.multiline("Kính gửi:", recipient)
    doc.field("1. Họ, chữ đệm và tên:", applicant.full_name.upper(), bold=True)
    doc.row(
        ("2. Ngày, tháng, năm sinh:", applicant.date_of_birth.strftime("%d/%m/%Y"), 22.0, 118.0),
        ("3. Giới tính:", applicant.sex, 122.0, 195.0),
    )
    doc.field("4. Số định danh cá nhân:", applicant.id_number)
    phone = f"09{rng.randint(0, 99_999_999):08d}"
    doc.row(("5. Số điện thoại liên hệ:", phone, 22.0, 118.0), ("6. Email:", "", 122.0, 195.0))
    doc.field("7. Họ, chữ đệm và tên chủ hộ:", head.full_name.upper(), bold=True)
    doc.field("8. Mối quan hệ với chủ hộ:", relation, leader_to=130.0)
    doc.field("9. Số định danh cá nhân của chủ hộ:", head.id_number)
    doc.multiline("10. Nội dung đề nghị:", request)
    doc.paragraph("11. Những thành viên trong hộ gia đình cùng thay đổi: Không.", indent=0.0)
    doc.y += 4.0
    doc.c.text(150.0, doc.y, f"{place}, {vn_date(signed)}", doc.font(SERIF_ITALIC, 12.0), anchor="ms")
    doc.y += 7.0
    doc.c.text(60.0, doc.y, "Ý KIẾN CỦA CHỦ HỘ", doc.font(SERIF_BOLD, 12.0), anchor="ms")
    doc.c.text(150.0, doc.y, "NGƯỜI KÊ KHAI", doc.font(SERIF_BOLD, 12.0), anchor="ms")
    doc.c.text(150.0, doc.y + 26.0, applicant.full_name, doc.font(SERIF_BOLD, 12.5), anchor="ms")
    return {
        "form_title": CT01,
        "recipient": recipient,
        "applicant_name": applicant.full_name.upper(),
        "applicant_id_number": applicant.id_number,
        "request": request,
        "issue_date": signed.isoformat(),
    }


def draw(rng: random.Random, dpi: int = DPI) -> tuple[list[Image.Image], dict[str, str]]:
    doc = PaperDocument(dpi=dpi, body_pt=12.0)
    fields = _birth_form(rng, doc) if rng.random() < 0.5 else _ct01(rng, doc)
    return doc.pages, fields


def render(rng: random.Random, dpi: int = DPI) -> CorpusDocument:
    pages, fields = draw(rng, dpi)
    return CorpusDocument(document_type=DOCUMENT_TYPE, fields=fields, pages=pages, dpi=dpi)
