"""Orchestration used by the workers: one stored original → processed document.

    rasterise → clean + quality gate → OCR → classify → extract + validate → searchable PDF

Permanent problems raise :class:`~pipeline.errors.DocumentRejected` (with a page number where one
applies); problems a clerk should look at are returned in ``ProcessedDocument.problems``. The
conversion mark is applied by the caller (:func:`pipeline.output.apply_conversion_mark`), which knows
the dossier. Pages are processed one after another: workers run one process per core.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.classify import MIN_CONFIDENCE, classify
from pipeline.clean import CleaningRecord, CleanOptions, clean_page
from pipeline.errors import DocumentRejected
from pipeline.extract import ExtractedField, ReviewProblem, extract
from pipeline.intake import MEDIA_PDF, IntakeLimits, check_image, check_pdf
from pipeline.ocr import OcrOptions, OcrPage, correct_words, ocr_page
from pipeline.output import build_searchable_pdf
from pipeline.rasterise import RasteriseOptions, iter_pages
from schemas.documents import DocumentType

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PipelineOptions:
    dpi: int = 300  # PDF rendering resolution
    ocr_language: str = "vie"
    ocr_timeout_s: float = 180.0  # per page
    render_timeout_s: float = 120.0  # per PDF page
    limits: IntakeLimits = field(default_factory=IntakeLimits)
    clean: CleanOptions = field(default_factory=CleanOptions)
    tesseract_cmd: str = "tesseract"
    min_type_confidence: float = MIN_CONFIDENCE
    jpeg_quality: int = 80  # page images in the searchable PDF
    # Cleaned page images kept for re-reading number zones (the supported types' fields are on
    # their first page); later pages keep only their OCR result.
    keep_images_pages: int = 4

    def ocr_options(self) -> OcrOptions:
        return OcrOptions(
            language=self.ocr_language,
            timeout_s=self.ocr_timeout_s,
            tesseract_cmd=self.tesseract_cmd,
            jpeg_quality=self.jpeg_quality,
        )

    def rasterise_options(self) -> RasteriseOptions:
        return RasteriseOptions(dpi=self.dpi, timeout_s=self.render_timeout_s, limits=self.limits)


@dataclass(frozen=True)
class ProcessedDocument:
    document_type: DocumentType
    type_confidence: float
    type_evidence: tuple[str, ...]
    fields: dict[str, ExtractedField]
    problems: list[ReviewProblem]  # for a clerk's review; empty: nothing to check
    page_count: int
    text: str  # OCR text, pages separated by form feeds
    searchable_pdf: bytes = field(repr=False)
    mean_confidence: float  # mean word confidence over all pages, 0-100
    cleaning: list[CleaningRecord]
    # Page words whose better reading (a re-read number, a voted or repaired name) was written back
    # into the text layer and ``text``.
    corrected_words: int
    seconds: dict[str, float]  # wall time per stage (measurement only)

    @property
    def needs_review(self) -> bool:
        return bool(self.problems)


def process_document(
    path: Path, media_type: str, options: PipelineOptions | None = None
) -> ProcessedDocument:
    """Process one checked original (``media_type`` as found by intake)."""
    options = options or PipelineOptions()
    seconds: dict[str, float] = {"rasterise": 0.0, "clean": 0.0, "ocr": 0.0, "classify": 0.0, "extract": 0.0}

    # Limits again, cheaply (no hashing): this stage may run on an original stored long ago.
    if media_type == MEDIA_PDF:
        check_pdf(path, options.limits)
    else:
        check_image(path, options.limits)

    ocr_options = options.ocr_options()
    ocr_pages: list[OcrPage] = []
    records: list[CleaningRecord] = []
    pages = iter_pages(path, media_type, options.rasterise_options())
    while True:
        started = time.perf_counter()
        page = next(pages, None)
        seconds["rasterise"] += time.perf_counter() - started
        if page is None:
            break
        started = time.perf_counter()
        cleaned = clean_page(page, options.clean)
        seconds["clean"] += time.perf_counter() - started
        records.append(cleaned.record)
        page.image.close()  # the original page is no longer needed

        started = time.perf_counter()
        result = ocr_page(
            cleaned.image,
            page_number=page.page_number,
            dpi=cleaned.dpi,
            options=ocr_options,
            visible=cleaned.visible,
        )
        seconds["ocr"] += time.perf_counter() - started
        if not result.words:
            raise DocumentRejected("ocr_failed", page=page.page_number)
        if page.page_number > options.keep_images_pages:
            result.image = None  # bounded memory: zone re-reads only on the first pages
        ocr_pages.append(result)
        log.info(
            "page %s: skew %.2f°, %s characters, OCR confidence %.1f",
            page.page_number,
            cleaned.record.skew_deg,
            cleaned.record.characters,
            result.mean_confidence,
        )

    text = "\f".join(p.text for p in ocr_pages)
    started = time.perf_counter()
    classification = classify(text)
    seconds["classify"] = time.perf_counter() - started

    problems: list[ReviewProblem] = []
    fields: dict[str, ExtractedField] = {}
    corrected_words = 0
    document_type = classification.document_type
    evidence = classification.evidence
    if document_type is DocumentType.UNKNOWN or classification.confidence < options.min_type_confidence:
        # A weak guess is not a type: a clerk chooses it (the guess stays in the evidence).
        if document_type is not DocumentType.UNKNOWN:
            evidence = (*evidence, f"guess:{document_type.value}")
        document_type = DocumentType.UNKNOWN
        problems.append(ReviewProblem("unknown_document_type", "document_type"))
    else:
        started = time.perf_counter()
        extraction = extract(document_type, ocr_pages, ocr_options=ocr_options)
        seconds["extract"] = time.perf_counter() - started
        fields = extraction.fields
        problems.extend(extraction.problems)
        for result in ocr_pages:
            corrected_words += correct_words(result, extraction.corrections.get(result.page_number, {}))
        if corrected_words:
            text = "\f".join(p.text for p in ocr_pages)

    words = [w for p in ocr_pages for w in p.words]
    mean = sum(w.conf for w in words) / len(words) if words else 0.0
    searchable = build_searchable_pdf(ocr_pages)
    for p in ocr_pages:
        p.image = None  # release the page images

    return ProcessedDocument(
        document_type=document_type,
        type_confidence=classification.confidence,
        type_evidence=evidence,
        fields=fields,
        problems=problems,
        page_count=len(ocr_pages),
        text=text,
        searchable_pdf=searchable,
        mean_confidence=mean,
        cleaning=records,
        corrected_words=corrected_words,
        seconds={k: round(v, 3) for k, v in seconds.items()},
    )
