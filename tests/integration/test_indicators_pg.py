"""The official indicators on the real PostgreSQL: the same hand-worked scenario, the same figures."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from sqlalchemy import update

from schemas.procedures import load_catalogue
from tests.conftest import temporary_database
from tests.indicator_scenario import at, build
from tests.unit.test_indicators import (
    EXPECTED_A_NOV,
    EXPECTED_A_OCT,
    EXPECTED_A_OCT_NOV,
    EXPECTED_B_OCT,
    figures,
)
from vault.dossiers import dossier_figures, dossier_figures_from_rows
from vault.index import Document, DocumentState, make_engine, make_sessionmaker, migrate
from vault.indicators import compute_indicators

pytestmark = pytest.mark.integration

# Agency codes of their own, so that other tests' dossiers in sohoa_test never enter these figures.
A = "000.00.98.H47"
B = "000.00.99.H47"


def test_indicators_on_postgresql(test_settings: Any) -> None:
    url = test_settings.database_url
    assert url.startswith("postgresql")
    migrate(url)
    engine = make_engine(url)
    session = make_sessionmaker(engine)()
    transaction = session.begin()
    try:
        scenario = build(session, A, B)
        catalogue = load_catalogue()
        for dossier in scenario.dossiers.values():  # the figures kept on write, as PostgreSQL reads them
            session.refresh(dossier)
            assert dossier_figures(dossier) == dossier_figures_from_rows(session, dossier)

        def row(start: date, end: date, agency: str) -> dict[str, tuple[int, int, str]]:
            found = compute_indicators(session, catalogue, start, end, agency_codes=[A, B])
            return figures(next(r for r in found if r.agency_code == agency))

        assert row(date(2026, 10, 1), date(2026, 10, 31), A) == EXPECTED_A_OCT
        assert row(date(2026, 10, 1), date(2026, 10, 31), B) == EXPECTED_B_OCT
        assert row(date(2026, 11, 1), date(2026, 11, 30), A) == EXPECTED_A_NOV
        assert row(date(2026, 10, 1), date(2026, 11, 30), A) == EXPECTED_A_OCT_NOV
        # the trigger keeps the dossiers current when a document changes, here by a bulk SQL update: D1's
        # result erased → October 4.1 for A loses D1 (1/3), 4.2 too (2/4)
        d1 = scenario.dossiers["D1"]
        session.execute(
            update(Document).where(Document.id == d1.result_document_id).values(state=DocumentState.ERASED)
        )
        session.refresh(d1)
        assert d1.result_undigitised is True
        assert dossier_figures(d1) == dossier_figures_from_rows(session, d1)
        erased = row(date(2026, 10, 1), date(2026, 10, 31), A)
        assert (erased["4.1"], erased["4.2"]) == ((1, 3, "33.33%"), (2, 4, "50.00%"))
        resolved = compute_indicators(
            session,
            catalogue,
            date(2026, 10, 1),
            date(2026, 10, 31),
            agency_codes=[A],
            results_basis="resolved",
        )
        assert [(str(r.rates["4.1"]), str(r.rates["4.2"])) for r in resolved] == [("50.00%", "50.00%")]
    finally:
        transaction.rollback()
        session.close()
        engine.dispose()


@pytest.fixture
def own_database(service_config: Any) -> Iterator[str]:
    """A PostgreSQL database of its own: the scenario's owners carry placeholder keys ("k"), which a key
    rotation of the session's vault could not unwrap, and this test commits them."""
    with temporary_database(service_config, "sohoa_indicators") as url:
        yield url


def test_components_recorded_concurrently_are_all_counted(own_database: str) -> None:
    """Two workers record components of one dossier at the same time: the counters are incremented in SQL,
    so the second waits for the first's row lock and adds to its committed count (no lost update)."""
    import threading

    from vault.dossiers import attach_component, register_dossier
    from vault.index import Dossier, Provenance

    url = own_database
    migrate(url)
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    catalogue = load_catalogue()
    lltp = catalogue.get("2.000488")
    with sessions() as session, session.begin():
        scenario = build(session, "000.00.96.H47", "000.00.97.H47")
        owner = scenario.owners["o1"]
        dossier = register_dossier(
            session, owner, lltp, agency_code="000.00.96.H47", clerk="c", received_at=at(date(2026, 12, 1))
        )
        dossier_id = dossier.id
        id_card, birth = scenario.documents["o1_id"].id, scenario.documents["o1_bc"].id

    first = sessions()
    first.begin()
    held = first.get_one(Dossier, dossier_id)
    attach_component(first, held, lltp, first.get_one(Document, id_card), Provenance.REUSED, "w1")
    failures: list[BaseException] = []

    def second_worker() -> None:
        try:
            with sessions() as session, session.begin():
                mine = session.get_one(Dossier, dossier_id)
                document = session.get_one(Document, birth)
                attach_component(session, mine, lltp, document, Provenance.NEW_SCAN, "w2")
        except BaseException as exc:  # reported by the main thread
            failures.append(exc)

    worker = threading.Thread(target=second_worker)
    worker.start()  # blocks on the dossier row until the first commits
    first.commit()
    first.close()
    worker.join()
    assert not failures
    with sessions() as session:
        row = session.get_one(Dossier, dossier_id)
        assert (row.component_count, row.reused_components) == (2, 1)
        assert dossier_figures(row) == dossier_figures_from_rows(session, row)
    engine.dispose()
