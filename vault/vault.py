"""The per-owner encrypted vault: originals and signed documents in the object store, rows in the index.

The vault enforces its access policy itself (:mod:`vault.access`): every operation names the
:class:`~vault.access.Actor` it is made for, and is refused when the policy does not allow it, whatever the
caller's user interface does. Every read and write, allowed or refused, is recorded in the hash-chained audit
log (:mod:`vault.audit`) before the data moves.

Erasure is crypto-shredding: the owner's wrapped data key is destroyed, their objects (every version) are
deleted and their index rows become tombstones; a later read fails with :class:`OwnerErased`.
"""

from __future__ import annotations

import hashlib
import io
import json
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO, cast

from sqlalchemy import exists, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, object_session, sessionmaker

from vault import crypto
from vault.access import AccessDenied, Actor, Operation, Role, role_may
from vault.audit import AuditEntry, AuditLog
from vault.index import Batch, Document, DocumentState, Dossier, DossierComponent, ObjectVersion, Owner
from vault.naming import object_name, owner_prefix, owner_ref
from vault.store import ObjectMissing, ObjectStore

__all__ = [
    "AccessDenied",
    "Actor",
    "DocumentNotFound",
    "OwnerErased",
    "RetentionActive",
    "RetentionPolicy",
    "Vault",
    "VaultOptions",
]


class OwnerErased(Exception):
    """The owner's data key was destroyed; their documents can no longer be read."""


class DocumentNotFound(Exception):
    pass


class RetentionActive(Exception):
    """Some of the owner's objects are under retention (object lock, governance mode)."""


@dataclass(frozen=True)
class RetentionPolicy:
    """How long each kind of object is locked (governance mode) when written; 0 days: not locked."""

    signed_days: int = 0
    original_days: int = 0

    def until(self, kind: str, now: datetime) -> datetime | None:
        days = self.signed_days if kind == "signed.pdf" else self.original_days
        return now + timedelta(days=days) if days > 0 else None

    @property
    def enabled(self) -> bool:
        return self.signed_days > 0 or self.original_days > 0


@dataclass(frozen=True)
class VaultOptions:
    pepper: bytes
    chunk_size: int = crypto.DEFAULT_CHUNK_SIZE
    retention: RetentionPolicy = field(default_factory=RetentionPolicy)


@dataclass(frozen=True)
class VersionInfo:
    kind: str
    version_id: str | None
    size: int
    plaintext_sha256: str | None
    created_at: datetime
    retained_until: datetime | None
    current: bool


@dataclass(frozen=True)
class Access:
    """One entry of "who accessed my documents": staff by user id, the owner as ``owner``."""

    seq: int
    at: datetime
    role: str
    who: str
    action: str
    outcome: str
    document_id: str | None


@dataclass(frozen=True)
class RotationReport:
    kek_id: str
    previous_kek_ids: tuple[str, ...]
    rewrapped: int
    remaining: int  # owners still wrapped by another KEK (locked meanwhile); run again


@dataclass(frozen=True)
class ErasureReport:
    documents: int
    objects_deleted: int
    erased_at: datetime


_DEFERRED_AUDIT = "sohoa.deferred_audit"  # Session.info key: entries held until the stage commits


class Vault:
    def __init__(
        self,
        store: ObjectStore,
        keys: crypto.KeyProvider,
        sessions: sessionmaker[Session],
        options: VaultOptions,
        audit: AuditLog | None = None,
    ) -> None:
        self.store = store
        self.keys = keys
        self.sessions = sessions
        self.options = options
        self.audit = audit or AuditLog(sessions)
        self._key_cache: dict[uuid.UUID, bytes] = {}
        self._lock = threading.Lock()

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self.sessions() as session, session.begin():
            yield session

    @contextmanager
    def deferred_audit(self, session: Session) -> Iterator[None]:
        """Within this block, the audit entries of actions done in ``session`` are appended at its end, in
        ``session``'s own transaction: they are committed with the work, or not at all.

        For a stage that a crash may cut short and a later attempt redo (the workers' I/O stage): an
        attempt killed after an upload but before its commit leaves no entry (its unrecorded object
        version is removed by the next attempt), so a redone stage leaves one audit entry per real
        action. Entries are held until the block ends, so the chain's head is locked only for the last
        moment of the transaction, not during uploads. Refusals are still recorded at once."""
        pending: list[AuditEntry] = []
        session.info[_DEFERRED_AUDIT] = pending
        try:
            yield
        finally:
            session.info.pop(_DEFERRED_AUDIT, None)
        for entry in pending:  # not reached when the block raised: the transaction is rolled back
            self.audit.append(entry, session, in_caller_transaction=True)

    # ---- owners and keys -------------------------------------------------------------------------
    def owner_ref(self, owner_id: str) -> str:
        return owner_ref(self.options.pepper, owner_id)

    def actor_ref(self, actor: Actor) -> str:
        """How the audit log names an actor: an owner by HMAC reference, staff by user id."""
        return self.owner_ref(actor.id) if actor.role is Role.OWNER else actor.id

    def find_owner(self, session: Session, owner_id: str) -> Owner | None:
        return session.scalars(select(Owner).where(Owner.owner_ref == self.owner_ref(owner_id))).one_or_none()

    def ensure_owner(
        self, session: Session, owner_id: str, kind: str = "citizen", actor: Actor | None = None
    ) -> Owner:
        """The owner row for this ID, created with a fresh wrapped data key on first sight."""
        reference = self.owner_ref(owner_id)
        owner = session.scalars(select(Owner).where(Owner.owner_ref == reference)).one_or_none()
        if owner is not None:
            if owner.erased_at is not None:
                raise OwnerErased("this owner's vault was erased")
            return owner
        actor = actor or Actor.system()
        self._require_role(session, actor, Operation.WRITE, "owner.create", owner_ref=reference)
        wrapped = self.keys.wrap(crypto.new_data_key(), reference.encode())
        owner = Owner(
            owner_ref=reference, kind=kind, kek_id=wrapped.kek_id, wrapped_data_key=wrapped.ciphertext
        )
        try:
            with session.begin_nested():
                session.add(owner)
        except IntegrityError:  # created meanwhile by another process
            owner = session.scalars(select(Owner).where(Owner.owner_ref == reference)).one()
            if owner.erased_at is not None:
                raise OwnerErased("this owner's vault was erased") from None
            return owner
        self._record(session, actor, "owner.create", owner_ref=reference)
        return owner

    def data_key(self, owner: Owner) -> bytes:
        if owner.erased_at is not None or owner.wrapped_data_key is None or owner.kek_id is None:
            raise OwnerErased(_erased_message(owner))
        with self._lock:
            key = self._key_cache.get(owner.id)
        if key is None:
            key = self.keys.unwrap(
                crypto.WrappedKey(owner.kek_id, owner.wrapped_data_key), owner.owner_ref.encode()
            )
            with self._lock:
                self._key_cache[owner.id] = key
        return key

    # ---- policy and audit -------------------------------------------------------------------------
    def _record(
        self,
        session: Session | None,
        actor: Actor,
        action: str,
        *,
        outcome: str = "ok",
        owner_ref: str | None = None,
        document_id: uuid.UUID | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        entry = AuditEntry(
            actor_role=actor.role.value,
            actor_ref=self.actor_ref(actor),
            action=action,
            outcome=outcome,
            owner_ref=owner_ref,
            document_id=str(document_id) if document_id is not None else None,
            detail=detail,
        )
        deferred = session.info.get(_DEFERRED_AUDIT) if session is not None else None
        if deferred is not None and outcome == "ok":
            deferred.append(entry)  # see deferred_audit
        else:
            self.audit.append(entry, session)

    def _deny(
        self,
        session: Session | None,
        actor: Actor,
        action: str,
        message: str,
        *,
        owner_ref: str | None = None,
        document_id: uuid.UUID | None = None,
    ) -> AccessDenied:
        self._record(session, actor, action, outcome="denied", owner_ref=owner_ref, document_id=document_id)
        return AccessDenied(message)

    def _require_role(
        self, session: Session | None, actor: Actor, operation: Operation, action: str, **refs: Any
    ) -> None:
        if not role_may(actor.role, operation):
            raise self._deny(
                session, actor, action, f"a {actor.role.value} may not {operation.value}", **refs
            )

    def clerk_handles(self, session: Session, clerk_id: str, document_id: uuid.UUID) -> bool:
        """Whether the clerk handles a dossier this document belongs to (or received its batch)."""
        via_batch = (
            select(Document.id)
            .join(Batch, Document.batch_id == Batch.id)
            .outerjoin(Dossier, Batch.dossier_id == Dossier.id)
            .where(Document.id == document_id, or_(Batch.clerk == clerk_id, Dossier.clerk == clerk_id))
        )
        via_component = (
            select(DossierComponent.id)
            .join(Dossier, DossierComponent.dossier_id == Dossier.id)
            .where(DossierComponent.document_id == document_id, Dossier.clerk == clerk_id)
        )
        return bool(session.scalar(select(exists(via_batch) | exists(via_component))))

    def clerk_handles_owner(self, session: Session, clerk_id: str, owner: Owner) -> bool:
        """Whether the clerk handles a dossier of this owner (or received a batch of theirs)."""
        dossier = select(Dossier.id).where(Dossier.owner_id == owner.id, Dossier.clerk == clerk_id)
        batch = (
            select(Document.id)
            .join(Batch, Document.batch_id == Batch.id)
            .where(Document.owner_id == owner.id, Batch.clerk == clerk_id)
        )
        return bool(session.scalar(select(exists(dossier) | exists(batch))))

    def _authorize_document(
        self, session: Session, actor: Actor, operation: Operation, document: Document, action: str
    ) -> None:
        refs: dict[str, Any] = {"owner_ref": document.owner.owner_ref, "document_id": document.id}
        self._require_role(session, actor, operation, action, **refs)
        if actor.role is Role.OWNER and document.owner.owner_ref != self.owner_ref(actor.id):
            raise self._deny(session, actor, action, "this document belongs to another owner", **refs)
        if actor.role is Role.CLERK and not self.clerk_handles(session, actor.id, document.id):
            raise self._deny(
                session, actor, action, "this document is not in a dossier the clerk handles", **refs
            )
        self._record(session, actor, action, **refs)

    def _authorize_owner(
        self, session: Session, actor: Actor, operation: Operation, owner: Owner | None, ref: str, action: str
    ) -> None:
        self._require_role(session, actor, operation, action, owner_ref=ref)
        if actor.role is Role.OWNER and ref != self.owner_ref(actor.id):
            raise self._deny(session, actor, action, "another owner's vault", owner_ref=ref)
        if actor.role is Role.CLERK and (
            owner is None or not self.clerk_handles_owner(session, actor.id, owner)
        ):
            raise self._deny(
                session, actor, action, "no dossier of this owner is handled by the clerk", owner_ref=ref
            )
        self._record(session, actor, action, owner_ref=ref)

    # ---- objects ---------------------------------------------------------------------------------
    def _put_encrypted(
        self, owner: Owner, document_id: uuid.UUID, kind: str, source: BinaryIO, size: int
    ) -> tuple[str, str | None, datetime | None]:
        name = object_name(owner.owner_ref, document_id, kind)
        context = crypto.object_context(name, owner.owner_ref, str(document_id))
        reader = crypto.EncryptingReader(self.data_key(owner), context, source, self.options.chunk_size)
        length = crypto.ciphertext_length(size, self.options.chunk_size)
        retain_until = self.options.retention.until(kind, datetime.now(UTC))
        version = self.store.put(name, cast(BinaryIO, reader), length, retain_until=retain_until)
        return name, version, retain_until

    def _decrypt_into(
        self, owner: Owner, document_id: uuid.UUID, name: str, version: str | None, sink: BinaryIO
    ) -> int:
        context = crypto.object_context(name, owner.owner_ref, str(document_id))
        key = self.data_key(owner)
        written = 0
        try:
            with self.store.stream(name, version) as body:
                # Small objects (up to 4 chunks): one read of the whole body. Large ones: read ahead while
                # decrypting (two chunks), so the two overlap; memory stays a few chunks.
                length = getattr(body, "length", None) or 0
                small = 0 < length <= 4 * (self.options.chunk_size + crypto.TAG_SIZE)
                source = cast(BinaryIO, io.BytesIO(body.read())) if small else body
                prefetch = 0 if small else 2
                for chunk in crypto.decrypt_chunks(key, context, source, prefetch=prefetch):
                    sink.write(chunk)
                    written += len(chunk)
        except ObjectMissing:
            if owner.erased_at is not None:
                raise OwnerErased(_erased_message(owner)) from None
            raise
        return written

    def _version_row(
        self,
        session: Session,
        document: Document,
        owner: Owner,
        kind: str,
        name: str,
        version: str | None,
        digest: str,
        size: int,
        retain_until: datetime | None,
    ) -> None:
        session.add(
            ObjectVersion(
                document_id=document.id,
                kind=kind,
                object_name=name,
                version_id=version,
                plaintext_sha256=digest,
                size=size,
                kek_id=owner.kek_id,
                retained_until=retain_until,
            )
        )

    def store_original(
        self,
        session: Session,
        owner: Owner,
        path: Path,
        *,
        actor: Actor,
        batch: Batch | None,
        position: int,
        media_type: str,
    ) -> tuple[Document, bool]:
        """Store the file encrypted, hashing it on the way (one pass); the same original for the same owner
        is one document. Returns the document and whether it was created now."""
        refs: dict[str, Any] = {"owner_ref": owner.owner_ref}
        self._require_role(session, actor, Operation.WRITE, "original.put", **refs)
        if owner.erased_at is not None:
            raise OwnerErased(_erased_message(owner))
        document_id = uuid.uuid4()
        size = path.stat().st_size
        self._record(session, actor, "original.put", document_id=document_id, **refs)
        with path.open("rb") as handle:
            source = _HashingReader(handle)
            name, version, retain_until = self._put_encrypted(
                owner, document_id, "original", cast(BinaryIO, source), size
            )
        digest = source.hexdigest()
        existing = session.scalars(
            select(Document).where(Document.owner_id == owner.id, Document.original_sha256 == digest)
        ).one_or_none()
        if existing is None:
            document = Document(
                id=document_id,
                owner_id=owner.id,
                batch_id=batch.id if batch is not None else None,
                source_name_hash=hashlib.sha256(path.name.encode()).hexdigest(),
                source_position=position,
                original_sha256=digest,
                original_size=size,
                media_type=media_type,
                state=DocumentState.RECEIVED,
                original_object=name,
                original_version=version,
            )
            try:
                with session.begin_nested():
                    session.add(document)
                    session.flush()
                    self._version_row(
                        session, document, owner, "original", name, version, digest, size, retain_until
                    )
                    session.flush()
                return document, True
            except IntegrityError:  # the same original stored meanwhile by another process
                existing = session.scalars(
                    select(Document).where(Document.owner_id == owner.id, Document.original_sha256 == digest)
                ).one()
        # A duplicate: the object just written is not needed (unless locked by retention; then it stays,
        # unreferenced ciphertext, until its retention ends).
        if retain_until is None:
            self.store.client.remove_object(self.store.bucket, name, version_id=version)
        return existing, False

    def store_signed(self, document: Document, pdf: bytes, *, actor: Actor) -> None:
        session = _session_of(document)
        self._authorize_document(session, actor, Operation.WRITE, document, "signed.put")
        name, version, retain_until = self._put_encrypted(
            document.owner, document.id, "signed.pdf", io.BytesIO(pdf), len(pdf)
        )
        digest = hashlib.sha256(pdf).hexdigest()
        document.signed_object = name
        document.signed_version = version
        document.signed_sha256 = digest
        self._version_row(
            session, document, document.owner, "signed.pdf", name, version, digest, len(pdf), retain_until
        )

    def read_original(self, document: Document, *, actor: Actor) -> bytes:
        return self._read(_session_of(document), actor, document, "original", None)

    def read_signed(self, document: Document, *, actor: Actor) -> bytes:
        return self._read(_session_of(document), actor, document, "signed.pdf", None)

    def read(
        self,
        session: Session,
        actor: Actor,
        document_id: uuid.UUID,
        kind: str = "signed.pdf",
        version_id: str | None = None,
    ) -> bytes:
        return self._read(session, actor, self._document(session, document_id), kind, version_id)

    def read_into(
        self,
        session: Session,
        actor: Actor,
        document_id: uuid.UUID,
        sink: BinaryIO,
        kind: str = "signed.pdf",
        version_id: str | None = None,
    ) -> int:
        """Decrypt one of a document's objects into ``sink`` chunk by chunk (memory stays one chunk)."""
        document = self._document(session, document_id)
        return self._read_to(session, actor, document, kind, version_id, sink)

    def _read(
        self, session: Session, actor: Actor, document: Document, kind: str, version_id: str | None
    ) -> bytes:
        sink = io.BytesIO()
        self._read_to(session, actor, document, kind, version_id, sink)
        return sink.getvalue()

    def _read_to(
        self,
        session: Session,
        actor: Actor,
        document: Document,
        kind: str,
        version_id: str | None,
        sink: BinaryIO,
    ) -> int:
        action = "original.read" if kind == "original" else "signed.read"
        self._authorize_document(session, actor, Operation.READ_CONTENT, document, action)
        if document.owner.erased_at is not None:
            raise OwnerErased(_erased_message(document.owner))
        if kind == "original":
            name, current = document.original_object, document.original_version
        elif kind == "signed.pdf":
            if document.signed_object is None:
                raise DocumentNotFound("this document has no signed copy (not processed, or rejected)")
            name, current = document.signed_object, document.signed_version
        else:
            raise ValueError("unknown object kind")
        return self._decrypt_into(document.owner, document.id, name, version_id or current, sink)

    # ---- sealed fields ---------------------------------------------------------------------------
    def seal_fields(self, document: Document, fields: dict[str, Any], *, actor: Actor) -> None:
        self._authorize_document(_session_of(document), actor, Operation.WRITE, document, "fields.seal")
        plaintext = json.dumps(fields, ensure_ascii=False, sort_keys=True, default=str).encode()
        document.fields_sealed = crypto.seal_small(
            self.data_key(document.owner), _fields_context(document), plaintext
        )

    def open_fields(self, document: Document, *, actor: Actor) -> dict[str, Any]:
        self._authorize_document(
            _session_of(document), actor, Operation.READ_CONTENT, document, "fields.read"
        )
        if document.owner.erased_at is not None:
            raise OwnerErased(_erased_message(document.owner))
        if document.fields_sealed is None:
            return {}
        plaintext = crypto.open_small(
            self.data_key(document.owner), _fields_context(document), document.fields_sealed
        )
        return dict(json.loads(plaintext))

    # ---- metadata --------------------------------------------------------------------------------
    def _document(self, session: Session, document_id: uuid.UUID) -> Document:
        document = session.get(Document, document_id)
        if document is None:
            raise DocumentNotFound("no such document")
        return document

    def get(self, session: Session, actor: Actor, document_id: uuid.UUID) -> Document:
        """A document's index row (metadata, signature information), as the policy allows."""
        document = self._document(session, document_id)
        self._authorize_document(session, actor, Operation.READ_METADATA, document, "document.get")
        return document

    def get_for_owner(self, session: Session, document_id: uuid.UUID, owner_id: str) -> Document:
        return self.get(session, Actor.owner(owner_id), document_id)

    def list_documents(self, session: Session, actor: Actor, owner_id: str) -> list[Document]:
        reference = self.owner_ref(owner_id)
        owner = session.scalars(select(Owner).where(Owner.owner_ref == reference)).one_or_none()
        self._authorize_owner(session, actor, Operation.READ_METADATA, owner, reference, "document.list")
        if owner is None:
            return []
        query = select(Document).where(Document.owner_id == owner.id).order_by(Document.created_at)
        return list(session.scalars(query))

    def list_for_owner(self, session: Session, owner_id: str) -> list[Document]:
        return self.list_documents(session, Actor.owner(owner_id), owner_id)

    def valid_documents(
        self, session: Session, actor: Actor, owner_id: str, document_type: str, today: date
    ) -> list[Document]:
        """The owner's usable documents of a type: stored, validly signed, not revoked or superseded, not
        expired on ``today``. Newest first."""
        reference = self.owner_ref(owner_id)
        owner = session.scalars(select(Owner).where(Owner.owner_ref == reference)).one_or_none()
        self._authorize_owner(session, actor, Operation.READ_METADATA, owner, reference, "document.lookup")
        if owner is None:
            return []
        return list(session.scalars(valid_documents_query(owner.id, document_type, today)))

    def versions(self, session: Session, actor: Actor, document_id: uuid.UUID) -> list[VersionInfo]:
        document = self._document(session, document_id)
        self._authorize_document(session, actor, Operation.READ_METADATA, document, "document.versions")
        current = {document.original_version, document.signed_version}
        return [
            VersionInfo(
                kind=v.kind,
                version_id=v.version_id,
                size=v.size,
                plaintext_sha256=v.plaintext_sha256,
                created_at=v.created_at,
                retained_until=v.retained_until,
                current=v.version_id in current,
            )
            for v in document.versions
        ]

    # ---- revocation and supersession --------------------------------------------------------------
    def revoke(self, session: Session, actor: Actor, document_id: uuid.UUID, reason_code: str) -> Document:
        """Mark a document revoked (no longer usable or reusable); its objects stay readable as history."""
        if not reason_code.replace("_", "").isalnum() or len(reason_code) > 48:
            raise ValueError("a revocation reason is a short code, e.g. lost_or_stolen")
        document = self._document(session, document_id)
        self._authorize_document(session, actor, Operation.MANAGE, document, "document.revoke")
        if document.revoked_at is None:
            document.revoked_at = datetime.now(UTC)
            document.revoked_reason = reason_code
        return document

    def supersede(
        self, session: Session, actor: Actor, document_id: uuid.UUID, by_document_id: uuid.UUID
    ) -> Document:
        """Record that ``by_document_id`` (a newer document of the same owner) replaces ``document_id``."""
        old = self._document(session, document_id)
        new = self._document(session, by_document_id)
        self._authorize_document(session, actor, Operation.MANAGE, old, "document.supersede")
        self._authorize_document(session, actor, Operation.MANAGE, new, "document.supersede")
        if old.id == new.id or old.owner_id != new.owner_id:
            raise ValueError("a document is superseded by another document of the same owner")
        cursor: Document | None = new
        while cursor is not None:  # no cycles
            if cursor.superseded_by == old.id:
                raise ValueError("the newer document is itself superseded by this one")
            cursor = session.get(Document, cursor.superseded_by) if cursor.superseded_by else None
        old.superseded_by = new.id
        return old

    # ---- key rotation ----------------------------------------------------------------------------
    def rotate_keys(self, actor: Actor, *, new_kek: bool = True, batch_size: int = 200) -> RotationReport:
        """Re-wrap every owner's data key under the current (with ``new_kek``: a new) KEK. Objects are not
        touched; reads keep working throughout (old KEKs stay available for unwrapping)."""
        with self.session() as session:
            self._require_role(session, actor, Operation.ROTATE_KEYS, "keys.rotate")
        if new_kek:
            self.keys.rotate()
        target = self.keys.current_id
        self._record(None, actor, "keys.rotate", detail={"to": target, "phase": "start"})
        previous: set[str] = set()
        rewrapped = 0
        while True:
            with self.session() as session:
                owners = list(
                    session.scalars(
                        select(Owner)
                        .where(
                            Owner.erased_at.is_(None),
                            Owner.wrapped_data_key.is_not(None),
                            Owner.kek_id != target,
                        )
                        .order_by(Owner.id)
                        .limit(batch_size)
                        .with_for_update(skip_locked=True)
                    )
                )
                for owner in owners:
                    assert owner.kek_id is not None and owner.wrapped_data_key is not None
                    context = owner.owner_ref.encode()
                    data_key = self.keys.unwrap(
                        crypto.WrappedKey(owner.kek_id, owner.wrapped_data_key), context
                    )
                    wrapped = self.keys.wrap(data_key, context)
                    previous.add(owner.kek_id)
                    owner.kek_id, owner.wrapped_data_key = wrapped.kek_id, wrapped.ciphertext
                rewrapped += len(owners)
            if not owners:
                break
        with self.session() as session:
            remaining = session.scalar(
                select(func.count())
                .select_from(Owner)
                .where(Owner.erased_at.is_(None), Owner.wrapped_data_key.is_not(None), Owner.kek_id != target)
            )
        report = RotationReport(target, tuple(sorted(previous)), rewrapped, int(remaining or 0))
        self._record(
            None,
            actor,
            "keys.rotate",
            detail={"to": target, "rewrapped": rewrapped, "remaining": report.remaining},
        )
        return report

    # ---- erasure ---------------------------------------------------------------------------------
    def erase_owner(self, actor: Actor, owner_id: str, *, bypass_retention: bool = False) -> ErasureReport:
        """Crypto-shred an owner: destroy the wrapped data key, tombstone the index rows, delete every
        object version under the owner's prefix. Refused while objects are under retention, unless
        ``bypass_retention`` (governance mode: needs the bypass permission on the store). Idempotent: run
        again after a storage failure, it deletes what is left."""
        reference = self.owner_ref(owner_id)
        now = datetime.now(UTC)
        with self.session() as session:
            self._require_role(session, actor, Operation.ERASE, "owner.erase", owner_ref=reference)
            owner = session.scalars(
                select(Owner).where(Owner.owner_ref == reference).with_for_update()
            ).one_or_none()
            if owner is None:
                raise DocumentNotFound("no vault for this owner")
            documents = list(session.scalars(select(Document).where(Document.owner_id == owner.id)))
            if not bypass_retention:
                locked = session.scalar(
                    select(func.max(ObjectVersion.retained_until))
                    .join(Document, ObjectVersion.document_id == Document.id)
                    .where(Document.owner_id == owner.id, ObjectVersion.retained_until > now)
                )
                if locked is not None:
                    self._record(session, actor, "owner.erase", outcome="refused", owner_ref=reference)
                    raise RetentionActive(
                        f"objects of this owner are under retention until {locked:%Y-%m-%d}; "
                        "erase with the retention bypass (governance mode) if the law allows"
                    )
            self._record(
                session,
                actor,
                "owner.erase",
                owner_ref=reference,
                detail={"documents": len(documents), "bypass_retention": bypass_retention},
            )
            owner.wrapped_data_key = None
            owner.kek_id = None
            owner.erased_at = owner.erased_at or now
            erased_at = owner.erased_at
            for document in documents:
                _tombstone(document, now)
            owner_pk = owner.id
        with self._lock:
            self._key_cache.pop(owner_pk, None)
        deleted = self.store.delete_all_versions(owner_prefix(reference), bypass_governance=bypass_retention)
        self._record(None, actor, "owner.erase.objects", owner_ref=reference, detail={"deleted": deleted})
        return ErasureReport(len(documents), deleted, erased_at)

    # ---- who accessed my documents -----------------------------------------------------------------
    def accesses(self, session: Session, actor: Actor, owner_id: str, limit: int = 1000) -> list[Access]:
        reference = self.owner_ref(owner_id)
        owner = session.scalars(select(Owner).where(Owner.owner_ref == reference)).one_or_none()
        self._authorize_owner(session, actor, Operation.READ_ACCESSES, owner, reference, "audit.accesses")
        return [
            Access(
                seq=r.seq,
                at=r.at if r.at.tzinfo else r.at.replace(tzinfo=UTC),
                role=r.actor_role,
                who="owner" if r.actor_role == Role.OWNER.value else r.actor_ref,
                action=r.action,
                outcome=r.outcome,
                document_id=r.document_id,
            )
            for r in self.audit.for_owner(session, reference, limit)
        ]


def valid_documents_query(owner: uuid.UUID | str, document_type: str, today: date) -> Any:
    """The lookup "valid documents of type T of owner O" (reuse), served by ix_documents_owner_type_state.
    ``owner`` is the owner's primary key, or their HMAC reference (joined in: one round trip)."""
    query = select(Document)
    if isinstance(owner, str):
        query = query.join(Owner, Document.owner_id == Owner.id).where(Owner.owner_ref == owner)
    else:
        query = query.where(Document.owner_id == owner)
    return query.where(
        Document.document_type == document_type,
        Document.state == DocumentState.STORED,
        Document.signature_valid.is_(True),
        Document.revoked_at.is_(None),
        Document.superseded_by.is_(None),
        or_(Document.valid_until.is_(None), Document.valid_until >= today),
    ).order_by(Document.created_at.desc())


def _tombstone(document: Document, now: datetime) -> None:
    """Keep the row (ids, type, dates of the process) for the record and the indicators; drop every value
    that could tell anything about the person or confirm a copy of their document."""
    document.state = DocumentState.ERASED
    document.erased_at = document.erased_at or now
    document.fields_sealed = None
    document.source_name_hash = None
    document.review_reasons = None
    document.original_sha256 = "erased-" + document.id.hex
    document.signed_sha256 = None
    document.valid_from = None
    document.valid_until = None
    for version in document.versions:
        version.plaintext_sha256 = None


def _erased_message(owner: Owner) -> str:
    when = f" on {owner.erased_at:%Y-%m-%d}" if owner.erased_at else ""
    return f"this owner's vault was erased{when}: the data key is destroyed and the documents cannot be read"


def _session_of(document: Document) -> Session:
    session = object_session(document)
    if session is None:
        raise ValueError("the document is not attached to a session")
    return session


def _fields_context(document: Document) -> bytes:
    return f"{document.owner.owner_ref}\x1f{document.id}".encode()


class _HashingReader(io.RawIOBase):
    """Reads through ``source`` and hashes what passes (SHA-256), so a file is read once."""

    def __init__(self, source: BinaryIO) -> None:
        self._source = source
        self._digest = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self._source.read(size)
        self._digest.update(data)
        return data

    def readinto(self, target: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self.read(len(target))
        target[: len(data)] = data
        return len(data)

    def hexdigest(self) -> str:
        return self._digest.hexdigest()
