"""Rasterise stage: a checked input file → one 8-bit image per page with its resolution.

PDF pages are rendered by poppler's ``pdftoppm`` (through pdf2image), one page per call so that each
page has its own timeout and at most one page is in memory while rendering. Raster files (multi-page
TIFF, JPEG, PNG) are read with Pillow at their own resolution. Pixel limits are enforced by intake
before anything is decoded; they are checked again here so that this stage is safe on its own.
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pikepdf
from pdf2image import convert_from_path
from pdf2image.exceptions import (
    PDFInfoNotInstalledError,
    PDFPageCountError,
    PDFPopplerTimeoutError,
    PDFSyntaxError,
    PopplerNotInstalledError,
)
from PIL import Image, ImageOps

from pipeline.errors import DocumentRejected
from pipeline.intake import (
    MEDIA_JPEG,
    MEDIA_PDF,
    MEDIA_PNG,
    MEDIA_TIFF,
    IntakeLimits,
    check_image_frame,
    open_image,
    pdf_box,
    pdf_page_count,
)

log = logging.getLogger(__name__)

# Declared resolutions outside this range are treated as missing (cameras write 72 DPI).
_PLAUSIBLE_DPI = (100, 2400)


class RasteriseConfigurationError(RuntimeError):
    """poppler (pdftoppm/pdfinfo) is missing: an installation problem, not the document's."""


@dataclass(frozen=True)
class RasteriseOptions:
    dpi: int = 300  # PDF rendering resolution
    default_dpi: int = 300  # for raster files without a plausible resolution
    timeout_s: float = 120.0  # per PDF page
    grayscale: bool = True  # render PDFs in gray (OCR and the searchable PDF use gray)
    limits: IntakeLimits = field(default_factory=IntakeLimits)


@dataclass
class PageImage:
    page_number: int  # 1-based
    image: Image.Image  # mode "L" or "RGB"
    dpi: int
    # The scanner's JPEG this image was decoded from, when it was taken straight from a PDF page.
    jpeg: bytes | None = field(default=None, repr=False)
    # The resolution the page was scanned at, when the PDF page is one image rendered at ``dpi``
    # (a 60 DPI scan rendered at 300 DPI holds no more detail than at 60).
    source_dpi: int | None = None


def to_8bit(image: Image.Image) -> Image.Image:
    """Convert any Pillow mode to 8-bit gray ("L") or "RGB"; transparency is flattened on white."""
    if image.mode in ("L", "RGB"):
        return image
    if image.mode == "1":
        return image.convert("L")
    if image.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        array = np.asarray(image.convert("F"), dtype=np.float32)
        low, high = float(array.min()), float(array.max())
        scale = 255.0 / (high - low) if high > low else 1.0
        return Image.fromarray(((array - low) * scale).clip(0, 255).astype(np.uint8))
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        flattened = Image.alpha_composite(background, rgba).convert("RGB")
        return flattened.convert("L") if image.mode == "LA" else flattened
    if image.mode == "P":
        converted = image.convert("RGB")
        return converted
    return image.convert("RGB")  # CMYK, YCbCr, LAB, HSV


def image_dpi(image: Image.Image, default: int) -> int:
    dpi = image.info.get("dpi")
    if not dpi:
        return default
    try:
        x = float(dpi[0])
    except (TypeError, ValueError, IndexError):
        return default
    if not _PLAUSIBLE_DPI[0] <= x <= _PLAUSIBLE_DPI[1]:
        return default
    return round(x)


def _render_pdf_page(path: Path, number: int, options: RasteriseOptions) -> PageImage:
    try:
        images = convert_from_path(
            path,
            dpi=options.dpi,
            first_page=number,
            last_page=number,
            grayscale=options.grayscale,
            timeout=int(options.timeout_s),
            thread_count=1,
        )
    except (PDFInfoNotInstalledError, PopplerNotInstalledError) as exc:
        raise RasteriseConfigurationError("poppler-utils (pdftoppm, pdfinfo) not installed") from exc
    except PDFPopplerTimeoutError as exc:
        raise DocumentRejected("unreadable_page", page=number, detail="render timeout") from exc
    except (PDFPageCountError, PDFSyntaxError) as exc:
        raise DocumentRejected("unreadable_page", page=number) from exc
    if len(images) != 1:
        raise DocumentRejected("unreadable_page", page=number)
    return PageImage(page_number=number, image=to_8bit(images[0]), dpi=options.dpi)


_PLACE_IMAGE = re.compile(
    rb"^\s*q\s+([-+0-9.]+)\s+0(?:\.0*)?\s+0(?:\.0*)?\s+([-+0-9.]+)\s+([-+0-9.]+)\s+([-+0-9.]+)\s+cm\s+"
    rb"/([^\s/\[\]()<>{}%]+)\s+Do\s+Q\s*$"
)


def _page_image(pdf: pikepdf.Pdf, number: int) -> tuple[pikepdf.Stream, float, float] | None:
    """(image, its resolution across, down) when page ``number`` is one image filling the page,
    drawn upright (what scanners and img2pdf write); else None."""
    page = pdf.pages[number - 1]
    obj = page.obj
    rotate = obj.get("/Rotate")
    if (rotate is not None and int(rotate) % 360) or "/UserUnit" in obj:
        return None
    contents = obj.get("/Contents")
    try:
        if isinstance(contents, pikepdf.Array):
            if len(contents) != 1:
                return None
            contents = contents[0]
        if not isinstance(contents, pikepdf.Stream):
            return None
        match = _PLACE_IMAGE.match(contents.read_bytes())
        if match is None:
            return None
        xobjects = obj.Resources.get("/XObject")
        image = xobjects.get("/" + match.group(5).decode("latin-1")) if xobjects is not None else None
        x0, y0, x1, y1 = pdf_box(page.mediabox)
    except (pikepdf.PdfError, AttributeError, ValueError):
        return None
    if not isinstance(image, pikepdf.Stream) or image.get("/Subtype") != pikepdf.Name.Image:
        return None
    a, d, e, f = (float(match.group(i)) for i in range(1, 5))
    if max(abs(a - (x1 - x0)), abs(d - (y1 - y0)), abs(e - x0), abs(f - y0)) > 0.01 or a <= 0 or d <= 0:
        return None
    return image, int(image.Width) / (a / 72.0), int(image.Height) / (d / 72.0)


def scanned_page_image(pdf: pikepdf.Pdf, number: int, dpi: int) -> tuple[bytes, int, int, str] | None:
    """A scanner's page: (JPEG bytes, width, height, mode) when page ``number`` is nothing but one
    8-bit gray or RGB JPEG filling the page at ``dpi`` (within 1%), drawn upright; else None.

    Such a page is read straight from its JPEG (no render, no second lossy encoding): the JPEG is
    what the scanner wrote, and it is what the searchable PDF shows when the page needs no turn."""
    found = _page_image(pdf, number)
    if found is None:
        return None
    image, x_dpi, y_dpi = found
    if image.get("/Filter") not in (pikepdf.Name.DCTDecode, pikepdf.Array([pikepdf.Name.DCTDecode])):
        return None
    if any(key in image for key in ("/SMask", "/Mask", "/Decode", "/ImageMask")):
        return None
    colour = image.get("/ColorSpace")
    bits = image.get("/BitsPerComponent")
    if bits is None or int(bits) != 8 or colour not in (pikepdf.Name.DeviceGray, pikepdf.Name.DeviceRGB):
        return None
    if abs(x_dpi - dpi) > 0.01 * dpi or abs(y_dpi - dpi) > 0.01 * dpi:
        return None
    mode = "L" if colour == pikepdf.Name.DeviceGray else "RGB"
    return image.read_raw_bytes(), int(image.Width), int(image.Height), mode


def scan_resolution(path: Path, number: int) -> int | None:
    """The resolution a PDF page was scanned at, when it is one image filling the page; else None."""
    try:
        with pikepdf.open(path) as pdf:
            found = _page_image(pdf, number)
    except pikepdf.PdfError:
        return None
    return round(min(found[1], found[2])) if found is not None else None


def render_page(
    path: Path, media_type: str, number: int, options: RasteriseOptions | None = None
) -> PageImage:
    """Page ``number`` (1-based) of a checked file as an 8-bit image: a scanner's JPEG page straight
    from the PDF (``PageImage.jpeg`` keeps its bytes), any other PDF page rendered by poppler, a
    raster file's frame at its own resolution."""
    options = options or RasteriseOptions()
    if media_type == MEDIA_PDF:
        try:
            with pikepdf.open(path) as pdf:
                found = scanned_page_image(pdf, number, options.dpi)
        except pikepdf.PdfError:
            found = None
        if found is not None:
            data, width, height, mode = found
            try:
                with Image.open(io.BytesIO(data)) as decoded:
                    decoded.load()
                    image = decoded
            except (OSError, ValueError, Image.DecompressionBombError):
                image = None
            if image is not None and image.size == (width, height) and image.mode == mode:
                gray = image.convert("L") if options.grayscale and mode != "L" else image
                return PageImage(number, gray, options.dpi, jpeg=data if gray is image else None)
        rendered = _render_pdf_page(path, number, options)
        rendered.source_dpi = scan_resolution(path, number)
        return rendered
    if media_type in (MEDIA_TIFF, MEDIA_JPEG, MEDIA_PNG):
        return _image_frame(path, number, options)
    raise DocumentRejected("unsupported_format", detail=f"({media_type})")


def _image_frame(path: Path, number: int, options: RasteriseOptions) -> PageImage:
    with open_image(path) as image:
        index = number - 1
        image.seek(index)
        frame = image
        check_image_frame(frame, number, options.limits)
        try:
            frame.load()
            oriented = ImageOps.exif_transpose(frame) if index == 0 else frame.copy()
        except (OSError, ValueError, Image.DecompressionBombError) as exc:
            raise DocumentRejected("unreadable_page", page=number) from exc
        return PageImage(
            page_number=number,
            image=to_8bit(oriented if oriented is not None else frame),
            dpi=image_dpi(frame, options.default_dpi),
        )


def page_count(path: Path, media_type: str) -> int:
    if media_type == MEDIA_PDF:
        return pdf_page_count(path)
    with open_image(path) as image:
        return getattr(image, "n_frames", 1) if image.format == "TIFF" else 1


def _rasterise_pdf(path: Path, options: RasteriseOptions) -> Iterator[PageImage]:
    for number in range(1, pdf_page_count(path) + 1):
        yield _render_pdf_page(path, number, options)


def _rasterise_image(path: Path, options: RasteriseOptions) -> Iterator[PageImage]:
    for number in range(1, page_count(path, MEDIA_TIFF) + 1):
        yield _image_frame(path, number, options)


def iter_pages(path: Path, media_type: str, options: RasteriseOptions | None = None) -> Iterator[PageImage]:
    """Page images one at a time (at most one page in memory at a time on the caller's side)."""
    options = options or RasteriseOptions()
    if media_type == MEDIA_PDF:
        return _rasterise_pdf(path, options)
    if media_type in (MEDIA_TIFF, MEDIA_JPEG, MEDIA_PNG):
        return _rasterise_image(path, options)
    raise DocumentRejected("unsupported_format", detail=f"({media_type})")


def rasterise(path: Path, media_type: str, options: RasteriseOptions | None = None) -> list[PageImage]:
    """One 8-bit page image per page of ``path`` (``media_type`` as found by intake)."""
    return list(iter_pages(path, media_type, options))
