"""A scanned stack split on its blank separator pages into documents of one batch.

:func:`ingest_stack` keeps the whole stack as it came (stored encrypted before anything is queued,
as intake does), then ingests each run of non-blank pages as a document of one batch through
:func:`workers.service.ingest_batch`. The stack's own row records it as the parent: same batch,
position 0, ``superseded_by`` its first part, state *rejected* (it is never processed as one
document: its parts are). A stack without a blank page is an ordinary one-file batch.
"""

from __future__ import annotations

import logging
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import DocumentRejected
from pipeline.intake import inspect_file
from pipeline.separate import SeparateOptions, StackPart, split_stack
from vault.access import Actor
from vault.index import Batch, Document, DocumentState
from workers.service import BatchReceipt, WorkerContext, batch_owner, ingest_batch

log = logging.getLogger("sohoa.workers")


@dataclass(frozen=True)
class StackReceipt:
    batch: BatchReceipt  # one line per part (or the stack itself when it was not split)
    stack_document_id: uuid.UUID | None  # the kept stack; None when it was not split
    separators: tuple[int, ...]  # blank pages (1-based) the stack was split on
    parts: tuple[tuple[int, int], ...]  # (first, last) stack page of each part, in batch order


def ingest_stack(
    ctx: WorkerContext,
    stack: Path,
    *,
    clerk: str,
    dossier_code: str | None = None,
    owner_id: str | None = None,
    options: SeparateOptions | None = None,
) -> StackReceipt:
    """Split ``stack`` on its blank pages and ingest the parts as one batch (see the module text)."""
    if (dossier_code is None) == (owner_id is None):
        raise ValueError("give either a dossier code or an owner id")
    with tempfile.TemporaryDirectory(prefix="sohoa-stack-") as tmp:
        try:
            intake = inspect_file(stack, ctx.intake_limits)
            separators, parts = split_stack(stack, intake.media_type, Path(tmp), options)
        except DocumentRejected:
            # Unreadable as a stack: intake records the reason on the file as a whole.
            separators, parts = [], []
            intake = None
        if intake is None or len(parts) <= 1:
            receipt = ingest_batch(ctx, [stack], clerk=clerk, dossier_code=dossier_code, owner_id=owner_id)
            return StackReceipt(receipt, None, tuple(separators), _ranges(parts))

        stack_id = _keep_stack(
            ctx, stack, intake.media_type, intake.page_count, clerk, dossier_code, owner_id
        )
        receipt = ingest_batch(
            ctx, [p.path for p in parts], clerk=clerk, dossier_code=dossier_code, owner_id=owner_id
        )
    _link(ctx, stack_id, receipt)
    log.info("stack split on %d blank page(s) into %d documents", len(separators), len(parts))
    return StackReceipt(receipt, stack_id, tuple(separators), _ranges(parts))


def _ranges(parts: list[StackPart]) -> tuple[tuple[int, int], ...]:
    return tuple((p.first_page, p.last_page) for p in parts)


def _keep_stack(
    ctx: WorkerContext,
    stack: Path,
    media_type: str,
    page_count: int,
    clerk: str,
    dossier_code: str | None,
    owner_id: str | None,
) -> uuid.UUID:
    """Store the whole stack encrypted (committed before any part is queued)."""
    actor = Actor.clerk(clerk)
    with ctx.vault.session() as session:
        _, owner = batch_owner(ctx, session, actor, dossier_code, owner_id)
        document, created = ctx.vault.store_original(
            session, owner, stack, actor=actor, batch=None, position=0, media_type=media_type
        )
        if created:
            document.page_count = page_count
            # Never processed as one document (its parts are): the clerk sees why, not a bare rejection.
            document.state = DocumentState.REJECTED
            document.reason_code = "split_into_parts"
        return document.id


def _link(ctx: WorkerContext, stack_id: uuid.UUID, receipt: BatchReceipt) -> None:
    """The stack joins the parts' batch (position 0) and points at its first part."""
    with ctx.vault.session() as session:
        document = session.get_one(Document, stack_id)
        if document.batch_id is None:
            document.batch_id = session.get_one(Batch, receipt.batch_id).id
            document.superseded_by = receipt.lines[0].document_id if receipt.lines else None
