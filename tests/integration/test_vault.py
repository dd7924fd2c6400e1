"""The per-citizen encrypted vault on the real MinIO and PostgreSQL: private, erasable, audited.

Nothing is mocked: objects are read back raw from MinIO, rows from PostgreSQL, and the CLI runs for real.
"""

from __future__ import annotations

import hashlib
import io
import secrets
import threading
import tracemalloc
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import BinaryIO, cast

import pytest
from click.testing import CliRunner
from minio import Minio
from minio.commonconfig import GOVERNANCE, CopySource
from minio.error import S3Error
from sqlalchemy import create_engine, select, text

from schemas.procedures import load_catalogue
from sohoa.app import build_vault
from tests.integration.vaultkit import (
    BIRTH,
    FULL_NAME,
    PROCEDURE,
    file_document,
    new_owner_id,
    raw_objects,
)
from vault import crypto
from vault.access import AccessDenied, Actor
from vault.audit import AuditEntry, AuditLog
from vault.dossiers import register_dossier
from vault.index import AuditRecord, Document, DocumentState, Owner, make_engine, make_sessionmaker
from vault.naming import owner_prefix
from vault.vault import DocumentNotFound, OwnerErased, RetentionActive, RetentionPolicy, Vault, VaultOptions

pytestmark = pytest.mark.integration


# ---------------------------------------------------------------- private by construction
def test_raw_objects_hold_no_plaintext_and_no_id_in_names_or_metadata(
    vault: Vault, raw: Minio, test_settings, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    filed = file_document(vault, tmp_path)
    prefix = owner_prefix(vault.owner_ref(filed.owner_id))
    objects = raw_objects(raw, test_settings.s3_bucket, prefix)
    assert {name.rsplit("/", 1)[1] for name, _ in objects} == {"original", "signed.pdf"}
    values = [filed.owner_id, FULL_NAME, BIRTH, FULL_NAME.encode().decode("latin-1"), "NGUY"]
    for (name, version), blob in objects.items():
        assert filed.owner_id not in name
        stat = raw.stat_object(test_settings.s3_bucket, name, version_id=version)
        assert filed.owner_id not in str(stat.metadata) and FULL_NAME not in str(stat.metadata)
        assert b"%PDF" not in blob
        for value in values:
            assert value.encode() not in blob
    with vault.session() as session:
        row = session.get_one(Document, filed.document_id)
        assert row.fields_sealed is not None
        for value in values:
            assert value.encode() not in row.fields_sealed
        # The index knows the owner only by an HMAC reference, never the ID.
        owner_row = session.execute(text("SELECT * FROM owners WHERE id = :i"), {"i": row.owner_id}).one()
        assert filed.owner_id not in str(tuple(owner_row))


def test_object_copied_under_another_owners_prefix_fails_to_decrypt(
    vault: Vault, raw: Minio, test_settings, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    a = file_document(vault, tmp_path)
    b = file_document(vault, tmp_path)
    bucket = test_settings.s3_bucket
    with vault.session() as session:
        doc_a = session.get_one(Document, a.document_id)
        doc_b = session.get_one(Document, b.document_id)
        source, target = doc_a.signed_object, doc_b.signed_object
        key_a = vault.data_key(doc_a.owner)
    assert source and target
    copied = raw.copy_object(bucket, target, CopySource(bucket, source))
    # Through the vault: B's key, B's object name, A's ciphertext — refused.
    with vault.session() as session, pytest.raises(crypto.DecryptionError):
        vault.read(session, Actor.owner(b.owner_id), b.document_id, "signed.pdf", copied.version_id)
    # Even with A's own data key the blob does not open under its new name: the name is bound in.
    blob = raw_objects(raw, bucket, target)[(target, copied.version_id)]
    moved = crypto.object_context(target, vault.owner_ref(a.owner_id), str(a.document_id))
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt_bytes(key_a, moved, blob)
    # The genuine copy still reads.
    with vault.session() as session:
        assert vault.read(session, Actor.owner(a.owner_id), a.document_id) == a.signed


def test_the_access_policy_is_the_vaults_own(vault: Vault, tmp_path: Path) -> None:
    filed = file_document(vault, tmp_path, clerk="clerk-a")
    other_owner = file_document(vault, tmp_path)
    owner = Actor.owner(filed.owner_id)
    with vault.session() as session:
        assert vault.read(session, owner, filed.document_id) == filed.signed
        assert vault.read(session, owner, filed.document_id, "original") == filed.original
        assert [d.id for d in vault.list_documents(session, owner, filed.owner_id)] == [filed.document_id]
    denied = [
        # another owner: neither contents nor metadata nor the listing
        lambda s: vault.read(s, Actor.owner(other_owner.owner_id), filed.document_id),
        lambda s: vault.get(s, Actor.owner(other_owner.owner_id), filed.document_id),
        lambda s: vault.list_documents(s, Actor.owner(other_owner.owner_id), filed.owner_id),
        # a clerk who handles none of this owner's dossiers
        lambda s: vault.read(s, Actor.clerk("clerk-b"), filed.document_id),
        lambda s: vault.list_documents(s, Actor.clerk("clerk-b"), filed.owner_id),
        # an auditor sees signatures and metadata, never contents or fields
        lambda s: vault.read(s, Actor.auditor("audit-1"), filed.document_id),
        lambda s: vault.open_fields(s.get_one(Document, filed.document_id), actor=Actor.auditor("audit-1")),
        # an admin runs keys and erasure, and reads no contents either
        lambda s: vault.read(s, Actor.admin("ops-1"), filed.document_id, "original"),
        # nobody but the system and clerks writes
        lambda s: vault.store_signed(s.get_one(Document, filed.document_id), b"x", actor=owner),
        lambda s: vault.revoke(s, owner, filed.document_id, "lost_or_stolen"),
    ]
    for attempt in denied:
        with vault.session() as session, pytest.raises(AccessDenied):
            attempt(session)
    with vault.session() as session:
        assert vault.read(session, Actor.clerk("clerk-a"), filed.document_id, "original") == filed.original
        metadata = vault.get(session, Actor.auditor("audit-1"), filed.document_id)
        assert metadata.signature_level == "B-B" and metadata.signed_sha256
        assert len(vault.versions(session, Actor.auditor("audit-1"), filed.document_id)) == 2
        assert vault.get_for_owner(session, filed.document_id, filed.owner_id).id == filed.document_id
    # Every denial was recorded, with the would-be reader and the document.
    with vault.session() as session:
        refused = session.scalars(
            select(AuditRecord).where(
                AuditRecord.document_id == str(filed.document_id), AuditRecord.outcome == "denied"
            )
        ).all()
    assert {(r.actor_role, r.actor_ref) for r in refused} >= {
        ("owner", vault.owner_ref(other_owner.owner_id)),
        ("clerk", "clerk-b"),
        ("auditor", "audit-1"),
        ("admin", "ops-1"),
    }


def test_a_reused_document_is_readable_by_the_clerk_of_the_new_dossier(vault: Vault, tmp_path: Path) -> None:
    from vault.dossiers import attach_component
    from vault.index import Provenance

    filed = file_document(vault, tmp_path, clerk="clerk-a")
    with vault.session() as session, pytest.raises(AccessDenied):
        vault.read(session, Actor.clerk("clerk-c"), filed.document_id)
    with vault.session() as session:
        owner = vault.find_owner(session, filed.owner_id)
        assert owner is not None
        procedure = load_catalogue().get(PROCEDURE)
        dossier = register_dossier(
            session,
            owner,
            procedure,
            agency_code="000.00.99.T01",
            clerk="clerk-c",
            received_at=datetime.now(UTC),
        )
        # the clerk of the new dossier may see the owner's documents' metadata to propose reuse
        assert vault.list_documents(session, Actor.clerk("clerk-c"), filed.owner_id)
        document = session.get_one(Document, filed.document_id)
        attach_component(session, dossier, procedure, document, Provenance.REUSED, "clerk-c")
    with vault.session() as session:
        assert vault.read(session, Actor.clerk("clerk-c"), filed.document_id) == filed.signed


# ---------------------------------------------------------------- operations
def test_versions_revoke_supersede_and_the_valid_documents_lookup(vault: Vault, tmp_path: Path) -> None:
    first = file_document(vault, tmp_path, valid_until=date.today() + timedelta(days=300))
    owner_id = first.owner_id
    second = file_document(vault, tmp_path, owner_id=owner_id)
    expired = file_document(vault, tmp_path, owner_id=owner_id, valid_until=date.today() - timedelta(days=1))
    other_type = file_document(vault, tmp_path, owner_id=owner_id, document_type="birth_certificate")
    clerk, owner = Actor.clerk("clerk-a"), Actor.owner(owner_id)
    with vault.session() as session:
        found = vault.valid_documents(session, owner, owner_id, "cccd_2021", date.today())
        assert {d.id for d in found} == {first.document_id, second.document_id}
        assert expired.document_id not in {d.id for d in found} and other_type.document_id
    # A re-signed copy is a new version; the earlier one stays readable by its version id.
    resigned = b"%PDF-1.7 re-signed " + secrets.token_bytes(32)
    with vault.session() as session:
        document = session.get_one(Document, first.document_id)
        vault.store_signed(document, resigned, actor=Actor.system())
    with vault.session() as session:
        versions = vault.versions(session, owner, first.document_id)
        signed = [v for v in versions if v.kind == "signed.pdf"]
        assert len(signed) == 2 and signed[-1].current and not signed[0].current
        assert vault.read(session, owner, first.document_id) == resigned
        assert (
            vault.read(session, owner, first.document_id, "signed.pdf", signed[0].version_id) == first.signed
        )
    with vault.session() as session:
        vault.revoke(session, clerk, first.document_id, "lost_or_stolen")
        vault.supersede(session, clerk, expired.document_id, second.document_id)
        with pytest.raises(ValueError):
            vault.supersede(session, clerk, second.document_id, expired.document_id)  # would be a cycle
    with vault.session() as session:
        found = vault.valid_documents(session, owner, owner_id, "cccd_2021", date.today())
        assert [d.id for d in found] == [second.document_id]
        revoked = vault.get(session, owner, first.document_id)
        assert revoked.revoked_reason == "lost_or_stolen"
        assert vault.read(session, owner, first.document_id) == resigned  # history stays readable


def test_same_original_twice_is_one_document_and_one_object(
    vault: Vault, raw: Minio, test_settings, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    filed = file_document(vault, tmp_path)
    again = tmp_path / "again.pdf"
    again.write_bytes(filed.original)
    clerk = Actor.clerk("clerk-a")
    with vault.session() as session:
        owner = vault.ensure_owner(session, filed.owner_id, actor=clerk)
        document, created = vault.store_original(
            session, owner, again, actor=clerk, batch=None, position=1, media_type="application/pdf"
        )
        assert not created and document.id == filed.document_id
    originals = [
        name
        for name, _ in raw_objects(
            raw, test_settings.s3_bucket, owner_prefix(vault.owner_ref(filed.owner_id))
        )
        if name.endswith("/original")
    ]
    assert len(originals) == 1


# ---------------------------------------------------------------- keys
def test_key_rotation_rewraps_only_and_every_read_works(
    vault: Vault, raw: Minio, test_settings, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    filed = [file_document(vault, tmp_path) for _ in range(3)]
    before = raw_objects(raw, test_settings.s3_bucket)
    with vault.session() as session:
        old_keks = {o.kek_id for o in session.scalars(select(Owner).where(Owner.erased_at.is_(None)))}
    old_current = vault.keys.current_id
    report = vault.rotate_keys(Actor.admin("ops-1"))
    assert report.kek_id != old_current and report.remaining == 0 and report.rewrapped >= 3
    assert old_current in report.previous_kek_ids
    with vault.session() as session:
        keks = {o.kek_id for o in session.scalars(select(Owner).where(Owner.erased_at.is_(None)))}
    assert keks == {report.kek_id} and not keks & old_keks
    # Objects untouched: same names, same versions, same bytes.
    assert raw_objects(raw, test_settings.s3_bucket) == before
    # Reads work, in this process and in a fresh one (new provider, empty key cache).
    fresh = build_vault(test_settings)
    for v in (vault, fresh):
        with v.session() as session:
            for f in filed:
                assert v.read(session, Actor.owner(f.owner_id), f.document_id) == f.signed
                assert v.open_fields(session.get_one(Document, f.document_id), actor=Actor.owner(f.owner_id))
    # Only an admin rotates.
    with pytest.raises(AccessDenied):
        vault.rotate_keys(Actor.clerk("clerk-a"))


# ---------------------------------------------------------------- erasure
def test_erasure_crypto_shreds_the_owner(vault: Vault, raw: Minio, test_settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    filed = file_document(vault, tmp_path)
    keep = file_document(vault, tmp_path)
    with vault.session() as session:  # a second version, so that erasure must delete every version
        vault.store_signed(session.get_one(Document, filed.document_id), b"%PDF v2", actor=Actor.system())
    prefix = owner_prefix(vault.owner_ref(filed.owner_id))
    stolen = raw_objects(raw, test_settings.s3_bucket, prefix)
    assert len(stolen) == 3
    with pytest.raises(AccessDenied):
        vault.erase_owner(Actor.clerk("clerk-a"), filed.owner_id)
    report = vault.erase_owner(Actor.admin("ops-1"), filed.owner_id)
    assert report.documents == 1 and report.objects_deleted >= 3
    # Gone from MinIO: no object, no version, no delete marker under the owner's prefix.
    assert not list(
        raw.list_objects(test_settings.s3_bucket, prefix=prefix, recursive=True, include_version=True)
    )
    with vault.session() as session:
        owner = session.scalars(select(Owner).where(Owner.owner_ref == vault.owner_ref(filed.owner_id))).one()
        assert owner.wrapped_data_key is None and owner.kek_id is None and owner.erased_at is not None
        row = session.get_one(Document, filed.document_id)
        assert row.state == DocumentState.ERASED and row.fields_sealed is None
        assert row.original_sha256.startswith("erased-") and row.signed_sha256 is None
        assert all(v.plaintext_sha256 is None for v in row.versions)
    # Later reads fail clearly, in this process and in a fresh one; the owner cannot be re-created silently.
    for v in (vault, build_vault(test_settings)):
        with v.session() as session, pytest.raises(OwnerErased, match="erased"):
            v.read(session, Actor.owner(filed.owner_id), filed.document_id)
        with v.session() as session, pytest.raises(OwnerErased):
            v.open_fields(session.get_one(Document, filed.document_id), actor=Actor.owner(filed.owner_id))
        with v.session() as session, pytest.raises(OwnerErased):
            v.ensure_owner(session, filed.owner_id)
    # A copy of the ciphertext taken before erasure has no key left anywhere to open it.
    with vault.session() as session:
        owner = session.scalars(select(Owner).where(Owner.owner_ref == vault.owner_ref(filed.owner_id))).one()
        with pytest.raises(OwnerErased):
            vault.data_key(owner)
    assert all(b"%PDF" not in blob for blob in stolen.values())
    # Other owners are untouched; erasing again is harmless.
    with vault.session() as session:
        assert vault.read(session, Actor.owner(keep.owner_id), keep.document_id) == keep.signed
    assert vault.erase_owner(Actor.admin("ops-1"), filed.owner_id).objects_deleted == 0


def test_retention_locks_results_in_governance_mode(raw: Minio, test_settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    base = build_vault(test_settings)
    assert base.store.object_lock_enabled()  # new buckets are created with object lock
    vault = Vault(
        base.store,
        base.keys,
        base.sessions,
        VaultOptions(pepper=base.options.pepper, retention=RetentionPolicy(signed_days=1)),
    )
    filed = file_document(vault, tmp_path)
    with vault.session() as session:
        document = session.get_one(Document, filed.document_id)
        name, version = document.signed_object, document.signed_version
        original_retention = raw.get_object_retention(
            test_settings.s3_bucket, document.original_object, document.original_version
        )
        versions = vault.versions(session, Actor.owner(filed.owner_id), filed.document_id)
    assert name is not None
    retention = raw.get_object_retention(test_settings.s3_bucket, name, version_id=version)
    assert retention is not None and retention.mode == GOVERNANCE
    assert retention.retain_until_date > datetime.now(UTC) + timedelta(hours=23)
    assert original_retention is None  # originals: not configured here
    assert [v.retained_until is not None for v in versions if v.kind == "signed.pdf"] == [True]
    with pytest.raises(S3Error):  # a locked version cannot simply be deleted
        raw.remove_object(test_settings.s3_bucket, name, version_id=version)
    with pytest.raises(RetentionActive):
        vault.erase_owner(Actor.admin("ops-1"), filed.owner_id)
    with vault.session() as session:  # refused erasure changed nothing
        assert vault.read(session, Actor.owner(filed.owner_id), filed.document_id) == filed.signed
    report = vault.erase_owner(Actor.admin("ops-1"), filed.owner_id, bypass_retention=True)
    assert report.objects_deleted == 2
    assert not list(
        raw.list_objects(
            test_settings.s3_bucket,
            prefix=owner_prefix(vault.owner_ref(filed.owner_id)),
            recursive=True,
            include_version=True,
        )
    )


# ---------------------------------------------------------------- who accessed my documents
def test_an_owner_lists_who_accessed_their_documents_and_when(
    vault: Vault, test_settings, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    filed = file_document(vault, tmp_path, clerk="clerk-a")
    started = datetime.now(UTC) - timedelta(seconds=5)
    with vault.session() as session:
        vault.read(session, Actor.clerk("clerk-a"), filed.document_id, "original")
        vault.get(session, Actor.auditor("audit-1"), filed.document_id)
    with vault.session() as session, pytest.raises(AccessDenied):
        vault.read(session, Actor.clerk("clerk-z"), filed.document_id)
    with vault.session() as session:
        accesses = vault.accesses(session, Actor.owner(filed.owner_id), filed.owner_id)
    seen = {(a.who, a.action, a.outcome) for a in accesses}
    assert ("clerk-a", "original.put", "ok") in seen
    assert ("worker", "signed.put", "ok") in seen
    assert ("clerk-a", "original.read", "ok") in seen
    assert ("audit-1", "document.get", "ok") in seen
    assert ("clerk-z", "signed.read", "denied") in seen
    assert all(a.at >= started for a in accesses)
    assert all(filed.owner_id not in a.who for a in accesses)
    with vault.session() as session, pytest.raises(AccessDenied):
        vault.accesses(session, Actor.owner(new_owner_id()), filed.owner_id)
    # The same through the CLI, as the owner.
    result = CliRunner().invoke(
        _cli(), ["vault", "accesses", "--owner", filed.owner_id], env=_env(test_settings)
    )
    assert result.exit_code == 0, result.output
    assert "clerk-a" in result.output and "original.read" in result.output and "denied" in result.output


def _cli():  # type: ignore[no-untyped-def]
    from sohoa.cli import main

    return main


def _env(settings, database_url: str | None = None) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {
        "SOHOA_HOME": str(settings.home),
        "SOHOA_DATABASE_URL": database_url or settings.database_url,
        "SOHOA_REDIS_URL": settings.redis_url,
        "SOHOA_S3_ENDPOINT": settings.s3_endpoint,
        "SOHOA_S3_BUCKET": settings.s3_bucket,
        "SOHOA_AGENCY_CODE": settings.agency_code,
    }


def test_cli_vault_commands(vault: Vault, test_settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    filed = file_document(vault, tmp_path, clerk="clerk-a")
    doc = str(filed.document_id)
    runner, env = CliRunner(), _env(test_settings)
    out = tmp_path / "original.bin"
    got = runner.invoke(
        _cli(), ["vault", "get", doc, "--as", "clerk:clerk-a", "--kind", "original", "-o", str(out)], env=env
    )
    assert got.exit_code == 0, got.output
    assert out.read_bytes() == filed.original
    denied = runner.invoke(_cli(), ["vault", "get", doc, "--as", "auditor:a1", "-o", str(out)], env=env)
    assert denied.exit_code != 0 and "auditor may not read_content" in denied.output
    versions = runner.invoke(_cli(), ["vault", "versions", doc, "--as", "auditor:a1"], env=env)
    assert versions.exit_code == 0 and "signed.pdf" in versions.output and "current" in versions.output
    revoked = runner.invoke(
        _cli(), ["vault", "revoke", doc, "--reason", "issued_in_error", "--as", "clerk:clerk-a"], env=env
    )
    assert revoked.exit_code == 0, revoked.output
    listing = runner.invoke(_cli(), ["vault", "list", "--owner", filed.owner_id], env=env)
    assert "REVOKED" in listing.output
    erase = runner.invoke(_cli(), ["vault", "erase", "--owner", filed.owner_id, "--yes"], env=env)
    assert erase.exit_code == 0, erase.output
    after = runner.invoke(_cli(), ["vault", "get", doc, "--owner", filed.owner_id, "-o", str(out)], env=env)
    assert after.exit_code != 0 and "erased" in after.output
    rotated = runner.invoke(_cli(), ["vault", "rotate-keys"], env=env)
    assert rotated.exit_code == 0 and "re-wrapped" in rotated.output, rotated.output
    refused = runner.invoke(_cli(), ["vault", "rotate-keys", "--as", "clerk:clerk-a"], env=env)
    assert refused.exit_code != 0 and "clerk may not rotate_keys" in refused.output
    head = runner.invoke(_cli(), ["audit", "head"], env=env).output.split()[1]
    verified = runner.invoke(_cli(), ["audit", "verify", "--expect-head", head], env=env)
    assert verified.exit_code == 0 and "intact" in verified.output, verified.output


# ---------------------------------------------------------------- the audit log
def _tamper(url: str, *statements: str) -> None:
    """As the table owner, past the append-only trigger: what an intruder with database rights could do."""
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update_delete"))
        for statement in statements:
            connection.execute(text(statement))
        connection.execute(text("ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update_delete"))
    engine.dispose()


def _records_from_real_operations(test_settings, url: str, tmp_path: Path) -> Vault:  # type: ignore[no-untyped-def]
    vault = build_vault(test_settings.model_copy(update={"database_url": url}))
    filed = file_document(vault, tmp_path)
    with vault.session() as session:
        for _ in range(5):
            vault.read(session, Actor.owner(filed.owner_id), filed.document_id)
    return vault


@pytest.mark.parametrize(
    ("statements", "kind", "named"),
    [
        (["UPDATE audit_log SET actor_ref = 'someone-else' WHERE seq = 5"], "edited", 5),
        (["DELETE FROM audit_log WHERE seq = 4"], "deleted", 4),
        (
            [
                "UPDATE audit_log SET seq = -6 WHERE seq = 6",
                "UPDATE audit_log SET seq = 6 WHERE seq = 7",
                "UPDATE audit_log SET seq = 7 WHERE seq = -6",
            ],
            "moved",
            6,
        ),
    ],
    ids=["edited", "deleted", "reordered"],
)
def test_audit_verify_names_the_tampered_record(
    test_settings, fresh_database: str, tmp_path: Path, statements: list[str], kind: str, named: int
) -> None:  # type: ignore[no-untyped-def]
    vault = _records_from_real_operations(test_settings, fresh_database, tmp_path)
    assert vault.audit.head()[0] >= 8
    env = _env(test_settings, fresh_database)
    intact = CliRunner().invoke(_cli(), ["audit", "verify"], env=env)
    assert intact.exit_code == 0, intact.output
    # The trigger refuses an ordinary edit.
    engine = create_engine(fresh_database)
    with pytest.raises(Exception, match="append-only"), engine.begin() as connection:
        connection.execute(text("UPDATE audit_log SET actor_ref = 'x' WHERE seq = 1"))
    engine.dispose()
    _tamper(fresh_database, *statements)
    broken = CliRunner().invoke(_cli(), ["audit", "verify"], env=env)
    assert broken.exit_code == 1, broken.output
    assert f"BROKEN at record {named} ({kind})" in broken.output


def test_audit_verify_detects_a_deleted_tail_and_a_rewritten_chain(
    test_settings, fresh_database: str, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    vault = _records_from_real_operations(test_settings, fresh_database, tmp_path)
    head_seq, _ = vault.audit.head()
    _tamper(fresh_database, f"DELETE FROM audit_log WHERE seq = {head_seq}")
    result = vault.audit.verify()
    assert (
        result.problem is not None and result.problem.kind == "truncated" and result.problem.seq == head_seq
    )


def test_concurrent_appends_never_fork_the_chain(fresh_database: str) -> None:
    sessions = make_sessionmaker(make_engine(fresh_database))
    logs = [AuditLog(sessions), AuditLog(make_sessionmaker(make_engine(fresh_database)))]
    errors: list[BaseException] = []

    def append_many(log: AuditLog, who: str) -> None:
        try:
            for i in range(150):
                log.append(AuditEntry("system", who, "test.append", detail={"i": i}))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=append_many, args=(log, f"w{n}")) for n, log in enumerate(logs * 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    result = logs[0].verify()
    assert result.ok, result.problem
    assert result.records == result.head_seq == 600
    with sessions() as session:
        seqs = session.scalars(select(AuditRecord.seq).order_by(AuditRecord.seq)).all()
    assert seqs == list(range(1, 601))


# ---------------------------------------------------------------- SQLite, the zero-set-up default
def test_the_vault_on_sqlite(test_settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    settings = test_settings.model_copy(update={"database_url": f"sqlite:///{tmp_path / 'index.db'}"})
    from vault.index import migrate

    migrate(settings.database_url)
    vault = build_vault(settings)
    filed = file_document(vault, tmp_path)
    with vault.session() as session:
        assert vault.read(session, Actor.owner(filed.owner_id), filed.document_id) == filed.signed
        assert [a.action for a in vault.accesses(session, Actor.owner(filed.owner_id), filed.owner_id)][
            1
        ] == ("signed.read")
    report = vault.rotate_keys(Actor.admin("ops-1"), new_kek=False)
    assert report.remaining == 0
    assert vault.audit.verify().ok
    with vault.session() as session:
        assert (
            io.BytesIO(vault.read(session, Actor.clerk("clerk-a"), filed.document_id)).read() == filed.signed
        )
        with pytest.raises(DocumentNotFound):
            vault.get(session, Actor.auditor("a1"), uuid.uuid4())


# ---------------------------------------------------------------- streaming
class _HashingSink(io.RawIOBase):
    def __init__(self) -> None:
        self.digest = hashlib.sha256()

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:  # type: ignore[no-untyped-def,override]
        self.digest.update(data)
        return len(data)


@pytest.mark.parametrize("size_mb", [64, pytest.param(200, marks=pytest.mark.slow)])
def test_memory_stays_flat_for_a_large_object(vault: Vault, tmp_path: Path, size_mb: int) -> None:
    """Python allocations while a large original goes in and comes out: a few multipart parts on the way
    in, a few chunks on the way out, never the object."""
    path = tmp_path / "big.bin"
    digest = hashlib.sha256()
    with path.open("wb") as handle:
        for _ in range(size_mb):
            block = secrets.token_bytes(1024 * 1024)
            digest.update(block)
            handle.write(block)
    clerk = Actor.clerk("clerk-a")
    tracemalloc.start()
    try:
        with vault.session() as session:
            owner = vault.ensure_owner(session, new_owner_id(), actor=clerk)
            document, _ = vault.store_original(
                session, owner, path, actor=clerk, batch=None, position=1, media_type="application/pdf"
            )
        _, put_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        sink = _HashingSink()
        with vault.session() as session:
            size = vault.read_into(session, Actor.system(), document.id, cast(BinaryIO, sink), "original")
        _, get_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert size == size_mb * 1024 * 1024 and sink.digest.hexdigest() == digest.hexdigest()
    assert document.original_sha256 == digest.hexdigest()
    assert put_peak < 56 * 2**20, put_peak  # 8 MiB parts, 2 in flight, one being filled; object: 64-200 MiB
    assert get_peak < 16 * 2**20, get_peak  # 1 MiB chunks, two read ahead
