"""The official indicators (§2) over a scripted scenario, each expected value worked out by hand."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from schemas.procedures import load_catalogue
from tests.indicator_scenario import A, B, Scenario, at, build, document, return_dossier
from vault.dossiers import (
    InvalidResult,
    StepOutOfOrder,
    on_time,
    propose_reuse,
    record_step,
    register_dossier,
    reuse_rate,
    set_result,
)
from vault.index import Document, DocumentState, DossierStep, make_engine, make_sessionmaker, migrate
from vault.indicators import IndicatorRow, compute_indicators

OCT = (date(2026, 10, 1), date(2026, 10, 31))
NOV = (date(2026, 11, 1), date(2026, 11, 30))


@pytest.fixture()
def scenario_session(tmp_path: Path) -> Iterator[tuple[Scenario, Session]]:
    url = f"sqlite:///{tmp_path / 'index.db'}"
    migrate(url)
    sessions = make_sessionmaker(make_engine(url))
    with sessions() as session, session.begin():
        scenario = build(session)
        yield scenario, session


def figures(row: IndicatorRow) -> dict[str, tuple[int, int, str]]:
    return {k: (r.numerator, r.denominator, str(r)) for k, r in row.rates.items()}


def rows(session: Session, start: date, end: date, agencies: list[str]) -> dict[str, IndicatorRow]:
    found = compute_indicators(session, load_catalogue(), start, end, agency_codes=agencies)
    return {row.agency_code: row for row in found}


# Expected figures shared with the PostgreSQL test. The dossiers (see tests/indicator_scenario.py):
#   D1 A 05 Oct LLTP   app new, ID reused, BC reused; signed result synced to portal; returned 15 Oct ≤ 19 Oct
#   D2 A 06 Oct LLTP   app/ID/BC new (ID expired, BC revoked: nothing reusable); signed result; 23 > 20 Oct
#   D3 A 07 Oct resid. app new, ID new (O3's new ID was reusable), land cert from portal store; no written
#                      result; open, deadline 16 Oct
#   D4 A 08 Oct birth  app still processing (not digitised), ID reused; result unsigned; open, due 9 Oct
#   D5 B 09 Oct birth  no components, no result; returned 12 Oct = deadline
#   D6 A 02 Nov LLTP   app new, ID from national DB, BC new (O3's BC reusable); signed result; due 16 Nov
#   D7 A 27 Nov marit. app new, ID reused; no result yet; deadline 2 Dec (not due on 30 Nov)
EXPECTED_A_OCT = {
    # 4.1: written-result dossiers D1, D2, D4 = 3; signed e-result D1, D2 = 2 → 2/3 = 66.666… → 66.67
    "4.1": (2, 3, "66.67%"),
    # 4.2: D1 (all digitised + e-result), D2 (same), D3 (digitised, no written result) = 3; D4 no → 3/4
    "4.2": (3, 4, "75.00%"),
    # 4.3: ≥ 1 component from digitised data: D1 (reused), D3 (portal store), D4 (reused) = 3 / 4
    "4.3": (3, 4, "75.00%"),
    # 4.4: D1 (e-result synced to portal), D3 (component from portal store) = 2 / 4
    "4.4": (2, 4, "50.00%"),
    # components: reused D1 ID, D1 BC, D3 land, D4 ID = 4; could have been: those 4 + D3's new ID = 5
    # (application forms are single use; D2's ID and BC had nothing valid to reuse) → 4/5
    "component_reuse": (4, 5, "80.00%"),
    # on time as of 31 Oct: D1 yes; D2 late; D3, D4 open past deadline → late: 1/4
    "on_time": (1, 4, "25.00%"),
}
EXPECTED_B_OCT = {
    "4.1": (0, 1, "0.00%"),  # D5 is a birth registration (written result), no e-result: 0/1
    "4.2": (0, 1, "0.00%"),  # no component at all: not digitised
    "4.3": (0, 1, "0.00%"),
    "4.4": (0, 1, "0.00%"),
    "component_reuse": (0, 0, "N/A"),  # no components: empty denominator
    "on_time": (1, 1, "100.00%"),  # returned on the deadline day
}
EXPECTED_A_NOV = {
    "4.1": (1, 2, "50.00%"),  # D6, D7 both have written results; only D6 has a signed one
    "4.2": (1, 2, "50.00%"),  # D6 yes; D7 components digitised but no e-result yet
    "4.3": (2, 2, "100.00%"),  # D6 national DB, D7 reused
    "4.4": (0, 2, "0.00%"),  # nothing from or to the portal store
    "component_reuse": (2, 3, "66.67%"),  # D6 ID, D7 ID reused; D6 BC new although reusable → 2/3
    "on_time": (0, 1, "0.00%"),  # D6 open past 16 Nov; D7 not due yet → 0/1
}
EXPECTED_A_OCT_NOV = {
    "4.1": (3, 5, "60.00%"),  # 2 + 1 over 3 + 2
    "4.2": (4, 6, "66.67%"),  # 3 + 1 over 4 + 2 = 66.666… → 66.67
    "4.3": (5, 6, "83.33%"),  # 3 + 2 over 6 = 83.333… → 83.33
    "4.4": (2, 6, "33.33%"),  # 2 + 0 over 6
    "component_reuse": (6, 8, "75.00%"),  # 4 + 2 over 5 + 3
    "on_time": (1, 5, "20.00%"),  # as of 30 Nov: D1 only; D2, D3, D4, D6 late; D7 not due
}


def test_october_per_agency(scenario_session: tuple[Scenario, Session]) -> None:
    _, session = scenario_session
    found = rows(session, *OCT, [A, B])
    assert figures(found[A]) == EXPECTED_A_OCT
    assert figures(found[B]) == EXPECTED_B_OCT


def test_november_and_both_months(scenario_session: tuple[Scenario, Session]) -> None:
    _, session = scenario_session
    assert figures(rows(session, *NOV, [A])[A]) == EXPECTED_A_NOV
    assert figures(rows(session, OCT[0], NOV[1], [A])[A]) == EXPECTED_A_OCT_NOV


def test_empty_period_is_not_applicable(scenario_session: tuple[Scenario, Session]) -> None:
    _, session = scenario_session
    row = rows(session, date(2026, 12, 1), date(2026, 12, 31), [A])[A]
    assert {str(rate) for rate in row.rates.values()} == {"N/A"}


def test_reuse_rate_function_agrees_with_indicator_4_3(scenario_session: tuple[Scenario, Session]) -> None:
    _, session = scenario_session
    rate = reuse_rate(session, *OCT, A)
    assert (rate.numerator, rate.denominator, rate.percent) == (3, 4, Decimal("75.00"))


def test_deadlines_and_on_time_status(scenario_session: tuple[Scenario, Session]) -> None:
    scenario, _ = scenario_session
    d = scenario.dossiers
    assert [d[n].deadline_on for n in ("D1", "D2", "D3", "D4", "D5", "D6", "D7")] == [
        date(2026, 10, 19),  # Mon 5 Oct + 10 working days
        date(2026, 10, 20),
        date(2026, 10, 16),  # Wed 7 Oct + 7
        date(2026, 10, 9),  # Thu 8 Oct + 1
        date(2026, 10, 12),  # Fri 9 Oct + 1: over the weekend
        date(2026, 11, 16),
        date(2026, 12, 2),  # Fri 27 Nov + 3
    ]
    assert on_time(d["D1"], date(2026, 10, 31)) is True
    assert on_time(d["D2"], date(2026, 10, 31)) is False
    assert on_time(d["D7"], date(2026, 11, 30)) is None
    assert on_time(d["D7"], date(2026, 12, 3)) is False


def test_by_procedure_splits_the_agency(scenario_session: tuple[Scenario, Session]) -> None:
    _, session = scenario_session
    found = compute_indicators(session, load_catalogue(), *OCT, agency_codes=[A], by_procedure=True)
    # D1, D2 are LLTP: reuse 1/2; D3 residence 1/1; D4 birth 1/1
    assert {r.procedure_code: str(r.rates["4.3"]) for r in found} == {
        "2.000488": "50.00%",
        "1.004194": "100.00%",
        "1.001193": "100.00%",
    }


def test_expired_revoked_superseded_and_others_documents_are_never_proposed(
    scenario_session: tuple[Scenario, Session],
) -> None:
    scenario, session = scenario_session
    catalogue = load_catalogue()
    lltp = catalogue.get("2.000488")
    docs = scenario.documents
    received = date(2026, 12, 1)
    proposed = {}
    for name in ("o1", "o2", "o3"):
        dossier = register_dossier(
            session, scenario.owners[name], lltp, agency_code=A, clerk="c", received_at=at(received)
        )
        proposed[name] = {
            (p.component_code, p.document_id) for p in propose_reuse(session, dossier, lltp, received)
        }
    assert proposed["o1"] == {("id_card", docs["o1_id"].id), ("birth_certificate", docs["o1_bc"].id)}
    # O2's own ID from D2 (valid to 2040) and BC from D2 are proposed; the expired ID and revoked BC never
    assert docs["o2_id_expired"].id not in {d for _, d in proposed["o2"]}
    assert docs["o2_bc_revoked"].id not in {d for _, d in proposed["o2"]}
    # O3: the superseded ID never; no document of another owner for anybody
    assert docs["o3_id_old"].id not in {d for _, d in proposed["o3"]}
    owners_of = {
        name: {session.get(Document, d).owner_id for _, d in proposed[name]}  # type: ignore[union-attr]
        for name in proposed
    }
    assert owners_of == {name: {scenario.owners[name].id} for name in proposed}


def test_a_result_becomes_reusable_by_the_next_procedure(scenario_session: tuple[Scenario, Session]) -> None:
    scenario, session = scenario_session
    catalogue = load_catalogue()
    birth, lltp = catalogue.get("1.001193"), catalogue.get("2.000488")
    child = scenario.owners["o2"]  # O2's own birth certificate was revoked: nothing to reuse before
    first = register_dossier(
        session, child, birth, agency_code=A, clerk="c", received_at=at(date(2026, 12, 1))
    )
    result = Document(
        owner_id=child.id,
        original_sha256="e" * 64,
        original_size=1,
        media_type="application/pdf",
        state=DocumentState.STORED,
        document_type="birth_certificate",
        original_object="v1/r",
        signature_valid=True,
        signature_level="B-LT",
    )
    session.add(result)
    session.flush()
    set_result(session, first, birth, result)
    second = register_dossier(
        session, child, lltp, agency_code=A, clerk="c", received_at=at(date(2026, 12, 2))
    )
    proposals = propose_reuse(session, second, lltp, date(2026, 12, 2))
    assert ("birth_certificate", result.id) in {(p.component_code, p.document_id) for p in proposals}


def test_a_result_must_be_the_owners_document_of_the_result_type(
    scenario_session: tuple[Scenario, Session],
) -> None:
    scenario, session = scenario_session
    lltp = load_catalogue().get("2.000488")
    dossier = scenario.dossiers["D6"]
    with pytest.raises(InvalidResult):
        set_result(session, dossier, lltp, scenario.documents["o1_bc"])  # another owner's
    with pytest.raises(InvalidResult):
        set_result(session, dossier, lltp, scenario.documents["o3_bc"])  # not the result type


def test_steps_are_recorded_in_order(scenario_session: tuple[Scenario, Session]) -> None:
    scenario, session = scenario_session
    d6 = scenario.dossiers["D6"]
    assert [s.step for s in d6.steps] == [DossierStep.RECEIVED]
    assert d6.steps[0].actor == "clerk-1"
    with pytest.raises(StepOutOfOrder):
        record_step(session, d6, DossierStep.APPROVED, "official-1", at(date(2026, 11, 3)))
    with pytest.raises(StepOutOfOrder):
        record_step(session, d6, DossierStep.APPRAISED, "official-1", at(date(2026, 11, 1)))  # before receipt
    record_step(session, d6, DossierStep.APPRAISED, "official-1", at(date(2026, 11, 3)))
    with pytest.raises(StepOutOfOrder):
        record_step(session, d6, DossierStep.APPRAISED, "official-1", at(date(2026, 11, 4)))
    d1 = scenario.dossiers["D1"]
    assert [(s.step.value, s.on) for s in d1.steps][-1] == ("returned", date(2026, 10, 15))


# ---- The readings of the formula sheet that are choices (see the vault.indicators docstring).


def test_results_basis_resolved_counts_4_1_and_4_2_over_dossiers_returned_in_the_period(
    scenario_session: tuple[Scenario, Session],
) -> None:
    _, session = scenario_session
    catalogue = load_catalogue()

    def by_agency(start: date, end: date) -> dict[str, dict[str, tuple[int, int, str]]]:
        found = compute_indicators(
            session, catalogue, start, end, agency_codes=[A, B], results_basis="resolved"
        )
        return {row.agency_code: figures(row) for row in found}

    october = by_agency(*OCT)
    # A: returned in October D1 (15 Oct), D2 (23 Oct), both LLTP with a signed result, components digitised
    assert (october[A]["4.1"], october[A]["4.2"]) == ((2, 2, "100.00%"), (2, 2, "100.00%"))
    # B: D5 returned 12 Oct, a birth registration without e-result and without components
    assert (october[B]["4.1"], october[B]["4.2"]) == ((0, 1, "0.00%"), (0, 1, "0.00%"))
    # the by-receipt rates do not change with the basis
    assert {k: october[A][k] for k in ("4.3", "4.4", "component_reuse", "on_time")} == {
        k: EXPECTED_A_OCT[k] for k in ("4.3", "4.4", "component_reuse", "on_time")
    }
    # November: nothing of A was returned → N/A, while 4.3 is still by receipt (D6, D7)
    november = by_agency(*NOV)
    assert (november[A]["4.1"], november[A]["4.2"]) == ((0, 0, "N/A"), (0, 0, "N/A"))
    assert november[A]["4.3"] == EXPECTED_A_NOV["4.3"]


def test_a_dossier_counts_in_the_month_it_was_received_or_resolved_by_basis(
    scenario_session: tuple[Scenario, Session],
) -> None:
    scenario, session = scenario_session
    catalogue = load_catalogue()
    lltp = catalogue.get("2.000488")
    owner = scenario.owners["o1"]
    late = register_dossier(
        session, owner, lltp, agency_code=B, clerk="c", received_at=at(date(2026, 10, 30))
    )
    result = document(session, owner, "criminal_record_certificate", at(date(2026, 11, 3)))
    set_result(session, late, lltp, result)
    return_dossier(session, late, date(2026, 11, 3))

    def rate(start: date, end: date, basis: str) -> tuple[int, int]:
        row = next(
            r
            for r in compute_indicators(
                session,
                catalogue,
                start,
                end,
                agency_codes=[B],
                results_basis=basis,  # type: ignore[arg-type]
            )
        )
        return row.rates["4.1"].numerator, row.rates["4.1"].denominator

    # by receipt (default): October has D5 and the new one (signed result) → 1/2; November has none
    assert rate(*OCT, "received") == (1, 2)
    assert rate(*NOV, "received") == (0, 0)
    # resolved: October has D5 only; November has the new one
    assert rate(*OCT, "resolved") == (0, 1)
    assert rate(*NOV, "resolved") == (1, 1)


def test_a_synced_result_links_to_the_store_only_when_it_is_a_signed_e_result(
    scenario_session: tuple[Scenario, Session],
) -> None:
    scenario, session = scenario_session
    d4 = scenario.dossiers["D4"]  # its result file is signed invalidly
    d4.result_synced_at = at(date(2026, 10, 10))
    session.flush()
    assert figures(rows(session, *OCT, [A])[A])["4.4"] == EXPECTED_A_OCT["4.4"]  # still D1, D3: 2/4
    assert d4.result_document is not None
    d4.result_document.signature_valid = True  # now an e-result: 4.1, 4.2 stay (D4's form is unfinished)
    session.flush()
    row = figures(rows(session, *OCT, [A])[A])
    assert (row["4.1"], row["4.4"]) == ((3, 3, "100.00%"), (3, 4, "75.00%"))
    assert row["4.2"] == EXPECTED_A_OCT["4.2"]


def test_a_document_erased_later_stops_counting_as_digitised(
    scenario_session: tuple[Scenario, Session],
) -> None:
    """What can change after a dossier is recorded (a document's state) is read live, not kept."""
    scenario, session = scenario_session
    d1 = scenario.dossiers["D1"]
    assert d1.result_document is not None
    d1.result_document.state = DocumentState.ERASED
    session.flush()
    row = figures(rows(session, *OCT, [A])[A])
    # D1 loses its e-result: 4.1 1/3, 4.2 2/4, 4.4 (D1 synced) 1/4
    assert (row["4.1"], row["4.2"], row["4.4"]) == ((1, 3, "33.33%"), (2, 4, "50.00%"), (1, 4, "25.00%"))
