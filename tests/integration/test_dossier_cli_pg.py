"""`sohoa dossier create|step|result` and `sohoa indicators` through click's CliRunner on the real PostgreSQL
(the session's test database), one dossier from receipt to its result."""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from schemas.calendar import local_date
from vault.index import Document, DocumentState, Dossier, make_engine, make_sessionmaker, migrate

pytestmark = pytest.mark.integration

AGENCY = "000.00.95.H47"  # of its own: no other test's dossier enters its figures


def _ok(*args: str) -> str:
    from sohoa.cli import main

    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_a_dossier_from_receipt_to_result_on_postgresql(
    test_settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = test_settings.database_url
    assert url.startswith("postgresql")
    migrate(url)
    monkeypatch.setenv("SOHOA_DATABASE_URL", url)
    # The session's home: its key-encryption key wraps every owner key in this database (a key rotation
    # test of the session re-wraps them all).
    monkeypatch.setenv("SOHOA_HOME", str(test_settings.home))
    monkeypatch.setenv("SOHOA_AGENCY_CODE", AGENCY)
    monkeypatch.setenv("SOHOA_CLERK", "clerk-pg")

    output = _ok("dossier", "create", "--owner", "001099012346", "--procedure", "1.004873")
    pattern = rf"^({re.escape(AGENCY)}-\d{{6}}-\d{{4}})  hạn / deadline \d{{4}}-\d{{2}}-\d{{2}}$"
    match = re.match(pattern, output.strip())
    assert match is not None, output
    code = match.group(1)

    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    with sessions() as session, session.begin():
        dossier = session.scalars(select(Dossier).where(Dossier.code == code)).one()
        result = Document(
            owner_id=dossier.owner_id,
            original_sha256=uuid.uuid4().hex * 2,
            original_size=1,
            media_type="application/pdf",
            state=DocumentState.STORED,
            document_type="marital_status_confirmation",
            original_object="v1/x",
            signature_valid=True,
        )
        session.add(result)
        session.flush()
        result_id = result.id

    for step in ("appraised", "approved", "sealed"):
        _ok("dossier", "step", code, step)
    assert f"result {result_id}" in _ok("dossier", "result", code, str(result_id), "--synced")
    assert "đúng hạn / on time" in _ok("dossier", "step", code, "returned")

    with sessions() as session:
        dossier = session.scalars(select(Dossier).where(Dossier.code == code)).one()
        steps = [s.step.value for s in dossier.steps]
        assert steps == ["received", "appraised", "approved", "sealed", "returned"]
        assert (dossier.result_document_id, dossier.result_undigitised) == (result_id, False)
        assert dossier.result_synced_at is not None
    engine.dispose()

    today = local_date(datetime.now(UTC)).isoformat()
    period = ("--from", today, "--to", today)
    rows = json.loads(_ok("indicators", *period, "--agency", AGENCY, "--format", "json"))
    figures = {k: (v["numerator"], v["denominator"]) for k, v in rows[0]["indicators"].items()}
    # one marital-status dossier: signed result (4.1), synced (4.4); no component: not digitised (4.2),
    # nothing reused
    assert figures == {
        "4.1": (1, 1),
        "4.2": (0, 1),
        "4.3": (0, 1),
        "4.4": (1, 1),
        "component_reuse": (0, 0),
        "on_time": (1, 1),
    }
