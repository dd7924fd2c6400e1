"""The figures a province is ranked on (Decision 766/QĐ-TTg formula sheet, ../shared/domain/README.md §2),
per agency and period, computed in SQL over the index; plus two internal figures.

The source text (the brief's transcription, §2) and how each formula is read here; where the text leaves a
choice, the choice is named and a test pins it (tests/unit/test_indicators.py):

- 4.1 "dossiers whose result has a signed electronic file / dossiers under the agency's authority (only
  procedures that return a written result)". Numerator: the dossier's result is a vault document that is
  stored and validly signed (an unsigned or invalid result file does not count). Denominator: dossiers of
  the agency whose procedure, in the *current* catalogue, issues a written result (D3, residence, is out).
- 4.2 "dossiers whose components were digitised **and** that got an electronic result (where the procedure
  issues one) / dossiers under the agency's authority". Numerator: the dossier has at least one component
  (CHOICE: a dossier with no component is not "digitised", D5), every component is a stored, validly signed
  document, and, when the procedure issues a written result, the e-result of 4.1. Denominator: all dossiers.
- CHOICE, the period of 4.1 and 4.2: the text says "under the agency's authority" and names no date, where
  4.3 and 4.4 say "received in the period (by receipt date)". Default (``results_basis="received"``): by
  receipt date too, so the four rates describe the same dossiers and a period's figures can still move
  while its dossiers are resolved. ``results_basis="resolved"``: dossiers resolved (step *returned*) in the
  period, the other plausible reading; an open dossier then counts nowhere yet. Both are pinned by tests.
- 4.3 "dossiers received in the period with at least one component taken from already digitised data / all
  dossiers received in the period (by receipt date)": a component of provenance ``reused`` (this vault),
  ``national_db`` or ``portal_store``.
- 4.4 "dossiers with >= 1 component taken from the portal store, or whose e-result was synced there /
  dossiers received in the period": a ``portal_store`` component, or ``result_synced_at`` set on a result
  that is an e-result in the sense of 4.1 (CHOICE: syncing an unsigned result file does not count).
- Agency: the agency that received the dossier (``agency_code`` of its official code).
Internal: per-component reuse (components taken from digitised data / those plus the new scans for which
a reusable document of the same type was already in the owner's vault at receipt, decided when the scan is
recorded, see :mod:`vault.dossiers`) and on-time (returned on or before the deadline / returned, or still
open after the deadline as of the report date), both over dossiers received in the period.
Rounded half-up to 2 decimals; N/A when the denominator is empty (:class:`vault.dossiers.Rate`).

Speed: every per-dossier figure is kept on the dossier row: those that never change once recorded
(component counts by provenance, missed reuse, return date) by :mod:`vault.dossiers` when written; whether
its components and result are digitised copies (``undigitised_components``, ``result_undigitised``) also
by the trigger ``documents_digitised_changed`` (migration 0007) whenever a document's state or signature
validity changes, whoever writes it. So one query reads each dossier row of the period once and joins
nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from sqlalchemy import and_, func, not_, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.sql.elements import ColumnElement

from schemas.procedures import Catalogue
from vault.dossiers import Rate
from vault.index import Dossier

INDICATORS: dict[str, str] = {
    "4.1": "Kết quả điện tử / electronic results",
    "4.2": "Tỷ lệ số hóa / digitisation rate",
    "4.3": "Tỷ lệ tái sử dụng / reuse rate",
    "4.4": "Kết nối kho dữ liệu / linked to the citizen store",
    "component_reuse": "Tái sử dụng theo thành phần / per-component reuse",
    "on_time": "Đúng hạn / on time",
}
ResultsBasis = Literal["received", "resolved"]


@dataclass(frozen=True)
class IndicatorRow:
    agency_code: str
    start: date
    end: date
    procedure_code: str | None = None  # None: all procedures of the agency
    rates: dict[str, Rate] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return {
            "agency_code": self.agency_code,
            "procedure_code": self.procedure_code,
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "indicators": {
                key: {
                    "name": INDICATORS[key],
                    "numerator": rate.numerator,
                    "denominator": rate.denominator,
                    "percent": None if rate.percent is None else str(rate.percent),
                }
                for key, rate in self.rates.items()
            },
        }


def _count(*conditions: ColumnElement[bool] | None) -> ColumnElement[int]:
    """How many rows meet every condition (None: no condition), as ``count(*) FILTER (WHERE …)``."""
    given = [c for c in conditions if c is not None]
    return func.count().filter(and_(*given)) if given else func.count()


def _sum(
    condition: ColumnElement[bool] | None, value: ColumnElement[int] | InstrumentedAttribute[int]
) -> ColumnElement[int]:
    total = func.sum(value) if condition is None else func.sum(value).filter(condition)
    return func.coalesce(total, 0)


def compute_indicators(
    session: Session,
    catalogue: Catalogue,
    start: date,
    end: date,
    *,
    agency_codes: Iterable[str] | None = None,
    by_procedure: bool = False,
    as_of: date | None = None,
    results_basis: ResultsBasis = "received",
) -> list[IndicatorRow]:
    """All indicators for dossiers received in [start, end], one row per agency (and per procedure when
    ``by_procedure``). ``as_of``: the report date for on-time status of open dossiers (default ``end``).
    ``results_basis``: the dossiers 4.1 and 4.2 count, received (default) or resolved (returned) in the
    period (see the module docstring).

    One query, one pass over the period's dossier rows and their kept figures; no join."""
    as_of = as_of or end
    agency_codes = None if agency_codes is None else list(agency_codes)
    written_codes = [p.code for p in catalogue.procedures if p.result.issues_written_result]

    keys = [Dossier.agency_code] + ([Dossier.procedure_code] if by_procedure else [])
    in_period = and_(Dossier.received_on >= start, Dossier.received_on <= end)
    resolved = and_(Dossier.returned_on >= start, Dossier.returned_on <= end)
    # The conditions each aggregate adds to the scope (None: every row in scope counts).
    received: ColumnElement[bool] | None
    counted: ColumnElement[bool] | None
    if results_basis == "resolved":
        scope = [or_(in_period, resolved)]
        received, counted = in_period, resolved
    else:
        scope, received, counted = [in_period], None, None
    if agency_codes is not None:
        scope.append(Dossier.agency_code.in_(agency_codes))

    written = Dossier.procedure_code.in_(written_codes)
    e_result = and_(written, Dossier.result_document_id.is_not(None), Dossier.result_undigitised.is_(False))
    digitised = and_(
        Dossier.component_count > 0,
        Dossier.undigitised_components == 0,
        or_(not_(written), e_result),
    )
    linked = or_(Dossier.portal_components > 0, and_(e_result, Dossier.result_synced_at.is_not(None)))
    in_time = and_(Dossier.deadline_on.is_not(None), Dossier.returned_on <= Dossier.deadline_on)
    due = and_(
        Dossier.deadline_on.is_not(None),
        or_(Dossier.returned_on.is_not(None), Dossier.deadline_on < as_of),
    )
    dossier_query = (
        select(
            *keys,
            _count(received).label("total"),
            _count(counted, written).label("written"),
            _count(counted, e_result).label("e_result"),
            _count(counted).label("counted"),
            _count(counted, digitised).label("digitised"),
            _count(received, Dossier.reused_components > 0).label("reused"),
            _count(received, linked).label("linked"),
            _count(received, in_time).label("in_time"),
            _count(received, due).label("due"),
            _sum(received, Dossier.reused_components).label("reused_components"),
            _sum(received, Dossier.reused_components + Dossier.missed_reuse_components).label("reusable"),
        )
        .where(*scope)
        .group_by(*keys)
    )

    rows = []
    for row in session.execute(dossier_query):
        rows.append(
            IndicatorRow(
                agency_code=row.agency_code,
                procedure_code=row.procedure_code if by_procedure else None,
                start=start,
                end=end,
                rates={
                    "4.1": Rate(row.e_result, row.written),
                    "4.2": Rate(row.digitised, row.counted),
                    "4.3": Rate(row.reused, row.total),
                    "4.4": Rate(row.linked, row.total),
                    "component_reuse": Rate(row.reused_components, row.reusable),
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
