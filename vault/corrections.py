"""Review queue and a clerk's corrections of extracted fields.

A document whose extraction failed a validation or is unsure of a field is ``needs_review`` with its
reasons (``Document.review_reasons``: codes and field names, never values). A clerk corrects a field:
the value is normalised and the whole document re-validated (``pipeline.extract.revalidate``); the
sealed fields, the reasons and the state are updated, and the correction is kept — who, when, which
field, the previous and new values sealed under the owner's data key (erasing the owner shreds them
too) — with an audit record that names the field only.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BigInteger, DateTime, ForeignKey, Index, Integer, LargeBinary, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from pipeline.extract import ReviewProblem, corrected_field, revalidate
from pipeline.lists import is_list_field, list_field_def
from schemas.calendar import local_date
from schemas.documents import DOCUMENT_TYPES, DocumentType, ExtractedField
from vault import crypto
from vault.access import Actor, Role
from vault.audit import AuditEntry
from vault.index import Base, Document, DocumentState, utcnow
from vault.vault import Vault

# Reasons recomputed from the fields on every re-validation; other reasons (owner_mismatch,
# unknown_document_type, side_missing — a correction does not bring the missing side…) are kept as
# the worker left them. A type hook's document-level reason is recomputed too and not repeated.
EXTRACTION_REASONS = frozenset({"field_missing", "field_invalid", "low_confidence", "document_expired"})


class FieldCorrection(Base):
    """One correction of one field by a clerk."""

    __tablename__ = "field_corrections"
    __table_args__ = (Index("ix_field_corrections_document", "document_id", "id"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    document_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("documents.id"))
    field: Mapped[str] = mapped_column(String(64))
    clerk: Mapped[str] = mapped_column(String(64))
    corrected_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # {"before": {...}, "after": {...}} sealed under the owner's data key.
    values_sealed: Mapped[bytes] = mapped_column(LargeBinary)


@dataclass(frozen=True)
class CorrectionResult:
    document_id: uuid.UUID
    field: str
    valid: bool  # the corrected value passed its own checks
    state: DocumentState
    reasons: list[dict[str, str]]


def field_from_dict(data: Any) -> ExtractedField:
    """A stored field (the worker's dict without ``raw``) as an :class:`ExtractedField`."""
    if not isinstance(data, dict):
        return ExtractedField(None if data is None else str(data), "", 1.0, data is not None)
    return ExtractedField(
        value=data.get("value"),
        raw="",
        confidence=float(data.get("confidence", 1.0)),
        valid=bool(data.get("valid", True)),
        problems=tuple(data.get("problems", ())),
        source=str(data.get("source", "ocr")),
    )


def field_to_dict(field: ExtractedField) -> dict[str, Any]:
    data = dataclasses.asdict(field)
    data.pop("raw")
    data["problems"] = list(field.problems)
    return data


def _context(document: Document, field: str) -> bytes:
    return f"correction\x1f{document.owner.owner_ref}\x1f{document.id}\x1f{field}".encode()


def review_queue(vault: Vault, session: Session, actor: Actor, limit: int = 200) -> list[Document]:
    """Documents waiting for a clerk (oldest first); a clerk sees those of the dossiers they handle."""
    if actor.role is not Role.CLERK:
        raise PermissionError("the review queue is for clerks")
    rows = session.scalars(
        select(Document)
        .where(Document.state == DocumentState.NEEDS_REVIEW)
        .order_by(Document.updated_at)
        .limit(limit * 4)
    ).all()
    mine = [d for d in rows if vault.clerk_handles(session, actor.id, d.id)][:limit]
    vault.audit.append(
        AuditEntry(actor.role.value, vault.actor_ref(actor), "review.list", detail={"count": len(mine)}),
        session,
    )
    return mine


def corrections_of(session: Session, document: Document) -> list[FieldCorrection]:
    return list(
        session.scalars(
            select(FieldCorrection)
            .where(FieldCorrection.document_id == document.id)
            .order_by(FieldCorrection.id)
        )
    )


def open_correction(vault: Vault, document: Document, correction: FieldCorrection) -> dict[str, Any]:
    """The sealed before/after values of a correction (callers have authorised a content read)."""
    plaintext = crypto.open_small(
        vault.data_key(document.owner), _context(document, correction.field), correction.values_sealed
    )
    return dict(json.loads(plaintext))


def correct_field(
    vault: Vault,
    session: Session,
    actor: Actor,
    document_id: uuid.UUID,
    field: str,
    value: str,
    *,
    today: dt.date | None = None,
) -> CorrectionResult:
    """Set ``field`` of a document to a clerk's ``value`` and re-validate the document."""
    if actor.role is not Role.CLERK:
        raise PermissionError("corrections are made by clerks")
    document = vault.get(session, actor, document_id)
    if document.state not in (DocumentState.NEEDS_REVIEW, DocumentState.STORED):
        raise ValueError(f"a {document.state.value} document has no fields to correct")
    try:
        document_type = DocumentType(document.document_type or "")
        definition = DOCUMENT_TYPES[document_type]
    except (ValueError, KeyError):
        raise ValueError("the document has no known type; a clerk must set its type first") from None
    try:
        fdef = definition.field(field)
    except KeyError:
        # A list item (CT07's household members, a decision's recipients: pipeline.lists).
        item = list_field_def(field, document_type) if is_list_field(field) else None
        if item is None:
            names = ", ".join(f.name for f in definition.fields)
            raise ValueError(f"{document_type.value} has no field {field!r} (fields: {names})") from None
        fdef = item

    stored = vault.open_fields(document, actor=actor)
    # Every field read, list items included: the re-validation's reasons cover them all (a flagged
    # household member stays flagged when another field is corrected).
    fields = {
        name: field_from_dict(data)
        for name, data in stored.items()
        if name in {f.name for f in definition.fields} or is_list_field(name)
    }
    before = stored.get(field)
    fields[field] = corrected_field(fdef, value)
    checked, problems = revalidate(document_type, fields, today or local_date(dt.datetime.now(dt.UTC)))

    kept = [r for r in document.review_reasons or [] if r.get("code") not in EXTRACTION_REASONS]
    id_field = checked.get("id_number")
    if field == "id_number" and id_field is not None and id_field.value:
        kept = [r for r in kept if r.get("code") != "owner_mismatch"]
        if vault.owner_ref(id_field.value) != document.owner.owner_ref:
            kept.append({"code": "owner_mismatch", "detail": "id_number"})
    reasons = []
    for reason in kept + [_reason(p) for p in problems]:
        if reason not in reasons:
            reasons.append(reason)

    new_fields = {**stored, **{name: field_to_dict(f) for name, f in checked.items()}}
    vault.seal_fields(document, new_fields, actor=actor)
    document.review_reasons = reasons or None
    document.state = (
        DocumentState.NEEDS_REVIEW if reasons or document.signature_valid is False else DocumentState.STORED
    )
    for name, attribute in (("expiry_date", "valid_until"), ("issue_date", "valid_from")):
        current = checked.get(name)
        if current is not None and current.valid:
            setattr(document, attribute, dt.date.fromisoformat(current.value) if current.value else None)

    record = {"before": before, "after": field_to_dict(checked[field])}
    sealed = crypto.seal_small(
        vault.data_key(document.owner),
        _context(document, field),
        json.dumps(record, ensure_ascii=False, sort_keys=True, default=str).encode(),
    )
    session.add(FieldCorrection(document_id=document.id, field=field, clerk=actor.id, values_sealed=sealed))
    vault.audit.append(
        AuditEntry(
            actor.role.value,
            vault.actor_ref(actor),
            "document.correct",
            owner_ref=document.owner.owner_ref,
            document_id=str(document.id),
            detail={"field": field, "valid": checked[field].valid, "state": document.state.value},
        ),
        session,
    )
    session.flush()
    return CorrectionResult(document.id, field, checked[field].valid, document.state, reasons)


def _reason(problem: ReviewProblem) -> dict[str, str]:
    return {"code": problem.code, "detail": problem.detail}
