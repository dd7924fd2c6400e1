"""Synthetic corpus of every document type: clean renderings with their expected extraction, and
degraded copies at three levels, for tests and for ``bench/extraction``.

Each type has a module ``pipeline/corpus/<type>.py`` with ``render(rng, dpi=...) -> CorpusDocument``
(random but valid content, the real printed labels and layout). Modules are listed in
:data:`CORPUS_MODULES`; :data:`RENDERERS` maps the type name to its ``render``. Everything is
driven by seeds: the same (seed, type, index, level) gives the same pages.
"""

from __future__ import annotations

import importlib
import random
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache

from PIL import Image

from pipeline.samples import (
    Degradation,
    degrade,
    gaussian_blur,
    gaussian_noise,
    jpeg_artefacts,
    paper_tint,
    rotate,
    scan_look,
    vignette,
)
from schemas.doctypes import TYPE_MODULES

# Every registered document type has a renderer of the same module name (a type without one makes
# RENDERERS fail on first use).
CORPUS_MODULES: tuple[str, ...] = TYPE_MODULES

LEVELS: tuple[str, ...] = ("clean", "light", "heavy")


@dataclass(frozen=True)
class CorpusDocument:
    """One rendered document and what extraction must return for it.

    ``fields``: the exact expected extraction output per field (NFC, ISO dates YYYY-MM-DD, names in
    their printed normalised form); a field absent here is not scored (e.g. an expiry date on a
    card without one). ``pages``: clean renderings at ``dpi`` (a card's front then its back).
    """

    document_type: str
    fields: dict[str, str]
    pages: list[Image.Image]
    dpi: int


Renderer = Callable[[random.Random, int], CorpusDocument]


@lru_cache(maxsize=1)
def _renderers() -> dict[str, Renderer]:
    out: dict[str, Renderer] = {}
    for name in CORPUS_MODULES:
        module = importlib.import_module(f"{__name__}.{name}")
        out[name] = module.render
    return out


class _Renderers(Mapping[str, Renderer]):
    """Type name → renderer, imported on first use (a renderer module may import heavy things)."""

    def __getitem__(self, key: str) -> Renderer:
        return _renderers()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(_renderers())

    def __len__(self) -> int:
        return len(_renderers())


RENDERERS: Mapping[str, Renderer] = _Renderers()

# Default rendering resolution per type when the module does not say (cards are scanned at 600 DPI:
# their 5-7 pt type is too small for OCR at 300).
DEFAULT_DPI = 300


def default_dpi(document_type: str) -> int:
    module = importlib.import_module(f"{__name__}.{document_type}")
    return int(getattr(module, "DPI", DEFAULT_DPI))


def heavy_look(rng: random.Random) -> list[Degradation]:
    """A poor scan or photocopy: stronger skew, blur, shadow, noise and JPEG than :func:`scan_look`."""
    return [
        paper_tint((246, 240, 226)),
        rotate(3.5),
        gaussian_blur(rng.uniform(0.9, 1.4)),
        vignette(rng.uniform(0.15, 0.3)),
        gaussian_noise(rng.uniform(7.0, 11.0)),
        jpeg_artefacts(rng.randint(45, 65)),
    ]


def degrade_pages(pages: Iterable[Image.Image], level: str, seed: int) -> list[Image.Image]:
    """The pages at degradation ``level`` ("clean", "light", "heavy"), deterministic in ``seed``."""
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r}")
    out = []
    for number, page in enumerate(pages):
        if level == "clean":
            out.append(page)
            continue
        page_seed = seed * 31 + number
        rng = random.Random(page_seed)
        steps = scan_look(rng) if level == "light" else heavy_look(rng)
        out.append(degrade(page.convert("RGB"), steps, page_seed + 1))
    return out


@dataclass(frozen=True)
class CorpusSample:
    """A corpus document at one degradation level."""

    document: CorpusDocument
    level: str
    index: int
    seed: int
    pages: list[Image.Image]  # degraded pages (the clean ones for "clean")


def document_seed(seed: int, document_type: str, index: int) -> str:
    return f"{seed}:{document_type}:{index}"


def corpus_sample(
    seed: int, document_type: str, index: int, level: str, dpi: int | None = None
) -> CorpusSample:
    """Document ``index`` of ``document_type`` in the corpus of ``seed``, at ``level``."""
    rng = random.Random(document_seed(seed, document_type, index))
    document = RENDERERS[document_type](rng, dpi or default_dpi(document_type))
    level_seed = random.Random(f"{document_seed(seed, document_type, index)}:{level}").getrandbits(31)
    return CorpusSample(document, level, index, seed, degrade_pages(document.pages, level, level_seed))


def generate_corpus(
    seed: int, per_type: int, levels: Iterable[str] = LEVELS, types: Iterable[str] | None = None
) -> Iterator[CorpusSample]:
    """``per_type`` documents of each type (all registered types by default) at each level."""
    chosen = list(types) if types is not None else list(RENDERERS)
    for document_type in chosen:
        for index in range(per_type):
            for level in levels:
                yield corpus_sample(seed, document_type, index, level)
