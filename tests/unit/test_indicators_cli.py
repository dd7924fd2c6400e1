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


def test_chart_is_written_as_png_and_self_contained_html(scenario_db: str, tmp_path: Path) -> None:
    from PIL import Image

    out = tmp_path / "chart"
    _run_range("2026-10-01", "2026-11-30", "--agency", A, "--chart", str(out), "--indicator", "4.3")
    with Image.open(out / "indicator-4_3.png") as image:
        assert image.format == "PNG" and image.size == (900, 420)
    page = (out / "indicator-4_3.html").read_text(encoding="utf-8")
    assert "<svg" in page and "http" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    # LLTP (2.000488) reuse: October D1 yes, D2 no → 50.00%; November D6 → 100.00%
    assert "<tr><th>2.000488</th><td>50.00%</td><td>100.00%</td></tr>" in page
    # residence (1.004194) only in October: November is N/A
    assert "<tr><th>1.004194</th><td>100.00%</td><td>N/A</td></tr>" in page


def _run_range(start: str, end: str, *args: str) -> str:
    from sohoa.cli import main

    result = CliRunner().invoke(main, ["indicators", "--from", start, "--to", end, *args])
    assert result.exit_code == 0, result.output
    return result.output
