"""Pages per minute, input file → searchable PDF: this pipeline vs raw Tesseract vs OCRmyPDF.

    python -m bench.ocr_throughput [--pages N] [--workers 2] [--no-ocrmypdf]

The same generated A4 scans (degradations cycled from ``bench.ocr_common.DEGRADATIONS``), in the same
run, ``--workers`` at a time (one per core, ``OMP_THREAD_LIMIT=1`` everywhere):
- pipeline: ``process_document`` on each one-page PDF (rasterise, clean, gate, OCR, classify, extract,
  searchable PDF written to disk), in a warmed-up process pool;
- raw Tesseract: ``tesseract page.png out -l vie --psm 3 pdf txt`` on the page image already extracted
  (no rasterising, no cleaning: its best case), and with ``txt`` only (no searchable PDF: its PDF
  renderer embeds the image losslessly, which is slow);
- OCRmyPDF: ``ocrmypdf -l vie --jobs 1`` on each one-page PDF, ``--workers`` files at a time; and
  ``ocrmypdf -l vie --jobs N`` on one PDF holding all the pages (its own parallelism).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

from bench.ocr_common import DEGRADATIONS, make_page, ocrmypdf_bin, table, tess_env
from pipeline.intake import MEDIA_PDF
from pipeline.process import process_document
from pipeline.samples import save_pdf


def _pipeline(pdf: Path) -> None:
    result = process_document(pdf, MEDIA_PDF)
    pdf.with_suffix(".sohoa.pdf").write_bytes(result.searchable_pdf)


def _noop(_: int) -> None:
    import pipeline.process  # noqa: F401


def _tesseract(png: Path, configs: tuple[str, ...] = ("pdf", "txt")) -> None:
    subprocess.run(
        ["tesseract", str(png), str(png.with_suffix(".tess")), "-l", "vie", "--psm", "3", *configs],
        env=tess_env(),
        check=True,
        capture_output=True,
    )


def _ocrmypdf(pdf: Path, jobs: int = 1) -> None:
    subprocess.run(
        [str(ocrmypdf_bin()), "-l", "vie", "--jobs", str(jobs), "--output-type", "pdf", str(pdf),
         str(pdf.with_suffix(".ocrmypdf.pdf"))],
        env=tess_env(),
        check=True,
        capture_output=True,
    )  # fmt: skip


def timed(run: Callable[[], object]) -> float:
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ocr_throughput")
    parser.add_argument("--pages", type=int, default=8, help="pages (default 8)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--no-ocrmypdf", action="store_true")
    args = parser.parse_args(argv)
    if not args.no_ocrmypdf:
        ocrmypdf_bin()
    names = list(DEGRADATIONS)
    with tempfile.TemporaryDirectory(prefix="bench-ocrt-") as tmp:
        root = Path(tmp)
        pdfs: list[Path] = []
        pngs: list[Path] = []
        images = []
        for i in range(args.pages):
            image, dpi, _ = make_page(names[i % len(names)], 2000 + i)
            pdf = root / f"p{i:03d}.pdf"
            save_pdf([image], pdf, dpi=dpi, quality=92)
            subprocess.run(
                [
                    "pdftoppm",
                    "-r",
                    str(dpi),
                    "-gray",
                    "-png",
                    "-singlefile",
                    str(pdf),
                    str(root / f"p{i:03d}"),
                ],
                check=True,
            )
            pdfs.append(pdf)
            pngs.append(root / f"p{i:03d}.png")
            images.append((image, dpi))
        stack = root / "stack.pdf"
        save_pdf([im for im, _ in images], stack, dpi=300, quality=92)

        seconds: dict[str, float] = {}
        with ThreadPoolExecutor(args.workers) as threads:
            seconds["raw tesseract (pdf txt)"] = timed(lambda: list(threads.map(_tesseract, pngs)))
            seconds["raw tesseract (txt only)"] = timed(
                lambda: list(threads.map(lambda p: _tesseract(p, ("txt",)), pngs))
            )
        with ProcessPoolExecutor(args.workers) as pool:
            list(pool.map(_noop, range(args.workers)))  # warm: imports out of the timing
            seconds["sohoa pipeline"] = timed(lambda: list(pool.map(_pipeline, pdfs)))
        if not args.no_ocrmypdf:
            with ThreadPoolExecutor(args.workers) as threads:
                seconds["ocrmypdf, one file per worker"] = timed(lambda: list(threads.map(_ocrmypdf, pdfs)))
            seconds[f"ocrmypdf --jobs {args.workers}, one {args.pages}-page file"] = timed(
                lambda: _ocrmypdf(stack, args.workers)
            )

    ours = seconds["sohoa pipeline"]
    rows = [
        [name, f"{s:.1f}", f"{args.pages / s * 60:.1f}", f"{ours / s:.2f}×", f"{s / ours:.2f}×"]
        for name, s in seconds.items()
    ]
    print(f"OCR throughput: {args.pages} A4 pages, {args.workers} workers")
    print(table(["engine", "seconds", "pages/min", "pipeline time ÷ this", "this time ÷ pipeline"], rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
