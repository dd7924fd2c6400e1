"""The vault's SQL index (SQLAlchemy 2; PostgreSQL in tests and production, SQLite by default).

Personal data is kept out of clear columns: owners are known by an HMAC reference, extracted fields are
sealed under the owner's data key. What stays clear is what search, reuse and reporting need: document
type, validity dates, hashes, signature level, state.
"""

from __future__ import annotations

import enum
import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
    Uuid,
    create_engine,
    event,
    false,
    text,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, sessionmaker


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    pass


class DocumentState(enum.StrEnum):
    RECEIVED = "received"  # original stored encrypted, queued
    PROCESSING = "processing"
    STORED = "stored"  # signed, in the vault, usable
    NEEDS_REVIEW = "needs_review"  # signed and stored, but a field failed validation or is unsure
    REJECTED = "rejected"  # permanent problem with the input; original kept
    ERASED = "erased"  # tombstone: the owner's vault was erased (crypto-shredded)

    @property
    def final(self) -> bool:
        return self in (
            DocumentState.STORED,
            DocumentState.NEEDS_REVIEW,
            DocumentState.REJECTED,
            DocumentState.ERASED,
        )


class Provenance(enum.StrEnum):
    """Where a dossier component came from (the official formulas count the last three as reuse of
    already digitised data, and ``portal_store`` also as linked to the citizen store, indicator 4.4)."""

    NEW_SCAN = "new_scan"  # scanned at the counter for this dossier
    REUSED = "reused"  # a document already in the owner's vault here
    NATIONAL_DB = "national_db"  # data taken from a national database (population, land, business…)
    PORTAL_STORE = "portal_store"  # taken from the citizen's store on the national portal


REUSE_PROVENANCES = (Provenance.REUSED, Provenance.NATIONAL_DB, Provenance.PORTAL_STORE)

# A document that is not (or no longer) a digitised copy: not stored and signed, or signed invalidly. Few
# rows; a partial index holds them, so the indicators join dossiers to this small set, not to every document.
UNDIGITISED_DOCUMENT_SQL = "state NOT IN ('stored', 'needs_review') OR signature_valid IS NOT TRUE"


class DossierStep(enum.StrEnum):
    """The five steps on the spot, in order."""

    RECEIVED = "received"
    APPRAISED = "appraised"
    APPROVED = "approved"
    SEALED = "sealed"
    RETURNED = "returned"


class Owner(Base):
    __tablename__ = "owners"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    owner_ref: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16), default="citizen")
    kek_id: Mapped[str | None] = mapped_column(String(64))
    wrapped_data_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    erased_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Batch(Base):
    __tablename__ = "batches"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    dossier_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("dossiers.id"))
    clerk: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    dossier: Mapped[Dossier | None] = relationship()
    documents: Mapped[list[Document]] = relationship(
        back_populates="batch", order_by="Document.source_position"
    )


class Document(Base):
    __tablename__ = "documents"
    __table_args__ = (
        UniqueConstraint("owner_id", "original_sha256", name="uq_documents_owner_original"),
        Index("ix_documents_owner_type_state", "owner_id", "document_type", "state"),
        Index("ix_documents_state_updated", "state", "updated_at"),
        Index(
            "ix_documents_undigitised",
            "id",
            postgresql_where=text(UNDIGITISED_DOCUMENT_SQL),
            sqlite_where=text(UNDIGITISED_DOCUMENT_SQL),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    owner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("owners.id"))
    batch_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("batches.id"))
    source_name_hash: Mapped[str | None] = mapped_column(String(64))  # file names may carry names
    source_position: Mapped[int] = mapped_column(Integer, default=0)
    original_sha256: Mapped[str] = mapped_column(String(64))
    original_size: Mapped[int] = mapped_column(Integer)
    media_type: Mapped[str] = mapped_column(String(64))
    page_count: Mapped[int | None] = mapped_column(Integer)
    state: Mapped[DocumentState] = mapped_column(
        Enum(DocumentState, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e]),
        default=DocumentState.RECEIVED,
    )
    reason_code: Mapped[str | None] = mapped_column(String(48))
    reason_page: Mapped[int | None] = mapped_column(Integer)
    review_reasons: Mapped[list[dict[str, str]] | None] = mapped_column(JSON)
    document_type: Mapped[str | None] = mapped_column(String(48))
    type_confidence: Mapped[float | None] = mapped_column(Float)
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    fields_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    original_object: Mapped[str] = mapped_column(String(200))
    original_version: Mapped[str | None] = mapped_column(String(64))
    signed_object: Mapped[str | None] = mapped_column(String(200))
    signed_version: Mapped[str | None] = mapped_column(String(64))
    signed_sha256: Mapped[str | None] = mapped_column(String(64))
    signature_level: Mapped[str | None] = mapped_column(String(8))
    signature_valid: Mapped[bool | None] = mapped_column()
    signer: Mapped[str | None] = mapped_column(String(200))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_reason: Mapped[str | None] = mapped_column(String(48))
    erased_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    superseded_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("documents.id"))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # Workers (issue 8): the message that holds the document's current stage and until when; when a message
    # for it was last queued (None: not queued, the reconciler queues it).
    lease_holder: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    queued_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    owner: Mapped[Owner] = relationship()
    batch: Mapped[Batch | None] = relationship(back_populates="documents")
    versions: Mapped[list[ObjectVersion]] = relationship(
        back_populates="document", order_by="ObjectVersion.id", cascade="all, delete-orphan"
    )


class ObjectVersion(Base):
    """One write of one of a document's objects (the bucket is versioned: nothing is overwritten)."""

    __tablename__ = "object_versions"
    __table_args__ = (Index("ix_object_versions_document", "document_id", "kind"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    document_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("documents.id"))
    kind: Mapped[str] = mapped_column(String(16))
    object_name: Mapped[str] = mapped_column(String(200))
    version_id: Mapped[str | None] = mapped_column(String(64))
    plaintext_sha256: Mapped[str | None] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    kek_id: Mapped[str | None] = mapped_column(String(64))  # informative: the KEK when written
    retained_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    document: Mapped[Document] = relationship(back_populates="versions")


class Dossier(Base):
    __tablename__ = "dossiers"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    owner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("owners.id"))
    procedure_code: Mapped[str] = mapped_column(String(16))
    agency_code: Mapped[str] = mapped_column(String(24))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    received_on: Mapped[date] = mapped_column(Date)  # local receipt date, for the daily sequence and rates
    sequence: Mapped[int] = mapped_column(Integer)
    clerk: Mapped[str] = mapped_column(String(64))
    catalogue_version: Mapped[str | None] = mapped_column(String(32))  # the catalogue it was received under
    deadline_on: Mapped[date | None] = mapped_column(Date)  # receipt date + the procedure's working days
    result_document_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("documents.id"))
    result_synced_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # to the portal store
    # Denormalised per-dossier figures for the indicators, kept by vault.dossiers when a component or the
    # return step is recorded (a component's provenance never changes); migration 0005 backfilled them.
    component_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # components of a REUSE_PROVENANCES provenance, and of those from the portal store
    reused_components: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    portal_components: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # new scans for which a reusable document of the type was in the owner's vault at receipt
    missed_reuse_components: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    returned_on: Mapped[date | None] = mapped_column(Date)  # local date of the step *returned*
    # components whose document is not a digitised copy, and whether the result file is not one: set when
    # recorded, kept current by the trigger documents_digitised_changed (migration 0007) on any change of a
    # document's state or signature validity
    undigitised_components: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    result_undigitised: Mapped[bool] = mapped_column(default=False, server_default=false())

    owner: Mapped[Owner] = relationship()
    components: Mapped[list[DossierComponent]] = relationship(
        back_populates="dossier", order_by="DossierComponent.recorded_at"
    )
    steps: Mapped[list[DossierStepRecord]] = relationship(
        back_populates="dossier", order_by="DossierStepRecord.at"
    )
    result_document: Mapped[Document | None] = relationship(foreign_keys=[result_document_id])

    __table_args__ = (
        UniqueConstraint("agency_code", "received_on", "sequence", name="uq_dossier_sequence"),
        Index("ix_dossiers_agency_received", "agency_code", "received_on"),
        Index("ix_dossiers_result_document", "result_document_id"),
    )


class DossierStepRecord(Base):
    """One of the five steps of a dossier: when (time and local date) and by whom."""

    __tablename__ = "dossier_steps"
    __table_args__ = (UniqueConstraint("dossier_id", "step", name="uq_dossier_step"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    dossier_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("dossiers.id"))
    step: Mapped[DossierStep] = mapped_column(
        Enum(DossierStep, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e])
    )
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    on: Mapped[date] = mapped_column(Date)  # local date of the step, for deadlines
    actor: Mapped[str] = mapped_column(String(64))

    dossier: Mapped[Dossier] = relationship(back_populates="steps")


class DossierComponent(Base):
    __tablename__ = "dossier_components"
    __table_args__ = (
        UniqueConstraint("dossier_id", "component_code", "document_id", name="uq_component_doc"),
        Index("ix_dossier_components_dossier", "dossier_id", "provenance"),
        Index("ix_dossier_components_document", "document_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    dossier_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("dossiers.id"))
    component_code: Mapped[str] = mapped_column(String(48))
    document_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("documents.id"))
    provenance: Mapped[Provenance] = mapped_column(
        Enum(Provenance, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e])
    )
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    dossier: Mapped[Dossier] = relationship(back_populates="components")
    document: Mapped[Document] = relationship()


class AuditRecord(Base):
    """One entry of the append-only, hash-chained audit log (see :mod:`vault.audit`).

    Holds references only: owners by their HMAC reference, documents by id, staff by their user id.
    """

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_owner", "owner_ref", "seq"),)

    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False
    )
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor_role: Mapped[str] = mapped_column(String(16))
    actor_ref: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    outcome: Mapped[str] = mapped_column(String(16))
    owner_ref: Mapped[str | None] = mapped_column(String(64))
    document_id: Mapped[str | None] = mapped_column(String(36))
    detail: Mapped[str | None] = mapped_column(String(400))  # canonical JSON, references and counts only
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditChain(Base):
    """The head of the audit chain: one row, locked by every append so that the chain never forks."""

    __tablename__ = "audit_chain"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))


class StageOutput(Base):
    """A pipeline stage's result kept until the next stage has used it (workers: the OCR stage's searchable,
    marked PDF and extracted fields, sealed under the owner's data key, for the signing/storage stage, which
    may run on another machine). Written in the same transaction as the document's state."""

    __tablename__ = "stage_outputs"

    document_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True
    )
    stage: Mapped[str] = mapped_column(String(16))
    meta_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    pdf_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5)


def make_sessionmaker(engine: Engine) -> sessionmaker:
    return sessionmaker(engine, expire_on_commit=False)


MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def migrate(url: str) -> None:
    """Bring the schema to the newest revision (idempotent)."""
    command.upgrade(alembic_config(url), "head")
