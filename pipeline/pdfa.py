"""PDF/A-2b for the searchable PDF (ISO 19005-2, level B: the pages look the same in the future).

What our searchable pages need beyond what qpdf writes anyway (header with a binary comment, a
trailer /ID, no encryption): an output intent with an sRGB ICC profile (the scans are DeviceGray or
DeviceRGB JPEGs, allowed only under a PDF/A output intent), and XMP metadata that identifies the file
as PDF/A-2B and agrees with the document information dictionary. Fonts: Tesseract's text layer embeds
its glyphless font; the conversion mark (pipeline.output) embeds a DejaVu subset. Checked with veraPDF
in tests/integration/test_pdfa.py (when it is installed; a structural check with pikepdf otherwise).

The sRGB profile is Debian's ``icc-profiles-free`` (/usr/share/color/icc/sRGB.icc; scripts/setup.sh).
"""

from __future__ import annotations

import datetime as dt
import io
from functools import lru_cache
from pathlib import Path

import pikepdf

ICC_CANDIDATES = (
    Path("/usr/share/color/icc/sRGB.icc"),  # icc-profiles-free
    Path("/usr/share/color/icc/colord/sRGB.icc"),  # colord-data
)
PRODUCER = "sohoa pipeline"


class PdfaConfigurationError(RuntimeError):
    """No sRGB ICC profile on this machine (install icc-profiles-free)."""


@lru_cache(maxsize=2)
def _icc(path: str | None) -> bytes:
    candidates = (Path(path),) if path else ICC_CANDIDATES
    for candidate in candidates:
        if candidate.is_file():
            return candidate.read_bytes()
    raise PdfaConfigurationError("no sRGB ICC profile found; install icc-profiles-free")


def make_pdfa(pdf: bytes, *, title: str = "Bản số hóa", icc_path: Path | None = None) -> bytes:
    """``pdf`` with an sRGB output intent and PDF/A-2B identification (XMP and document info)."""
    icc = _icc(str(icc_path) if icc_path else None)
    with pikepdf.open(io.BytesIO(pdf)) as document:
        profile = pikepdf.Stream(document, icc)
        profile.N = 3
        intent = pikepdf.Dictionary(
            Type=pikepdf.Name.OutputIntent,
            S=pikepdf.Name.GTS_PDFA1,
            OutputConditionIdentifier=pikepdf.String("sRGB IEC61966-2.1"),
            Info=pikepdf.String("sRGB IEC61966-2.1"),
            RegistryName=pikepdf.String("http://www.color.org"),
            DestOutputProfile=document.make_indirect(profile),
        )
        document.Root.OutputIntents = pikepdf.Array([document.make_indirect(intent)])
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        # XMP only, no document information dictionary: PDF/A requires the two to agree, and the
        # signer (pyHanko) appends its name to an existing /Producer in one but not the other; with
        # no dictionary it updates the XMP alone.
        if "/Info" in document.trailer:
            del document.trailer.Info
        with document.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as meta:
            meta["pdfaid:part"] = "2"
            meta["pdfaid:conformance"] = "B"
            meta["dc:title"] = title
            meta["pdf:Producer"] = PRODUCER
            meta["xmp:CreatorTool"] = PRODUCER
            meta["xmp:CreateDate"] = now.isoformat()
            meta["xmp:ModifyDate"] = now.isoformat()
            meta["xmp:MetadataDate"] = now.isoformat()
        out = io.BytesIO()
        document.save(
            out,
            compress_streams=True,
            object_stream_mode=pikepdf.ObjectStreamMode.generate,
            min_version="1.7",
        )
    return out.getvalue()


def pdfa_problems(pdf: bytes) -> list[str]:
    """Structural PDF/A-2B requirements this module is responsible for, checked with pikepdf (what is
    missing; empty when all are met). Not a validator: veraPDF is (tests/integration/test_pdfa.py)."""
    problems: list[str] = []
    with pikepdf.open(io.BytesIO(pdf)) as document:
        if document.is_encrypted:
            problems.append("encrypted")
        if "/ID" not in document.trailer:
            problems.append("no trailer /ID")
        intents = document.Root.get("/OutputIntents")
        if not isinstance(intents, pikepdf.Array) or not any(
            intents[k].get("/S") == pikepdf.Name.GTS_PDFA1 and "/DestOutputProfile" in intents[k]
            for k in range(len(intents))
        ):
            problems.append("no PDF/A output intent with an ICC profile")
        meta = document.open_metadata()
        if meta.get("pdfaid:part") != "2" or meta.get("pdfaid:conformance") != "B":
            problems.append("XMP does not identify PDF/A-2B")
        producer = document.docinfo.get("/Producer")
        info_producer = str(producer) if producer is not None else ""
        if info_producer and info_producer != meta.get("pdf:Producer"):
            problems.append("Producer differs between document info and XMP")
        for number, page in enumerate(document.pages, start=1):
            for font in _fonts(page.obj, page.obj.get("/Resources"), 3):
                descendants = font.get("/DescendantFonts")
                target = descendants[0] if isinstance(descendants, pikepdf.Array) else font
                descriptor = target.get("/FontDescriptor")
                if not isinstance(descriptor, pikepdf.Dictionary) or not any(
                    k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")
                ):
                    problems.append(f"page {number}: font {font.get('/BaseFont')} not embedded")
    return problems


def _fonts(stream: pikepdf.Object, resources: pikepdf.Object | None, depth: int) -> list[pikepdf.Dictionary]:
    """Fonts that show text in ``stream`` and the forms it draws (a font only selected, as
    reportlab's default Helvetica, renders nothing and needs no embedding)."""
    if not isinstance(resources, pikepdf.Dictionary):
        return []
    fonts = resources.get("/Font")
    xobjects = resources.get("/XObject")
    found: list[pikepdf.Dictionary] = []
    current: pikepdf.Object | None = None
    for instruction in pikepdf.parse_content_stream(stream):
        op = str(instruction.operator)
        if op == "Tf" and instruction.operands and isinstance(fonts, pikepdf.Dictionary):
            current = fonts.get(str(instruction.operands[0]))
        elif op in ("Tj", "TJ", "'", '"') and isinstance(current, pikepdf.Dictionary):
            if not any(current.objgen == f.objgen and current == f for f in found):
                found.append(current)
        elif op == "Do" and depth > 0 and isinstance(xobjects, pikepdf.Dictionary) and instruction.operands:
            form = xobjects.get(str(instruction.operands[0]))
            if isinstance(form, pikepdf.Stream) and form.get("/Subtype") == pikepdf.Name.Form:
                found.extend(_fonts(form, form.get("/Resources"), depth - 1))
    return found
