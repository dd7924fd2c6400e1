"""Pages of one document: processed in parallel, born-digital pages kept as they are (mixed PDFs page by
page), an old OCR layer replaced, the scanner's JPEG shown without re-encoding, PDF/A-2b output that
stays signable. Needs tesseract (vie), poppler, icc-profiles-free; veraPDF when installed
(scripts/setup.sh puts it in .local/verapdf)."""

from __future__ import annotations

import datetime as dt
import io
import random
import subprocess
from pathlib import Path

import pikepdf
import pytest
from PIL import Image
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from pipeline.output import ConversionMark, apply_conversion_mark
from pipeline.pdfa import pdfa_problems
from pipeline.process import PipelineOptions, process_document
from pipeline.samples import degrade, gaussian_noise, make_citizen, render_birth_certificate, save_pdf
from pipeline.textlayer import PageTextKind, text_kinds

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
VERAPDF = REPO / ".local" / "verapdf" / "greenfield-apps-1.28.2.jar"
DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
BORN_DIGITAL = "Ủy ban nhân dân xã Quỳnh Lưu xác nhận hồ sơ của ông Nguyễn Đình Vỹ đã đầy đủ."


def _scan(seed: int) -> Image.Image:
    """A quick scanned page (the top of a birth certificate, A6-sized) at 300 DPI."""
    page = render_birth_certificate(make_citizen(random.Random(seed))).crop((0, 0, 1240, 1100))
    return degrade(page.convert("L"), [gaussian_noise(3)], seed)


def _born_digital() -> pikepdf.Pdf:
    if "DejaVuSans" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("DejaVuSans", str(DEJAVU)))
    buffer = io.BytesIO()
    c = canvas.Canvas(buffer, pagesize=(420, 300))
    c.setFont("DejaVuSans", 9)
    c.drawString(20, 250, BORN_DIGITAL)
    c.drawString(20, 230, "Số: 123/UBND-VP")
    c.showPage()
    c.save()
    return pikepdf.open(io.BytesIO(buffer.getvalue()))


def _mixed(tmp_path: Path) -> Path:
    """scan, born-digital page, scan."""
    scans = tmp_path / "scans.pdf"
    save_pdf([_scan(1), _scan(2)], scans, quality=90)
    out = tmp_path / "mixed.pdf"
    with pikepdf.open(scans) as pdf, _born_digital() as text:
        pdf.pages.insert(1, text.pages[0])
        pdf.save(out)
    return out


def pdftotext(pdf: bytes, tmp_path: Path, page: int | None = None) -> str:
    path = tmp_path / "check.pdf"
    path.write_bytes(pdf)
    pages = ["-f", str(page), "-l", str(page)] if page else []
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", *pages, str(path), "-"], capture_output=True, check=True
    ).stdout.decode()


def test_mixed_pdf_page_by_page_in_parallel(tmp_path: Path) -> None:
    path = _mixed(tmp_path)
    assert text_kinds(path) == [PageTextKind.NONE, PageTextKind.TEXT, PageTextKind.NONE]
    parallel = process_document(path, "application/pdf", PipelineOptions(page_workers=2))
    assert parallel.text_layer_pages == (2,)
    assert parallel.page_count == 3 and len(parallel.cleaning) == 2  # only the scans were cleaned
    pages = parallel.text.split("\f")
    assert BORN_DIGITAL in " ".join(pages[1].split())
    assert "Quyển số" in pages[0] and "Quyển số" in pages[2]
    # The born-digital page reaches the output unchanged: its own text, no scan under it.
    assert BORN_DIGITAL in " ".join(pdftotext(parallel.searchable_pdf, tmp_path, page=2).split())
    with pikepdf.open(io.BytesIO(parallel.searchable_pdf)) as out:
        assert "/Scan" not in str(out.pages[1].obj.Resources.get("/XObject", {}))
        assert len(out.pages) == 3
    # Same result as one page after another.
    sequential = process_document(path, "application/pdf", PipelineOptions(page_workers=1))
    assert sequential.text == parallel.text


def test_force_ocr_reads_a_born_digital_page_too(tmp_path: Path) -> None:
    with _born_digital() as pdf:
        path = tmp_path / "digital.pdf"
        pdf.save(path)
    kept = process_document(path, "application/pdf")
    assert kept.text_layer_pages == (1,) and kept.cleaning == []
    forced = process_document(path, "application/pdf", PipelineOptions(force_ocr=True))
    assert forced.text_layer_pages == () and len(forced.cleaning) == 1
    assert "Quỳnh" in forced.text or "Nguyễn" in forced.text  # read by OCR from the rendered page


def test_an_old_ocr_layer_is_replaced(tmp_path: Path) -> None:
    first = tmp_path / "scan.pdf"
    save_pdf([_scan(3)], first)
    once = process_document(first, "application/pdf")
    again_path = tmp_path / "ocred.pdf"
    again_path.write_bytes(once.searchable_pdf)
    assert text_kinds(again_path) == [PageTextKind.OCR_LAYER]
    again = process_document(again_path, "application/pdf")
    assert again.text_layer_pages == ()  # invisible text is not a real text layer: OCRed again
    assert "Quyển số" in again.text and again.cleaning  # read again from the page image
    with pikepdf.open(io.BytesIO(again.searchable_pdf)) as out:
        assert len(out.pages) == 1
    # One text layer only, the new one: the old one went with the old page.
    assert pdftotext(again.searchable_pdf, tmp_path).split() == again.text.split()


def test_scanner_jpeg_is_shown_without_re_encoding(tmp_path: Path) -> None:
    path = tmp_path / "scan.pdf"
    save_pdf([_scan(4)], path, quality=90)
    with pikepdf.open(path) as pdf:
        original = next(iter(pdf.pages[0].images.values())).read_raw_bytes()
    result = process_document(path, "application/pdf")
    assert result.cleaning[0].orientation == 0 and not result.cleaning[0].deskewed
    with pikepdf.open(io.BytesIO(result.searchable_pdf)) as out:
        shown = [im.read_raw_bytes() for im in out.pages[0].images.values()]
    assert shown == [original]


@pytest.fixture(scope="module")
def pdfa_output(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    path = tmp_path_factory.mktemp("pdfa") / "scan.pdf"
    save_pdf([_scan(5)], path)
    return process_document(path, "application/pdf").searchable_pdf


def _mark(pdf: bytes) -> bytes:
    mark = ConversionMark(
        converted_at=dt.datetime(2026, 5, 4, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=7))),
        agency="Trung tâm Phục vụ hành chính công",
        officer="Cán bộ một cửa",
        dossier_code="000.00.00.H01-260504-0001",
        procedure_code="1.001193",
        verification_ref="abc123",
        document_name="Giấy khai sinh",
    )
    return apply_conversion_mark(pdf, mark)


def test_pdfa_structure(pdfa_output: bytes) -> None:
    assert pdfa_problems(pdfa_output) == []
    assert pdfa_problems(_mark(pdfa_output)) == []
    # The check can fail: a plain searchable PDF (PDF/A off) is not PDF/A.
    assert pdfa_problems(_strip_pdfa(pdfa_output))


def _strip_pdfa(pdf: bytes) -> bytes:
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        del doc.Root.OutputIntents
        out = io.BytesIO()
        doc.save(out)
    return out.getvalue()


def _verapdf(pdfs: dict[str, bytes], tmp_path: Path) -> dict[str, str]:
    """veraPDF's verdict (PASS/FAIL) per file, one JVM for all."""
    paths = {}
    for name, pdf in pdfs.items():
        paths[name] = tmp_path / f"{name}.pdf"
        paths[name].write_bytes(pdf)
    proc = subprocess.run(
        ["java", "-cp", str(VERAPDF), "org.verapdf.apps.GreenfieldCliWrapper", "-f", "2b", "--format", "text",
         *map(str, paths.values())],
        capture_output=True, check=False,
    )  # fmt: skip
    lines = [line.split() for line in proc.stdout.decode().splitlines() if line.strip()]
    verdicts = {words[1]: words[0] for words in lines if len(words) >= 2}
    return {name: verdicts.get(str(path), "missing") for name, path in paths.items()}


@pytest.fixture(scope="module")
def signed_pdfa(pdfa_output: bytes, tmp_path_factory: pytest.TempPathFactory) -> bytes:
    from signing.signer import DocumentSigner
    from signing.verify import verify_pdf
    from tests.unit.test_pades import _start, options

    running = _start(tmp_path_factory.mktemp("pki"))
    try:
        signed = DocumentSigner(options(running.pki, "B-T")).sign(_mark(pdfa_output))
        report = verify_pdf(signed, running.pki.trust_roots)
    finally:
        running.server.stop()
    assert report.valid, report
    return signed


def test_pdfa_output_stays_signable(signed_pdfa: bytes) -> None:
    assert pdfa_problems(signed_pdfa) == []  # the signature is an incremental update: PDF/A kept


def test_verapdf_passes_the_output_marked_and_signed(
    pdfa_output: bytes, signed_pdfa: bytes, tmp_path: Path
) -> None:
    verdicts = _verapdf(
        {
            "output": pdfa_output,
            "marked": _mark(pdfa_output),
            "signed": signed_pdfa,
            "stripped": _strip_pdfa(pdfa_output),  # the validator can say no
        },
        tmp_path,
    )
    assert verdicts == {"output": "PASS", "marked": "PASS", "signed": "PASS", "stripped": "FAIL"}


def test_searchable_pdf_only(tmp_path: Path) -> None:
    with _born_digital() as pdf:
        path = tmp_path / "digital.pdf"
        pdf.save(path)
    result = process_document(path, "application/pdf", PipelineOptions(classify=False))
    assert result.type_evidence == ("not classified",) and result.fields == {}
    assert BORN_DIGITAL in " ".join(result.text.split()) and result.searchable_pdf.startswith(b"%PDF-")
