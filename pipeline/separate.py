"""Blank separator pages: one scanned stack → several documents.

A clerk may scan many papers in one go with a blank sheet between them. :func:`find_separators`
looks at every page at a low resolution (150 DPI: a blank page is blank at any resolution, and a
page costs ~0.1 s) and calls it blank with the quality gate's own measures
(:func:`pipeline.clean.find_characters`, :func:`pipeline.clean.ink_fraction`, the thresholds of
:class:`pipeline.clean.CleanOptions`): fewer character-like components than ``min_characters`` and no
more ink than ``min_ink_fraction``. :func:`split_stack` writes the runs of non-blank pages as part
files: PDF pages are copied as they are (pikepdf; nothing re-encoded), TIFF frames losslessly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pikepdf
from PIL import Image

from pipeline.clean import CleanOptions, find_characters, ink_fraction, to_gray
from pipeline.intake import MEDIA_PDF, MEDIA_TIFF, open_image
from pipeline.rasterise import RasteriseOptions, page_count, render_page


@dataclass(frozen=True)
class SeparateOptions:
    dpi: int = 150  # resolution the pages are looked at
    clean: CleanOptions = field(default_factory=CleanOptions)


@dataclass(frozen=True)
class StackPart:
    path: Path
    first_page: int  # 1-based, in the stack
    last_page: int

    @property
    def pages(self) -> range:
        return range(self.first_page, self.last_page + 1)


def is_blank(image: Image.Image, dpi: int, options: CleanOptions | None = None) -> bool:
    """No characters and no other ink (a drawing or a photo is not blank)."""
    options = options or CleanOptions()
    gray = to_gray(image)
    if dpi > 150:  # a blank page is blank at any resolution; 150 DPI is cheap
        scale = 150 / dpi
        gray = np.asarray(
            Image.fromarray(gray).resize(
                (max(1, round(gray.shape[1] * scale)), max(1, round(gray.shape[0] * scale))),
                Image.Resampling.BOX,
            )
        )
        dpi = 150
    paper = int(np.percentile(gray, 90))
    if paper < options.min_paper_level:
        return False  # a dark page is not a separator (the gate rejects it as too dark)
    if find_characters(gray, dpi).count >= options.min_characters:
        return False
    return ink_fraction(gray, paper) <= options.min_ink_fraction


def find_separators(path: Path, media_type: str, options: SeparateOptions | None = None) -> list[int]:
    """1-based numbers of the blank pages of a checked stack file."""
    options = options or SeparateOptions()
    raster = RasteriseOptions(dpi=options.dpi)
    blank: list[int] = []
    for number in range(1, page_count(path, media_type) + 1):
        page = render_page(path, media_type, number, raster)
        if is_blank(page.image, page.dpi, options.clean):
            blank.append(number)
        page.image.close()
    return blank


def page_runs(count: int, separators: list[int]) -> list[tuple[int, int]]:
    """(first, last) page of each run of non-separator pages, in order."""
    runs: list[tuple[int, int]] = []
    start: int | None = None
    skip = set(separators)
    for number in range(1, count + 1):
        if number in skip:
            if start is not None:
                runs.append((start, number - 1))
                start = None
        elif start is None:
            start = number
    if start is not None:
        runs.append((start, count))
    return runs


def split_stack(
    path: Path, media_type: str, out_dir: Path, options: SeparateOptions | None = None
) -> tuple[list[int], list[StackPart]]:
    """(separator pages, parts) of a stack; the parts are written into ``out_dir``.

    No separator: one part, the stack itself (nothing written). Only blank pages: no part.
    """
    separators = find_separators(path, media_type, options)
    count = page_count(path, media_type)
    runs = page_runs(count, separators)
    if not separators:
        return [], [StackPart(path, 1, count)]
    out_dir.mkdir(parents=True, exist_ok=True)
    parts: list[StackPart] = []
    for index, (first, last) in enumerate(runs, start=1):
        if media_type == MEDIA_PDF:
            target = out_dir / f"part-{index:03d}.pdf"
            with pikepdf.open(path) as source, pikepdf.new() as out:
                for number in range(first, last + 1):
                    out.pages.append(source.pages[number - 1])
                out.save(target)
        else:
            target = out_dir / f"part-{index:03d}.tif"
            _write_frames(path, media_type, first, last, target)
        parts.append(StackPart(target, first, last))
    return separators, parts


def _write_frames(path: Path, media_type: str, first: int, last: int, target: Path) -> None:
    frames: list[Image.Image] = []
    dpi: tuple[float, float] | None = None
    with open_image(path) as image:
        for number in range(first, last + 1):
            if media_type == MEDIA_TIFF:
                image.seek(number - 1)
            frame = image.copy()
            dpi = dpi or image.info.get("dpi")
            frames.append(frame)
    extra = {"dpi": dpi} if dpi else {}
    frames[0].save(
        target, "TIFF", save_all=True, append_images=frames[1:], compression="tiff_deflate", **extra
    )
