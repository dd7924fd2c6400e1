"""Paper document types end to end on real Tesseract: corpus documents (fixed seeds) wrapped in a
scanner-like PDF and processed by ``pipeline.process.process_document``, as an upload is.

Two documents per type (clean and lightly degraded); multi-page documents (the health certificate
always, a long decision) are one document; a marital-status confirmation older than 6 months is
expired. The ground truth includes the list fields (CT07 household members, a decision's
recipients) and names and places with ỵ (which Tesseract cannot read: places are repaired, names go to
review). Assertions are on content against the renderer's ground truth, none on wall time.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from PIL import Image

from pipeline.corpus import CorpusSample, corpus_sample
from pipeline.intake import MEDIA_PDF
from pipeline.process import ProcessedDocument, process_document
from pipeline.samples import save_pdf
from schemas.calendar import local_date
from schemas.documents import VALIDITY, DocumentType

pytestmark = pytest.mark.integration

SEED = 11  # the bench uses another seed
PAPER_TYPES = (
    "birth_certificate",
    "marriage_certificate",
    "marital_status_confirmation",
    "residence_confirmation",
    "diploma",
    "health_certificate",
    "administrative_decision",
    "application_form",
)
Case = tuple[str, int, str]
Processed = dict[Case, tuple[CorpusSample, ProcessedDocument]]
CASES: list[Case] = [
    (doctype, index, level) for doctype in PAPER_TYPES for index, level in ((0, "clean"), (1, "light"))
]


def _process(pages: list[Image.Image], dpi: int, tmp_path: Path) -> ProcessedDocument:
    pdf = tmp_path / "document.pdf"
    save_pdf([p.convert("RGB") for p in pages], pdf, dpi=dpi, quality=90)
    return process_document(pdf, MEDIA_PDF)


class _Processed(dict[Case, tuple[CorpusSample, ProcessedDocument]]):
    """Each case processed once, on first use (so that ``-k`` runs only what it selects)."""

    def __init__(self, tmp_path_factory: pytest.TempPathFactory) -> None:
        super().__init__()
        self.tmp_path_factory = tmp_path_factory

    def __missing__(self, case: Case) -> tuple[CorpusSample, ProcessedDocument]:
        sample = corpus_sample(SEED, *case)
        result = (sample, _process(sample.pages, sample.document.dpi, self.tmp_path_factory.mktemp("paper")))
        self[case] = result
        return result


@pytest.fixture(scope="module")
def processed(tmp_path_factory: pytest.TempPathFactory) -> Processed:
    return _Processed(tmp_path_factory)


# Known misreadings, kept visible: strict, so a fix makes the test fail until the entry is removed.
KNOWN_MISREADS = {
    # Italic place/date line: "28" read "26"; the digits model disagrees, so it is flagged, not exact.
    ("health_certificate", 1, "light"): "italic date line: 28 read 26 (flagged low confidence)",
}
PARAMS = [
    pytest.param(case, marks=pytest.mark.xfail(reason=KNOWN_MISREADS[case], strict=True))
    if case in KNOWN_MISREADS
    else case
    for case in CASES
]


@pytest.mark.parametrize("case", PARAMS, ids=["-".join(map(str, c)) for c in CASES])
def test_fields_of_a_document(case: Case, processed: Processed) -> None:
    sample, doc = processed[case]
    assert doc.document_type.value == sample.document.document_type
    assert doc.type_confidence >= 0.6
    assert doc.page_count == len(sample.pages)
    expected = dict(sample.document.fields)
    flagged = {p.detail for p in doc.problems if p.code in ("low_confidence", "field_invalid")}
    for name, truth in sample.document.fields.items():
        if "Ỵ" in truth and name in doc.fields:
            # The vie model has no ỵ: a name with MỴ is read MY (or MỸ). The dot below seen in the page's
            # pixels makes it MỴ; else, MY being a name too, it goes to review instead of being guessed.
            field = doc.fields[name]
            if "y_dot_seen" in field.problems:
                assert field.value == truth and "y_dot_ambiguous" not in field.problems
            else:
                assert field.value in (truth.replace("Ỵ", "Y"), truth.replace("Ỵ", "Ỹ"))
                assert "y_dot_ambiguous" in field.problems and name in flagged
                expected[name] = field.value
    got = {name: doc.fields[name].value if name in doc.fields else None for name in sample.document.fields}
    assert got == expected
    # Every expected value is right; none of them may be marked invalid.
    assert all(doc.fields[name].valid for name in sample.document.fields)


def test_multi_page_documents_are_one_document(
    processed: Processed,
) -> None:
    sample, doc = processed[("health_certificate", 0, "clean")]
    assert len(sample.pages) == 2 and doc.page_count == 2
    # The person is on page 1, the conclusion and its date on page 2.
    assert doc.fields["full_name"].value == sample.document.fields["full_name"]
    assert doc.fields["health_class"].value == sample.document.fields["health_class"]


def test_time_limited_papers_expire(
    processed: Processed,
) -> None:
    rule = VALIDITY[DocumentType.MARITAL_STATUS_CONFIRMATION]
    for index, level in ((0, "clean"), (1, "light")):
        sample, doc = processed[("marital_status_confirmation", index, level)]
        expiry = rule.expiry(sample.document.fields)
        assert expiry is not None
        expired = ("document_expired", "issue_date") in {(p.code, p.detail) for p in doc.problems}
        assert expired == (expiry < local_date(dt.datetime.now(dt.UTC)))
        assert doc.needs_review or not expired


def test_a_place_with_y_dot_is_repaired(tmp_path: Path) -> None:
    """Tesseract reads the ward Đồng Kỵ as "Đồng Ky" (no ỵ in the vie model): the lexicon repairs it."""
    sample = corpus_sample(SEED, "residence_confirmation", 16, "clean")
    truth = sample.document.fields["permanent_residence"]
    assert "Đồng Kỵ" in truth  # the case this test needs (the seed's document 16)
    doc = _process(sample.pages, sample.document.dpi, tmp_path)
    for name in ("permanent_residence", "current_residence"):
        field = doc.fields[name]
        assert field.value == sample.document.fields[name] and field.valid
        assert "y_dot_repaired" in field.problems  # Tesseract did drop the ỵ
