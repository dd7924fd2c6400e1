"""Dossiers, their components with provenance, reuse proposals and the official reuse indicator.

The code here that records a component or the return step also keeps the dossier row's denormalised figures
(``component_count``, ``reused_components``, ``portal_components``, ``missed_reuse_components``,
``returned_on``), so that the indicators read one row per dossier (:mod:`vault.indicators`).
``missed_reuse_components`` is decided when the new scan is recorded, from the owner's vault as it was at
receipt as far as the rows tell (created before receipt, not revoked before receipt, valid on the receipt
date) and as it is then (stored, validly signed, not superseded): a document superseded or erased later does
not change it. :func:`dossier_figures_from_rows` recomputes every figure from the raw rows.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import and_, exists, func, not_, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import ScalarSelect

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
DIGITISED_STATES = (DocumentState.STORED, DocumentState.NEEDS_REVIEW)
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
    and never earlier than the step before it. ``on`` is the local date (defaults to the date of ``at`` in
    Vietnam: a step at 18:00 UTC is the next day's)."""
    done = {record.step: record for record in dossier.steps}
    if step in done:
        raise StepOutOfOrder(f"step {step.value} is already recorded")
    position = STEP_ORDER.index(step)
    if position > 0:
        previous = done.get(STEP_ORDER[position - 1])
        if previous is None:
            raise StepOutOfOrder(f"step {step.value} needs step {STEP_ORDER[position - 1].value} first")
        if _aware(at) < _aware(previous.at):
            raise StepOutOfOrder(f"step {step.value} cannot be earlier than step {previous.step.value}")
    record = DossierStepRecord(dossier=dossier, step=step, at=at, on=on or local_date(at), actor=actor)
    session.add(record)
    if step == DossierStep.RETURNED:
        dossier.returned_on = record.on
    session.flush()
    return record


def _aware(moment: datetime) -> datetime:
    """SQLite gives back naive times (the offset is not stored): taken as UTC. PostgreSQL gives aware ones."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


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
    # whether the result file is a digitised copy, read in SQL as the trigger of migration 0007 reads it
    session.execute(
        update(Dossier)
        .where(Dossier.id == dossier.id)
        .values(
            result_undigitised=~select(_digitised(Document))
            .where(Document.id == document.id)
            .scalar_subquery()
        )
        .execution_options(synchronize_session=False)
    )
    session.expire(dossier, ["result_undigitised"])


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
        session.flush()
        missed = 0
        if provenance == Provenance.NEW_SCAN and document.document_type not in SINGLE_USE_TYPES:
            other = aliased(Document)
            missed = int(
                bool(
                    session.scalar(
                        select(
                            exists().where(
                                other.owner_id == dossier.owner_id,
                                other.document_type == document.document_type,
                                other.id != document.id,
                                _reusable_at_receipt(other, dossier.received_at, dossier.received_on),
                            )
                        )
                    )
                )
            )
        # Increments in SQL: workers record the components of one dossier concurrently.
        session.execute(
            update(Dossier)
            .where(Dossier.id == dossier.id)
            .values(
                component_count=Dossier.component_count + 1,
                reused_components=Dossier.reused_components + int(provenance in REUSE_PROVENANCES),
                portal_components=Dossier.portal_components + int(provenance == Provenance.PORTAL_STORE),
                missed_reuse_components=Dossier.missed_reuse_components + missed,
                undigitised_components=_undigitised_components(Dossier.id),
            )
            .execution_options(synchronize_session=False)
        )
    session.expire(dossier, [name for name in FIGURES if name != "returned_on"])  # set by record_step
    return record


FIGURES = (
    "component_count",
    "reused_components",
    "portal_components",
    "missed_reuse_components",
    "returned_on",
    "undigitised_components",
    "result_undigitised",
)


def _digitised(document: type[Document]) -> ColumnElement[bool]:
    """A digitised copy: stored (or stored for review) and validly signed (trigger of migration 0007)."""
    return and_(document.state.in_(DIGITISED_STATES), document.signature_valid.is_(True))


def _undigitised_components(dossier_id: object) -> ScalarSelect[int]:
    """How many of the dossier's components are not digitised copies (``dossier_id``: a value or column)."""
    component_doc = aliased(Document)
    return (
        select(func.count())
        .select_from(DossierComponent)
        .join(component_doc, component_doc.id == DossierComponent.document_id)
        .where(DossierComponent.dossier_id == dossier_id, not_(_digitised(component_doc)))
        .scalar_subquery()
    )


def _reusable_at_receipt(
    other: type[Document], received_at: object, received_on: object
) -> ColumnElement[bool]:
    """``other`` could have been reused by a dossier received at ``received_at`` (on ``received_on``)."""
    return and_(
        other.state == DocumentState.STORED,
        other.signature_valid.is_(True),
        or_(other.revoked_at.is_(None), other.revoked_at > received_at),
        other.superseded_by.is_(None),
        or_(other.valid_until.is_(None), other.valid_until >= received_on),
        other.created_at < received_at,
    )


def dossier_figures_from_rows(session: Session, dossier: Dossier) -> dict[str, object]:
    """The denormalised figures of ``dossier`` recomputed from the raw rows (components, documents, steps),
    to check the ones kept on write (same rule as :func:`attach_component` and :func:`record_step`)."""
    component_doc, other = aliased(Document), aliased(Document)
    of_dossier = DossierComponent.dossier_id == dossier.id
    provenances = list(session.scalars(select(DossierComponent.provenance).where(of_dossier)))
    missed = session.scalar(
        select(func.count())
        .select_from(DossierComponent)
        .join(component_doc, component_doc.id == DossierComponent.document_id)
        .where(
            of_dossier,
            DossierComponent.provenance == Provenance.NEW_SCAN,
            component_doc.document_type.not_in(SINGLE_USE_TYPES),
            exists().where(
                other.owner_id == dossier.owner_id,
                other.document_type == component_doc.document_type,
                other.id != component_doc.id,
                _reusable_at_receipt(other, dossier.received_at, dossier.received_on),
            ),
        )
    )
    returned_on = session.scalar(
        select(DossierStepRecord.on).where(
            DossierStepRecord.dossier_id == dossier.id, DossierStepRecord.step == DossierStep.RETURNED
        )
    )
    result_digitised = session.scalar(
        select(_digitised(Document)).where(Document.id == dossier.result_document_id)
    )
    return {
        "undigitised_components": session.scalar(select(_undigitised_components(dossier.id))) or 0,
        "result_undigitised": result_digitised is not None and not result_digitised,
        "component_count": len(provenances),
        "reused_components": sum(p in REUSE_PROVENANCES for p in provenances),
        "portal_components": sum(p == Provenance.PORTAL_STORE for p in provenances),
        "missed_reuse_components": missed or 0,
        "returned_on": returned_on,
    }


def dossier_figures(dossier: Dossier) -> dict[str, object]:
    """The denormalised figures as kept on the dossier row."""
    return {name: getattr(dossier, name) for name in FIGURES}


@dataclass(frozen=True)
class ReuseProposal:
    component_code: str
    component_name: str
    document_id: uuid.UUID
    document_type: str
    valid_until: date | None
    signature_level: str | None


def _reusable(owner_id: uuid.UUID, document_types: tuple[str, ...], today: date) -> list[ColumnElement[bool]]:
    """The rule of reuse (../shared/domain/README.md §5): the owner's document of an accepted type, still
    valid today, stored and validly signed, neither revoked nor superseded."""
    return [
        Document.owner_id == owner_id,
        Document.document_type.in_(document_types),
        Document.state == DocumentState.STORED,
        Document.signature_valid.is_(True),
        Document.revoked_at.is_(None),
        Document.superseded_by.is_(None),
        or_(Document.valid_until.is_(None), Document.valid_until >= today),
    ]


NEWEST_FIRST = (Document.created_at.desc(), Document.id)


def reusable_documents(
    session: Session, owner: Owner, document_types: tuple[str, ...], today: date
) -> list[Document]:
    """The owner's documents that may be reused, newest first."""
    query = select(Document).where(*_reusable(owner.id, document_types, today)).order_by(*NEWEST_FIRST)
    return list(session.scalars(query))


def propose_reuse(
    session: Session, dossier: Dossier, procedure: Procedure, today: date
) -> list[ReuseProposal]:
    """For each component the dossier does not have yet, the newest reusable document of the owner (one
    query for all the components, only the columns a proposal shows)."""
    have = {c.component_code for c in dossier.components}
    wanted = [
        (component, tuple(t for t in component.accepts if t not in SINGLE_USE_TYPES))
        for component in procedure.components
        if component.code not in have
    ]
    types = tuple({t for _, accepts in wanted for t in accepts})
    if not types:
        return []
    owner_id = dossier.owner_id or dossier.owner.id  # a dossier not yet flushed has only its owner
    candidates = session.execute(
        select(Document.id, Document.document_type, Document.valid_until, Document.signature_level)
        .where(*_reusable(owner_id, types, today))
        .order_by(*NEWEST_FIRST)
    ).all()
    proposals = []
    for component, accepts in wanted:
        found = next((c for c in candidates if c.document_type in accepts), None)
        if found is not None:
            proposals.append(
                ReuseProposal(
                    component_code=component.code,
                    component_name=component.name,
                    document_id=found.id,
                    document_type=found.document_type or "",
                    valid_until=found.valid_until,
                    signature_level=found.signature_level,
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
