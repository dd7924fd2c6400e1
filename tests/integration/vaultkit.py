"""Helpers for the vault's integration tests: documents filed as intake and a worker would; raw reads."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from minio import Minio

from schemas.procedures import load_catalogue
from vault.access import Actor
from vault.dossiers import register_dossier
from vault.index import Batch, DocumentState
from vault.vault import Vault

PROCEDURE = "2.000488"
FULL_NAME = "NGUYỄN THỊ MINH KHAI"
BIRTH = "12/03/1987"


@dataclass
class Filed:
    owner_id: str
    document_id: uuid.UUID
    original: bytes
    signed: bytes
    clerk: str


def new_owner_id() -> str:
    return "0010" + "".join(secrets.choice("0123456789") for _ in range(8))


def pdf_bytes(owner_id: str, label: str) -> bytes:
    """A small PDF-like file carrying the personal values that must never reach MinIO in clear."""
    body = f"%PDF-1.7\n% {label}\nHo va ten: {FULL_NAME}\nSo CCCD: {owner_id}\nNgay sinh: {BIRTH}\n%%EOF\n"
    return body.encode() + secrets.token_bytes(64)


def file_document(
    vault: Vault,
    tmp_path: Path,
    *,
    owner_id: str | None = None,
    clerk: str = "clerk-a",
    document_type: str = "cccd_2021",
    valid_until: date | None = None,
) -> Filed:
    """What intake and a worker do, without the OCR pipeline: a dossier handled by ``clerk``, the original
    stored encrypted by the clerk, a signed copy and sealed fields written by the worker."""
    owner_id = owner_id or new_owner_id()
    original = pdf_bytes(owner_id, "original")
    signed = pdf_bytes(owner_id, "signed")
    path = tmp_path / f"scan-{uuid.uuid4().hex}.pdf"
    path.write_bytes(original)
    clerk_actor = Actor.clerk(clerk)
    worker = Actor.system()
    with vault.session() as session:
        owner = vault.ensure_owner(session, owner_id, actor=clerk_actor)
        dossier = register_dossier(
            session,
            owner,
            load_catalogue().get(PROCEDURE),
            agency_code="000.00.99.T01",
            clerk=clerk,
            received_at=datetime.now(UTC),
        )
        batch = Batch(dossier_id=dossier.id, clerk=clerk)
        session.add(batch)
        session.flush()
        document, created = vault.store_original(
            session, owner, path, actor=clerk_actor, batch=batch, position=1, media_type="application/pdf"
        )
        assert created
        vault.store_signed(document, signed, actor=worker)
        vault.seal_fields(
            document,
            {"id_number": {"value": owner_id}, "full_name": {"value": FULL_NAME}, "dob": {"value": BIRTH}},
            actor=worker,
        )
        document.state = DocumentState.STORED
        document.document_type = document_type
        document.signature_valid = True
        document.signature_level = "B-B"
        document.valid_until = valid_until
        document_id = document.id
    return Filed(owner_id, document_id, original, signed, clerk)


def raw_objects(raw: Minio, bucket: str, prefix: str = "v1/") -> dict[tuple[str, str | None], bytes]:
    """Every version of every object under ``prefix``, byte for byte, as MinIO holds it."""
    found = {}
    for item in raw.list_objects(bucket, prefix=prefix, recursive=True, include_version=True):
        if item.is_delete_marker:
            continue
        response = raw.get_object(bucket, item.object_name, version_id=item.version_id)
        try:
            found[(item.object_name, item.version_id)] = response.read()
        finally:
            response.close()
            response.release_conn()
    return found
