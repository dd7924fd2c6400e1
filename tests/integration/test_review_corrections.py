"""Review queue and a clerk's corrections on the real PostgreSQL and MinIO (issue 4): the document is
re-validated, the correction kept with who and when (values sealed), an audit record names the field."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from pipeline.extract import extract
from pipeline.ocr import OcrPage
from schemas.documents import DocumentType
from tests.integration.test_vault import _cli, _env
from tests.integration.vaultkit import file_document
from tests.unit.test_classify_extract import CCCD_TEXT
from vault.access import Actor
from vault.corrections import FieldCorrection, correct_field, field_to_dict, open_correction, review_queue
from vault.index import AuditRecord, Document, DocumentState
from vault.vault import Vault

TODAY = dt.date(2023, 6, 1)


def _file_for_review(vault: Vault, tmp_path: Path, clerk: str) -> tuple[str, str]:
    """A CCCD whose date of birth was misread (1985 for 1984): its ID no longer matches it."""
    filed = file_document(vault, tmp_path, clerk=clerk)
    misread = CCCD_TEXT.replace("08/07/1984", "08/07/1985")
    result = extract(DocumentType.CCCD_2021, [OcrPage.from_text(misread)], today=TODAY)
    assert ("field_invalid", "id_number") in [(p.code, p.detail) for p in result.problems]
    with vault.session() as session:
        document = session.get(Document, filed.document_id)
        assert document is not None
        vault.seal_fields(
            document, {n: field_to_dict(f) for n, f in result.fields.items()}, actor=Actor.system()
        )
        document.document_type = DocumentType.CCCD_2021.value
        document.review_reasons = [{"code": p.code, "detail": p.detail} for p in result.problems]
        document.state = DocumentState.NEEDS_REVIEW
    return str(filed.document_id), filed.owner_id


def test_correction_revalidates_and_is_kept(vault: Vault, tmp_path: Path) -> None:
    document_id, _ = _file_for_review(vault, tmp_path, "clerk-r")
    clerk = Actor.clerk("clerk-r")
    with vault.session() as session:
        assert document_id in {str(d.id) for d in review_queue(vault, session, clerk)}
        assert document_id not in {
            str(d.id) for d in review_queue(vault, session, Actor.clerk("clerk-other"))
        }

    with vault.session() as session:
        wrong = correct_field(vault, session, clerk, _uuid(document_id), "sex", "Nữ", today=TODAY)
    assert wrong.state is DocumentState.NEEDS_REVIEW  # still the ID, and now its sex digit too
    with vault.session() as session:
        fixed = correct_field(vault, session, clerk, _uuid(document_id), "sex", "Nam", today=TODAY)
        assert fixed.state is DocumentState.NEEDS_REVIEW
        done = correct_field(
            vault, session, clerk, _uuid(document_id), "date_of_birth", "08/07/1984", today=TODAY
        )
    assert done.valid and done.state is DocumentState.STORED and done.reasons == []

    with vault.session() as session:
        document = session.get(Document, _uuid(document_id))
        assert document is not None and document.state is DocumentState.STORED
        fields = vault.open_fields(document, actor=clerk)
        assert (
            fields["date_of_birth"]["value"] == "1984-07-08" and fields["date_of_birth"]["source"] == "clerk"
        )
        assert fields["id_number"]["valid"] is True
        rows = session.scalars(
            select(FieldCorrection).where(FieldCorrection.document_id == document.id)
        ).all()
        assert [(r.field, r.clerk) for r in rows] == [
            ("sex", "clerk-r"),
            ("sex", "clerk-r"),
            ("date_of_birth", "clerk-r"),
        ]
        assert b"1984" not in rows[-1].values_sealed and b"1985" not in rows[-1].values_sealed
        history = open_correction(vault, document, rows[-1])
        assert history["before"]["value"] == "1985-07-08" and history["after"]["value"] == "1984-07-08"
        audit = session.scalars(
            select(AuditRecord).where(
                AuditRecord.action == "document.correct", AuditRecord.document_id == document_id
            )
        ).all()
        assert len(audit) == 3 and all("1984" not in (a.detail or "") for a in audit)
        assert all(a.actor_ref == "clerk-r" for a in audit)


def test_unknown_field_and_other_clerks_are_refused(vault: Vault, tmp_path: Path, test_settings) -> None:  # type: ignore[no-untyped-def]
    document_id, _ = _file_for_review(vault, tmp_path, "clerk-s")
    runner, env = CliRunner(), _env(test_settings)
    listed = runner.invoke(_cli(), ["review", "list", "--as", "clerk:clerk-s"], env=env)
    assert listed.exit_code == 0, listed.output
    assert document_id in listed.output and "field_invalid:id_number" in listed.output
    assert "1985" not in listed.output  # the queue shows codes and field names, no values
    shown = runner.invoke(_cli(), ["review", "show", document_id, "--as", "clerk:clerk-s"], env=env)
    assert shown.exit_code == 0, shown.output
    assert "1985-07-08" in shown.output and "field_invalid" in shown.output
    bad = runner.invoke(_cli(), ["correct", document_id, "shoe_size", "42", "--by", "clerk-s"], env=env)
    assert bad.exit_code != 0 and "no field 'shoe_size'" in bad.output
    other = runner.invoke(_cli(), ["correct", document_id, "sex", "Nam", "--by", "clerk-x"], env=env)
    assert other.exit_code != 0
    fixed = runner.invoke(
        _cli(), ["correct", document_id, "date_of_birth", "08/07/1984", "--by", "clerk-s"], env=env
    )
    assert fixed.exit_code == 0, fixed.output
    # Today (2026) the 2024 expiry has passed: the corrected card is valid but expired, still to review.
    assert "valid; document needs_review" in fixed.output and "document_expired" in fixed.output
    shown = runner.invoke(_cli(), ["review", "show", document_id, "--as", "clerk:clerk-s"], env=env)
    assert "corrected date_of_birth by clerk-s" in shown.output


def _uuid(text: str):  # type: ignore[no-untyped-def]
    import uuid

    return uuid.UUID(text)


def test_list_items_keep_their_review_and_a_clerk_corrects_them(vault: Vault, tmp_path: Path) -> None:
    """CT07's household members (pipeline.lists): correcting another field keeps a flagged member's
    reason; correcting the member clears it; a list the type does not carry is refused."""
    from schemas.documents import ExtractedField

    filed = file_document(vault, tmp_path, clerk="clerk-l")
    fields = {
        "full_name": ExtractedField("NGUYỄN VĂN AN", "NGUYEN VAN AN", 0.95, True),
        "household_members.1.full_name": ExtractedField("NGUYỄN VĂN AN", "NGUYỄN VĂN AN", 0.95, True),
        "household_members.2.full_name": ExtractedField(
            "TRẦN THỊ MỸ", "TRẦN THỊ MỸ", 0.55, True, ("y_dot_ambiguous",)
        ),
        "household_members.count": ExtractedField("2", "2", 0.95, True),
    }
    member = "household_members.2.full_name"
    with vault.session() as session:
        document = session.get_one(Document, filed.document_id)
        vault.seal_fields(document, {n: field_to_dict(f) for n, f in fields.items()}, actor=Actor.system())
        document.document_type = DocumentType.RESIDENCE_CONFIRMATION.value
        document.review_reasons = [{"code": "low_confidence", "detail": member}]
        document.state = DocumentState.NEEDS_REVIEW
    clerk = Actor.clerk("clerk-l")
    with vault.session() as session:
        result = correct_field(
            vault, session, clerk, filed.document_id, "full_name", "Nguyễn Văn An", today=TODAY
        )
    assert {"code": "low_confidence", "detail": member} in result.reasons  # still unconfirmed
    with vault.session() as session:
        result = correct_field(vault, session, clerk, filed.document_id, member, "Trần Thị Mỵ", today=TODAY)
    assert result.valid and not any(r.get("detail") == member for r in result.reasons)
    with vault.session() as session:
        document = session.get_one(Document, filed.document_id)
        opened = vault.open_fields(document, actor=clerk)
    assert opened[member]["value"] == "TRẦN THỊ MỴ" and opened[member]["source"] == "clerk"
    assert opened["household_members.1.full_name"]["value"] == "NGUYỄN VĂN AN"  # the others kept
    with vault.session() as session, pytest.raises(ValueError, match=r"has no field 'recipients\.1'"):
        correct_field(vault, session, clerk, filed.document_id, "recipients.1", "Như Điều 3", today=TODAY)
