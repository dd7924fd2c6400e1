"""OCR stage: Tesseract on one cleaned page image → words with boxes, text, and a one-page
searchable PDF (the page image with an invisible text layer lying on the words).

One recognition per page gives all three: the words (TSV), the text, and the text layer from Tesseract's own
PDF renderer (text only), under which :func:`compose_page` puts the page image as a JPEG. Tesseract's own
image embedding (Flate) would cost 0.7 s and ~4 MB per page.

Two engines run the same libtesseract (``OcrOptions.engine``):
- ``library`` (default): in this process through Tesseract's C API (:mod:`pipeline.tesseract`): the model is
  loaded once per process, not once per page, and no image file is written. 15–20% less CPU per page than the
  command, with the same words, text and text layer.
- ``command``: the ``tesseract`` program per page (config files ``tsv txt pdf``, ``textonly_pdf=1``); a crash
  or hang of Tesseract then stays in its own process, killed at the timeout.
Both keep one contract: a timeout is a per-page ``ocr_timeout`` rejection, a failed recognition
``ocr_failed``; a missing program, library or language model is an :class:`OcrConfigurationError`, not a
document problem.
Without ``OMP_THREAD_LIMIT=1`` a page takes twice the wall time at 150% CPU (OpenMP threads fighting the
other page's process).
"""

from __future__ import annotations

import csv
import dataclasses
import io
import logging
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Literal

import cv2
import numpy as np
import pikepdf
from PIL import Image, ImageOps

from pipeline import tesseract
from pipeline.errors import DocumentRejected
from pipeline.intake import pdf_box

log = logging.getLogger(__name__)


class OcrConfigurationError(RuntimeError):
    """Tesseract or one of its language models is missing or broken on this machine.

    Neither the document's fault nor transient: an operator must fix the installation.
    """


OcrEngine = Literal["library", "command"]


@dataclass(frozen=True)
class OcrOptions:
    language: str = "vie"
    timeout_s: float = 180.0
    tesseract_cmd: str = "tesseract"
    # 3 = automatic page segmentation: handles a card's columns and a form's label/value lines.
    page_segmentation_mode: int = 3
    # Digit zones (ID numbers) are re-read with this model and a digit whitelist (§6: 60/60 exact).
    digits_language: str = "eng"
    digits_timeout_s: float = 30.0
    # Tesseract parallelises with OpenMP; workers run one process per core (DESIGN.md "Workers").
    omp_thread_limit: int = 1
    jpeg_quality: int = 80  # of the page image shown in the searchable PDF
    # "library": libtesseract in this process (pipeline.tesseract); "command": the tesseract program per run.
    engine: OcrEngine = "library"


@dataclass(frozen=True)
class Word:
    text: str
    conf: float  # 0-100, as Tesseract reports it
    left: int
    top: int
    width: int
    height: int
    line_id: int  # page-unique line number in reading order

    @property
    def right(self) -> int:
        return self.left + self.width

    @property
    def bottom(self) -> int:
        return self.top + self.height


def words_box(words: Iterable[Word]) -> tuple[int, int, int, int]:
    """(left, top, right, bottom) around ``words`` (at least one)."""
    words = list(words)
    return (
        min(w.left for w in words),
        min(w.top for w in words),
        max(w.right for w in words),
        max(w.bottom for w in words),
    )


@dataclass(frozen=True)
class OcrLine:
    line_id: int
    words: tuple[Word, ...]

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    @property
    def confidence(self) -> float:
        return sum(w.conf for w in self.words) / len(self.words) if self.words else 0.0


@dataclass
class OcrPage:
    page_number: int
    text: str
    words: list[Word]
    mean_confidence: float  # mean word confidence, 0-100
    pdf: bytes = field(repr=False)
    dpi: int = 300
    # The image that was recognised (cleaned, in the coordinates of ``words``), kept for zone re-reads.
    image: Image.Image | None = field(default=None, repr=False, compare=False)

    @cached_property
    def lines(self) -> list[OcrLine]:
        return _lines(self.words)

    @classmethod
    def from_text(cls, text: str, page_number: int = 1, conf: float = 95.0) -> OcrPage:
        """A page built from plain text (one line per line, no image): for tests and re-processing."""
        words = []
        for line_id, line in enumerate(text.splitlines()):
            left = 0
            for token in line.split():
                words.append(Word(token, conf, left, line_id * 50, 20 * len(token), 40, line_id))
                left += 20 * len(token) + 20
        return cls(
            page_number=page_number, text=text, words=words, mean_confidence=conf if words else 0.0, pdf=b""
        )


def _lines(words: list[Word]) -> list[OcrLine]:
    grouped: dict[int, list[Word]] = {}
    for word in words:
        grouped.setdefault(word.line_id, []).append(word)
    return [OcrLine(line_id, tuple(line)) for line_id, line in grouped.items()]


def _env(options: OcrOptions) -> dict[str, str]:
    # Passing the environment through unchanged plus one limit; domain code reads no setting here.
    return {**os.environ, "OMP_THREAD_LIMIT": str(options.omp_thread_limit)}


def _run_command(
    image: Image.Image,
    *,
    language: str,
    psm: int,
    dpi: int,
    variables: tuple[tuple[str, str], ...],
    text: bool,
    pdf: bool,
    timeout: float,
    page_number: int,
    options: OcrOptions,
) -> tesseract.Recognition:
    with tempfile.TemporaryDirectory(prefix="sohoa-ocr-") as tmp:
        source = Path(tmp) / "page.tif"
        base = Path(tmp) / "out"
        # Uncompressed TIFF: written in ~0.05 s where PNG takes ~1.6 s for a noisy A4 page at 300 DPI.
        if image.mode not in ("L", "RGB"):
            image = image.convert("L")
        image.save(source, "TIFF", dpi=(dpi, dpi))
        settings = [*variables, *((("textonly_pdf", "1"),) if pdf else ())]
        args = [
            options.tesseract_cmd,
            str(source),
            str(base),
            "-l",
            language,
            "--psm",
            str(psm),
            "--dpi",
            str(dpi),
        ]
        args += [arg for name, value in settings for arg in ("-c", f"{name}={value}")]
        args += ["tsv", *(("txt",) if text else ()), *(("pdf",) if pdf else ())]
        try:
            proc = subprocess.run(
                args,
                env=_env(options),
                capture_output=True,
                timeout=timeout,
                check=False,
                stdin=subprocess.DEVNULL,
            )
        except FileNotFoundError as exc:
            raise OcrConfigurationError(
                f"tesseract not found ({options.tesseract_cmd}); install tesseract-ocr"
            ) from exc
        except subprocess.TimeoutExpired as exc:
            # subprocess.run kills the child on timeout before re-raising.
            raise DocumentRejected("ocr_timeout", page=page_number) from exc
        if proc.returncode != 0:
            stderr = proc.stderr.decode("utf-8", "replace")
            if "Failed loading language" in stderr or "Error opening data file" in stderr:
                raise OcrConfigurationError("tesseract language data missing: " + stderr.strip()[-300:])
            log.warning("tesseract failed on page %s (exit %s)", page_number, proc.returncode)
            raise DocumentRejected("ocr_failed", page=page_number, detail=f"exit {proc.returncode}")
        return tesseract.Recognition(
            tsv=base.with_suffix(".tsv").read_text(encoding="utf-8"),
            text=base.with_suffix(".txt").read_text(encoding="utf-8") if text else None,
            pdf=base.with_suffix(".pdf").read_bytes() if pdf else None,
        )


def recognise(
    image: Image.Image,
    *,
    language: str,
    psm: int,
    dpi: int,
    timeout: float,
    page_number: int,
    options: OcrOptions,
    variables: tuple[tuple[str, str], ...] = (),
    text: bool = False,
    pdf: bool = False,
) -> tesseract.Recognition:
    """One Tesseract recognition of ``image`` with the engine of ``options`` (errors as the module says)."""
    if options.engine == "command":
        return _run_command(
            image,
            language=language,
            psm=psm,
            dpi=dpi,
            variables=variables,
            text=text,
            pdf=pdf,
            timeout=timeout,
            page_number=page_number,
            options=options,
        )
    if options.engine != "library":
        raise OcrConfigurationError(f"unknown OCR engine {options.engine!r} (library or command)")
    try:
        return tesseract.recognise(
            image,
            language=language,
            psm=psm,
            dpi=dpi,
            timeout_s=timeout,
            variables=variables,
            text=text,
            pdf=pdf,
            omp_thread_limit=options.omp_thread_limit,
        )
    except tesseract.TesseractUnavailable as exc:
        raise OcrConfigurationError(str(exc)) from exc
    except tesseract.TesseractTimeout as exc:
        raise DocumentRejected("ocr_timeout", page=page_number) from exc
    except tesseract.TesseractFailed as exc:
        log.warning("tesseract failed on page %s", page_number)
        raise DocumentRejected("ocr_failed", page=page_number, detail=str(exc)) from exc


def parse_tsv(tsv: str) -> list[Word]:
    """Words (level 5 rows with text) from Tesseract TSV, with page-unique line ids in reading order."""
    words: list[Word] = []
    line_ids: dict[tuple[str, str, str], int] = {}
    reader = csv.DictReader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE)
    for row in reader:
        if row.get("level") != "5":
            continue
        text = (row.get("text") or "").strip()
        if not text:
            continue
        key = (row["block_num"], row["par_num"], row["line_num"])
        line_id = line_ids.setdefault(key, len(line_ids))
        words.append(
            Word(
                text=text,
                conf=max(0.0, float(row["conf"])),
                left=int(row["left"]),
                top=int(row["top"]),
                width=int(row["width"]),
                height=int(row["height"]),
                line_id=line_id,
            )
        )
    return words


def ocr_page(
    image: Image.Image,
    *,
    page_number: int,
    dpi: int,
    options: OcrOptions | None = None,
    visible: Image.Image | None = None,
    visible_jpeg: bytes | None = None,
) -> OcrPage:
    """Recognise one page; one Tesseract run gives the words (TSV), the text and the text layer.

    ``pdf`` is one searchable page: Tesseract's own PDF renderer writes the invisible text layer
    (``textonly_pdf``) and ``visible`` (default: ``image``) is placed underneath as a JPEG, so the page
    shows the scan as it looks while the OCR input may be cleaned, de-dotted or upscaled. ``visible``
    must cover the same area as ``image`` (any pixel size: it is scaled to the page).
    ``visible_jpeg``: the JPEG ``visible`` was decoded from, shown as it is (no second lossy encoding).
    """
    options = options or OcrOptions()
    run = recognise(
        image,
        language=options.language,
        psm=options.page_segmentation_mode,
        dpi=dpi,
        timeout=options.timeout_s,
        page_number=page_number,
        options=options,
        text=True,
        pdf=True,
    )
    assert run.text is not None and run.pdf is not None
    text, text_layer, tsv = run.text, run.pdf, run.tsv
    words = parse_tsv(tsv)
    mean = sum(w.conf for w in words) / len(words) if words else 0.0
    pdf = compose_page(
        text_layer, visible if visible is not None else image, options.jpeg_quality, jpeg=visible_jpeg
    )
    return OcrPage(
        page_number=page_number, text=text, words=words, mean_confidence=mean, pdf=pdf, dpi=dpi, image=image
    )


_TJ = re.compile(rb"\[ <([0-9A-Fa-f]*)> \] TJ")


def correct_words(page: OcrPage, corrections: dict[int, str]) -> int:
    """Replace words of ``page`` (index into ``page.words`` → new text) in its words, text and PDF
    text layer; returns how many were replaced.

    Tesseract's PDF renderer writes one ``[ <UTF-16BE hex> ] TJ`` per word, in the order of its TSV
    words (checked here word by word; nothing is changed if they disagree). Each word is scaled
    (``Tz``) to its box, so a replacement stays on the word in the image.
    """
    if not corrections or not page.pdf:
        return 0
    with pikepdf.open(io.BytesIO(page.pdf)) as pdf:
        pdf_page = pdf.pages[0]
        contents = pdf_page.obj.Contents
        if isinstance(contents, pikepdf.Array):
            data = b"\n".join(contents[i].read_bytes() for i in range(len(contents)))
        else:
            data = contents.read_bytes()
        shown = _TJ.findall(data)
        if len(shown) != len(page.words) or any(
            bytes.fromhex(hexa.decode()).decode("utf-16-be").rstrip(" ") != word.text
            for hexa, word in zip(shown, page.words, strict=True)
        ):
            log.warning("page %s: text layer does not match the OCR words; left as is", page.page_number)
            return 0
        counter = iter(range(len(shown)))

        def replace(match: re.Match[bytes]) -> bytes:
            index = next(counter)
            if index not in corrections:
                return match.group(0)
            hexa = (corrections[index] + " ").encode("utf-16-be").hex().upper().encode()
            return b"[ <" + hexa + b"> ] TJ"

        pdf_page.obj.Contents = pdf.make_stream(_TJ.sub(replace, data))
        out = io.BytesIO()
        pdf.save(out)
    page.pdf = out.getvalue()
    for index, text in corrections.items():
        page.words[index] = dataclasses.replace(page.words[index], text=text)
    page.text = "\n".join(line.text for line in _lines(page.words)) + "\n"
    page.__dict__.pop("lines", None)  # cached lines refer to the old words
    return len(corrections)


def compose_page(
    text_layer_pdf: bytes, visible: Image.Image, jpeg_quality: int = 80, *, jpeg: bytes | None = None
) -> bytes:
    """Put ``visible`` (as a JPEG filling the page) under a one-page text-only PDF; ``jpeg``, when
    given, is ``visible`` already encoded (used as it is)."""
    if visible.mode not in ("L", "RGB"):
        visible = visible.convert("RGB")
    buffer = io.BytesIO()
    if jpeg is not None:
        buffer.write(jpeg)
    else:
        visible.save(buffer, "JPEG", quality=jpeg_quality, optimize=True)
    with pikepdf.open(io.BytesIO(text_layer_pdf)) as pdf:
        page = pdf.pages[0]
        x0, y0, x1, y1 = pdf_box(page.mediabox)
        image = pikepdf.Stream(pdf, buffer.getvalue())
        image.Type = pikepdf.Name.XObject
        image.Subtype = pikepdf.Name.Image
        image.Width, image.Height = visible.size
        image.ColorSpace = pikepdf.Name.DeviceGray if visible.mode == "L" else pikepdf.Name.DeviceRGB
        image.BitsPerComponent = 8
        image.Filter = pikepdf.Name.DCTDecode
        name = page.add_resource(image, pikepdf.Name.XObject, prefix="Scan")
        draw = f"q {x1 - x0:.4f} 0 0 {y1 - y0:.4f} {x0:.4f} {y0:.4f} cm {name} Do Q\n".encode()
        page.contents_add(pikepdf.Stream(pdf, draw), prepend=True)
        out = io.BytesIO()
        pdf.save(out)
    return out.getvalue()


@dataclass(frozen=True)
class ZoneRequest:
    """How to re-read one zone of a page (one text line)."""

    language: str
    whitelist: str | None = None  # e.g. "0123456789"; never with ``vie`` (§6: destroys output)
    scale: float = 1.0
    binarise: bool = False


def _crop_words(
    crop: Image.Image,
    language: str,
    psm: int,
    variables: tuple[tuple[str, str], ...],
    *,
    timeout: float,
    page_number: int,
    options: OcrOptions,
) -> list[Word]:
    """Tesseract's words (TSV) on a prepared crop of a page (margin added), in crop coordinates."""
    run = recognise(
        crop,
        language=language,
        psm=psm,
        dpi=300,
        timeout=timeout,
        page_number=page_number,
        options=options,
        variables=variables,
    )
    return parse_tsv(run.tsv)


def read_zone(
    image: Image.Image,
    box: tuple[int, int, int, int],
    request: ZoneRequest,
    *,
    page_number: int,
    options: OcrOptions | None = None,
) -> list[Word]:
    """Re-read the one-line zone ``box`` = (left, top, right, bottom) of ``image`` (``--psm 7``).

    Returns the words (boxes in ``image`` coordinates, one line id). The crop is tight (a wider one
    catches a label's colon, which wrecks a whitelisted read) and gets a blank margin, which
    Tesseract needs around a line.
    """
    options = options or OcrOptions()
    left, top, right, bottom = box
    height = bottom - top
    pad = max(2, height // 10)
    origin = (max(0, left - pad), max(0, top - pad))
    crop = image.crop((*origin, min(image.width, right + pad), min(image.height, bottom + pad)))
    if crop.width == 0 or crop.height == 0:
        return []
    if crop.mode != "L":
        crop = crop.convert("L")
    if request.scale != 1.0:
        size = (max(1, round(crop.width * request.scale)), max(1, round(crop.height * request.scale)))
        crop = crop.resize(size, Image.Resampling.LANCZOS)
    if request.binarise:
        # Tesseract's own thresholding of a tiny crop is unstable (a clean "333" read as "35", "3"
        # or "333" depending on the margin); Otsu on the crop first makes it stable.
        _, binary = cv2.threshold(np.asarray(crop), 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
        crop = Image.fromarray(binary)
        fill = 255
    else:
        fill = int(np.percentile(np.asarray(crop), 90))
    border = max(10, round(height * request.scale) // 3)
    crop = ImageOps.expand(crop, border=border, fill=fill)
    # The space too: without it a zone of two words ("CS 36579", a serial "TB 87719779") is read as one
    # word the LSTM could not spell, at confidence 0 whatever the page shows (with it, 96).
    whitelist = request.whitelist
    if whitelist and " " not in whitelist:
        whitelist += " "
    config = (("tessedit_char_whitelist", whitelist),) if whitelist else ()
    words = _crop_words(
        crop,
        request.language,
        7,
        config,
        timeout=options.digits_timeout_s,
        page_number=page_number,
        options=options,
    )

    def to_page(value: int, offset: int) -> int:
        return offset + round((value - border) / request.scale)

    return [
        Word(
            text=w.text,
            conf=w.conf,
            left=to_page(w.left, origin[0]),
            top=to_page(w.top, origin[1]),
            width=round(w.width / request.scale),
            height=round(w.height / request.scale),
            line_id=-1,
        )
        for w in words
    ]


def read_block(
    image: Image.Image,
    box: tuple[int, int, int, int],
    *,
    page_number: int,
    options: OcrOptions | None = None,
    psm: int = 6,
) -> list[Word]:
    """Re-read the block ``box`` = (left, top, right, bottom) of ``image`` on its own (``--psm 6``, a
    uniform block of text; the page's language): a column that the page's layout analysis merged with
    the text beside it (a decision's "Nơi nhận" list and the signer's block) reads line by line.

    Returns the words with boxes in ``image`` coordinates and line ids of the block (negative, apart
    from the page's)."""
    options = options or OcrOptions()
    left, top, right, bottom = (
        max(0, box[0]),
        max(0, box[1]),
        min(image.width, box[2]),
        min(image.height, box[3]),
    )
    if right <= left or bottom <= top:
        return []
    crop = image.crop((left, top, right, bottom))
    if crop.mode != "L":
        crop = crop.convert("L")
    border = 20
    crop = ImageOps.expand(crop, border=border, fill=int(np.percentile(np.asarray(crop), 90)))
    words = _crop_words(
        crop, options.language, psm, (), timeout=options.timeout_s, page_number=page_number, options=options
    )
    return [
        dataclasses.replace(w, left=w.left - border + left, top=w.top - border + top, line_id=-1 - w.line_id)
        for w in words
    ]


def read_digits(
    image: Image.Image,
    box: tuple[int, int, int, int],
    *,
    page_number: int,
    options: OcrOptions | None = None,
    whitelist: str = "0123456789",
) -> tuple[str, float]:
    """Re-read a digit zone with the digits model (``eng``: §6, 60/60 exact) and a whitelist.

    Returns (digits, lowest word confidence 0-100).
    """
    options = options or OcrOptions()
    request = ZoneRequest(options.digits_language, whitelist=whitelist, binarise=True)
    words = read_zone(image, box, request, page_number=page_number, options=options)
    return "".join(w.text for w in words), min((w.conf for w in words), default=0.0)


def check_installation(options: OcrOptions | None = None) -> None:
    """Raise :class:`OcrConfigurationError` unless Tesseract and the needed models are installed
    (for a worker's start-up, so that a broken installation fails loudly, not per document)."""
    options = options or OcrOptions()
    if options.engine == "library":
        try:
            tesseract.load(options.omp_thread_limit)
        except tesseract.TesseractUnavailable as exc:
            raise OcrConfigurationError(str(exc)) from exc
        limit = tesseract.omp_thread_limit()
        if limit is not None and limit > options.omp_thread_limit:
            # OpenMP was loaded before OMP_THREAD_LIMIT was set: pages would fight over the cores.
            log.warning(
                "OpenMP thread limit is %s, not %s: set OMP_THREAD_LIMIT", limit, options.omp_thread_limit
            )
    if shutil.which(options.tesseract_cmd) is None:
        raise OcrConfigurationError(f"tesseract not found ({options.tesseract_cmd}); install tesseract-ocr")
    proc = subprocess.run(
        [options.tesseract_cmd, "--list-langs"],
        capture_output=True,
        timeout=30,
        check=False,
        env=_env(options),
    )
    available = set(proc.stdout.decode("utf-8", "replace").split()[1:]) if proc.returncode == 0 else set()
    missing = {*options.language.split("+"), options.digits_language} - available
    if missing:
        raise OcrConfigurationError(f"tesseract language data missing: {', '.join(sorted(missing))}")
