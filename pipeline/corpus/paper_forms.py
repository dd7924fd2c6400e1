"""Drawing kit for A4 administrative papers (civil-status forms, confirmations, decisions, diplomas).

Every official page starts with the issuing agency block (top left), the national header (top right),
the title, then labelled lines with grey dotted leaders as on a printed blank, and ends with the
signer's block and a red seal (Decree 30/2020/NĐ-CP layout of administrative documents; the
civil-status forms of Circular 04/2020/TT-BTP follow the same pattern). Coordinates are millimetres
on the page, text is drawn with its baseline at ``y``.

Also random but plausible content shared by the paper renderers (people of a given sex and age,
agencies, Vietnamese dates "ngày 05 tháng 02 năm 2024").
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from dataclasses import dataclass, field

from PIL import Image, ImageFont

from pipeline.samples import (
    A4_MM,
    CORPUS_COMMUNES,
    DISTRICTS,
    Citizen,
    _Canvas,
    _leader,
    _wrap,
    make_citizen,
)
from schemas.identifiers import compose_personal_id, load_province_codes

SERIF = "NotoSerif-Regular.ttf"
SERIF_BOLD = "NotoSerif-Bold.ttf"
SERIF_ITALIC = "NotoSerif-Italic.ttf"
INK = (25, 25, 25)
SEAL_RED = (210, 60, 60)
SIGNATURE_BLUE = (40, 40, 120)

LEFT, RIGHT = 22.0, 195.0  # text block margins (mm): 20-30 mm left, 15-20 mm right (Decree 30/2020)
BOTTOM = 275.0  # a new page starts below this


@dataclass
class PaperDocument:
    """A paper of one or more A4 pages being drawn; ``y`` is the baseline of the next line (mm)."""

    dpi: int = 300
    body_pt: float = 12.5
    pages: list[Image.Image] = field(default_factory=list)
    y: float = 0.0

    def __post_init__(self) -> None:
        self.new_page()

    # ----------------------------------------------------------------------------- page set-up

    def new_page(self, top: float = 22.0) -> None:
        size = (round(A4_MM[0] * self.dpi / 25.4), round(A4_MM[1] * self.dpi / 25.4))
        self.pages.append(Image.new("RGB", size, (255, 255, 255)))
        self.c = _Canvas(self.pages[-1], self.dpi)
        self.y = top

    def font(self, name: str = SERIF, pt: float | None = None) -> ImageFont.FreeTypeFont:
        return self.c.font(name, pt if pt is not None else self.body_pt)

    def need(self, mm: float) -> None:
        """Start a new page unless ``mm`` more millimetres fit on this one."""
        if self.y + mm > BOTTOM:
            self.new_page()

    # -------------------------------------------------------------------------------- headers

    def headers(
        self,
        agency_lines: list[str],
        *,
        number_line: str | None = None,
        date_line: str | None = None,
        agency_x: float = 52.0,
    ) -> None:
        """Agency block (upper case, the last line bold and underlined) with the document number under
        it, national header on the right with the place/date line (italic) under it."""
        c = self.c
        small, small_bold = self.font(SERIF, 12.0), self.font(SERIF_BOLD, 12.0)
        y = self.y
        # Long agency names wrap within the left block (it ends well before the national header).
        wrapped: list[str] = []
        for i, line in enumerate(agency_lines):
            font = small_bold if i == len(agency_lines) - 1 else small
            parts = _wrap(line.upper(), font, c.px(2 * (agency_x - LEFT) + 12.0))
            wrapped += parts if i == len(agency_lines) - 1 else [" ".join(parts)]
        if len(wrapped) > len(agency_lines):  # the last line wrapped: all its parts are bold
            head = len(agency_lines) - 1
            agency_lines = wrapped
            bold_from = head
        else:
            agency_lines = wrapped
            bold_from = len(agency_lines) - 1
        for i, line in enumerate(agency_lines):
            c.text(agency_x, y + 6.0 * i, line, small_bold if i >= bold_from else small, anchor="ms")
        under = y + 6.0 * (len(agency_lines) - 1) + 2.0
        c.draw.line(
            (c.px(agency_x - 12.0), c.px(under), c.px(agency_x + 12.0), c.px(under)), fill=INK, width=3
        )
        c.text(140.0, y, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", small_bold, anchor="ms")
        c.text(140.0, y + 6.0, "Độc lập - Tự do - Hạnh phúc", self.font(SERIF_BOLD, 12.5), anchor="ms")
        c.draw.line((c.px(118.0), c.px(y + 8.0), c.px(162.0), c.px(y + 8.0)), fill=INK, width=3)
        bottom = y + 6.0 * len(agency_lines) + 6.0
        if number_line:
            c.text(agency_x, bottom, number_line, self.font(SERIF, 12.5), anchor="ms")
        if date_line:
            c.text(140.0, y + 18.0, date_line, self.font(SERIF_ITALIC, 12.5), anchor="ms")
        self.y = max(bottom, y + 18.0) + 16.0

    def title(self, text: str, subtitle: str | None = None, pt: float = 16.0) -> None:
        self.c.text(105.0, self.y, text, self.font(SERIF_BOLD, pt), anchor="ms")
        self.y += 8.0
        if subtitle:
            self.c.text(105.0, self.y, subtitle, self.font(SERIF_BOLD, 13.0), anchor="ms")
            self.y += 8.0
        self.y += 6.0

    # --------------------------------------------------------------------------------- fields

    def field(
        self,
        label: str,
        value: str,
        *,
        x: float = LEFT,
        leader_to: float = RIGHT,
        bold: bool = False,
        advance: bool = True,
    ) -> float:
        """``label value . . . .`` on the current line; returns where the value ends (mm)."""
        self.need(8.0)
        end = self.c.text(x, self.y, label, self.font())
        end = self.c.text(end + 2.0, self.y, value, self.font(SERIF_BOLD if bold else SERIF))
        _leader(self.c, end + 2.0, leader_to, self.y, self.font(SERIF, 10.0))
        if advance:
            self.y += 9.5
        return end

    def row(self, *cells: tuple[str, str, float, float]) -> None:
        """Several ``(label, value, x, leader_to)`` fields on one line."""
        for label, value, x, leader_to in cells:
            self.field(label, value, x=x, leader_to=leader_to, advance=False)
        self.y += 9.5

    def multiline(
        self, label: str, value: str, *, x: float = LEFT, right: float = RIGHT, bold: bool = False
    ) -> None:
        """A value that wraps under its label, each line with its leader."""
        self.need(8.0)
        body = self.font(SERIF_BOLD if bold else SERIF)
        end = self.c.text(x, self.y, label, self.font())
        lines = _wrap(value, body, self.c.px(right - end - 4.0))
        end = self.c.text(end + 2.0, self.y, lines[0], body)
        _leader(self.c, end + 2.0, right, self.y, self.font(SERIF, 10.0))
        self.y += 9.5
        rest = " ".join(lines[1:])
        for line in _wrap(rest, body, self.c.px(right - x)) if rest else []:
            end = self.c.text(x, self.y, line, body)
            _leader(self.c, end + 2.0, right, self.y, self.font(SERIF, 10.0))
            self.y += 9.5

    def paragraph(
        self,
        text: str,
        *,
        x: float = LEFT,
        right: float = RIGHT,
        indent: float = 10.0,
        italic: bool = False,
        bold: bool = False,
        pt: float | None = None,
    ) -> None:
        name = SERIF_ITALIC if italic else SERIF_BOLD if bold else SERIF
        body = self.font(name, pt)
        first = True
        rest = text
        while rest:
            start = x + (indent if first else 0.0)
            line = _wrap(rest, body, self.c.px(right - start))[0]
            self.need(7.0)
            self.c.text(start, self.y, line, body)
            self.y += 7.5
            rest = rest[len(line) :].strip()
            first = False
        self.y += 1.5

    def centred(self, text: str, *, x: float = 105.0, name: str = SERIF_BOLD, pt: float = 13.0) -> None:
        self.c.text(x, self.y, text, self.font(name, pt), anchor="ms")
        self.y += 7.5

    # -------------------------------------------------------------------------------- signing

    def signer(
        self,
        title_lines: list[str],
        name: str | None,
        *,
        x: float = 150.0,
        seal: bool = True,
        top: float | None = None,
    ) -> None:
        """Signer's block: title lines (bold), room for signature and seal, then the name (bold)."""
        if top is None:
            self.need(38.0)
        y = self.y if top is None else top
        for i, line in enumerate(title_lines):
            self.c.text(x, y + 6.5 * i, line, self.font(SERIF_BOLD, 12.5), anchor="ms")
        y += 6.5 * len(title_lines)
        c = self.c
        if seal:
            cx, cy, r = c.px(x - 20.0), c.px(y + 13.0), c.px(14.0)
            for k in range(3):
                c.draw.ellipse(
                    (cx - r + 6 * k, cy - r + 6 * k, cx + r - 6 * k, cy + r - 6 * k),
                    outline=SEAL_RED,
                    width=5,
                )
        c.draw.line(
            (c.px(x - 8.0), c.px(y + 18.0), c.px(x + 18.0), c.px(y + 8.0)), fill=SIGNATURE_BLUE, width=5
        )
        if name:
            c.text(x, y + 34.0, name, self.font(SERIF_BOLD, 12.5), anchor="ms")
        self.y = max(self.y, y + 42.0)


# ------------------------------------------------------------------------------------ content


def vn_date(date: dt.date) -> str:
    """``ngày 05 tháng 02 năm 2024`` as written in a place/date line (two-digit day and month)."""
    return f"ngày {date.day:02d} tháng {date.month:02d} năm {date.year}"


def person(
    rng: random.Random,
    *,
    sex: str | None = None,
    born_before: dt.date | None = None,
    born_after: dt.date | None = None,
) -> Citizen:
    """A random valid citizen of the given sex, born within the given range (IDs consistent)."""
    for _ in range(200):
        citizen = make_citizen(rng)
        if sex is not None and citizen.sex != sex:
            continue
        if born_before is not None and citizen.date_of_birth >= born_before:
            continue
        if born_after is not None and citizen.date_of_birth <= born_after:
            continue
        return citizen
    raise RuntimeError("no citizen in the requested range")  # pragma: no cover - wide ranges only


def province_of(rng: random.Random) -> str:
    codes = load_province_codes()
    return codes[rng.choice(sorted(codes))]


def commune(rng: random.Random) -> str:
    return rng.choice(CORPUS_COMMUNES)


def district(rng: random.Random) -> str:
    return rng.choice(DISTRICTS)


def random_date(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randint(0, max(0, (end - start).days)))


def id_document(citizen: Citizen) -> str:
    """``Căn cước công dân số 001090012345`` as written after "Giấy tờ tùy thân:"."""
    return f"Căn cước công dân số {citizen.id_number}"


def official_name(rng: random.Random) -> str:
    """A signing official's name as printed under the signature (title case)."""
    return person(rng).full_name


def newborn(rng: random.Random, born: dt.date) -> Citizen:
    """A random citizen born on ``born`` (ID number consistent with it), registered soon after."""
    citizen = make_citizen(rng)
    registered = born + dt.timedelta(days=rng.randint(3, 60))
    return dataclasses.replace(
        citizen,
        date_of_birth=born,
        id_number=compose_personal_id(citizen.province_code, born, citizen.sex, rng.randint(0, 999_999)),
        registration_date=registered,
        book=f"{rng.randint(1, 4):02d}/{registered.year}",
    )
