"""The dossier row's denormalised figures (kept on write for the indicators) agree with a recomputation from
the raw rows after a scripted sequence of changes; migration 0005 backfills the same figures."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import update
from sqlalchemy.orm import Session

from schemas.procedures import load_catalogue
from tests.indicator_scenario import A, Scenario, at, build, document, return_dossier
from vault.dossiers import (
    FIGURES,
    attach_component,
    dossier_figures,
    dossier_figures_from_rows,
    record_step,
    register_dossier,
)
from vault.index import (
    Document,
    DocumentState,
    Dossier,
    DossierStep,
    Provenance,
    alembic_config,
    make_engine,
    make_sessionmaker,
    migrate,
)


@pytest.fixture()
def database(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'index.db'}"
    migrate(url)
    return url


@pytest.fixture()
def scenario_session(database: str) -> Iterator[tuple[Scenario, Session]]:
    with make_sessionmaker(make_engine(database))() as session, session.begin():
        yield build(session), session


def _agree(session: Session, scenario: Scenario) -> None:
    for name, dossier in scenario.dossiers.items():
        session.refresh(dossier)
        assert dossier_figures(dossier) == dossier_figures_from_rows(session, dossier), name


def test_the_scenario_figures_are_the_hand_worked_ones(scenario_session: tuple[Scenario, Session]) -> None:
    scenario, session = scenario_session
    got = {name: dossier_figures(d) for name, d in scenario.dossiers.items()}
    # (components, reused, portal, missed reuse, returned on, undigitised components, result undigitised);
    # see tests/unit/test_indicators.py
    assert {name: tuple(f.values()) for name, f in got.items()} == {
        "D1": (3, 2, 0, 0, date(2026, 10, 15), 0, False),
        "D2": (3, 0, 0, 0, date(2026, 10, 23), 0, False),  # expired ID and revoked BC: nothing missed
        "D3": (3, 1, 1, 1, None, 0, False),  # the new ID although O3's new one was reusable
        "D4": (2, 1, 0, 0, None, 1, True),  # the form still processing; the result signed invalidly
        "D5": (0, 0, 0, 0, date(2026, 10, 12), 0, False),
        "D6": (3, 1, 0, 1, None, 0, False),  # the new BC although O3's was reusable
        "D7": (2, 1, 0, 0, None, 0, False),
    }
    _agree(session, scenario)


def test_figures_agree_with_the_raw_rows_after_each_change(
    scenario_session: tuple[Scenario, Session],
) -> None:
    scenario, session = scenario_session
    catalogue = load_catalogue()
    lltp = catalogue.get("2.000488")
    docs = scenario.documents
    o1 = scenario.owners["o1"]
    d8 = register_dossier(session, o1, lltp, agency_code=A, clerk="c", received_at=at(date(2026, 12, 1)))
    scenario.dossiers["D8"] = d8
    _agree(session, scenario)

    # a new scan of an ID while O1's ID was reusable (missed), then the same attach again (idempotent)
    new_id = document(session, o1, "cccd_2021", at(date(2026, 12, 1)))
    attach_component(session, d8, lltp, new_id, Provenance.NEW_SCAN, "c")
    attach_component(session, d8, lltp, new_id, Provenance.NEW_SCAN, "c")
    _agree(session, scenario)
    assert (d8.component_count, d8.missed_reuse_components) == (1, 1)

    # a reused birth certificate, a national-database ID and a portal-store application form
    attach_component(session, d8, lltp, docs["o1_bc"], Provenance.REUSED, "c")
    attach_component(session, d8, lltp, docs["o1_id"], Provenance.NATIONAL_DB, "c")
    form = document(session, o1, "application_form", at(date(2026, 12, 1)))
    attach_component(session, d8, lltp, form, Provenance.PORTAL_STORE, "c")
    _agree(session, scenario)
    assert (d8.component_count, d8.reused_components, d8.portal_components) == (4, 3, 1)

    # O1's ID revoked after D8's receipt: at receipt it was reusable, so the scan is still a missed reuse
    docs["o1_id"].revoked_at = at(date(2026, 12, 2))
    session.flush()
    _agree(session, scenario)
    assert d8.missed_reuse_components == 1

    # steps up to returned; an open dossier of the scenario returned late
    for step in (DossierStep.APPRAISED, DossierStep.APPROVED, DossierStep.SEALED, DossierStep.RETURNED):
        record_step(session, d8, step, "official", at(date(2026, 12, 3)))
        _agree(session, scenario)
    d6 = scenario.dossiers["D6"]
    return_dossier(session, d6, date(2026, 11, 20))
    _agree(session, scenario)
    assert (d8.returned_on, d6.returned_on) == (date(2026, 12, 3), date(2026, 11, 20))

    # documents change after they were recorded, by whoever: D4's form processed, its result re-signed, D1's
    # result erased, an ID of D8 found invalidly signed, then all of it again through a bulk SQL update
    d4, d1 = scenario.dossiers["D4"], scenario.dossiers["D1"]
    form = next(c.document for c in d4.components if c.document.document_type == "application_form")
    form.state, form.signature_valid = DocumentState.STORED, True
    assert d4.result_document is not None and d1.result_document is not None
    d4.result_document.signature_valid = True
    d1.result_document.state = DocumentState.ERASED
    new_id.signature_valid = False
    session.flush()
    _agree(session, scenario)
    assert (d4.undigitised_components, d4.result_undigitised, d1.result_undigitised) == (0, False, True)
    assert d8.undigitised_components == 1
    session.execute(update(Document).where(Document.id == new_id.id).values(signature_valid=True))
    session.execute(update(Document).where(Document.id == form.id).values(state=DocumentState.PROCESSING))
    _agree(session, scenario)
    assert (d8.undigitised_components, d4.undigitised_components) == (0, 1)

    # a component scanned for D7 after a reusable one was revoked before D7's receipt: nothing missed
    d7 = scenario.dossiers["D7"]
    marital = catalogue.get("1.004873")
    assert attach_component(session, d7, marital, docs["o1_id"], Provenance.REUSED, "c") is not None
    _agree(session, scenario)


def test_a_missed_reuse_is_decided_when_the_scan_is_recorded(
    scenario_session: tuple[Scenario, Session],
) -> None:
    """The documented rule: superseding the reusable document afterwards does not undo the missed reuse
    (the clerk could have reused it then); the recomputation sees today's rows and differs."""
    scenario, session = scenario_session
    d6 = scenario.dossiers["D6"]
    assert d6.missed_reuse_components == 1
    o3_bc = scenario.documents["o3_bc"]
    o3_bc.superseded_by = scenario.documents["o3_id_new"].id
    session.flush()
    session.refresh(d6)
    assert d6.missed_reuse_components == 1
    assert dossier_figures_from_rows(session, d6)["missed_reuse_components"] == 0


def test_migration_backfills_the_figures_from_the_raw_rows(database: str) -> None:
    engine = make_engine(database)
    with make_sessionmaker(engine)() as session, session.begin():
        scenario = build(session)
        expected = {name: dossier_figures(d) for name, d in scenario.dossiers.items()}
        ids = {name: d.id for name, d in scenario.dossiers.items()}
        # forget the kept figures, then run the migration down and up again: it recomputes them
        session.execute(
            update(Dossier).values(
                component_count=0,
                reused_components=0,
                portal_components=0,
                missed_reuse_components=0,
                returned_on=None,
                undigitised_components=0,
                result_undigitised=False,
            )
        )
    engine.dispose()
    config = alembic_config(database)
    command.downgrade(config, "0004")
    command.upgrade(config, "head")
    engine = make_engine(database)
    with make_sessionmaker(engine)() as session:
        got = {name: dossier_figures(session.get_one(Dossier, i)) for name, i in ids.items()}
    engine.dispose()
    assert got == expected
    assert any(f["missed_reuse_components"] for f in got.values())  # the backfill's hardest rule is exercised
    assert set(FIGURES) == set(next(iter(got.values())))
