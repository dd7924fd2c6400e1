"""Character error rate per degradation: this pipeline vs raw Tesseract vs ``ocrmypdf -l vie``.

    python -m bench.ocr_quality [--pages N] [--workers 2] [--no-ocrmypdf]

Each page (A4, 18 lines of Vietnamese administrative text in Noto Serif, ground truth known) is
degraded, wrapped in a PDF as a scanner does, and read by
- this pipeline: ``pipeline.process.process_document`` on the PDF, text copied out of its searchable PDF
  with ``pdftotext`` (as OCRmyPDF's);
- raw Tesseract: ``tesseract -l vie --psm 3`` on the PDF's page image (``pdftoppm`` at the page DPI);
- OCRmyPDF (pinned, in ``.local/bench-venv``, created on first use): ``ocrmypdf -l vie`` on the same
  PDF, text copied out with ``pdftotext``.
CER = edit distance / ground-truth length, whitespace collapsed, after NFC; and again with all
diacritics (and đ) removed from both sides. Tasks run ``--workers`` at a time (one per core).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from bench.ocr_common import (
    DEGRADATIONS,
    cer,
    make_page,
    pdftotext,
    raw_tesseract,
    run_ocrmypdf,
    table,
    tess_env,
)
from pipeline.errors import DocumentRejected
from pipeline.intake import MEDIA_PDF
from pipeline.process import process_document
from pipeline.samples import save_pdf

ENGINES = ("pipeline", "tesseract", "ocrmypdf")


def measure(name: str, seed: int, with_ocrmypdf: bool) -> dict[str, tuple[float, float, str]]:
    """engine -> (CER, CER without diacritics, note)."""
    image, dpi, truth = make_page(name, seed)
    out: dict[str, tuple[float, float, str]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-ocrq-") as tmp:
        pdf = Path(tmp) / "page.pdf"
        save_pdf([image], pdf, dpi=dpi, quality=92)
        try:
            # Copied out of the searchable PDF with pdftotext, as OCRmyPDF's text is.
            ours = Path(tmp) / "sohoa.pdf"
            ours.write_bytes(process_document(pdf, MEDIA_PDF).searchable_pdf)
            text = pdftotext(ours)
            note = ""
        except DocumentRejected as exc:
            text, note = "", f"rejected {exc.code}"
        out["pipeline"] = (cer(truth, text), cer(truth, text, diacritics=False), note)

        subprocess.run(
            ["pdftoppm", "-r", str(dpi), "-gray", "-png", "-singlefile", str(pdf), str(Path(tmp) / "page")],
            check=True,
            env=tess_env(),
        )
        text = raw_tesseract(Path(tmp) / "page.png", Path(tmp) / "tess")
        out["tesseract"] = (cer(truth, text), cer(truth, text, diacritics=False), "")

        if with_ocrmypdf:
            try:
                text, note = run_ocrmypdf(pdf, Path(tmp) / "ocrmypdf.pdf"), ""
            except subprocess.CalledProcessError as exc:
                text, note = "", f"ocrmypdf exit {exc.returncode}"
            out["ocrmypdf"] = (cer(truth, text), cer(truth, text, diacritics=False), note)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ocr_quality")
    parser.add_argument("--pages", type=int, default=2, help="pages per degradation (default 2)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--no-ocrmypdf", action="store_true")
    args = parser.parse_args(argv)
    with_ocrmypdf = not args.no_ocrmypdf
    if with_ocrmypdf:
        from bench.ocr_common import ocrmypdf_bin

        ocrmypdf_bin()  # create the venv once, before the workers start

    started = time.perf_counter()
    tasks = [(name, 1000 + i, with_ocrmypdf) for name in DEGRADATIONS for i in range(args.pages)]
    with ProcessPoolExecutor(args.workers) as pool:
        results = list(pool.map(measure, *zip(*tasks, strict=True)))

    engines = [e for e in ENGINES if with_ocrmypdf or e != "ocrmypdf"]
    rows: list[list[str]] = []
    for name in DEGRADATIONS:
        mine = [r for (n, _, _), r in zip(tasks, results, strict=True) if n == name]
        means = {
            e: (sum(r[e][0] for r in mine) / len(mine), sum(r[e][1] for r in mine) / len(mine))
            for e in engines
        }
        notes = sorted({r[e][2] for r in mine for e in engines if r[e][2]})
        row = [name]
        for e in engines:
            row.append(f"{means[e][0]:.2%} / {means[e][1]:.2%}")
        for e in engines[1:]:
            other = means[e][0]
            row.append(
                "∞"
                if means["pipeline"][0] == 0 and other > 0
                else f"{other / means['pipeline'][0]:.1f}×"
                if means["pipeline"][0]
                else "="
            )
        row.append("; ".join(notes))
        rows.append(row)
    headers = ["degradation", *[f"{e} CER (NFC / no diacritics)" for e in engines]]
    headers += [f"{e} ÷ pipeline" for e in engines[1:]] + ["notes"]
    print(f"OCR quality: {args.pages} A4 page(s) per degradation, {time.perf_counter() - started:.0f} s")
    print(table(headers, rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
