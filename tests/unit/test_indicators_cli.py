"""`sohoa indicators` prints the scenario's figures as a table, JSON and CSV."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.indicator_scenario import A, build
from vault.index import make_engine, make_sessionmaker, migrate


@pytest.fixture()
def scenario_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'index.db'}"
    migrate(url)
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session, session.begin():
        build(session)
    engine.dispose()
    monkeypatch.setenv("SOHOA_DATABASE_URL", url)
    monkeypatch.setenv("SOHOA_HOME", str(tmp_path / "home"))
    return url


def _run(*args: str) -> str:
    from sohoa.cli import main

    result = CliRunner().invoke(main, ["indicators", "--from", "2026-10-01", "--to", "2026-10-31", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_json_gives_the_hand_worked_october_figures(scenario_db: str) -> None:
    rows = {r["agency_code"]: r for r in json.loads(_run("--format", "json"))}
    figures = rows[A]["indicators"]
    assert {k: v["percent"] for k, v in figures.items()} == {
        "4.1": "66.67",
        "4.2": "75.00",
        "4.3": "75.00",
        "4.4": "50.00",
        "component_reuse": "80.00",
        "on_time": "25.00",
    }


def test_csv_marks_an_empty_denominator_not_applicable(scenario_db: str) -> None:
    rows = list(csv.DictReader(io.StringIO(_run("--format", "csv"))))
    by_key = {(r["agency_code"], r["indicator"]): r for r in rows}
    assert by_key[("000.00.21.H47", "component_reuse")]["percent"] == "N/A"
    assert by_key[(A, "4.1")]["numerator"] == "2" and by_key[(A, "4.1")]["denominator"] == "3"


def test_table_shows_each_agency(scenario_db: str) -> None:
    output = _run()
    assert A in output and "000.00.21.H47" in output
    assert "2/3 66.67%" in output
    assert "0/0 N/A" in output
