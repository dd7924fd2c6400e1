"""Intake checks: what a submitted file really is, its SHA-256, and whether it is safe to process.

The type is recognised by content (magic bytes, then a real open with pikepdf or Pillow), never by
the file name; the name is only used to choose the clearer message for a non-PDF named ``.pdf``.
Limits are enforced before anything is decoded or rendered: a PDF page's pixel count is computed from
its page size at the rendering DPI and from the declared sizes of the images it paints, so a small
file that would expand into gigabytes (a decompression bomb) is rejected without allocating it.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

import pikepdf
from PIL import Image

from pipeline.errors import DocumentRejected

log = logging.getLogger(__name__)

MediaType = Literal["application/pdf", "image/tiff", "image/jpeg", "image/png"]
MEDIA_PDF: Final = "application/pdf"
MEDIA_TIFF: Final = "image/tiff"
MEDIA_JPEG: Final = "image/jpeg"
MEDIA_PNG: Final = "image/png"

_PIL_FORMATS: dict[str, MediaType] = {
    "JPEG": MEDIA_JPEG,
    "MPO": MEDIA_JPEG,
    "PNG": MEDIA_PNG,
    "TIFF": MEDIA_TIFF,
}
_PDF_HEADER_WINDOW = 1024  # the PDF header may follow a little junk (ISO 32000-1, 7.5.2 note)
_CHUNK = 1 << 20


@dataclass(frozen=True)
class IntakeLimits:
    max_bytes: int = 100 * 1024 * 1024
    max_pages: int = 200
    render_dpi: int = 300  # the DPI PDF pages will be rendered at
    # A rendered page: A2 at 300 DPI is 35 MP; more is not a scanned office document.
    max_page_pixels: int = 60_000_000
    # One embedded image or one raster frame (Pillow warns above 89 MP by default).
    max_image_pixels: int = 80_000_000
    max_form_depth: int = 8  # nested form XObjects searched for images


@dataclass(frozen=True)
class IntakeResult:
    media_type: MediaType
    sha256: str
    size: int
    page_count: int


def sniff(head: bytes) -> MediaType | None:
    """Media type from the first bytes of a file, or None."""
    if b"%PDF-" in head[:_PDF_HEADER_WINDOW]:
        return MEDIA_PDF
    if head.startswith(b"\xff\xd8\xff"):
        return MEDIA_JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return MEDIA_PNG
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return MEDIA_TIFF
    return None


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def inspect_file(path: Path, limits: IntakeLimits | None = None) -> IntakeResult:
    """Recognise, hash and check a submitted file; raises :class:`DocumentRejected` if unusable."""
    limits = limits or IntakeLimits()
    size = path.stat().st_size
    if size == 0:
        raise DocumentRejected("empty_file")
    if size > limits.max_bytes:
        raise DocumentRejected(
            "too_large", detail=f"({size // (1024 * 1024)} MB > {limits.max_bytes // (1024 * 1024)} MB)"
        )
    with path.open("rb") as handle:
        head = handle.read(_PDF_HEADER_WINDOW)
    media_type = sniff(head)
    if media_type is None:
        if path.suffix.lower() == ".pdf":
            raise DocumentRejected("not_a_pdf")
        raise DocumentRejected("unsupported_format")
    digest = sha256_file(path)
    if media_type == MEDIA_PDF:
        pages = check_pdf(path, limits)
    else:
        media_type, pages = check_image(path, limits)
    return IntakeResult(media_type=media_type, sha256=digest, size=size, page_count=pages)


# ---------------------------------------------------------------------------------------------- PDF


def _open_pdf(path: Path) -> pikepdf.Pdf:
    try:
        return pikepdf.open(path)
    except pikepdf.PasswordError as exc:
        raise DocumentRejected("encrypted_pdf") from exc
    except (FileNotFoundError, PermissionError, IsADirectoryError):
        raise  # the file system's problem, not the document's
    except (pikepdf.PdfError, pikepdf.DataDecodingError, OSError, ValueError) as exc:
        raise DocumentRejected("corrupt_file", detail="(PDF)") from exc


def pdf_page_count(path: Path) -> int:
    with _open_pdf(path) as pdf:
        return len(pdf.pages)


def pdf_box(array: pikepdf.Object) -> tuple[float, float, float, float]:
    """A PDF rectangle ([x0 y0 x1 y1]) as floats."""
    if not isinstance(array, pikepdf.Array) or len(array) != 4:
        raise ValueError("not a rectangle")
    x0, y0, x1, y1 = (float(array[i]) for i in range(4))
    return x0, y0, x1, y1


def _box_size(page: pikepdf.Page) -> tuple[float, float]:
    box = pdf_box(page.mediabox)
    user_unit = page.obj.get("/UserUnit")
    unit = float(user_unit) if user_unit is not None else 1.0
    return abs(box[2] - box[0]) * unit, abs(box[3] - box[1]) * unit


def _image_sizes(
    resources: pikepdf.Object, depth: int, seen: set[tuple[int, int]]
) -> Iterator[tuple[int, int]]:
    """Declared (width, height) of the image XObjects painted through ``resources``, without decoding."""
    xobjects = resources.get("/XObject") if isinstance(resources, pikepdf.Dictionary) else None
    if not isinstance(xobjects, pikepdf.Dictionary):
        return
    for _, xobject in xobjects.items():
        if not isinstance(xobject, pikepdf.Stream):
            continue
        if xobject.is_indirect:
            key = xobject.objgen
            if key in seen:
                continue
            seen.add(key)
        subtype = xobject.get("/Subtype")
        if subtype == pikepdf.Name.Image:
            width, height = xobject.get("/Width"), xobject.get("/Height")
            yield int(width) if width is not None else 0, int(height) if height is not None else 0
        elif subtype == pikepdf.Name.Form and depth > 0:
            yield from _image_sizes(xobject.get("/Resources") or pikepdf.Dictionary(), depth - 1, seen)


def check_pdf(path: Path, limits: IntakeLimits) -> int:
    """Open the PDF and check page count, rendered page size and embedded image sizes."""
    with _open_pdf(path) as pdf:
        try:
            count = len(pdf.pages)
        except (pikepdf.PdfError, RuntimeError) as exc:
            raise DocumentRejected("corrupt_file", detail="(PDF)") from exc
        if count == 0:
            raise DocumentRejected("corrupt_file", detail="(0 pages)")
        if count > limits.max_pages:
            raise DocumentRejected("too_many_pages", detail=f"({count} > {limits.max_pages})")
        for index, page in enumerate(pdf.pages):
            number = index + 1
            try:
                width_pt, height_pt = _box_size(page)
                resources = page.obj.get("/Resources") or pikepdf.Dictionary()
                sizes = list(_image_sizes(resources, limits.max_form_depth, set()))
            except (pikepdf.PdfError, ValueError, TypeError, IndexError) as exc:
                raise DocumentRejected("unreadable_page", page=number) from exc
            if width_pt <= 0 or height_pt <= 0:
                raise DocumentRejected("unreadable_page", page=number)
            width_px = width_pt / 72.0 * limits.render_dpi
            height_px = height_pt / 72.0 * limits.render_dpi
            if width_px * height_px > limits.max_page_pixels:
                raise DocumentRejected(
                    "decompression_bomb", page=number, detail=f"({width_px:.0f}×{height_px:.0f} px)"
                )
            for width, height in sizes:
                if width * height > limits.max_image_pixels:
                    raise DocumentRejected("decompression_bomb", page=number, detail=f"({width}×{height} px)")
        return count


# ----------------------------------------------------------------------------------------- images


@contextmanager
def open_image(path: Path) -> Iterator[Image.Image]:
    """Open a raster file lazily (header only); Pillow's own bomb guard maps to a rejection."""
    try:
        image = Image.open(path)
    except (FileNotFoundError, PermissionError, IsADirectoryError):
        raise  # the file system's problem, not the document's
    except Image.DecompressionBombError as exc:
        raise DocumentRejected("decompression_bomb", page=1) from exc
    except (OSError, ValueError, SyntaxError) as exc:  # PIL raises SyntaxError for some bad headers
        raise DocumentRejected("corrupt_file", detail="(image)") from exc
    try:
        yield image
    finally:
        image.close()


def check_image_frame(frame: Image.Image, number: int, limits: IntakeLimits) -> None:
    width, height = frame.size
    if width <= 0 or height <= 0:
        raise DocumentRejected("unreadable_page", page=number)
    if width * height > limits.max_image_pixels:
        raise DocumentRejected("decompression_bomb", page=number, detail=f"({width}×{height} px)")


def check_image(path: Path, limits: IntakeLimits) -> tuple[MediaType, int]:
    """Open a raster file, check each frame's size before decoding it, then decode it."""
    with open_image(path) as image:
        media_type = _PIL_FORMATS.get(image.format or "")
        if media_type is None:
            raise DocumentRejected("unsupported_format", detail=f"({image.format})")
        # A phone's MPO JPEG holds a preview as a second frame: one page. TIFF frames are pages.
        frames = getattr(image, "n_frames", 1) if media_type == MEDIA_TIFF else 1
        if frames > limits.max_pages:
            raise DocumentRejected("too_many_pages", detail=f"({frames} > {limits.max_pages})")
        for index in range(frames):
            number = index + 1
            try:
                image.seek(index)
            except (EOFError, OSError) as exc:
                raise DocumentRejected("unreadable_page", page=number) from exc
            check_image_frame(image, number, limits)
            try:
                image.load()
            except Image.DecompressionBombError as exc:
                raise DocumentRejected("decompression_bomb", page=number) from exc
            except (OSError, ValueError, SyntaxError) as exc:
                raise DocumentRejected("unreadable_page", page=number) from exc
        return media_type, frames
