"""What the workers and the clerk's intake do, as plain functions of a context (no Dramatiq here).

* :func:`ingest_batch` — the clerk's intake: content checks, SHA-256, the original stored encrypted, an
  index row, and only then a message carrying the document id.
* :func:`process_document` — one document through the pipeline: rasterise → clean → OCR → classify →
  extract → searchable PDF → conversion mark + QR → PAdES signature → encrypted signed copy → index.
  Idempotent: a redelivered message for a finished document does nothing; outputs overwrite fixed names.
* :func:`reconcile` — re-enqueue documents stuck in a non-final state (the database is the truth).
"""

from __future__ import annotations

import dataclasses
import logging
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from pipeline.errors import DocumentRejected
from pipeline.intake import IntakeLimits, inspect_file
from pipeline.output import ConversionMark, apply_conversion_mark
from pipeline.process import PipelineOptions
from pipeline.process import process_document as run_pipeline
from schemas.documents import DocumentType
from schemas.procedures import Catalogue
from signing.signer import DocumentSigner
from signing.verify import verify_pdf
from vault.access import Actor
from vault.dossiers import attach_component, find_dossier
from vault.index import Batch, Document, DocumentState, Provenance
from vault.vault import Vault

log = logging.getLogger("sohoa.workers")

MAX_ATTEMPTS = 3
# The pipeline workers' identity towards the vault (reads originals, writes signed copies and sealed fields).
WORKER = Actor.system("worker")


@dataclass(frozen=True)
class Agency:
    code: str
    name: str
    officer: str


@dataclass
class WorkerContext:
    vault: Vault
    agency: Agency
    catalogue: Catalogue
    pipeline: PipelineOptions
    intake_limits: IntakeLimits
    signer_factory: Callable[[], DocumentSigner]
    trust_roots: tuple[Path, ...]
    enqueue: Callable[[uuid.UUID], None] = lambda _document_id: None
    _signer: DocumentSigner | None = field(default=None, repr=False)

    @property
    def signer(self) -> DocumentSigner:
        """The signer, whose key is loaded once per process."""
        if self._signer is None:
            self._signer = self.signer_factory()
        return self._signer


@dataclass(frozen=True)
class ReceiptLine:
    position: int
    file_name: str
    document_id: uuid.UUID
    state: str
    duplicate: bool
    queued: bool
    reason_code: str | None = None
    message_vi: str | None = None
    message_en: str | None = None


@dataclass(frozen=True)
class BatchReceipt:
    batch_id: uuid.UUID
    dossier_code: str | None
    lines: tuple[ReceiptLine, ...]


def ingest_batch(
    ctx: WorkerContext,
    files: Sequence[Path],
    *,
    clerk: str,
    dossier_code: str | None = None,
    owner_id: str | None = None,
) -> BatchReceipt:
    """Receive a clerk's batch. Every file's original is stored encrypted before anything is queued; a
    file that fails the content checks ends *rejected* with its reason, the others go on."""
    if (dossier_code is None) == (owner_id is None):
        raise ValueError("give either a dossier code or an owner id")
    accepted: list[uuid.UUID] = []
    lines: list[ReceiptLine] = []
    actor = Actor.clerk(clerk)
    with ctx.vault.session() as session:
        dossier = None
        if dossier_code is not None:
            dossier = find_dossier(session, dossier_code)
            if dossier is None:
                raise LookupError("no dossier with this code")
            owner = dossier.owner
        else:
            assert owner_id is not None
            owner = ctx.vault.ensure_owner(session, owner_id, actor=actor)
        batch = Batch(dossier_id=dossier.id if dossier else None, clerk=clerk)
        session.add(batch)
        session.flush()
        for position, path in enumerate(files, start=1):
            rejection: DocumentRejected | None = None
            media_type = "application/octet-stream"
            page_count = None
            try:
                result = inspect_file(path, ctx.intake_limits)
                media_type, page_count = result.media_type, result.page_count
            except DocumentRejected as exc:
                rejection = exc
            document, created = ctx.vault.store_original(
                session, owner, path, actor=actor, batch=batch, position=position, media_type=media_type
            )
            if created:
                document.page_count = page_count
                if rejection is not None:
                    _reject(document, rejection)
            elif dossier is not None and document.state.final:
                # The paper was brought again: it is this dossier's component, scanned anew.
                procedure = ctx.catalogue.get(dossier.procedure_code)
                attach_component(session, dossier, procedure, document, Provenance.NEW_SCAN, clerk)
            if not document.state.final:
                accepted.append(document.id)
            lines.append(
                _receipt_line(
                    position, path, document, duplicate=not created, queued=not document.state.final
                )
            )
        batch_id = batch.id
        code = dossier.code if dossier else None
    # Committed: every original is safe. Only now queue (ids, not payloads). A failed enqueue leaves the
    # document *received*; the reconciler queues it again.
    queued_ok = set()
    for document_id in accepted:
        try:
            ctx.enqueue(document_id)
            queued_ok.add(document_id)
        except Exception:  # broker down: the document waits for the reconciler
            log.warning("enqueue failed for document %s; the reconciler will retry", document_id)
    lines = [dataclasses.replace(line, queued=line.document_id in queued_ok) for line in lines]
    return BatchReceipt(batch_id, code, tuple(lines))


def _receipt_line(
    position: int, path: Path, document: Document, *, duplicate: bool, queued: bool
) -> ReceiptLine:
    message_vi = message_en = None
    if document.reason_code:
        from schemas.reasons import reason

        message_vi, message_en = reason(document.reason_code).format(page=document.reason_page)
    return ReceiptLine(
        position=position,
        file_name=path.name,
        document_id=document.id,
        state=document.state.value,
        duplicate=duplicate,
        queued=queued,
        reason_code=document.reason_code,
        message_vi=message_vi,
        message_en=message_en,
    )


def _reject(document: Document, error: DocumentRejected) -> None:
    document.state = DocumentState.REJECTED
    document.reason_code = error.code
    document.reason_page = error.page


def process_document(ctx: WorkerContext, document_id: uuid.UUID) -> DocumentState:
    """Run one document through the pipeline; returns its final state. Raises only transient errors."""
    with ctx.vault.session() as session:
        document = session.get(Document, document_id)
        if document is None:
            log.warning("message for unknown document %s dropped", document_id)
            return DocumentState.REJECTED
        if document.state.final:
            return document.state
        document.state = DocumentState.PROCESSING
        document.attempts += 1
        attempts = document.attempts
        media_type = document.media_type
        original = ctx.vault.read_original(document, actor=WORKER)
    try:
        with tempfile.TemporaryDirectory(prefix="sohoa-") as tmp:
            source = Path(tmp) / "original"
            source.write_bytes(original)
            try:
                processed = run_pipeline(source, media_type, ctx.pipeline)
            except DocumentRejected as exc:
                with ctx.vault.session() as session:
                    document = session.get_one(Document, document_id)
                    _reject(document, exc)
                log.info("document %s rejected: %s (page %s)", document_id, exc.code, exc.page)
                return DocumentState.REJECTED
        return _finish(ctx, document_id, processed)
    except Exception as exc:
        if getattr(exc, "permanent", None) is False or attempts < MAX_ATTEMPTS:
            raise  # retried by Dramatiq with backoff
        log.exception("document %s failed %d times; rejected as internal error", document_id, attempts)
        with ctx.vault.session() as session:
            document = session.get_one(Document, document_id)
            document.state = DocumentState.REJECTED
            document.reason_code = "internal_error"
        return DocumentState.REJECTED


def _finish(ctx: WorkerContext, document_id: uuid.UUID, processed: Any) -> DocumentState:
    with ctx.vault.session() as session:
        document = session.get_one(Document, document_id)
        if document.state.final:
            return document.state
        batch = document.batch
        dossier = batch.dossier if batch is not None else None
        document_type = str(processed.document_type)
        title = _document_title(document_type)
        mark = ConversionMark(
            converted_at=datetime.now(UTC),
            agency=ctx.agency.name,
            officer=ctx.agency.officer,
            dossier_code=dossier.code if dossier else "",
            procedure_code=dossier.procedure_code if dossier else "",
            verification_ref=str(document.id),
            document_name=title,
        )
        marked = apply_conversion_mark(processed.searchable_pdf, mark)
        signed = ctx.signer.sign(marked)
        report = verify_pdf(signed, ctx.trust_roots)
        ctx.vault.store_signed(document, signed, actor=WORKER)

        fields = {name: _field_dict(value) for name, value in processed.fields.items()}
        problems = [_problem_dict(p) for p in processed.problems]
        extracted_id = _field_value(processed.fields.get("id_number"))
        if extracted_id and ctx.vault.owner_ref(extracted_id) != document.owner.owner_ref:
            problems.append({"code": "owner_mismatch", "detail": "id_number"})
        if document_type == DocumentType.UNKNOWN.value and not any(
            p["code"] == "unknown_document_type" for p in problems
        ):
            problems.append({"code": "unknown_document_type", "detail": ""})
        ctx.vault.seal_fields(document, fields, actor=WORKER)
        document.document_type = document_type
        document.type_confidence = float(processed.type_confidence)
        document.page_count = processed.page_count
        document.valid_until = _as_date(_field_value(processed.fields.get("expiry_date")))
        document.valid_from = _as_date(_field_value(processed.fields.get("issue_date")))
        document.signature_level = report.signatures[0].pades_level if report.signatures else None
        document.signature_valid = report.valid
        document.signer = ctx.signer.signer_subject.display_name
        document.review_reasons = problems or None
        document.state = DocumentState.NEEDS_REVIEW if problems or not report.valid else DocumentState.STORED
        if dossier is not None and batch is not None:
            procedure = ctx.catalogue.get(dossier.procedure_code)
            attach_component(session, dossier, procedure, document, Provenance.NEW_SCAN, batch.clerk)
        return document.state


def _document_title(document_type: str) -> str:
    try:
        return DocumentType(document_type).title_vi
    except (ValueError, KeyError):
        return document_type


def _field_value(extracted: Any) -> str | None:
    if extracted is None:
        return None
    value = getattr(extracted, "value", extracted)
    return None if value in (None, "") else str(value)


def _field_dict(extracted: Any) -> dict[str, Any]:
    if dataclasses.is_dataclass(extracted) and not isinstance(extracted, type):
        return {k: v for k, v in dataclasses.asdict(extracted).items() if k != "raw"}
    if hasattr(extracted, "model_dump"):
        return dict(extracted.model_dump(exclude={"raw"}))
    return {"value": extracted}


def _problem_dict(problem: Any) -> dict[str, str]:
    return {
        "code": str(getattr(problem, "code", problem)),
        "detail": str(getattr(problem, "detail", "") or ""),
    }


def _as_date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def reconcile(ctx: WorkerContext, older_than: timedelta = timedelta(minutes=10)) -> int:
    """Re-enqueue documents left *received* or *processing* for longer than ``older_than``."""
    cutoff = datetime.now(UTC) - older_than
    with ctx.vault.session() as session:
        stuck = list(
            session.scalars(
                select(Document.id).where(
                    Document.state.in_((DocumentState.RECEIVED, DocumentState.PROCESSING)),
                    Document.updated_at < cutoff,
                )
            )
        )
    for document_id in stuck:
        ctx.enqueue(document_id)
    return len(stuck)


def batch_finished(vault: Vault, batch_id: uuid.UUID) -> bool:
    with vault.session() as session:
        states = list(session.scalars(select(Document.state).where(Document.batch_id == batch_id)))
    return all(state.final for state in states)


def wait_for_batch(vault: Vault, batch_id: uuid.UUID, timeout: float, poll_s: float = 0.5) -> None:
    """Block until every document of the batch is in a final state; TimeoutError after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while not batch_finished(vault, batch_id):
        if time.monotonic() > deadline:
            raise TimeoutError("batch not finished in time")
        time.sleep(poll_s)
