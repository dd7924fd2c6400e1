"""OCR-like pages for the paper types' unit tests: word boxes laid out by hand (no image, no
Tesseract), so that two-column forms and lines without labels can be tested as pure logic."""

from __future__ import annotations

import datetime as dt

from pipeline.extract import Extraction, extract
from pipeline.ocr import OcrPage, Word
from schemas.documents import DocumentType

CHAR_W, SPACE, HEIGHT, LINE_STEP = 20, 20, 40, 60
TODAY = dt.date(2025, 12, 31)


def page(rows: list[list[tuple[int, str]]], width: int = 2400, page_number: int = 1) -> OcrPage:
    """A page of rows; each row holds (left x, text) pieces whose words are spaced like print."""
    words = []
    for line_id, pieces in enumerate(rows):
        for x, text in pieces:
            for token in text.split():
                words.append(Word(token, 95.0, x, line_id * LINE_STEP, CHAR_W * len(token), HEIGHT, line_id))
                x += CHAR_W * len(token) + SPACE
    # Two invisible corner marks pin the page extent (its middle is the columns' border).
    words += [Word(".", 95.0, 0, 9000, 1, 1, 9999), Word(".", 95.0, width - 1, 9000, 1, 1, 9999)]
    text = "\n".join(" ".join(t for _, t in pieces) for pieces in rows)
    return OcrPage(page_number=page_number, text=text, words=words, mean_confidence=95.0, pdf=b"")


def text_page(text: str, page_number: int = 1) -> OcrPage:
    """One line of text per row, from the left margin; "  ||  " puts the rest in the right column."""
    rows: list[list[tuple[int, str]]] = []
    for line in text.splitlines():
        left, _, right = line.partition("  ||  ")
        row = [(100, left)] if left.strip() else []
        if right.strip():
            row.append((1300, right))
        rows.append(row)
    return page(rows, page_number=page_number)


def run(document_type: DocumentType, *pages: OcrPage, today: dt.date = TODAY) -> Extraction:
    return extract(document_type, list(pages), zone_reader=lambda page, box, request: [], today=today)


def values(extraction: Extraction) -> dict[str, str | None]:
    return {name: f.value for name, f in extraction.fields.items()}


def problems(extraction: Extraction) -> set[tuple[str, str]]:
    return {(p.code, p.detail) for p in extraction.problems}
