"""`sohoa dossier create|step|result` and `sohoa reuse propose|report` against a real SQLite index (click's
CliRunner; the vault's keys live in a temporary SOHOA_HOME, no object store is touched)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from schemas.calendar import local_date
from tests.indicator_scenario import document as scenario_document
from vault.index import (
    Dossier,
    DossierComponent,
    DossierStep,
    Provenance,
    make_engine,
    make_sessionmaker,
    migrate,
)

OWNER_ID = "001099012345"  # synthetic personal ID number (Hà Nội, male, born 1999)
CODE = re.compile(r"^(000\.00\.20\.H47-\d{6}-\d{4})  hạn / deadline (\d{4}-\d{2}-\d{2})$")


@dataclass
class Env:
    sessions: sessionmaker[Session]


@pytest.fixture()
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Env]:
    url = f"sqlite:///{tmp_path / 'index.db'}"
    migrate(url)
    monkeypatch.setenv("SOHOA_DATABASE_URL", url)
    monkeypatch.setenv("SOHOA_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("SOHOA_AGENCY_CODE", "000.00.20.H47")
    monkeypatch.setenv("SOHOA_CLERK", "clerk-7")
    engine = make_engine(url)
    yield Env(make_sessionmaker(engine))
    engine.dispose()


def _invoke(*args: str) -> Result:
    from sohoa.cli import main

    return CliRunner().invoke(main, list(args))


def _ok(*args: str) -> str:
    result = _invoke(*args)
    assert result.exit_code == 0, result.output
    return result.output


def _create(procedure: str = "2.000488") -> str:
    output = _ok("dossier", "create", "--owner", OWNER_ID, "--procedure", procedure)
    match = CODE.match(output.strip())
    assert match is not None, output
    return match.group(1)


def _document(env: Env, code: str, document_type: str, **overrides: object) -> uuid.UUID:
    with env.sessions() as session, session.begin():
        dossier = session.scalars(select(Dossier).where(Dossier.code == code)).one()
        created_at = overrides.pop("created_at", datetime(2020, 1, 1, tzinfo=UTC))
        return scenario_document(session, dossier.owner, document_type, created_at, **overrides).id  # type: ignore[arg-type]


def test_create_gives_the_official_code_the_deadline_and_the_step_received(env: Env) -> None:
    code = _create()
    today = local_date(datetime.now(UTC))
    assert code.split("-")[1] == f"{today:%y%m%d}"
    second = _create()
    assert int(second[-4:]) == int(code[-4:]) + 1  # the agency's daily sequence
    with env.sessions() as session:
        dossier = session.scalars(select(Dossier).where(Dossier.code == code)).one()
        assert dossier.procedure_code == "2.000488" and dossier.clerk == "clerk-7"
        assert dossier.deadline_on is not None and dossier.deadline_on > today  # 10 working days
        assert [(s.step, s.actor) for s in dossier.steps] == [(DossierStep.RECEIVED, "clerk-7")]


def test_create_rejects_an_unknown_procedure(env: Env) -> None:
    result = _invoke("dossier", "create", "--owner", OWNER_ID, "--procedure", "9.999999")
    assert result.exit_code != 0


def test_steps_in_order_with_actor_and_on_time_status(env: Env) -> None:
    code = _create()
    out_of_order = _invoke("dossier", "step", code, "sealed")
    assert out_of_order.exit_code == 1
    assert "needs step approved first" in out_of_order.output
    assert "appraised" in _ok("dossier", "step", code, "appraised", "--actor", "official-3")
    again = _invoke("dossier", "step", code, "appraised")
    assert again.exit_code == 1 and "already recorded" in again.output
    _ok("dossier", "step", code, "approved")
    _ok("dossier", "step", code, "sealed")
    output = _ok("dossier", "step", code, "returned")
    assert "returned" in output and "đúng hạn / on time" in output  # returned the day it was received
    with env.sessions() as session:
        dossier = session.scalars(select(Dossier).where(Dossier.code == code)).one()
        assert [(s.step.value, s.actor) for s in dossier.steps] == [
            ("received", "clerk-7"),
            ("appraised", "official-3"),
            ("approved", "clerk-7"),
            ("sealed", "clerk-7"),
            ("returned", "clerk-7"),
        ]
        assert dossier.returned_on == local_date(datetime.now(UTC))  # the figure kept for the indicators


def test_step_of_an_unknown_dossier_or_step_fails(env: Env) -> None:
    missing = _invoke("dossier", "step", "000.00.20.H47-260101-0001", "appraised")
    assert missing.exit_code == 1 and "no such dossier" in missing.output
    code = _create()
    assert _invoke("dossier", "step", code, "received").exit_code == 2  # not a step one records by hand


def test_result_links_a_signed_document_of_the_result_type(env: Env) -> None:
    code = _create()
    wrong_type = _document(env, code, "birth_certificate")
    result = _invoke("dossier", "result", code, str(wrong_type))
    assert result.exit_code == 1 and "result type" in result.output
    missing = _invoke("dossier", "result", code, str(uuid.uuid4()))
    assert missing.exit_code == 1 and "no such dossier or document" in missing.output
    certificate = _document(env, code, "criminal_record_certificate")
    assert f"result {certificate}" in _ok("dossier", "result", code, str(certificate), "--synced")
    with env.sessions() as session:
        dossier = session.scalars(select(Dossier).where(Dossier.code == code)).one()
        assert dossier.result_document_id == certificate and dossier.result_synced_at is not None


def test_result_of_a_procedure_without_written_result_is_refused(env: Env) -> None:
    code = _create("1.004194")  # permanent residence: no written result in the catalogue
    document = _document(env, code, "residence_confirmation")
    result = _invoke("dossier", "result", code, str(document))
    assert result.exit_code == 1 and "no written result" in result.output


def test_reuse_propose_record_and_report(env: Env) -> None:
    code = _create()
    card = _document(env, code, "cccd_2021", valid_until=date(2040, 1, 1))
    _document(env, code, "cccd_2021", valid_until=date(2020, 1, 1))  # expired: never proposed
    output = _ok("reuse", "propose", code, "--record")
    assert f"id_card: document {card}" in output
    assert "recorded 1 component(s) as reused" in output
    with env.sessions() as session:
        dossier = session.scalars(select(Dossier).where(Dossier.code == code)).one()
        components = session.scalars(
            select(DossierComponent).where(DossierComponent.dossier_id == dossier.id)
        ).all()
        assert [(c.document_id, c.provenance) for c in components] == [(card, Provenance.REUSED)]
        assert (dossier.component_count, dossier.reused_components) == (1, 1)
    assert "nothing reusable" in _ok("reuse", "propose", code)  # the component is filled now
    today = local_date(datetime.now(UTC)).isoformat()
    assert "1/1 = 100.00%" in _ok("reuse", "report", "--from", today, "--to", today)


def test_indicators_results_basis_option(env: Env) -> None:
    code = _create()
    for step in ("appraised", "approved", "sealed", "returned"):
        _ok("dossier", "step", code, step)
    today = local_date(datetime.now(UTC)).isoformat()
    period = ("indicators", "--from", today, "--to", today, "--format", "csv")
    resolved = _ok(*period, "--results-basis", "resolved")
    assert f"000.00.20.H47,,{today},{today},4.1,0,1,0.00" in resolved
    assert _invoke(*period, "--results-basis", "closed").exit_code == 2
