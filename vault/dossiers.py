"""Dossiers, their components with provenance, reuse proposals and the official reuse indicator."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import exists, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from schemas.calendar import WorkingCalendar, load_calendar, local_date
from schemas.procedures import Procedure
from vault.index import (
    REUSE_PROVENANCES,
    Document,
    DocumentState,
    Dossier,
    DossierComponent,
    DossierStep,
    DossierStepRecord,
    Owner,
    Provenance,
)

STEP_ORDER = tuple(DossierStep)
# Application forms are filled in for one dossier (domain brief §4: "single use"): never proposed for reuse,
# and a new one is never a missed reuse.
SINGLE_USE_TYPES = ("application_form",)

# Circular 01/2018/TT-VPCP Art. 19: V1V2V3.Z1Z2.Y1Y2.MX1X2-YYMMDD-XXXX
AGENCY_CODE = re.compile(r"^[0-9A-Z]{3}\.[0-9A-Z]{2}\.[0-9A-Z]{2}\.[A-Z0-9]{3}$")
DOSSIER_CODE = re.compile(r"^[0-9A-Z]{3}\.[0-9A-Z]{2}\.[0-9A-Z]{2}\.[A-Z0-9]{3}-\d{6}-\d{4}$")


class InvalidAgencyCode(ValueError):
    pass


def dossier_code(agency_code: str, received_on: date, sequence: int) -> str:
    if not AGENCY_CODE.match(agency_code):
        raise InvalidAgencyCode("agency code must look like V1V2V3.Z1Z2.Y1Y2.MX1X2 (e.g. 000.00.20.H47)")
    if not 1 <= sequence <= 9999:
        raise ValueError("daily dossier sequence must be within 1..9999")
    return f"{agency_code}-{received_on:%y%m%d}-{sequence:04d}"


def register_dossier(
    session: Session,
    owner: Owner,
    procedure: Procedure,
    *,
    agency_code: str,
    clerk: str,
    received_at: datetime,
    received_on: date | None = None,
    calendar: WorkingCalendar | None = None,
    catalogue_version: str | None = None,
) -> Dossier:
    """Create a dossier with the next daily sequence number of the agency (safe under concurrency), its
    deadline (receipt date + the procedure's working days) and its first step, *received*, by ``clerk``.
    ``received_on`` is the local receipt date (defaults to the date of ``received_at`` in Vietnam)."""
    received_on = received_on or local_date(received_at)
    deadline_on = (calendar or load_calendar()).add_working_days(received_on, procedure.deadline_working_days)
    for _attempt in range(20):
        current = session.scalar(
            select(func.max(Dossier.sequence)).where(
                Dossier.agency_code == agency_code, Dossier.received_on == received_on
            )
        )
        sequence = (current or 0) + 1
        dossier = Dossier(
            code=dossier_code(agency_code, received_on, sequence),
            owner_id=owner.id,
            procedure_code=procedure.code,
            agency_code=agency_code,
            received_at=received_at,
            received_on=received_on,
            sequence=sequence,
            clerk=clerk,
            catalogue_version=catalogue_version,
            deadline_on=deadline_on,
        )
        try:
            with session.begin_nested():
                session.add(dossier)
        except IntegrityError:
            continue
        record_step(session, dossier, DossierStep.RECEIVED, clerk, received_at, received_on)
        return dossier
    raise RuntimeError("could not allocate a dossier sequence number")


class StepOutOfOrder(ValueError):
    pass


def record_step(
    session: Session, dossier: Dossier, step: DossierStep, actor: str, at: datetime, on: date | None = None
) -> DossierStepRecord:
    """Record one of the five steps (received, appraised, approved, sealed, returned), strictly in order
    and never earlier than the step before it. ``on`` is the local date (defaults to the date of ``at``)."""
    done = {record.step: record for record in dossier.steps}
    if step in done:
        raise StepOutOfOrder(f"step {step.value} is already recorded")
    position = STEP_ORDER.index(step)
    if position > 0:
        previous = done.get(STEP_ORDER[position - 1])
        if previous is None:
            raise StepOutOfOrder(f"step {step.value} needs step {STEP_ORDER[position - 1].value} first")
        if at < previous.at:
            raise StepOutOfOrder(f"step {step.value} cannot be earlier than step {previous.step.value}")
    record = DossierStepRecord(dossier=dossier, step=step, at=at, on=on or at.date(), actor=actor)
    session.add(record)
    session.flush()
    return record


def step_record(dossier: Dossier, step: DossierStep) -> DossierStepRecord | None:
    return next((record for record in dossier.steps if record.step == step), None)


def on_time(dossier: Dossier, as_of: date) -> bool | None:
    """True when returned on or before the deadline; False when returned late or still open after the
    deadline (as of ``as_of``); None while open and not yet due, or without a deadline."""
    if dossier.deadline_on is None:
        return None
    returned = step_record(dossier, DossierStep.RETURNED)
    if returned is not None:
        return returned.on <= dossier.deadline_on
    return False if as_of > dossier.deadline_on else None


class InvalidResult(ValueError):
    pass


def set_result(
    session: Session,
    dossier: Dossier,
    procedure: Procedure,
    document: Document,
    synced_at: datetime | None = None,
) -> None:
    """Link the dossier's result: a document of the owner, of the procedure's result type, in the vault
    (digitised and signed like any other, hence reusable by later dossiers). ``synced_at``: when the
    e-result was synced to the citizen's store on the portal (indicator 4.4)."""
    if not procedure.result.issues_written_result:
        raise InvalidResult("this procedure issues no written result")
    if document.owner_id != dossier.owner_id:
        raise InvalidResult("the result must belong to the dossier's owner")
    if document.document_type != procedure.result.document_type:
        raise InvalidResult("the result document is not of the procedure's result type")
    dossier.result_document_id = document.id
    dossier.result_document = document
    if synced_at is not None:
        dossier.result_synced_at = synced_at
    session.flush()


def find_dossier(session: Session, code: str) -> Dossier | None:
    return session.scalars(select(Dossier).where(Dossier.code == code)).one_or_none()


def attach_component(
    session: Session,
    dossier: Dossier,
    procedure: Procedure,
    document: Document,
    provenance: Provenance,
    recorded_by: str,
) -> DossierComponent | None:
    """Record ``document`` as the component of ``dossier`` that accepts its type (idempotent)."""
    if document.document_type is None:
        return None
    component = procedure.component_for(document.document_type)
    if component is None:
        return None
    existing = session.scalars(
        select(DossierComponent).where(
            DossierComponent.dossier_id == dossier.id,
            DossierComponent.component_code == component.code,
            DossierComponent.document_id == document.id,
        )
    ).one_or_none()
    if existing is not None:
        return existing
    record = DossierComponent(
        dossier_id=dossier.id,
        component_code=component.code,
        document_id=document.id,
        provenance=provenance,
        recorded_by=recorded_by,
    )
    with session.begin_nested():
        session.add(record)
    return record


@dataclass(frozen=True)
class ReuseProposal:
    component_code: str
    component_name: str
    document_id: uuid.UUID
    document_type: str
    valid_until: date | None
    signature_level: str | None


def reusable_documents(
    session: Session, owner: Owner, document_types: tuple[str, ...], today: date
) -> list[Document]:
    """The owner's documents that may be reused: accepted type, still valid, signed validly, not revoked
    or superseded (../shared/domain/README.md §5). Newest first."""
    query = (
        select(Document)
        .where(
            Document.owner_id == owner.id,
            Document.document_type.in_(document_types),
            Document.state == DocumentState.STORED,
            Document.signature_valid.is_(True),
            Document.revoked_at.is_(None),
            Document.superseded_by.is_(None),
            (Document.valid_until.is_(None)) | (Document.valid_until >= today),
        )
        .order_by(Document.created_at.desc())
    )
    return list(session.scalars(query))


def propose_reuse(
    session: Session, dossier: Dossier, procedure: Procedure, today: date
) -> list[ReuseProposal]:
    """For each component the dossier does not have yet, the newest reusable document of the owner."""
    have = {c.component_code for c in dossier.components}
    proposals = []
    for component in procedure.components:
        if component.code in have:
            continue
        accepts = tuple(t for t in component.accepts if t not in SINGLE_USE_TYPES)
        candidates = reusable_documents(session, dossier.owner, accepts, today) if accepts else []
        if candidates:
            document = candidates[0]
            proposals.append(
                ReuseProposal(
                    component_code=component.code,
                    component_name=component.name,
                    document_id=document.id,
                    document_type=document.document_type or "",
                    valid_until=document.valid_until,
                    signature_level=document.signature_level,
                )
            )
    return proposals


def record_reuse(
    session: Session,
    dossier: Dossier,
    procedure: Procedure,
    proposals: list[ReuseProposal],
    clerk: str,
    today: date,
) -> list[DossierComponent]:
    """Record accepted proposals as components taken from already digitised data. Each document is checked
    again (owner, type, validity) at the moment of recording."""
    recorded = []
    for proposal in proposals:
        component = next((c for c in procedure.components if c.code == proposal.component_code), None)
        if component is None:
            raise ValueError("the proposal names a component the procedure does not have")
        allowed = {d.id for d in reusable_documents(session, dossier.owner, component.accepts, today)}
        if proposal.document_id not in allowed:
            raise ValueError("the proposed document is no longer reusable for this dossier")
        document = session.get(Document, proposal.document_id)
        assert document is not None
        record = attach_component(session, dossier, procedure, document, Provenance.REUSED, clerk)
        if record is not None:
            recorded.append(record)
    return recorded


@dataclass(frozen=True)
class Rate:
    """An official indicator: a ratio of dossiers, rounded to 2 decimals; N/A when nothing to count."""

    numerator: int
    denominator: int

    @property
    def percent(self) -> Decimal | None:
        if self.denominator == 0:
            return None
        return (Decimal(self.numerator) * 100 / Decimal(self.denominator)).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP
        )

    def __str__(self) -> str:
        percent = self.percent
        return "N/A" if percent is None else f"{percent}%"


def reuse_rate(session: Session, start: date, end: date, agency_code: str | None = None) -> Rate:
    """Indicator 4.3 (Decision 766/QĐ-TTg): dossiers received in [start, end] with at least one component
    taken from already digitised data (here, a national database or the portal store) / all dossiers
    received in the period (by receipt date)."""
    period = [Dossier.received_on >= start, Dossier.received_on <= end]
    if agency_code is not None:
        period.append(Dossier.agency_code == agency_code)
    denominator = session.scalar(select(func.count()).select_from(Dossier).where(*period)) or 0
    reused = exists().where(
        DossierComponent.dossier_id == Dossier.id, DossierComponent.provenance.in_(REUSE_PROVENANCES)
    )
    numerator = session.scalar(select(func.count()).select_from(Dossier).where(*period, reused)) or 0
    return Rate(numerator, denominator)
