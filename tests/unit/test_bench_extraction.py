"""bench/extraction's scoring and table (the OCR run itself is measured, not unit-tested)."""

from __future__ import annotations

from bench.extraction.__main__ import Outcome, counts, document_index, report
from pipeline.corpus import LEVELS


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.split("|")]


def test_report_counts_misclassified_fields_and_confident_wrong_values() -> None:
    outcomes = [
        Outcome(
            "cccd_2021", "clean", 0, "cccd_2021", {"id_number": "ok", "full_name": "wrong"}, ["full_name"]
        ),
        Outcome("cccd_2021", "clean", 3, "unknown", {"id_number": "missing", "full_name": "missing"}),
        Outcome("cccd_2021", "heavy", 2, "cccd_2021", {"id_number": "flagged_wrong", "full_name": "ok"}),
    ]
    first_table = report(outcomes, False).split("\n\n")[0]
    rows = {(c[1], c[2]): c for c in map(_cells, first_table.splitlines()[2:])}
    # docs, classified, exact, confident wrong, wrong/fields
    assert rows[("cccd_2021", "clean")][3:8] == ["2", "50.0%", "25.0%", "25.0%", "1/4"]
    assert rows[("cccd_2021", "heavy")][3:8] == ["1", "100.0%", "50.0%", "0.0%", "0/2"]
    assert ("cccd_2021", "light") not in rows
    assert rows[("cccd_2021", "all")][3:8] == ["3", "66.7%", "33.3%", "16.7%", "1/6"]
    assert rows[("ALL", "clean")][3:8] == ["2", "50.0%", "25.0%", "25.0%", "1/4"]
    assert rows[("ALL", "all")][3:8] == ["3", "66.7%", "33.3%", "16.7%", "1/6"]


def test_every_level_runs_documents_of_its_own() -> None:
    indices = [document_index(n, level) for n in range(17) for level in LEVELS]
    assert len(set(indices)) == 51  # 17 per level x 3 levels: 51 distinct documents per type
    # A level's documents do not depend on the other levels run.
    assert [document_index(n, "heavy") for n in range(3)] == [2, 5, 8]
    said = counts(17, ["cccd_2021", "diploma"], list(LEVELS))
    assert said.startswith("51 distinct document(s) per type = 17 per level x 3 level(s)")
    assert said.endswith("2 type(s), 102 document(s) in all")


def test_a_document_its_renderer_could_not_draw_is_listed_apart() -> None:
    outcomes = [
        Outcome("cccd_2021", "clean", 0, "cccd_2021", {"id_number": "ok"}),
        Outcome("cccd_2021", "heavy", 2, "corpus_error", rejected="RuntimeError"),
    ]
    out = report(outcomes, True)
    rows = {(c[1], c[2]): c for c in map(_cells, out.split("\n\n")[0].splitlines()[2:])}
    assert rows[("ALL", "all")][3] == "1" and ("cccd_2021", "heavy") not in rows
    assert (
        "not rendered (a corpus renderer failed; not counted above): cccd_2021 #2 heavy (RuntimeError)" in out
    )


def test_review_reasons_are_counted_per_type_with_expiry_apart() -> None:
    expired, unsure = "document_expired:issue_date", "low_confidence:full_name"
    outcomes = [
        Outcome("marital_status_confirmation", "clean", 0, "marital_status_confirmation",
                needs_review=True, review_reasons=[expired]),
        Outcome("marital_status_confirmation", "light", 1, "marital_status_confirmation",
                needs_review=True, review_reasons=[expired, unsure]),
        Outcome("land_certificate", "clean", 0, "land_certificate"),
        Outcome("land_certificate", "heavy", 2, "land_certificate",
                needs_review=True, review_reasons=["low_confidence:serial"]),
    ]  # fmt: skip
    text = report(outcomes, False)
    assert "why documents go to review" in text
    rows = {c[1]: c for c in map(_cells, text.split("why documents go to review")[1].splitlines()[3:])}
    # docs, review, review expiry aside, reasons
    assert rows["marital_status_confirmation"][2:6] == [
        "2", "100.0%", "50.0%", "document_expired:issue_date 2, low_confidence:full_name 1"
    ]  # fmt: skip
    assert rows["land_certificate"][2:6] == ["2", "50.0%", "50.0%", "low_confidence:serial 1"]
    assert rows["ALL"][2:5] == ["4", "75.0%", "50.0%"]
