"""The indicator query as it was before the per-dossier figures (git 0cc7fa6, vault/indicators.py), kept
only as the benchmark's baseline: ``python -m bench.reuse --baseline`` times it in the same run as the
current one and checks that both give the same figures. It reads the raw rows (components joined to their
documents, the per-component reuse join), not the figures kept on the dossier rows."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import and_, case, func, not_, or_, select
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.elements import ColumnElement

from schemas.procedures import Catalogue
from vault.dossiers import SINGLE_USE_TYPES, Rate
from vault.index import (
    REUSE_PROVENANCES,
    Document,
    DocumentState,
    Dossier,
    DossierComponent,
    DossierStep,
    DossierStepRecord,
    Provenance,
)
from vault.indicators import INDICATORS, IndicatorRow

DIGITISED_STATES = (DocumentState.STORED, DocumentState.NEEDS_REVIEW)


def _count(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def previous_compute_indicators(
    session: Session,
    catalogue: Catalogue,
    start: date,
    end: date,
    *,
    agency_codes: Iterable[str] | None = None,
    by_procedure: bool = False,
    as_of: date | None = None,
) -> list[IndicatorRow]:
    """All indicators for dossiers received in [start, end], one row per agency (and per procedure when
    ``by_procedure``). ``as_of``: the report date for on-time status of open dossiers (default ``end``)."""
    as_of = as_of or end
    agency_codes = None if agency_codes is None else list(agency_codes)
    written_codes = [p.code for p in catalogue.procedures if p.result.issues_written_result]
    result_doc = aliased(Document)
    component_doc = aliased(Document)

    keys = [Dossier.agency_code] + ([Dossier.procedure_code] if by_procedure else [])
    period = [Dossier.received_on >= start, Dossier.received_on <= end]
    if agency_codes is not None:
        period.append(Dossier.agency_code.in_(agency_codes))
    in_period = select(Dossier.id).where(*period)

    # One pass over the period's components, aggregated per dossier (joins, not a subquery per dossier).
    undigitised_doc = or_(
        not_(component_doc.state.in_(DIGITISED_STATES)), not_(component_doc.signature_valid.is_(True))
    )
    per_dossier = (
        select(
            DossierComponent.dossier_id.label("dossier_id"),
            func.max(case((undigitised_doc, 1), else_=0)).label("undigitised"),
            func.max(case((DossierComponent.provenance.in_(REUSE_PROVENANCES), 1), else_=0)).label("reused"),
            func.max(case((DossierComponent.provenance == Provenance.PORTAL_STORE, 1), else_=0)).label(
                "portal"
            ),
        )
        .join(component_doc, component_doc.id == DossierComponent.document_id)
        .join(Dossier, Dossier.id == DossierComponent.dossier_id)
        .where(*period)
        .group_by(DossierComponent.dossier_id)
        .subquery()
    )
    returned = (
        select(DossierStepRecord.dossier_id.label("dossier_id"), DossierStepRecord.on.label("on"))
        .where(DossierStepRecord.step == DossierStep.RETURNED, DossierStepRecord.dossier_id.in_(in_period))
        .subquery()
    )

    written = Dossier.procedure_code.in_(written_codes)
    e_result = and_(
        written,
        result_doc.id.is_not(None),
        result_doc.signature_valid.is_(True),
        result_doc.state.in_(DIGITISED_STATES),
    )
    digitised = and_(per_dossier.c.undigitised == 0, or_(not_(written), e_result))
    reused = per_dossier.c.reused == 1
    linked = or_(per_dossier.c.portal == 1, and_(e_result, Dossier.result_synced_at.is_not(None)))
    in_time = and_(Dossier.deadline_on.is_not(None), returned.c.on <= Dossier.deadline_on)
    due = and_(
        Dossier.deadline_on.is_not(None),
        or_(returned.c.on.is_not(None), Dossier.deadline_on < as_of),
    )

    dossier_query = (
        select(
            *keys,
            func.count().label("total"),
            _count(written).label("written"),
            _count(e_result).label("e_result"),
            _count(digitised).label("digitised"),
            _count(reused).label("reused"),
            _count(linked).label("linked"),
            _count(in_time).label("in_time"),
            _count(due).label("due"),
        )
        .select_from(Dossier)
        .outerjoin(result_doc, result_doc.id == Dossier.result_document_id)
        .outerjoin(per_dossier, per_dossier.c.dossier_id == Dossier.id)
        .outerjoin(returned, returned.c.dossier_id == Dossier.id)
        .where(*period)
        .group_by(*keys)
    )

    # Per-component reuse: reused components, and new scans for which a reusable document of the same
    # type was already in the owner's vault when the dossier was received (one join, then per component).
    other = aliased(Document)
    missed = (
        select(DossierComponent.id.label("component_id"))
        .join(Dossier, Dossier.id == DossierComponent.dossier_id)
        .join(component_doc, component_doc.id == DossierComponent.document_id)
        .join(
            other,
            and_(
                other.owner_id == Dossier.owner_id,
                other.document_type == component_doc.document_type,
                other.id != component_doc.id,
            ),
        )
        .where(
            *period,
            DossierComponent.provenance == Provenance.NEW_SCAN,
            component_doc.document_type.not_in(SINGLE_USE_TYPES),
            other.state == DocumentState.STORED,
            other.signature_valid.is_(True),
            or_(other.revoked_at.is_(None), other.revoked_at > Dossier.received_at),
            other.superseded_by.is_(None),
            or_(other.valid_until.is_(None), other.valid_until >= Dossier.received_on),
            other.created_at < Dossier.received_at,
        )
        .distinct()
        .subquery()
    )
    component_reused = DossierComponent.provenance.in_(REUSE_PROVENANCES)
    component_query = (
        select(
            *keys,
            _count(component_reused).label("reused"),
            _count(or_(component_reused, missed.c.component_id.is_not(None))).label("reusable"),
        )
        .select_from(DossierComponent)
        .join(Dossier, Dossier.id == DossierComponent.dossier_id)
        .outerjoin(missed, missed.c.component_id == DossierComponent.id)
        .where(*period)
        .group_by(*keys)
    )
    components = {tuple(row[: len(keys)]): row for row in session.execute(component_query)}

    rows = []
    for row in session.execute(dossier_query):
        key = tuple(row[: len(keys)])
        parts = components.get(key)
        rows.append(
            IndicatorRow(
                agency_code=row.agency_code,
                procedure_code=row.procedure_code if by_procedure else None,
                start=start,
                end=end,
                rates={
                    "4.1": Rate(row.e_result, row.written),
                    "4.2": Rate(row.digitised, row.total),
                    "4.3": Rate(row.reused, row.total),
                    "4.4": Rate(row.linked, row.total),
                    "component_reuse": Rate(parts.reused, parts.reusable) if parts else Rate(0, 0),
                    "on_time": Rate(row.in_time, row.due),
                },
            )
        )
    if agency_codes is not None and not by_procedure:
        present = {r.agency_code for r in rows}
        rows.extend(
            IndicatorRow(agency_code=code, start=start, end=end, rates={k: Rate(0, 0) for k in INDICATORS})
            for code in agency_codes
            if code not in present
        )
    rows.sort(key=lambda r: (r.agency_code, r.procedure_code or ""))
    return rows
