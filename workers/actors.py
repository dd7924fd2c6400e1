"""Dramatiq actors, declared against an explicit broker (never the implicit global one).

Two stages on two queues, so that each scales on its own:

* ``ocr`` (CPU): rasterise, clean, OCR, classify, extract, searchable PDF + conversion mark — one process
  per core, one thread, a prefetch of one;
* ``io`` (I/O): PAdES signature, encrypted signed copy, index — a few threads.

Messages carry document ids only. Permanent problems are recorded on the document and never raised; a stage
raises only :class:`~workers.errors.StageRetry`, which Dramatiq retries with exponential backoff (and only
that: any other exception is a bug and is dead-lettered; the reconciler still sees the document).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

import dramatiq
from dramatiq.middleware import CurrentMessage

from workers import service
from workers.errors import StageRetry
from workers.service import WorkerContext

QUEUE_OCR = "ocr"
QUEUE_IO = "io"
QUEUES = (QUEUE_OCR, QUEUE_IO)
MAX_RETRIES = 30  # transient problems only; with backoff 1 s … 5 min this covers hours of outage
MIN_BACKOFF_MS = 1_000
MAX_BACKOFF_MS = 300_000
OCR_TIME_LIMIT_MS = 60 * 60 * 1000  # a safety net: tesseract's own per-page timeout bounds OCR
IO_TIME_LIMIT_MS = 10 * 60 * 1000


def retry_when(retries: int, exc: BaseException) -> bool:
    """Retry transient problems only (a stage turns every other failure into a state of the document)."""
    return isinstance(exc, StageRetry) and retries < MAX_RETRIES


@dataclass(frozen=True)
class Actors:
    ocr_document: dramatiq.Actor[[str], None]
    store_document: dramatiq.Actor[[str], None]

    def enqueue(self, document_id: uuid.UUID) -> None:
        """Queue a document's OCR stage (raises when the broker is unavailable)."""
        self.ocr_document.send(str(document_id))

    def enqueue_io(self, document_id: uuid.UUID) -> None:
        """Queue a document's signing/storage stage (raises when the broker is unavailable)."""
        self.store_document.send(str(document_id))


def _holder() -> str:
    message = CurrentMessage.get_current_message()
    return message.message_id if message is not None else f"local-{uuid.uuid4().hex}"


def _context(context: Callable[[], WorkerContext]) -> WorkerContext:
    """The process's context; building it may meet a service that is down (retry later)."""
    try:
        return context()
    except Exception as exc:
        raise StageRetry("startup") from exc


def register_actors(
    broker: dramatiq.Broker,
    context: Callable[[], WorkerContext],
    *,
    max_backoff_ms: int = MAX_BACKOFF_MS,
) -> Actors:
    """Declare the actors on ``broker``; ``context`` returns the process's WorkerContext (built once).
    Retries wait 1 s, 2 s, 4 s … (with jitter) up to ``max_backoff_ms``."""

    def ocr_document(document_id: str) -> None:
        service.run_ocr_stage(_context(context), uuid.UUID(document_id), _holder())

    def store_document(document_id: str) -> None:
        service.run_io_stage(_context(context), uuid.UUID(document_id))

    common = {
        "broker": broker,
        "retry_when": retry_when,
        "min_backoff": MIN_BACKOFF_MS,
        "max_backoff": max_backoff_ms,
    }
    ocr: dramatiq.Actor[[str], None] = dramatiq.actor(  # type: ignore[call-overload]
        actor_name="ocr_document", queue_name=QUEUE_OCR, time_limit=OCR_TIME_LIMIT_MS, **common
    )(ocr_document)
    io: dramatiq.Actor[[str], None] = dramatiq.actor(  # type: ignore[call-overload]
        actor_name="store_document", queue_name=QUEUE_IO, time_limit=IO_TIME_LIMIT_MS, **common
    )(store_document)
    return Actors(ocr_document=ocr, store_document=io)
