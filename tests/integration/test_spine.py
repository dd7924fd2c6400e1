"""The spine end to end on the real services: a clerk's batch reaches the citizen's encrypted vault
through a Dramatiq worker on Redis, and a second dossier reuses the documents.

Nothing is mocked: MinIO, Redis, PostgreSQL, Tesseract, poppler and pyHanko are the real ones.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import dramatiq
import pytest
from click.testing import CliRunner
from minio import Minio
from sqlalchemy import select

from pipeline.samples import write_sample_batch
from schemas.calendar import local_date
from schemas.procedures import load_catalogue
from signing.verify import verify_pdf
from sohoa.app import Runtime, dev_pki
from vault.access import Actor
from vault.dossiers import propose_reuse, record_reuse, register_dossier, reuse_rate
from vault.index import Document, DocumentState, Dossier, DossierComponent, Provenance
from vault.vault import AccessDenied
from workers.service import ingest_batch, wait_for_batch

pytestmark = pytest.mark.integration

PROCEDURE = "2.000488"


@dataclass
class SpineRun:
    settings: object
    runtime: Runtime
    citizen: object
    batch_files: list[Path]
    receipt: object
    first_dossier: str


@pytest.fixture(scope="module")
def spine(test_settings, tmp_path_factory, shared_pdfs) -> SpineRun:  # type: ignore[no-untyped-def]
    work = tmp_path_factory.mktemp("batch")
    sample = write_sample_batch(work / "sample", seed=4243)
    # Bad input mixed into the batch: a text file named .pdf, an empty file, and a 44-byte non-PDF.
    text_as_pdf = work / "scan_0003.pdf"
    text_as_pdf.write_text("Đây không phải là PDF / this is not a PDF\n", encoding="utf-8")
    empty = work / "scan_0004.pdf"
    empty.write_bytes(b"")
    invalid = work / "invalid.pdf"
    shutil.copy(shared_pdfs / "invalid.pdf", invalid)
    files = [*sample.files.values(), text_as_pdf, empty, invalid]

    # An agency of its own: other tests of the session register dossiers today too, and the reuse
    # rate below is per agency and period.
    test_settings = test_settings.model_copy(update={"agency_code": "000.00.99.T02"})
    runtime = Runtime(test_settings)
    ctx = runtime.context()
    procedure = load_catalogue().get(PROCEDURE)
    with ctx.vault.session() as session:
        owner = ctx.vault.ensure_owner(session, sample.citizen.id_number)
        dossier = register_dossier(
            session,
            owner,
            procedure,
            agency_code=test_settings.agency_code,
            clerk="clerk-test",
            received_at=datetime.now(UTC),
        )
        code = dossier.code
    receipt = ingest_batch(ctx, files, clerk="clerk-test", dossier_code=code)
    worker = dramatiq.Worker(runtime.broker, worker_threads=1)
    worker.start()
    try:
        wait_for_batch(ctx.vault, receipt.batch_id, timeout=900)
    finally:
        worker.stop()
    return SpineRun(test_settings, runtime, sample.citizen, files, receipt, code)


def _documents(run: SpineRun) -> list[Document]:
    with run.runtime.context().vault.session() as session:
        return [session.get_one(Document, line.document_id) for line in run.receipt.lines]


def _field_values(citizen) -> list[str]:  # type: ignore[no-untyped-def]
    """Extracted values that must never appear in clear in the object store."""
    dob: date = citizen.date_of_birth
    return [
        citizen.id_number,
        citizen.full_name,
        unicodedata.normalize("NFD", citizen.full_name),
        citizen.full_name.encode("utf-16-be").decode("latin-1"),
        dob.strftime("%d/%m/%Y"),
        dob.isoformat(),
    ]


def _strip_marks(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.upper().replace("Đ", "D"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def test_good_documents_are_signed_and_stored_bad_ones_rejected_with_reasons(spine: SpineRun) -> None:
    documents = _documents(spine)
    good, bad = documents[: len(spine.batch_files) - 3], documents[-3:]
    assert {d.document_type for d in good} == {"cccd_2021", "birth_certificate"}
    for document in good:
        assert document.state == DocumentState.STORED, document.review_reasons
        assert document.signature_valid is True and document.signature_level == "B-B"
    codes = [d.reason_code for d in bad]
    assert all(d.state == DocumentState.REJECTED for d in bad)
    assert codes[0] == "not_a_pdf" and codes[1] == "empty_file" and codes[2] in ("not_a_pdf", "corrupt_file")
    for line in spine.receipt.lines[-3:]:
        assert line.message_vi and line.message_en and not line.queued
    # The rejected files' originals are kept, encrypted, byte for byte.
    ctx = spine.runtime.context()
    with ctx.vault.session() as session:
        for path, document in zip(spine.batch_files[-3:], bad, strict=True):
            stored = session.get_one(Document, document.id)
            assert ctx.vault.read_original(stored, actor=Actor.clerk("clerk-test")) == path.read_bytes()


def test_raw_objects_hold_no_plaintext_and_names_no_id(spine: SpineRun) -> None:
    settings = spine.settings
    client = Minio(
        settings.s3_endpoint,
        access_key=settings.s3_access_key,
        secret_key=settings.s3_secret_key.get_secret_value(),
        secure=False,
    )
    objects = list(client.list_objects(settings.s3_bucket, recursive=True))
    assert len(objects) >= 2 * 2 + 3  # originals and signed copies of two documents, three rejected originals
    secrets = [v.encode("utf-8") if isinstance(v, str) else v for v in _field_values(spine.citizen)]
    for item in objects:
        assert spine.citizen.id_number not in item.object_name
        assert re.fullmatch(
            r"v1/[0-9a-f]{2}/[0-9a-f]{64}/[0-9a-f-]{36}/(original|signed\.pdf)", item.object_name
        )
        stat = client.stat_object(settings.s3_bucket, item.object_name)
        assert spine.citizen.id_number not in str(stat.metadata)
        response = client.get_object(settings.s3_bucket, item.object_name)
        try:
            raw = response.read()
        finally:
            response.close()
            response.release_conn()
        assert b"%PDF" not in raw
        assert b"JFIF" not in raw and b"\xff\xd8\xff" not in raw[:3]
        for secret in secrets:
            assert secret not in raw


def test_vault_copy_is_a_signed_searchable_pdf(spine: SpineRun, tmp_path: Path) -> None:
    ctx = spine.runtime.context()
    roots = [dev_pki(spine.settings).root_cert_path]
    for document in _documents(spine)[:2]:
        with ctx.vault.session() as session:
            stored = ctx.vault.get_for_owner(session, document.id, spine.citizen.id_number)
            citizen = Actor.owner(spine.citizen.id_number)
            pdf = ctx.vault.read_signed(stored, actor=citizen)
            fields = ctx.vault.open_fields(stored, actor=citizen)
        assert pdf.startswith(b"%PDF")
        report = verify_pdf(pdf, roots)
        assert report.valid and report.signatures[0].pades_level == "B-B"
        path = tmp_path / f"{document.id}.pdf"
        path.write_bytes(pdf)
        pdfsig = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True, check=False)
        assert "Signature is Valid." in pdfsig.stdout
        text = subprocess.run(
            ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
        ).stdout
        text = unicodedata.normalize("NFC", text)
        # The OCR text layer: the printed ID and date of birth exactly, the name up to a diacritic
        # (Tesseract's text layer keeps its raw reading; the extracted field is repaired by the lexicon).
        assert spine.citizen.id_number in text
        assert spine.citizen.date_of_birth.strftime("%d/%m/%Y") in text
        assert _strip_marks(spine.citizen.full_name) in _strip_marks(text)
        assert "Bản số hóa" in text  # the conversion mark
        assert fields["full_name"]["value"].upper() == spine.citizen.full_name.upper()
        assert fields["date_of_birth"]["value"] == spine.citizen.date_of_birth.isoformat()


def test_the_vault_refuses_another_owner(spine: SpineRun) -> None:
    ctx = spine.runtime.context()
    document = _documents(spine)[0]
    with ctx.vault.session() as session, pytest.raises(AccessDenied):
        ctx.vault.get_for_owner(session, document.id, "001099000001")


def test_same_original_again_is_the_same_document(spine: SpineRun) -> None:
    ctx = spine.runtime.context()
    receipt = ingest_batch(ctx, spine.batch_files[:1], clerk="clerk-test", owner_id=spine.citizen.id_number)
    line = receipt.lines[0]
    assert line.duplicate and line.document_id == spine.receipt.lines[0].document_id and not line.queued


def test_second_dossier_reuses_and_the_rate_is_fifty_percent(spine: SpineRun) -> None:
    ctx = spine.runtime.context()
    procedure = load_catalogue().get(PROCEDURE)
    today = local_date(datetime.now(UTC))  # the indicators count Vietnam's days
    good_ids = {line.document_id for line in spine.receipt.lines[:2]}
    with ctx.vault.session() as session:
        first = session.scalars(select(Dossier).where(Dossier.code == spine.first_dossier)).one()
        assert {c.provenance for c in first.components} == {Provenance.NEW_SCAN}
        assert {c.document_id for c in first.components} == good_ids
        owner = ctx.vault.ensure_owner(session, spine.citizen.id_number)
        second = register_dossier(
            session,
            owner,
            procedure,
            agency_code=spine.settings.agency_code,
            clerk="clerk-test",
            received_at=datetime.now(UTC),
        )
        proposals = propose_reuse(session, second, procedure, today)
        assert {p.document_id for p in proposals} == good_ids
        record_reuse(session, second, procedure, proposals, "clerk-test", today)
        components = list(
            session.scalars(select(DossierComponent).where(DossierComponent.dossier_id == second.id))
        )
        assert {(c.provenance, c.document_id) for c in components} == {
            (Provenance.REUSED, i) for i in good_ids
        }
        rate = reuse_rate(session, today, today, spine.settings.agency_code)
    assert (rate.numerator, rate.denominator, rate.percent) == (1, 2, Decimal("50.00"))


def test_cli_for_citizens_and_auditors(spine: SpineRun, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from sohoa.cli import main

    settings = spine.settings
    env = {
        "SOHOA_HOME": str(settings.home),
        "SOHOA_DATABASE_URL": settings.database_url,
        "SOHOA_REDIS_URL": settings.redis_url,
        "SOHOA_S3_ENDPOINT": settings.s3_endpoint,
        "SOHOA_S3_BUCKET": settings.s3_bucket,
        "SOHOA_AGENCY_CODE": settings.agency_code,
    }
    runner = CliRunner()
    owner = spine.citizen.id_number
    listing = runner.invoke(main, ["vault", "list", "--owner", owner], env=env)
    assert listing.exit_code == 0, listing.output
    document_id = str(spine.receipt.lines[0].document_id)
    assert document_id in listing.output and "B-B valid" in listing.output
    out = tmp_path / "copy.pdf"
    got = runner.invoke(main, ["vault", "get", document_id, "--owner", owner, "-o", str(out)], env=env)
    assert got.exit_code == 0, got.output
    denied = runner.invoke(
        main, ["vault", "get", document_id, "--owner", "001099000001", "-o", str(out)], env=env
    )
    assert denied.exit_code != 0 and "another owner" in denied.output
    ok = runner.invoke(main, ["verify", str(out)], env=env)
    assert ok.exit_code == 0, ok.output
    tampered = tmp_path / "tampered.pdf"
    data = bytearray(out.read_bytes())
    data[len(data) // 3] ^= 0x01
    tampered.write_bytes(bytes(data))
    bad = runner.invoke(main, ["verify", str(tampered)], env=env)
    assert bad.exit_code == 1, bad.output
    status = runner.invoke(main, ["batch", "status", str(spine.receipt.batch_id)], env=env)
    assert status.exit_code == 0 and "rejected=3" in status.output and "not_a_pdf" in status.output
    report = runner.invoke(main, ["reuse", "report"], env=env)
    assert report.exit_code == 0 and "%" in report.output
