"""Typed pipeline errors, after OCRmyPDF's ``exceptions.py``: each carries a reason code whose
Vietnamese and English messages tell a clerk what to do. Messages never contain personal data."""

from __future__ import annotations

from schemas.reasons import reason


class PipelineError(Exception):
    """Base class for all pipeline errors."""

    permanent = True

    def __init__(self, code: str, *, page: int | None = None, detail: str | None = None) -> None:
        self.code = code
        self.page = page
        self.detail = detail
        self.message_vi, self.message_en = reason(code).format(page=page, detail=detail)
        super().__init__(f"[{code}] {self.message_en}")


class DocumentRejected(PipelineError):
    """A permanent problem with the input: the document ends *rejected*; never retried."""


class TransientPipelineError(PipelineError):
    """A problem outside the document (a tool or service briefly unavailable): retry with backoff."""

    permanent = False
