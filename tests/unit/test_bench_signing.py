"""The signing benchmark reports every level and pyHanko's default path (slow: not in the default run)."""

from __future__ import annotations

import json

import pytest


@pytest.mark.slow
def test_signing_benchmark_reports_levels_and_the_default_path(capsys: pytest.CaptureFixture[str]) -> None:
    from bench.signing.__main__ import main

    assert main(["--documents", "3", "--json"]) == 0
    figures = json.loads(capsys.readouterr().out)
    assert set(figures["levels"]) == {"B-B", "B-T", "B-LT", "B-LTA"}
    assert {"B-B", "B-T"} <= set(figures["pyhanko_default"])
    assert figures["tsa_round_trip"]["mean_ms"] > 0
    assert all(value > 0 for value in figures["ratios"].values())
