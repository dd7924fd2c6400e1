"""PDF output: the searchable PDF of a document and its conversion mark.

:func:`build_searchable_pdf` joins the one-page PDFs of the OCR stage (scan image + invisible text
layer from Tesseract's renderer). :func:`apply_conversion_mark` stamps every page with the conversion
mark required for a digitised copy (Law 20/2023/QH15 Art. 12; Decree 137/2024 Art. 4: time of
conversion, converting agency, converter) and a QR code at the top left (Circular 01/2023/TT-VPCP
Art. 24), as vector content with an embedded TrueType font, so the mark's text is extractable and
the QR prints sharply. The mark goes into a band added above the page: the scan itself is never
covered. Both happen before signing (DESIGN.md "Signing").
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

import pikepdf
import qrcode
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from pipeline.intake import pdf_box
from pipeline.ocr import OcrPage

_FONT_CANDIDATES = (
    Path(__file__).parent / "fonts" / "DejaVuSans.ttf",
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/dejavu/DejaVuSans.ttf"),
)


@dataclass(frozen=True)
class ConversionMark:
    converted_at: dt.datetime  # timezone-aware
    agency: str
    officer: str
    dossier_code: str
    procedure_code: str
    verification_ref: str
    document_name: str

    def __post_init__(self) -> None:
        if self.converted_at.tzinfo is None or self.converted_at.utcoffset() is None:
            raise ValueError("converted_at must be timezone-aware")
        qr_fields = (self.dossier_code, self.procedure_code, self.verification_ref, self.document_name)
        if any("|" in value for value in qr_fields):
            raise ValueError("QR fields must not contain '|', the payload separator")

    def items(self) -> list[str]:
        when = self.converted_at
        offset = when.strftime("%z")
        stamp = f"{when:%d/%m/%Y %H:%M} (UTC{offset[:3]}:{offset[3:]})"
        return [
            "Bản số hóa từ bản giấy",
            f"Thời điểm: {stamp}",
            f"Cơ quan: {self.agency}",
            f"Người chuyển đổi: {self.officer}",
        ]

    @property
    def text(self) -> str:
        return " · ".join(self.items())

    @property
    def qr_payload(self) -> str:
        return "|".join((self.dossier_code, self.procedure_code, self.verification_ref, self.document_name))


@dataclass(frozen=True)
class MarkOptions:
    font_path: Path | None = None  # a TrueType font with Vietnamese glyphs; default DejaVu Sans
    font_size: float = 7.0
    min_font_size: float = 5.5
    qr_size_mm: float = 16.0
    margin_mm: float = 3.0
    first_page_only: bool = False


def build_searchable_pdf(ocr_pages: Sequence[OcrPage]) -> bytes:
    """Join the pages' one-page searchable PDFs (in page order) into one document."""
    if not ocr_pages:
        raise ValueError("no pages")
    sources = []
    with pikepdf.new() as out:
        for page in sorted(ocr_pages, key=lambda p: p.page_number):
            source = pikepdf.open(io.BytesIO(page.pdf))
            sources.append(source)
            out.pages.extend(source.pages)
        out.Root.Lang = pikepdf.String("vi-VN")
        buffer = io.BytesIO()
        out.save(buffer, compress_streams=True, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    for source in sources:
        source.close()
    return buffer.getvalue()


@lru_cache(maxsize=4)
def _register_font(path: str) -> str:
    name = "SohoaMark-" + Path(path).stem
    pdfmetrics.registerFont(TTFont(name, path))
    return name


def _font(options: MarkOptions) -> str:
    if options.font_path is not None:
        return _register_font(str(options.font_path))
    for candidate in _FONT_CANDIDATES:
        if candidate.exists():
            return _register_font(str(candidate))
    raise FileNotFoundError(
        "no DejaVuSans.ttf found; install fonts-dejavu-core or pass MarkOptions.font_path"
    )


def _wrap_items(items: list[str], font: str, size: float, width: float) -> list[str]:
    lines: list[str] = []
    for item in items:
        candidate = f"{lines[-1]} · {item}" if lines else item
        if lines and pdfmetrics.stringWidth(candidate, font, size) <= width:
            lines[-1] = candidate
        else:
            lines.append(item)
    return lines


def _layout(
    mark: ConversionMark, page_width: float, options: MarkOptions
) -> tuple[str, float, list[str], float]:
    """Font, size, text lines and band height (points) for a page ``page_width`` wide."""
    font = _font(options)
    margin = options.margin_mm * mm
    qr = options.qr_size_mm * mm
    width = page_width - qr - 3 * margin
    size = options.font_size
    lines = _wrap_items(mark.items(), font, size, width)
    while size > options.min_font_size and any(
        pdfmetrics.stringWidth(ln, font, size) > width for ln in lines
    ):
        size -= 0.25
        lines = _wrap_items(mark.items(), font, size, width)
    leading = size * 1.35
    band = max(qr + 2 * margin, len(lines) * leading + 2 * margin)
    return font, size, lines, band


def _overlay(mark: ConversionMark, page_width: float, options: MarkOptions) -> tuple[bytes, float]:
    """A one-page PDF ``page_width`` × band with the QR code (vector) and the mark's text."""
    font, size, lines, band = _layout(mark, page_width, options)
    margin = options.margin_mm * mm
    qr_side = options.qr_size_mm * mm
    buffer = io.BytesIO()
    c = canvas.Canvas(buffer, pagesize=(page_width, band), pageCompression=1)
    c.setTitle("conversion mark")

    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    # One byte-mode segment of UTF-8: with mixed segments (qrcode's default optimisation) OpenCV's
    # decoder returns nothing for this payload; one segment is what every reader handles.
    code.add_data(mark.qr_payload.encode("utf-8"), optimize=0)
    code.make(fit=True)
    matrix = code.get_matrix()
    module = qr_side / len(matrix)
    x0, top = margin, band - margin
    c.setFillColorRGB(0, 0, 0)
    path = c.beginPath()
    for row, cells in enumerate(matrix):
        col = 0
        while col < len(cells):
            if cells[col]:
                start = col
                while col < len(cells) and cells[col]:
                    col += 1
                path.rect(x0 + start * module, top - (row + 1) * module, (col - start) * module, module)
            else:
                col += 1
    c.drawPath(path, stroke=0, fill=1)

    text_x = x0 + qr_side + margin
    leading = size * 1.35
    c.setFont(font, size)
    for i, line in enumerate(lines):
        c.drawString(text_x, top - size - i * leading, line)
    c.showPage()
    c.save()
    return buffer.getvalue(), band


def _flatten_rotation(pdf: pikepdf.Pdf, page: pikepdf.Page) -> None:
    """Turn a page with /Rotate into an upright page of its displayed size, so that "the top" of
    the page is where the band goes. The old page becomes a form XObject whose matrix (set by qpdf)
    does the rotation."""
    value = page.obj.get("/Rotate")
    rotate = int(value) % 360 if value is not None else 0
    if rotate == 0:
        return
    x0, y0, x1, y1 = pdf_box(page.mediabox)
    width, height = (y1 - y0, x1 - x0) if rotate in (90, 270) else (x1 - x0, y1 - y0)
    form = page.as_form_xobject(handle_transformations=True)
    # qpdf fills the form from the page's contents lazily, when written: take them now, before
    # the page's contents are replaced by a call to the form itself.
    form.write(form.read_bytes())
    page.obj.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Fx0=pdf.make_indirect(form)))
    page.obj.Contents = pdf.make_stream(b"q /Fx0 Do Q\n")
    page.obj.MediaBox = pikepdf.Array([0, 0, Decimal(f"{width:.4f}"), Decimal(f"{height:.4f}")])
    for key in ("/CropBox", "/TrimBox", "/BleedBox", "/ArtBox", "/Rotate"):
        if key in page.obj:
            del page.obj[key]


def apply_conversion_mark(pdf: bytes, mark: ConversionMark, options: MarkOptions | None = None) -> bytes:
    """Stamp the conversion mark and QR code on every page (or the first) in a band added above the
    visible page (its crop box), so that nothing of the scan is covered. Pages turned with /Rotate
    are made upright first, so the band is at the top as the page is seen."""
    options = options or MarkOptions()
    with pikepdf.open(io.BytesIO(pdf)) as document:
        overlays: list[pikepdf.Pdf] = []
        forms: dict[float, tuple[pikepdf.Object, float]] = {}  # one overlay per page width
        pages = document.pages[:1] if options.first_page_only else document.pages
        for page in pages:
            _flatten_rotation(document, page)
            m0, m1, m2, m3 = pdf_box(page.mediabox)
            x0, y0, x1, y1 = pdf_box(page.obj.CropBox) if "/CropBox" in page.obj else (m0, m1, m2, m3)
            width = round(x1 - x0, 2)
            if width not in forms:
                overlay_bytes, band = _overlay(mark, width, options)
                overlay = pikepdf.open(io.BytesIO(overlay_bytes))
                overlays.append(overlay)
                form = document.copy_foreign(overlay.pages[0].as_form_xobject())
                forms[width] = (form, band)
            form, band = forms[width]
            page.obj.MediaBox = _rect(m0, m1, m2, max(m3, y1 + band))
            if "/CropBox" in page.obj:
                page.obj.CropBox = _rect(x0, y0, x1, y1 + band)
            for key in ("/TrimBox", "/BleedBox", "/ArtBox"):
                if key in page.obj:
                    del page.obj[key]
            page.add_overlay(form, pikepdf.Rectangle(x0, y1, x1, y1 + band))
        buffer = io.BytesIO()
        document.save(buffer, compress_streams=True, object_stream_mode=pikepdf.ObjectStreamMode.generate)
        for overlay in overlays:
            overlay.close()
    return buffer.getvalue()


def _rect(*values: float) -> pikepdf.Array:
    return pikepdf.Array([Decimal(f"{v:.4f}") for v in values])
