"""Administrative decision (Quyết định, layout of Decree 30/2020/NĐ-CP Appendix I), one or two A4 pages.

Layout [R: Decree 30/2020 §3 of Appendix I, as summarised in ../shared/domain/README.md §3]: issuing
agency (upper case, the agency itself bold) and "Số: 125/QĐ-UBND" top left; national header and the
italic place/date line "Đông Anh, ngày 05 tháng 02 năm 2024" top right; "QUYẾT ĐỊNH" and the abstract
"Về việc …" centred; the authority ("CHỦ TỊCH ỦY BAN NHÂN DÂN …"); the legal bases ("Căn cứ …;"); the
articles ("Điều 1. …"); "Nơi nhận:" bottom left and the signer's block bottom right: TM./KT./Q. lines,
signature and seal, the signer's name.
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
    district,
    official_name,
    person,
    random_date,
    vn_date,
)

if TYPE_CHECKING:
    from PIL import Image


DPI = 300
DOCUMENT_TYPE = "administrative_decision"

SIGNER_BLOCKS = (
    ("TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"),
    ("TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"),
    ("KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"),
    ("CHỦ TỊCH",),
)
SUBJECTS = (
    "Về việc công nhận kết quả đấu giá quyền sử dụng đất",
    "Về việc cho phép chuyển mục đích sử dụng đất",
    "Về việc công nhận hộ gia đình văn hóa năm {year}",
    "Về việc hỗ trợ kinh phí học nghề",
    "Về việc giao đất ở cho hộ gia đình, cá nhân",
    "Về việc phê duyệt trợ cấp xã hội hằng tháng",
    "Về việc cấp giấy phép xây dựng nhà ở riêng lẻ",
)


def draw(rng: random.Random, dpi: int = DPI) -> tuple[list[Image.Image], dict[str, str]]:
    beneficiary = person(rng, born_before=dt.date(2005, 1, 1))
    issued = random_date(rng, dt.date(2021, 1, 1), dt.date(2025, 12, 31))
    place = district(rng)
    province = beneficiary.place_of_residence.rsplit(", ", 1)[-1]
    agency_lines = ["Ủy ban nhân dân", f"huyện {place}"]
    agency = f"ỦY BAN NHÂN DÂN HUYỆN {place.upper()}"
    number = f"{rng.randint(1, 3999)}/QĐ-UBND"
    subject = rng.choice(SUBJECTS).format(year=issued.year)
    signer_block = rng.choice(SIGNER_BLOCKS)
    signer = official_name(rng)

    doc = PaperDocument(dpi=dpi, body_pt=13.0)
    doc.headers(agency_lines, number_line=f"Số: {number}", date_line=f"{place}, {vn_date(issued)}")
    doc.centred("QUYẾT ĐỊNH", pt=14.0)
    doc.centred(subject, pt=13.5)
    doc.c.draw.line(
        (doc.c.px(90.0), doc.c.px(doc.y - 4.5), doc.c.px(120.0), doc.c.px(doc.y - 4.5)),
        fill=(25, 25, 25),
        width=3,
    )
    doc.y += 5.0
    authority = "ỦY BAN NHÂN DÂN" if signer_block[0].startswith("TM.") else "CHỦ TỊCH ỦY BAN NHÂN DÂN"
    doc.centred(f"{authority} HUYỆN {place.upper()}", pt=13.0)
    doc.y += 3.0
    bases = [
        "Căn cứ Luật Tổ chức chính quyền địa phương năm 2015 và Luật sửa đổi, bổ sung một số điều của Luật "
        "Tổ chức Chính phủ và Luật Tổ chức chính quyền địa phương năm 2019;",
        "Căn cứ Nghị định số 30/2020/NĐ-CP của Chính phủ về công tác văn thư;",
    ]
    if rng.random() < 0.5:
        bases.append("Căn cứ Luật Đất đai năm 2024 và các văn bản hướng dẫn thi hành;")
    bases.append(f"Theo đề nghị của Trưởng phòng Tư pháp huyện {place}.")
    for text in bases:
        doc.paragraph(text, italic=True)
    doc.centred("QUYẾT ĐỊNH:", pt=13.5)
    name = beneficiary.full_name
    articles = [
        f"Điều 1. {subject.replace('Về việc ', '').capitalize()} đối với ông/bà {name}, sinh năm "
        f"{beneficiary.date_of_birth.year}, số định danh cá nhân {beneficiary.id_number}, nơi cư trú: "
        f"{beneficiary.place_of_residence}.",
    ]
    for _ in range(rng.randint(0, 6)):
        articles.append(
            "Nội dung cụ thể theo hồ sơ đề nghị kèm theo; cơ quan chuyên môn có trách nhiệm hướng dẫn, kiểm "
            "tra việc thực hiện theo đúng quy định của pháp luật hiện hành."
        )
    articles += [
        "Điều 2. Quyết định này có hiệu lực kể từ ngày ký.",
        f"Điều 3. Chánh Văn phòng Hội đồng nhân dân và Ủy ban nhân dân huyện, Trưởng phòng Tư pháp, "
        f"Chủ tịch Ủy ban nhân dân xã và ông/bà {name} chịu trách nhiệm thi hành Quyết định này./.",
    ]
    for text in articles:
        doc.paragraph(text)
    doc.need(48.0)
    top = doc.y + 4.0
    c = doc.c
    c.text(22.0, top, "Nơi nhận:", doc.font(SERIF_BOLD, 11.0))
    recipients = _recipients(rng, province)
    for i, line in enumerate(recipients):
        end = "." if i == len(recipients) - 1 else ";"
        c.text(22.0, top + 5.0 * (i + 1), f"- {line}{end}", doc.font(SERIF, 10.5))
    doc.signer(list(signer_block), signer, x=145.0, top=top)

    fields = {
        "issuing_agency": agency,
        "document_number": number,
        "issue_date": issued.isoformat(),
        "subject": subject.removeprefix("Về việc "),  # the label "Về việc" anchors the abstract
        "signer_title": " ".join(signer_block),
        "signer_name": signer.upper(),
        "recipients.count": str(len(recipients)),
    }
    fields |= {f"recipients.{n}": line for n, line in enumerate(recipients, start=1)}
    return doc.pages, fields


# Recipients of a district decision besides "Như Điều 3" and the archive (Decree 30/2020 Appendix I:
# "Nơi nhận", bottom left, each line "- …;", the last "- Lưu: VT, <unit>.") [R layout, M wording].
_OTHER_RECIPIENTS = ("Chủ tịch, các PCT UBND huyện", "Phòng Tài chính - Kế hoạch", "UBND xã")
_UNITS = ("TP", "LĐTBXH", "TNMT", "VHTT")


def _recipients(rng: random.Random, province: str) -> list[str]:
    """The "Nơi nhận" lines without their dash and final punctuation (drawn last: the other fields of
    a seed are those it had before the list was varied)."""
    lines = ["Như Điều 3", f"UBND {province}"]
    lines += rng.sample(_OTHER_RECIPIENTS, rng.randint(0, 2))
    return [*lines, f"Lưu: VT, {rng.choice(_UNITS)}"]


def render(rng: random.Random, dpi: int = DPI) -> CorpusDocument:
    pages, fields = draw(rng, dpi)
    return CorpusDocument(document_type=DOCUMENT_TYPE, fields=fields, pages=pages, dpi=dpi)
