"""The throughput bench's verdict lines (pure arithmetic on measured runs)."""

from bench.ocr_throughput.__main__ import Run, goals


def _run(wall: float, cpu: float) -> Run:
    return Run(wall=wall, cpu=cpu, outputs=[], pages=16)


def test_goals_report_both_ratios_and_the_bound_set_by_tesseract_alone() -> None:
    runs = {
        "sohoa (classify + extract)": _run(10.0, 18.0),
        "raw tesseract (pdf txt)": _run(16.0, 32.0),
        "libtesseract in process (txt only)": _run(11.0, 20.0),
        "ocrmypdf command per file": _run(21.0, 40.0),
        "ocrmypdf API, warm processes": _run(15.0, 27.0),
    }
    text = goals(runs, "sohoa (classify + extract)")
    assert "≤ 1.3× raw tesseract's time: 0.62× (met)" in text
    assert "(ocrmypdf command per file): 2.10× wall, 2.22× CPU (met)" in text
    assert "recognition alone: 1.91× wall, 2.00× CPU (2× needs the whole pipeline to cost 100%" in text


def test_goals_say_not_met_when_the_pipeline_is_not_twice_as_fast() -> None:
    runs = {
        "sohoa (classify + extract)": _run(5.8, 10.7),
        "raw tesseract (pdf txt)": _run(4.0, 8.0),
        "ocrmypdf --jobs 2": _run(8.1, 13.1),
    }
    text = goals(runs, "sohoa (classify + extract)")
    assert "1.45× (NOT met)" in text
    assert "(ocrmypdf --jobs 2): 1.40× wall, 1.22× CPU (NOT met)" in text
    assert "recognition alone" not in text
