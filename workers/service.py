"""What the workers and the clerk's intake do, as plain functions of a context (no Dramatiq here).

* :func:`ingest_batch` — the clerk's intake: content checks, SHA-256, the original stored encrypted, an
  index row, and only then a message carrying the document id.
* :func:`run_ocr_stage` (CPU: rasterise → clean → OCR → classify → extract → searchable PDF + mark) and
  :func:`run_io_stage` (PAdES signature → encrypted signed copy → sealed fields → index): two stages on two
  queues, so each scales on its own; the first keeps its result sealed in the database for the second.
  :func:`process_document` runs both in one process.
  Idempotent: a redelivered message for a finished stage does nothing; outputs overwrite fixed names.
* :func:`reconcile` — queue again what the broker lost (the database is the truth).
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

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
from vault.crypto import open_small, seal_small
from vault.dossiers import attach_component, find_dossier
from vault.index import Batch, Document, DocumentState, Dossier, ObjectVersion, Owner, Provenance, StageOutput
from vault.naming import object_name
from vault.store import StorageUnavailable
from vault.vault import Vault
from workers.errors import StageRetry, transient_kind

log = logging.getLogger("sohoa.workers")

MAX_ATTEMPTS = 3  # counted attempts of a stage (a worker that died counts) before a document is rejected
STAGE_OCR = "ocr"
STAGE_IO = "io"
# The pipeline workers' identity towards the vault (reads originals, writes signed copies and sealed fields).
WORKER = Actor.system("worker")


@dataclass(frozen=True)
class Agency:
    code: str
    name: str
    officer: str


class StageMetrics(Protocol):
    def stage_seconds(self, stage: str, seconds: float) -> None: ...

    def step_cpu_seconds(self, stage: str, step: str, seconds: float) -> None: ...

    def failure(self, stage: str, reason: str) -> None: ...


class NoMetrics:
    def stage_seconds(self, stage: str, seconds: float) -> None:
        return None

    def step_cpu_seconds(self, stage: str, step: str, seconds: float) -> None:
        return None

    def failure(self, stage: str, reason: str) -> None:
        return None


@contextlib.contextmanager
def _step(
    ctx: WorkerContext, stage: str, step: str, clock: Callable[[], float] = time.thread_time
) -> Iterator[None]:
    """CPU seconds of one step of a stage, into the metrics (where the pipeline's cost goes, whatever the
    machine's other load: the wall clock would count the neighbours too). ``clock``: ``time.process_time``
    for a step whose work runs in threads of its own (the pipeline's page threads)."""
    started = clock()
    try:
        yield
    finally:
        ctx.metrics.step_cpu_seconds(stage, step, clock() - started)


@dataclass
class WorkerContext:
    vault: Vault
    agency: Agency
    catalogue: Catalogue
    pipeline: PipelineOptions
    intake_limits: IntakeLimits
    signer_factory: Callable[[], DocumentSigner]
    trust_roots: tuple[Path, ...]
    # Queue the OCR stage / the I/O stage of a document (the broker's actors; no-ops without a broker).
    enqueue: Callable[[uuid.UUID], None] = lambda _document_id: None
    enqueue_io: Callable[[uuid.UUID], None] = lambda _document_id: None
    max_attempts: int = MAX_ATTEMPTS
    handover_attempts: int = 6  # enqueue tries of the hand-over to the I/O stage (backoff 0.5 s … 8 s)
    lease: timedelta = timedelta(minutes=30)  # a stage's hold on a document against duplicate messages
    metrics: StageMetrics = field(default_factory=NoMetrics)
    # Fault injection for the crash tests only: called with the original's SHA-256 as the OCR stage starts.
    crash_hook: Callable[[str], None] | None = None
    sleep: Callable[[float], None] = time.sleep
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


def batch_owner(
    ctx: WorkerContext, session: Session, actor: Actor, dossier_code: str | None, owner_id: str | None
) -> tuple[Dossier | None, Owner]:
    """The dossier a batch is filed under (if any) and the owner whose vault receives it."""
    if dossier_code is not None:
        dossier = find_dossier(session, dossier_code)
        if dossier is None:
            raise LookupError("no dossier with this code")
        return dossier, dossier.owner
    assert owner_id is not None
    return None, ctx.vault.ensure_owner(session, owner_id, actor=actor)


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
        dossier, owner = batch_owner(ctx, session, actor, dossier_code, owner_id)
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
    # document *received* and not queued; the reconciler queues it once the broker is back.
    queued_ok = enqueue_all(ctx, accepted)
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
    """Both stages in this process, one after the other (tests, tools); returns the document's state.

    Raises :class:`~workers.errors.StageRetry` for a transient problem (retry later)."""
    holder = f"local-{uuid.uuid4().hex}"
    state = run_ocr_stage(ctx, document_id, holder, hand_over=False)
    if state.final:
        return state
    return run_io_stage(ctx, document_id)


def run_ocr_stage(
    ctx: WorkerContext, document_id: uuid.UUID, holder: str, *, hand_over: bool = True
) -> DocumentState:
    """The CPU stage: rasterise → clean → OCR → classify → extract → searchable PDF + conversion mark.

    Its result is sealed under the owner's data key and kept in ``stage_outputs`` in the same transaction
    that records the stage as done; only then is the I/O stage queued (from here, with retries: a failed
    enqueue inside Dramatiq's middleware would be swallowed, issue #545). ``holder`` names the message: a
    redelivery of the same message (its worker died) takes the document over and counts an attempt; another
    message for a document held by a live lease is dropped. After ``ctx.max_attempts`` attempts that never
    came back (the worker died: a poison document, issue #213) the document ends *rejected*.
    """
    claim = _claim(ctx, document_id, holder, STAGE_OCR)
    if claim.state is not None:
        if claim.hand_over and hand_over:
            _hand_over(ctx, document_id)
        return claim.state
    started = time.perf_counter()
    try:
        if ctx.crash_hook is not None:
            ctx.crash_hook(claim.original_sha256)
        with ctx.vault.session() as session:
            document = session.get_one(Document, document_id)
            original = ctx.vault.read_original(document, actor=WORKER)
            mark = _conversion_mark(ctx, document)
        with tempfile.TemporaryDirectory(prefix="sohoa-") as tmp:
            source = Path(tmp) / "original"
            source.write_bytes(original)
            del original
            try:
                with _step(ctx, STAGE_OCR, "pipeline", time.process_time):
                    processed = run_pipeline(source, claim.media_type, ctx.pipeline)
            except DocumentRejected as exc:
                ctx.metrics.failure(STAGE_OCR, exc.code)
                with ctx.vault.session() as session:
                    document = session.get_one(Document, document_id)
                    _reject(document, exc)
                log.info("document %s rejected: %s (page %s)", document_id, exc.code, exc.page)
                return DocumentState.REJECTED
        mark = dataclasses.replace(mark, document_name=_document_title(str(processed.document_type)))
        with _step(ctx, STAGE_OCR, "conversion_mark"):
            marked = apply_conversion_mark(processed.searchable_pdf, mark)
        meta = {
            "document_type": str(processed.document_type),
            "type_confidence": float(processed.type_confidence),
            "page_count": processed.page_count,
            "fields": {name: _field_dict(value) for name, value in processed.fields.items()},
            "problems": [_problem_dict(p) for p in processed.problems],
        }
        with ctx.vault.session() as session:
            held = _locked(session, document_id)
            if held is None or held.state.final:
                return held.state if held is not None else DocumentState.REJECTED
            document = held
            key = ctx.vault.data_key(document.owner)
            context = _stage_context(document, STAGE_OCR)
            output = session.get(StageOutput, document_id) or StageOutput(document_id=document_id)
            output.stage = STAGE_OCR
            output.meta_sealed = seal_small(key, context + b"|meta", json.dumps(meta, default=str).encode())
            output.pdf_sealed = seal_small(key, context + b"|pdf", marked)
            session.add(output)
            document.page_count = processed.page_count
            document.attempts = 0  # the I/O stage counts its own attempts
            document.lease_holder = None
            document.lease_until = None
            document.queued_at = None
    except Exception as exc:
        return _after_failure(ctx, document_id, STAGE_OCR, exc)
    finally:
        ctx.metrics.stage_seconds(STAGE_OCR, time.perf_counter() - started)
    if hand_over:
        _hand_over(ctx, document_id)
    return DocumentState.PROCESSING


def run_io_stage(ctx: WorkerContext, document_id: uuid.UUID) -> DocumentState:
    """The I/O stage: PAdES signature, encrypted signed copy, sealed fields, index row, dossier component.

    Runs under a row lock on the document, so two deliveries never sign or store twice; a document already
    final is left alone (one object version, one index row, one audit entry per real action)."""
    started = time.perf_counter()
    try:
        with ctx.vault.session() as session:
            document = _locked(session, document_id)
            if document is None:
                log.warning("message for unknown document %s dropped", document_id)
                return DocumentState.REJECTED
            if document.state.final:
                return document.state
            output = session.get(StageOutput, document_id)
            if output is None:  # not OCRed yet (a stale message): the OCR stage's own message does it
                return document.state
            if document.attempts >= ctx.max_attempts:
                return _reject_internal(ctx, document, STAGE_IO)
            document.attempts += 1
        # Ask the store first: while it is down the attempt is given back without signing anything.
        _probe_store(ctx)
        # The stage's audit entries are committed with its work: a run killed before its commit leaves none.
        with ctx.vault.session() as session, ctx.vault.deferred_audit(session):
            document = _locked(session, document_id)
            if document is None or document.state.final:
                return document.state if document is not None else DocumentState.REJECTED
            output = session.get_one(StageOutput, document_id)
            key = ctx.vault.data_key(document.owner)
            context = _stage_context(document, STAGE_OCR)
            meta = json.loads(open_small(key, context + b"|meta", output.meta_sealed))
            marked = open_small(key, context + b"|pdf", output.pdf_sealed)
            state = _store(ctx, session, document, meta, marked)
            session.delete(output)
            return state
    except Exception as exc:
        return _after_failure(ctx, document_id, STAGE_IO, exc)
    finally:
        ctx.metrics.stage_seconds(STAGE_IO, time.perf_counter() - started)


@dataclass(frozen=True)
class _Claim:
    state: DocumentState | None  # set: nothing to do here (final, held by another message, or OCR done)
    hand_over: bool = False
    media_type: str = ""
    original_sha256: str = ""


def _claim(ctx: WorkerContext, document_id: uuid.UUID, holder: str, stage: str) -> _Claim:
    now = datetime.now(UTC)
    with ctx.vault.session() as session:
        document = _locked(session, document_id)
        if document is None:
            log.warning("message for unknown document %s dropped", document_id)
            return _Claim(DocumentState.REJECTED)
        if document.state.final:
            return _Claim(document.state)
        if session.get(StageOutput, document_id) is not None:
            return _Claim(document.state, hand_over=True)
        if (
            document.lease_holder not in (None, holder)
            and document.lease_until is not None
            and _aware(document.lease_until) > now
        ):
            log.info("document %s is held by another message; duplicate dropped", document_id)
            return _Claim(document.state)
        if document.attempts >= ctx.max_attempts:
            return _Claim(_reject_internal(ctx, document, stage))
        document.state = DocumentState.PROCESSING
        document.attempts += 1
        document.lease_holder = holder[:64]
        document.lease_until = now + ctx.lease
        return _Claim(None, media_type=document.media_type, original_sha256=document.original_sha256)


def _after_failure(ctx: WorkerContext, document_id: uuid.UUID, stage: str, exc: Exception) -> DocumentState:
    retry = _retry_or_reject(ctx, document_id, stage, exc)
    if retry is None:
        return DocumentState.REJECTED
    raise retry from exc


def _retry_or_reject(
    ctx: WorkerContext, document_id: uuid.UUID, stage: str, exc: Exception
) -> StageRetry | None:
    """What a failed stage raises: a retry (transient: the attempt is given back; a bug: counted) or, after
    ``max_attempts`` counted attempts, None: the document is rejected, nothing to retry."""
    kind = transient_kind(exc)
    if kind is not None:
        ctx.metrics.failure(stage, f"transient_{kind}")
        log.warning("document %s: %s stage, transient %s problem; retried later", document_id, stage, kind)
        # the database itself may be the one that is down: then the attempt stays counted
        with contextlib.suppress(Exception), ctx.vault.session() as session:
            document = _locked(session, document_id)
            if document is not None and not document.state.final and document.attempts > 0:
                document.attempts -= 1
                document.lease_holder = None
                document.lease_until = None
        return StageRetry(kind)
    ctx.metrics.failure(stage, "internal_error")
    log.error("document %s: %s stage failed (%s)", document_id, stage, type(exc).__name__, exc_info=exc)
    with ctx.vault.session() as session:
        document = _locked(session, document_id)
        if document is not None and not document.state.final and document.attempts >= ctx.max_attempts:
            _reject_internal(ctx, document, stage)
            return None
    return StageRetry("bug")


def _reject_internal(ctx: WorkerContext, document: Document, stage: str) -> DocumentState:
    log.error("document %s rejected after %d attempts of the %s stage", document.id, document.attempts, stage)
    ctx.metrics.failure(stage, "attempts_exhausted")
    document.state = DocumentState.REJECTED
    document.reason_code = "attempts_exhausted"
    document.reason_page = None
    document.lease_holder = None
    document.lease_until = None
    return DocumentState.REJECTED


def _hand_over(ctx: WorkerContext, document_id: uuid.UUID) -> None:
    """Queue the I/O stage, retrying with backoff; if the broker stays down, the reconciler queues it."""
    try:
        send_with_retries(ctx.enqueue_io, document_id, attempts=ctx.handover_attempts, sleep=ctx.sleep)
    except Exception:
        log.warning("hand-over of document %s failed; the reconciler will queue it", document_id)
        return
    with contextlib.suppress(Exception), ctx.vault.session() as session:
        session.execute(
            update(Document).where(Document.id == document_id).values(queued_at=datetime.now(UTC))
        )


def _probe_store(ctx: WorkerContext) -> None:
    """Raise StorageUnavailable when the object store does not answer (a cheap HEAD of the bucket)."""
    store = ctx.vault.store
    try:
        store.client.bucket_exists(store.bucket)
    except Exception as exc:
        if transient_kind(exc) is None:
            raise
        raise StorageUnavailable("object store unreachable") from exc


def send_with_retries(
    send: Callable[[uuid.UUID], None],
    document_id: uuid.UUID,
    *,
    attempts: int = 6,
    first_delay_s: float = 0.5,
    max_delay_s: float = 8.0,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """``send(document_id)``, tried ``attempts`` times with exponential backoff; the last error is raised."""
    delay = first_delay_s
    for attempt in range(1, attempts + 1):
        try:
            send(document_id)
            return
        except Exception:
            if attempt == attempts:
                raise
            sleep(delay)
            delay = min(delay * 2, max_delay_s)


def _locked(session: Session, document_id: uuid.UUID) -> Document | None:
    return session.get(Document, document_id, with_for_update=True, populate_existing=True)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _stage_context(document: Document, stage: str) -> bytes:
    return f"stage-{stage}\x1f{document.owner.owner_ref}\x1f{document.id}".encode()


def _conversion_mark(ctx: WorkerContext, document: Document) -> ConversionMark:
    batch = document.batch
    dossier = batch.dossier if batch is not None else None
    return ConversionMark(
        converted_at=datetime.now(UTC),
        agency=ctx.agency.name,
        officer=ctx.agency.officer,
        dossier_code=dossier.code if dossier else "",
        procedure_code=dossier.procedure_code if dossier else "",
        verification_ref=str(document.id),
        document_name="",  # set from the type once known (see _with_title)
    )


def _store(
    ctx: WorkerContext, session: Session, document: Document, meta: dict[str, Any], marked: bytes
) -> DocumentState:
    batch = document.batch
    dossier = batch.dossier if batch is not None else None
    document_type = str(meta["document_type"])
    _drop_orphan_versions(ctx, session, document, "signed.pdf")
    with _step(ctx, STAGE_IO, "sign"):
        signed = ctx.signer.sign(marked)
    with _step(ctx, STAGE_IO, "verify"):
        report = verify_pdf(signed, ctx.trust_roots)
    with _step(ctx, STAGE_IO, "store"):
        ctx.vault.store_signed(document, signed, actor=WORKER)
    fields: dict[str, Any] = meta["fields"]
    problems: list[dict[str, str]] = list(meta["problems"])
    extracted_id = _field_value(fields.get("id_number"))
    if extracted_id and ctx.vault.owner_ref(extracted_id) != document.owner.owner_ref:
        problems.append({"code": "owner_mismatch", "detail": "id_number"})
    if document_type == DocumentType.UNKNOWN.value and not any(
        p["code"] == "unknown_document_type" for p in problems
    ):
        problems.append({"code": "unknown_document_type", "detail": ""})
    ctx.vault.seal_fields(document, fields, actor=WORKER)
    document.document_type = document_type
    document.type_confidence = float(meta["type_confidence"])
    document.page_count = int(meta["page_count"])
    document.valid_until = _as_date(_field_value(fields.get("expiry_date")))
    document.valid_from = _as_date(_field_value(fields.get("issue_date")))
    document.signature_level = report.signatures[0].pades_level if report.signatures else None
    document.signature_valid = report.valid
    document.signer = ctx.signer.signer_subject.display_name
    document.review_reasons = problems or None
    document.state = DocumentState.NEEDS_REVIEW if problems or not report.valid else DocumentState.STORED
    document.lease_holder = None
    document.lease_until = None
    if dossier is not None and batch is not None:
        procedure = ctx.catalogue.get(dossier.procedure_code)
        attach_component(session, dossier, procedure, document, Provenance.NEW_SCAN, batch.clerk)
    return document.state


def _drop_orphan_versions(ctx: WorkerContext, session: Session, document: Document, kind: str) -> None:
    """Delete versions of a document's object that no index row records: written by an attempt that died
    between the upload and its commit. Safe under the document's row lock (a live attempt holds it), so a
    re-run leaves one object version per output. Versions under retention stay (and are logged)."""
    name = object_name(document.owner.owner_ref, document.id, kind)
    known = set(
        session.scalars(
            select(ObjectVersion.version_id).where(
                ObjectVersion.document_id == document.id, ObjectVersion.kind == kind
            )
        )
    )
    store = ctx.vault.store
    for version in store.versions(name):
        if version.name != name or version.version_id in known:
            continue
        try:
            store.client.remove_object(store.bucket, name, version_id=version.version_id)
            log.warning("document %s: removed an unrecorded %s version of a dead attempt", document.id, kind)
        except Exception as exc:
            if transient_kind(exc) is not None:
                raise
            log.warning("document %s: unrecorded %s version kept (%s)", document.id, kind, type(exc).__name__)


def _document_title(document_type: str) -> str:
    try:
        return DocumentType(document_type).title_vi
    except (ValueError, KeyError):
        return document_type


def _field_value(extracted: Any) -> str | None:
    if extracted is None:
        return None
    value = extracted.get("value") if isinstance(extracted, dict) else getattr(extracted, "value", extracted)
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


def enqueue_all(ctx: WorkerContext, document_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
    """Queue the OCR stage of each document and record when; stops at the first broker failure (the
    broker is down: the rest wait for the reconciler). Returns the ids queued."""
    queued: list[uuid.UUID] = []
    for document_id in document_ids:
        try:
            ctx.enqueue(document_id)
        except Exception:
            log.warning(
                "enqueue failed (broker down?); %d document(s) left for the reconciler",
                len(document_ids) - len(queued),
            )
            break
        queued.append(document_id)
    _mark_queued(ctx, queued)
    return set(queued)


def _mark_queued(ctx: WorkerContext, document_ids: Sequence[uuid.UUID]) -> None:
    if not document_ids:
        return
    with ctx.vault.session() as session:
        session.execute(
            update(Document).where(Document.id.in_(document_ids)).values(queued_at=datetime.now(UTC))
        )


def reconcile(
    ctx: WorkerContext,
    older_than: timedelta = timedelta(minutes=10),
    unqueued_after: timedelta = timedelta(seconds=10),
) -> int:
    """Queue again the documents the broker may have lost; returns how many.

    A non-final document is queued again when no live lease holds it and either it was never queued (the
    broker was down at intake or at a hand-over) for ``unqueued_after``, or nothing happened to it for
    ``older_than`` (a message acked and lost, Dramatiq #545, or dead-lettered). The stage it needs is
    queued: OCR, or signing/storage when the OCR result is waiting. Duplicates are harmless (leases, row
    locks, final states)."""
    now = datetime.now(UTC)
    with ctx.vault.session() as session:
        rows = session.execute(
            select(Document.id, StageOutput.document_id)
            .outerjoin(StageOutput, StageOutput.document_id == Document.id)
            .where(
                Document.state.in_((DocumentState.RECEIVED, DocumentState.PROCESSING)),
                or_(Document.lease_until.is_(None), Document.lease_until < now),
                or_(
                    and_(Document.queued_at.is_(None), Document.updated_at < now - unqueued_after),
                    Document.updated_at < now - older_than,
                ),
            )
        ).all()
    queued: list[uuid.UUID] = []
    for document_id, ocr_done in rows:
        try:
            (ctx.enqueue_io if ocr_done is not None else ctx.enqueue)(document_id)
        except Exception:
            log.warning("reconcile: broker unavailable; %d document(s) wait", len(rows) - len(queued))
            break
        queued.append(document_id)
    _mark_queued(ctx, queued)
    return len(queued)


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


def documents_by_state(vault: Vault) -> dict[str, int]:
    with vault.session() as session:
        rows = session.execute(select(Document.state, func.count()).group_by(Document.state)).all()
    return {state.value: int(count) for state, count in rows}


# ---------------------------------------------------------------------------------------- batch progress
@dataclass(frozen=True)
class ProgressRow:
    """What progress needs of one document (no personal data)."""

    position: int
    document_id: uuid.UUID
    state: DocumentState
    page_count: int | None
    reason_code: str | None
    reason_page: int | None
    updated_at: datetime
    ocr_done: bool = False


@dataclass(frozen=True)
class Failure:
    position: int
    document_id: uuid.UUID
    reason_code: str
    page: int | None
    message_vi: str
    message_en: str


@dataclass(frozen=True)
class BatchProgress:
    batch_id: uuid.UUID
    total: int
    counts: dict[str, int]  # per state; "processing" split into "ocr" and "signing" (OCR done)
    done: int  # final documents
    pages_done: int
    pages_total: int | None  # None while some page counts are unknown
    elapsed_s: float
    pages_per_minute: float | None
    eta_s: float | None
    failures: tuple[Failure, ...]

    @property
    def finished(self) -> bool:
        return self.done == self.total

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready (for the HTTP API)."""
        data = dataclasses.asdict(self)
        data["batch_id"] = str(self.batch_id)
        data["finished"] = self.finished
        data["failures"] = [{**f, "document_id": str(f["document_id"])} for f in data["failures"]]
        return data


def batch_progress(vault: Vault, batch_id: uuid.UUID, now: datetime | None = None) -> BatchProgress:
    """A batch's progress from the index (the truth): counts per state, pages per minute, ETA, failures
    with their reason codes and vi/en messages. Raises LookupError for an unknown batch."""
    with vault.session() as session:
        batch = session.get(Batch, batch_id)
        if batch is None:
            raise LookupError("no such batch")
        created = batch.created_at
        rows = [
            ProgressRow(
                position=position,
                document_id=document_id,
                state=state,
                page_count=pages,
                reason_code=code,
                reason_page=page,
                updated_at=updated,
                ocr_done=ocr is not None,
            )
            for position, document_id, state, pages, code, page, updated, ocr in session.execute(
                select(
                    Document.source_position,
                    Document.id,
                    Document.state,
                    Document.page_count,
                    Document.reason_code,
                    Document.reason_page,
                    Document.updated_at,
                    StageOutput.document_id,
                )
                .outerjoin(StageOutput, StageOutput.document_id == Document.id)
                .where(Document.batch_id == batch_id)
                .order_by(Document.source_position)
            )
        ]
    return progress_from_rows(batch_id, created, rows, now or datetime.now(UTC))


def progress_from_rows(
    batch_id: uuid.UUID, created_at: datetime, rows: Sequence[ProgressRow], now: datetime
) -> BatchProgress:
    """The arithmetic of :func:`batch_progress` (a pure function)."""
    from schemas.reasons import reason

    counts: dict[str, int] = {}
    for row in rows:
        key = row.state.value
        if row.state is DocumentState.PROCESSING:
            key = "signing" if row.ocr_done else "ocr"
        counts[key] = counts.get(key, 0) + 1
    final = [r for r in rows if r.state.final]
    processed = [r for r in final if r.state is not DocumentState.REJECTED or r.page_count]
    pages_done = sum(r.page_count or 0 for r in processed)
    known = [r.page_count for r in rows if r.page_count]
    pages_total = sum(r.page_count or 0 for r in rows) if len(known) == len(rows) else None
    start = _aware(created_at)
    end = max((_aware(r.updated_at) for r in final), default=now) if len(final) == len(rows) else now
    elapsed = max(0.0, (end - start).total_seconds())
    rate = pages_done / (elapsed / 60) if pages_done and elapsed > 0 else None
    eta: float | None = None
    if len(final) == len(rows):
        eta = 0.0
    elif rate:
        mean_pages = sum(known) / len(known) if known else 1.0
        remaining = sum((r.page_count if r.page_count else mean_pages) for r in rows if not r.state.final)
        eta = remaining / rate * 60
    failures = []
    for row in rows:
        if row.state is DocumentState.REJECTED and row.reason_code:
            vi, en = reason(row.reason_code).format(page=row.reason_page)
            failures.append(Failure(row.position, row.document_id, row.reason_code, row.reason_page, vi, en))
    return BatchProgress(
        batch_id=batch_id,
        total=len(rows),
        counts=counts,
        done=len(final),
        pages_done=pages_done,
        pages_total=pages_total,
        elapsed_s=round(elapsed, 3),
        pages_per_minute=round(rate, 2) if rate else None,
        eta_s=round(eta, 1) if eta is not None else None,
        failures=tuple(failures),
    )
