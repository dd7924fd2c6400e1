"""The per-owner encrypted vault: originals and signed documents in the object store, rows in the index.

The vault enforces ownership itself: every read names the owner on whose behalf it is made, and a document
of another owner is refused, whatever the caller's user interface does.
"""

from __future__ import annotations

import hashlib
import io
import json
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, cast

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from vault import crypto
from vault.index import Batch, Document, DocumentState, Owner
from vault.naming import object_name, owner_ref
from vault.store import ObjectStore


class AccessDenied(Exception):
    """The document does not belong to the owner the read is made for."""


class OwnerErased(Exception):
    """The owner's data key was destroyed; their documents can no longer be read."""


class DocumentNotFound(Exception):
    pass


@dataclass(frozen=True)
class VaultOptions:
    pepper: bytes
    chunk_size: int = crypto.DEFAULT_CHUNK_SIZE


class Vault:
    def __init__(
        self,
        store: ObjectStore,
        keys: crypto.KeyProvider,
        sessions: sessionmaker[Session],
        options: VaultOptions,
    ) -> None:
        self.store = store
        self.keys = keys
        self.sessions = sessions
        self.options = options
        self._key_cache: dict[uuid.UUID, bytes] = {}
        self._lock = threading.Lock()

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self.sessions() as session, session.begin():
            yield session

    # ---- owners and keys -------------------------------------------------------------------------
    def owner_ref(self, owner_id: str) -> str:
        return owner_ref(self.options.pepper, owner_id)

    def find_owner(self, session: Session, owner_id: str) -> Owner | None:
        return session.scalars(select(Owner).where(Owner.owner_ref == self.owner_ref(owner_id))).one_or_none()

    def ensure_owner(self, session: Session, owner_id: str, kind: str = "citizen") -> Owner:
        """The owner row for this ID, created with a fresh wrapped data key on first sight."""
        reference = self.owner_ref(owner_id)
        owner = session.scalars(select(Owner).where(Owner.owner_ref == reference)).one_or_none()
        if owner is not None:
            if owner.erased_at is not None:
                raise OwnerErased("this owner's vault was erased")
            return owner
        wrapped = self.keys.wrap(crypto.new_data_key(), reference.encode())
        owner = Owner(
            owner_ref=reference, kind=kind, kek_id=wrapped.kek_id, wrapped_data_key=wrapped.ciphertext
        )
        with session.begin_nested():
            session.add(owner)
        return owner

    def data_key(self, owner: Owner) -> bytes:
        if owner.erased_at is not None or owner.wrapped_data_key is None or owner.kek_id is None:
            raise OwnerErased("this owner's vault was erased")
        with self._lock:
            key = self._key_cache.get(owner.id)
        if key is None:
            key = self.keys.unwrap(
                crypto.WrappedKey(owner.kek_id, owner.wrapped_data_key), owner.owner_ref.encode()
            )
            with self._lock:
                self._key_cache[owner.id] = key
        return key

    # ---- objects ---------------------------------------------------------------------------------
    def _put_encrypted(
        self, owner: Owner, document_id: uuid.UUID, kind: str, source: BinaryIO, size: int
    ) -> tuple[str, str | None]:
        name = object_name(owner.owner_ref, document_id, kind)
        context = crypto.object_context(name, owner.owner_ref, str(document_id))
        reader = crypto.EncryptingReader(self.data_key(owner), context, source, self.options.chunk_size)
        length = crypto.ciphertext_length(size, self.options.chunk_size)
        version = self.store.put(name, cast(BinaryIO, reader), length)
        return name, version

    def _read_decrypted(self, owner: Owner, document_id: uuid.UUID, name: str, version: str | None) -> bytes:
        context = crypto.object_context(name, owner.owner_ref, str(document_id))
        key = self.data_key(owner)
        with self.store.stream(name, version) as body:
            return b"".join(crypto.decrypt_chunks(key, context, body))

    def store_original(
        self,
        session: Session,
        owner: Owner,
        path: Path,
        *,
        batch: Batch | None,
        position: int,
        media_type: str,
    ) -> tuple[Document, bool]:
        """Hash the file and store it encrypted; the same original for the same owner is one document.

        Returns the document and whether it was created now.
        """
        digest = _sha256_file(path)
        existing = session.scalars(
            select(Document).where(Document.owner_id == owner.id, Document.original_sha256 == digest)
        ).one_or_none()
        if existing is not None:
            return existing, False
        document_id = uuid.uuid4()
        size = path.stat().st_size
        with path.open("rb") as source:
            name, version = self._put_encrypted(owner, document_id, "original", source, size)
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
        session.add(document)
        session.flush()
        return document, True

    def read_original(self, document: Document) -> bytes:
        return self._read_decrypted(
            document.owner, document.id, document.original_object, document.original_version
        )

    def store_signed(self, document: Document, pdf: bytes) -> None:
        name, version = self._put_encrypted(
            document.owner, document.id, "signed.pdf", io.BytesIO(pdf), len(pdf)
        )
        document.signed_object = name
        document.signed_version = version
        document.signed_sha256 = hashlib.sha256(pdf).hexdigest()

    def read_signed(self, document: Document) -> bytes:
        if document.signed_object is None:
            raise DocumentNotFound("this document has no signed copy (not processed, or rejected)")
        return self._read_decrypted(
            document.owner, document.id, document.signed_object, document.signed_version
        )

    # ---- sealed fields ---------------------------------------------------------------------------
    def seal_fields(self, document: Document, fields: dict[str, Any]) -> None:
        plaintext = json.dumps(fields, ensure_ascii=False, sort_keys=True, default=str).encode()
        document.fields_sealed = crypto.seal_small(
            self.data_key(document.owner), _fields_context(document), plaintext
        )

    def open_fields(self, document: Document) -> dict[str, Any]:
        if document.fields_sealed is None:
            return {}
        plaintext = crypto.open_small(
            self.data_key(document.owner), _fields_context(document), document.fields_sealed
        )
        return dict(json.loads(plaintext))

    # ---- owner-checked reads ---------------------------------------------------------------------
    def get_for_owner(self, session: Session, document_id: uuid.UUID, owner_id: str) -> Document:
        document = session.get(Document, document_id)
        if document is None:
            raise DocumentNotFound("no such document")
        if document.owner.owner_ref != self.owner_ref(owner_id):
            raise AccessDenied("this document belongs to another owner")
        return document

    def list_for_owner(self, session: Session, owner_id: str) -> list[Document]:
        owner = self.find_owner(session, owner_id)
        if owner is None:
            return []
        return list(
            session.scalars(
                select(Document).where(Document.owner_id == owner.id).order_by(Document.created_at)
            )
        )


def _fields_context(document: Document) -> bytes:
    return f"{document.owner.owner_ref}\x1f{document.id}".encode()


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()
