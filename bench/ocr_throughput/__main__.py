"""Pages per minute, input file → searchable PDF: this pipeline vs raw Tesseract vs OCRmyPDF.

    python -m bench.ocr_throughput [--pages N] [--workers 2] [--no-ocrmypdf]

The same generated A4 scans (degradations cycled from ``bench.ocr_common.DEGRADATIONS``, each page at
300 DPI as a scanner writes a stack), in the same run, ``--workers`` at a time (one per core,
``OMP_THREAD_LIMIT=1`` everywhere):
- pipeline: ``process_document`` on the one N-page PDF (it runs ``--workers`` pages at once: rasterise,
  clean, gate, OCR; then classify, extract, PDF/A searchable PDF written to disk); and again with
  ``classify=False`` (the searchable PDF only, the work OCRmyPDF does);
- raw Tesseract: ``tesseract page.png out -l vie --psm 3 pdf txt`` on the page images already
  extracted (no rasterising, no cleaning: its best case), ``--workers`` pages at a time; and with
  ``txt`` only (no searchable PDF);
- OCRmyPDF: ``ocrmypdf -l vie --jobs N`` on the same N-page PDF (its own parallelism, same job count).
Afterwards (not timed) every searchable PDF's text is copied out with ``pdftotext`` and compared with
the ground truth (CER after NFC), so that no engine is fast by writing less.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench.ocr_common import (
    CARD_ROWS,
    DEGRADATIONS,
    cer,
    make_page,
    ocrmypdf_bin,
    pdftotext,
    table,
    tess_env,
)
from pipeline.intake import MEDIA_PDF
from pipeline.process import PipelineOptions, process_document
from pipeline.samples import save_pdf


def _tesseract(png: Path, configs: tuple[str, ...] = ("pdf", "txt")) -> None:
    subprocess.run(
        ["tesseract", str(png), str(png.with_suffix("")), "-l", "vie", "--psm", "3", *configs],
        env=tess_env(),
        check=True,
        capture_output=True,
    )


CPU: dict[float, float] = {}  # wall seconds -> CPU seconds of the same timed run


def _cpu() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def timed(run: Callable[[], object]) -> float:
    """Wall seconds of ``run``; its CPU seconds (this process and its finished children: Tesseract,
    OCRmyPDF) are kept in ``CPU``. On a loaded machine wall time measures the share each gets; CPU
    time measures the work."""
    cpu = _cpu()
    started = time.perf_counter()
    run()
    wall = time.perf_counter() - started
    CPU[wall] = _cpu() - cpu
    return wall


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ocr_throughput")
    parser.add_argument("--pages", type=int, default=8, help="pages (default 8)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--no-ocrmypdf", action="store_true")
    args = parser.parse_args(argv)
    if not args.no_ocrmypdf:
        ocrmypdf_bin()
    # Pages a scanner writes at 300 DPI (the low-DPI degradation is a separate bench.ocr_quality row).
    names = [n for n in DEGRADATIONS if DEGRADATIONS[n][0] == 300 and n not in CARD_ROWS]
    with tempfile.TemporaryDirectory(prefix="bench-ocrt-") as tmp:
        root = Path(tmp)
        images, truths = [], []
        for i in range(args.pages):
            image, _, truth = make_page(names[i % len(names)], 2000 + i)
            images.append(image)
            truths.append(truth)
        stack = root / "stack.pdf"
        save_pdf(images, stack, dpi=300, quality=92)
        subprocess.run(["pdftoppm", "-r", "300", "-gray", "-png", str(stack), str(root / "p")], check=True)
        pngs = sorted(root.glob("p-*.png"))
        assert len(pngs) == args.pages

        seconds: dict[str, float] = {}
        outputs: dict[str, list[Path]] = {}
        with ThreadPoolExecutor(args.workers) as threads:
            seconds["raw tesseract (pdf txt)"] = timed(lambda: list(threads.map(_tesseract, pngs)))
            outputs["raw tesseract (pdf txt)"] = [p.with_suffix(".pdf") for p in pngs]
            seconds["raw tesseract (txt only)"] = timed(
                lambda: list(threads.map(lambda p: _tesseract(p, ("txt",)), pngs))
            )

        ours = root / "stack.sohoa.pdf"
        stages: dict[str, float] = {}

        def pipeline() -> None:
            result = process_document(stack, MEDIA_PDF, PipelineOptions(page_workers=args.workers))
            ours.write_bytes(result.searchable_pdf)
            stages.update(result.seconds)

        seconds["sohoa pipeline"] = timed(pipeline)
        outputs["sohoa pipeline"] = [ours]
        only_pdf = root / "stack.sohoa-pdf-only.pdf"

        def searchable_only() -> None:
            options = PipelineOptions(page_workers=args.workers, classify=False)
            only_pdf.write_bytes(process_document(stack, MEDIA_PDF, options).searchable_pdf)

        seconds["sohoa pipeline, searchable PDF only"] = timed(searchable_only)
        outputs["sohoa pipeline, searchable PDF only"] = [only_pdf]
        if not args.no_ocrmypdf:
            theirs = root / "stack.ocrmypdf.pdf"
            name = f"ocrmypdf --jobs {args.workers}"
            seconds[name] = timed(
                lambda: subprocess.run(
                    [str(ocrmypdf_bin()), "-l", "vie", "--jobs", str(args.workers), "--output-type", "pdf",
                     str(stack), str(theirs)],
                    env=tess_env(), check=True, capture_output=True,
                )
            )  # fmt: skip
            outputs[name] = [theirs]

        truth = "\n".join(truths)
        quality = {
            name: f"{cer(truth, ''.join(pdftotext(p) for p in paths)):.2%}" for name, paths in outputs.items()
        }
        sizes = {name: sum(p.stat().st_size for p in paths) for name, paths in outputs.items()}

    ours_s = seconds["sohoa pipeline"]
    ours_cpu = CPU[ours_s]
    rows = [
        [
            name,
            f"{s:.1f}",
            f"{CPU[s]:.1f}",
            f"{CPU[s] / ours_cpu:.2f}×",
            f"{args.pages / s * 60:.1f}",
            f"{ours_s / s:.2f}×",
            f"{s / ours_s:.2f}×",
            quality.get(name, "(no PDF)"),
            f"{sizes[name] / 1e6:.1f}" if name in sizes else "",
        ]
        for name, s in seconds.items()
    ]
    load = os.getloadavg()
    print(f"OCR throughput: {args.pages} A4 pages at 300 DPI, {args.workers} workers, cores {os.cpu_count()}")
    print(
        table(
            ["engine", "seconds", "CPU s", "CPU ÷ pipeline CPU", "pages/min", "pipeline time ÷ this",
             "this time ÷ pipeline", "CER of pdftotext", "PDF MB"],
            rows,
        )
    )  # fmt: skip
    print("pipeline stages, seconds summed over pages (threads overlap): "
          + ", ".join(f"{k} {v:.1f}" for k, v in stages.items()))  # fmt: skip
    print(f"load average after the run: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
