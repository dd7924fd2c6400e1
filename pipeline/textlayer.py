"""Which PDF pages already carry a real text layer, and their words.

A page is classified from its content stream (and the forms it draws, a few levels deep) with pikepdf:
- ``text``: visible text (any text rendering mode but 3) whose extracted text is usable (enough
  characters, mostly Latin script: a font without a usable ToUnicode map gives garbage such as CJK
  code points, and such a page is OCRed like a scan);
- ``ocr_layer``: only invisible text (rendering mode 3: an earlier OCR's layer over a scan);
- ``none``: no text at all (a scan, a drawing).
Pages of kind ``text`` keep their text (``pdftotext -bbox-layout``) and go to the output unchanged;
the others are rasterised and OCRed (an old OCR layer is replaced by ours).
"""

from __future__ import annotations

import logging
import subprocess
import unicodedata
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import pikepdf

from pipeline.ocr import Word

log = logging.getLogger(__name__)

_SHOW = {"Tj", "TJ", "'", '"'}
_XHTML = "{http://www.w3.org/1999/xhtml}"


class PageTextKind(StrEnum):
    TEXT = "text"
    OCR_LAYER = "ocr_layer"
    NONE = "none"


@dataclass(frozen=True)
class TextPage:
    page_number: int
    text: str  # lines joined by newlines
    words: list[Word]  # boxes in pixels at the ``dpi`` given to :func:`read_text_pages`


def _shows(stream: pikepdf.Object, resources: pikepdf.Object, depth: int) -> tuple[bool, bool]:
    """(visible text shown, invisible text shown) in one content stream and the forms it draws."""
    visible = invisible = False
    mode = 0
    stack: list[int] = []
    try:
        instructions = pikepdf.parse_content_stream(stream)
    except pikepdf.PdfError:
        return False, False
    xobjects = resources.get("/XObject") if isinstance(resources, pikepdf.Dictionary) else None
    for instruction in instructions:
        operands, op = instruction.operands, str(instruction.operator)
        if op == "q":
            stack.append(mode)
        elif op == "Q":
            mode = stack.pop() if stack else 0
        elif op == "Tr" and operands:
            mode = int(operands[0])
        elif op in _SHOW:
            if mode == 3:
                invisible = True
            else:
                visible = True
        elif op == "Do" and depth > 0 and isinstance(xobjects, pikepdf.Dictionary) and operands:
            form = xobjects.get(str(operands[0]))
            if isinstance(form, pikepdf.Stream) and form.get("/Subtype") == pikepdf.Name.Form:
                v, i = _shows(form, form.get("/Resources") or resources, depth - 1)
                visible, invisible = visible or v, invisible or i
        if visible:
            break
    return visible, invisible


def text_kinds(path: Path, *, form_depth: int = 3) -> list[PageTextKind]:
    """The kind of text each page carries, from its content (no text extraction yet)."""
    kinds: list[PageTextKind] = []
    with pikepdf.open(path) as pdf:
        for page in pdf.pages:
            resources = page.obj.get("/Resources") or pikepdf.Dictionary()
            visible, invisible = _shows(page.obj, resources, form_depth)
            if visible:
                kinds.append(PageTextKind.TEXT)
            elif invisible:
                kinds.append(PageTextKind.OCR_LAYER)
            else:
                kinds.append(PageTextKind.NONE)
    return kinds


def usable_text(text: str, *, min_characters: int = 20, min_latin: float = 0.8) -> bool:
    """Enough characters, mostly Latin letters, digits and punctuation (Vietnamese included)."""
    chars = [c for c in text if not c.isspace()]
    if len(chars) < min_characters:
        return False
    latin = sum(
        1
        for c in chars
        if c.isascii() or "LATIN" in unicodedata.name(c, "") or unicodedata.category(c)[0] in "PS"
    )
    return latin / len(chars) >= min_latin


def read_text_pages(
    path: Path, numbers: set[int], dpi: int, *, timeout_s: float = 120.0
) -> dict[int, TextPage]:
    """Words and text of the pages ``numbers`` (1-based) from ``pdftotext -bbox-layout``; a page whose
    text cannot be read is left out (the caller OCRs it)."""
    if not numbers:
        return {}
    first, last = min(numbers), max(numbers)
    try:
        proc = subprocess.run(
            [
                "pdftotext",
                "-q",
                "-enc",
                "UTF-8",
                "-bbox-layout",
                "-f",
                str(first),
                "-l",
                str(last),
                str(path),
                "-",
            ],
            capture_output=True,
            timeout=timeout_s,
            check=False,
            stdin=subprocess.DEVNULL,
        )
        root = ET.fromstring(proc.stdout)
    except (subprocess.TimeoutExpired, ET.ParseError, OSError):
        log.warning("pdftotext could not read the text layer; those pages are OCRed")
        return {}
    scale = dpi / 72.0
    pages: dict[int, TextPage] = {}
    for offset, page in enumerate(root.iter(f"{_XHTML}page")):
        number = first + offset
        if number not in numbers:
            continue
        words: list[Word] = []
        lines: list[str] = []
        for line in page.iter(f"{_XHTML}line"):
            tokens: list[str] = []
            for node in line.iter(f"{_XHTML}word"):
                token = unicodedata.normalize("NFC", (node.text or "").strip())
                if not token:
                    continue
                x0, y0 = float(node.get("xMin", 0)), float(node.get("yMin", 0))
                x1, y1 = float(node.get("xMax", 0)), float(node.get("yMax", 0))
                words.append(
                    Word(
                        text=token,
                        conf=100.0,
                        left=round(x0 * scale),
                        top=round(y0 * scale),
                        width=max(1, round((x1 - x0) * scale)),
                        height=max(1, round((y1 - y0) * scale)),
                        line_id=len(lines),
                    )
                )
                tokens.append(token)
            if tokens:
                lines.append(" ".join(tokens))
        text = "\n".join(lines) + ("\n" if lines else "")
        if usable_text(text):
            pages[number] = TextPage(number, text, words)
    return pages


def page_pdf(path: Path, number: int) -> bytes:
    """Page ``number`` of ``path`` alone, unchanged, as a one-page PDF."""
    import io

    with pikepdf.open(path) as source, pikepdf.new() as out:
        out.pages.append(source.pages[number - 1])
        buffer = io.BytesIO()
        out.save(buffer)
    return buffer.getvalue()
