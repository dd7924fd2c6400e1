"""Rasterise stage: a checked input file → one 8-bit image per page with its resolution.

PDF pages are rendered by poppler's ``pdftoppm`` (through pdf2image), one page per call so that each
page has its own timeout and at most one page is in memory while rendering. Raster files (multi-page
TIFF, JPEG, PNG) are read with Pillow at their own resolution. Pixel limits are enforced by intake
before anything is decoded; they are checked again here so that this stage is safe on its own.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
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


def _rasterise_pdf(path: Path, options: RasteriseOptions) -> Iterator[PageImage]:
    count = pdf_page_count(path)
    for number in range(1, count + 1):
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
        yield PageImage(page_number=number, image=to_8bit(images[0]), dpi=options.dpi)


def _rasterise_image(path: Path, options: RasteriseOptions) -> Iterator[PageImage]:
    with open_image(path) as image:
        frames = getattr(image, "n_frames", 1) if image.format == "TIFF" else 1
        for index in range(frames):
            image.seek(index)
            frame = image
            number = index + 1
            check_image_frame(frame, number, options.limits)
            try:
                frame.load()
                oriented = ImageOps.exif_transpose(frame) if index == 0 else frame.copy()
            except (OSError, ValueError, Image.DecompressionBombError) as exc:
                raise DocumentRejected("unreadable_page", page=number) from exc
            yield PageImage(
                page_number=number,
                image=to_8bit(oriented if oriented is not None else frame),
                dpi=image_dpi(frame, options.default_dpi),
            )


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
