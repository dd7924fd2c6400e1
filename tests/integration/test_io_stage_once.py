"""The I/O stage redone after an attempt died between its upload and its commit leaves one signed
object version, one index row and one audit entry per real action (issue 8, "idempotency end to end"),
on the real PostgreSQL and MinIO. The death is a fault injected after the upload (the attempt's
transaction is rolled back, as when the process is killed there)."""

from __future__ import annotations

import random
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select

from pipeline.samples import make_citizen, render_birth_certificate, save_pdf
from sohoa.app import Runtime, build_store
from vault.audit import AuditRecord
from vault.index import Document, DocumentState, ObjectVersion
from workers.errors import StageRetry
from workers.service import ingest_batch, run_io_stage, run_ocr_stage

pytestmark = pytest.mark.integration
OWNER = "001099012345"


def _entries(runtime: Runtime, document_id: uuid.UUID, action: str) -> int:
    with runtime.context().vault.session() as session:
        return int(
            session.scalar(
                select(func.count()).where(
                    AuditRecord.document_id == str(document_id), AuditRecord.action == action
                )
            )
            or 0
        )


def test_an_io_stage_cut_short_after_its_upload_then_redone_leaves_one_of_everything(
    test_settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    page = render_birth_certificate(make_citizen(random.Random(81))).crop((0, 0, 1240, 1100))
    scan = tmp_path / "scan.pdf"
    save_pdf([page.convert("L")], scan)
    runtime = Runtime(test_settings)
    ctx = runtime.context()
    receipt = ingest_batch(ctx, [scan], clerk="clerk-once", owner_id=OWNER)
    document_id = receipt.lines[0].document_id
    assert document_id is not None
    assert run_ocr_stage(ctx, document_id, "test-holder", hand_over=False) is DocumentState.PROCESSING

    # Attempt 1: signed and uploaded, then the attempt dies before its commit.
    uploads: list[str] = []
    store_signed = ctx.vault.store_signed

    def upload_then_die(document: Document, pdf: bytes, **kwargs: object) -> None:
        store_signed(document, pdf, **kwargs)  # type: ignore[arg-type]
        uploads.append(document.signed_version or "")
        raise RuntimeError("killed after the upload")

    monkeypatch.setattr(ctx.vault, "store_signed", upload_then_die)
    with pytest.raises(StageRetry):
        run_io_stage(ctx, document_id)
    monkeypatch.undo()
    assert len(uploads) == 1
    assert _entries(runtime, document_id, "signed.put") == 0  # nothing was committed, nothing audited

    # Attempt 2 does the real work once.
    assert run_io_stage(ctx, document_id) in (DocumentState.STORED, DocumentState.NEEDS_REVIEW)
    # A late duplicate delivery changes nothing.
    assert run_io_stage(ctx, document_id) in (DocumentState.STORED, DocumentState.NEEDS_REVIEW)

    with ctx.vault.session() as session:
        document = session.get_one(Document, document_id)
        rows = session.scalars(
            select(ObjectVersion).where(
                ObjectVersion.document_id == document_id, ObjectVersion.kind == "signed.pdf"
            )
        ).all()
        signed_name = document.signed_object
    assert len(rows) == 1 and rows[0].version_id != uploads[0]
    store = build_store(test_settings)
    versions = [v for v in store.versions(signed_name) if v.name == signed_name]
    assert [v.version_id for v in versions] == [rows[0].version_id]  # the dead attempt's upload is gone
    assert _entries(runtime, document_id, "signed.put") == 1
    assert _entries(runtime, document_id, "fields.seal") == 1
