"""Tesseract in this process, through its C API (``tesseract/capi.h`` of libtesseract, with ctypes).

Why not the ``tesseract`` command: every run of it starts a process and loads the language model again
(~0.12 s of CPU for ``vie``), and the page goes through a TIFF file both ways. Measured on six 300 DPI
pages (one process, ``OMP_THREAD_LIMIT=1``): 6.2–6.3 s of CPU with the command, 5.0–5.5 s here, with the
same words, text and text layer (the same libtesseract does the work;
``tests/integration/test_tesseract_engine.py`` compares the two engines).

Why not tesserocr (the Python binding of the field): its ``ProcessPage``, the only way it offers to
Tesseract's PDF renderer (our text layer), holds the GIL for the whole recognition, so a document's page
threads would take turns; every image is also encoded to BMP first. Its PyPI wheel bundles another
Tesseract (5.5) than the one the raw-tesseract baselines run, and a build against the system's needs a
compiler and the -dev packages. The C API is Tesseract's stable interface; ctypes releases the GIL during
every call.

A handle (``TessBaseAPI``) per language and variable set is initialised once per process and reused (a
pool: page threads each take one). The per-page timeout is Tesseract's own deadline (``ETEXT_DESC``),
checked between words: recognition is stopped, layout analysis is not (it is bounded by the page-size
limits of the intake). ``OMP_THREAD_LIMIT`` must be in the environment before libtesseract (and its OpenMP
runtime) is loaded: :func:`load` sets it when absent, and :func:`omp_thread_limit` tells what is in force.
"""

from __future__ import annotations

import atexit
import ctypes
import ctypes.util
import os
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

TSV_HEADER = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n"
# Tesseract's own messages ("Detected 583 diacritics") would go to this process's stderr.
_QUIET = (("debug_file", "/dev/null"),)


class TesseractUnavailable(RuntimeError):
    """libtesseract or a language model is missing: the installation's fault, not the document's."""


class TesseractFailed(RuntimeError):
    """Recognition returned an error before its deadline."""


class TesseractTimeout(RuntimeError):
    """Recognition passed its deadline and was stopped."""


@dataclass(frozen=True)
class Recognition:
    tsv: str  # with the command's header line
    text: str | None  # as the command's txt renderer writes it; None unless asked
    pdf: bytes | None  # a one-page, text-only PDF (Tesseract's renderer); None unless asked


_lib: ctypes.CDLL | None = None
_load_lock = threading.Lock()
_pool: dict[tuple[str, tuple[tuple[str, str], ...]], list[int]] = {}
_pool_lock = threading.Lock()
_created = 0  # handles initialised in this process (a test reads it to prove reuse)


def _declare(lib: ctypes.CDLL) -> None:
    p, c, i = ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int
    signatures: dict[str, tuple[list[type], type | None]] = {
        "TessBaseAPICreate": ([], p),
        "TessBaseAPIInit3": ([p, c, c], i),
        "TessBaseAPISetVariable": ([p, c, c], i),
        "TessBaseAPISetPageSegMode": ([p, i], None),
        "TessBaseAPISetImage": ([p, ctypes.c_void_p, i, i, i, i], None),
        "TessBaseAPISetSourceResolution": ([p, i], None),
        "TessBaseAPISetInputName": ([p, c], None),
        "TessBaseAPIRecognize": ([p, p], i),
        "TessBaseAPIGetTsvText": ([p, i], p),
        "TessBaseAPIGetUTF8Text": ([p], p),
        "TessBaseAPIGetDatapath": ([p], c),
        "TessBaseAPIClear": ([p], None),
        "TessBaseAPIEnd": ([p], None),
        "TessBaseAPIDelete": ([p], None),
        "TessDeleteText": ([p], None),
        "TessMonitorCreate": ([], p),
        "TessMonitorDelete": ([p], None),
        "TessMonitorSetDeadlineMSecs": ([p, i], None),
        "TessPDFRendererCreate": ([c, c, i], p),
        "TessResultRendererBeginDocument": ([p, c], i),
        "TessResultRendererAddImage": ([p, p], i),
        "TessResultRendererEndDocument": ([p], i),
        "TessDeleteResultRenderer": ([p], None),
    }
    for name, (argtypes, restype) in signatures.items():
        function = getattr(lib, name)
        function.argtypes = argtypes
        function.restype = restype


def load(omp_thread_limit: int = 1) -> ctypes.CDLL:
    """libtesseract, loaded once per process (``OMP_THREAD_LIMIT`` set first if the environment has none)."""
    global _lib
    with _load_lock:
        if _lib is None:
            os.environ.setdefault("OMP_THREAD_LIMIT", str(omp_thread_limit))
            name = ctypes.util.find_library("tesseract") or "libtesseract.so.5"
            try:
                lib = ctypes.CDLL(name)
                _declare(lib)
            except (OSError, AttributeError) as exc:
                raise TesseractUnavailable(f"libtesseract not usable ({name}): {exc}") from exc
            _lib = lib
        return _lib


def omp_thread_limit() -> int | None:
    """The OpenMP thread limit in force in this process (None when libgomp is not loaded)."""
    try:
        gomp = ctypes.CDLL("libgomp.so.1", mode=getattr(os, "RTLD_NOLOAD", 4))
    except OSError:
        return None
    gomp.omp_get_thread_limit.restype = ctypes.c_int
    return int(gomp.omp_get_thread_limit())


def handles_created() -> int:
    return _created


def _new_handle(lib: ctypes.CDLL, language: str, variables: tuple[tuple[str, str], ...]) -> int:
    global _created
    handle = lib.TessBaseAPICreate()
    if lib.TessBaseAPIInit3(handle, None, language.encode()) != 0:
        lib.TessBaseAPIDelete(handle)
        raise TesseractUnavailable(f"tesseract language data missing or broken: {language}")
    for name, value in _QUIET + variables:
        if not lib.TessBaseAPISetVariable(handle, name.encode(), value.encode()):
            raise TesseractUnavailable(f"tesseract has no variable {name}")
    lib.TessBaseAPISetInputName(handle, b"page")
    with _pool_lock:
        _created += 1
    return int(handle)


@contextmanager
def _handle(lib: ctypes.CDLL, language: str, variables: tuple[tuple[str, str], ...]) -> Iterator[int]:
    key = (language, variables)
    with _pool_lock:
        idle = _pool.setdefault(key, [])
        handle = idle.pop() if idle else None
    if handle is None:
        handle = _new_handle(lib, language, variables)
    try:
        yield handle
    finally:
        lib.TessBaseAPIClear(handle)  # the page's results and image; the model stays loaded
        with _pool_lock:
            _pool[key].append(handle)


def _release_all() -> None:
    """Free every pooled handle at exit (Tesseract reports its still-held models as leaks otherwise)."""
    if _lib is None:
        return
    with _pool_lock:
        handles = [h for idle in _pool.values() for h in idle]
        _pool.clear()
    for handle in handles:
        _lib.TessBaseAPIEnd(handle)
        _lib.TessBaseAPIDelete(handle)


atexit.register(_release_all)


def _take_text(lib: ctypes.CDLL, pointer: int | None) -> str:
    if not pointer:
        return ""
    try:
        return ctypes.string_at(pointer).decode("utf-8", "replace")
    finally:
        lib.TessDeleteText(pointer)


def _pixels(image: Image.Image) -> np.ndarray:
    """8-bit grey or RGB pixels, rows contiguous (what ``TessBaseAPISetImage`` reads)."""
    if image.mode not in ("L", "RGB"):
        image = image.convert("L")
    return np.ascontiguousarray(np.asarray(image, dtype=np.uint8))


def _render_pdf(lib: ctypes.CDLL, handle: int) -> bytes:
    with tempfile.TemporaryDirectory(prefix="sohoa-tess-") as tmp:
        base = str(Path(tmp) / "page")
        renderer = lib.TessPDFRendererCreate(base.encode(), lib.TessBaseAPIGetDatapath(handle), 1)
        if not renderer:
            raise TesseractFailed("the PDF renderer could not start")
        try:
            ok = (
                lib.TessResultRendererBeginDocument(renderer, b"")
                and lib.TessResultRendererAddImage(renderer, handle)
                and lib.TessResultRendererEndDocument(renderer)
            )
        finally:
            lib.TessDeleteResultRenderer(renderer)
        if not ok:
            raise TesseractFailed("the PDF renderer failed")
        return Path(base + ".pdf").read_bytes()


def recognise(
    image: Image.Image,
    *,
    language: str,
    psm: int,
    dpi: int,
    timeout_s: float,
    variables: tuple[tuple[str, str], ...] = (),
    text: bool = False,
    pdf: bool = False,
    omp_thread_limit: int = 1,
) -> Recognition:
    """Recognise ``image`` (8-bit grey or RGB) as the command ``tesseract - out -l language --psm psm
    --dpi dpi -c name=value… tsv [txt] [pdf with textonly_pdf=1]`` would."""
    lib = load(omp_thread_limit)
    pixels = _pixels(image)
    height, width = pixels.shape[:2]
    depth = 1 if pixels.ndim == 2 else pixels.shape[2]
    with _handle(lib, language, variables) as handle:
        lib.TessBaseAPISetPageSegMode(handle, psm)
        lib.TessBaseAPISetImage(handle, pixels.ctypes.data, width, height, depth, pixels.strides[0])
        lib.TessBaseAPISetSourceResolution(handle, dpi)
        monitor = lib.TessMonitorCreate()
        deadline_ms = max(1, round(timeout_s * 1000))
        started = time.monotonic()  # before the deadline is set: a stop at it is never taken for a failure
        lib.TessMonitorSetDeadlineMSecs(monitor, deadline_ms)
        try:
            status = lib.TessBaseAPIRecognize(handle, monitor)
        finally:
            lib.TessMonitorDelete(monitor)
        if status != 0:
            if (time.monotonic() - started) * 1000 >= deadline_ms:
                raise TesseractTimeout(f"recognition stopped at its deadline ({timeout_s:g} s)")
            raise TesseractFailed(f"recognition failed (status {status})")
        tsv = TSV_HEADER + _take_text(lib, lib.TessBaseAPIGetTsvText(handle, 0))
        page_text = _take_text(lib, lib.TessBaseAPIGetUTF8Text(handle)) if text else None
        layer = _render_pdf(lib, handle) if pdf else None
    return Recognition(tsv=tsv, text=page_text, pdf=layer)
