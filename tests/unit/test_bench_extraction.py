"""bench/extraction's scoring and table (the OCR run itself is measured, not unit-tested)."""

from __future__ import annotations

from bench.extraction.__main__ import Outcome, report


def test_report_counts_misclassified_fields_and_confident_wrong_values() -> None:
    outcomes = [
        Outcome(
            "cccd_2021", "clean", 0, "cccd_2021", {"id_number": "ok", "full_name": "wrong"}, ["full_name"]
        ),
        Outcome("cccd_2021", "clean", 1, "unknown", {"id_number": "missing", "full_name": "missing"}),
        Outcome("cccd_2021", "heavy", 0, "cccd_2021", {"id_number": "flagged_wrong", "full_name": "ok"}),
    ]
    rows = {line.split("|")[2].strip(): line for line in report(outcomes, False).splitlines()[2:]}
    clean = [c.strip() for c in rows["clean"].split("|")]
    assert clean[3:7] == ["2", "50.0%", "25.0%", "25.0%"]  # docs, classified, exact, confident wrong
    heavy = [c.strip() for c in rows["heavy"].split("|")]
    assert heavy[3:7] == ["1", "100.0%", "50.0%", "0.0%"]
    total = [c.strip() for c in report(outcomes, False).splitlines()[-1].split("|")]
    assert total[1] == "ALL" and total[3:7] == ["3", "66.7%", "33.3%", "16.7%"]
