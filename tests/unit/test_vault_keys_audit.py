"""Key rotation of the local key file, the key ring, streaming details, the access matrix, and the audit chain
on SQLite (the zero-set-up default; PostgreSQL is covered by the integration tests)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import text

from vault import crypto
from vault.access import Actor, Operation, Role, role_may
from vault.audit import AuditEntry, AuditLog
from vault.index import make_engine, make_sessionmaker, migrate

KEY = bytes(range(32))
CTX = b"ctx"


def test_local_rotation_keeps_old_keks_readable_until_destroyed(tmp_path: Path) -> None:
    provider = crypto.LocalKeyFileProvider(tmp_path / "kek.key")
    data_key = crypto.new_data_key()
    old = provider.wrap(data_key, b"owner")
    old_id = provider.current_id
    stale = crypto.LocalKeyFileProvider(tmp_path / "kek.key")  # another process, started before the rotation
    new_id = provider.rotate()
    assert new_id != old_id and provider.current_id == new_id
    assert (tmp_path / "kek.key.retired").stat().st_mode & 0o777 == 0o700
    new = provider.wrap(data_key, b"owner")
    assert new.kek_id == new_id
    # The process that started before the rotation follows it (reloads on an unknown KEK id) ...
    assert stale.unwrap(new, b"owner") == data_key
    # ... and a new one reads both.
    fresh = crypto.LocalKeyFileProvider(tmp_path / "kek.key")
    assert fresh.current_id == new_id
    assert fresh.unwrap(old, b"owner") == data_key == fresh.unwrap(new, b"owner")
    with pytest.raises(ValueError):
        provider.destroy(new_id)
    provider.destroy(old_id)
    with pytest.raises(crypto.KeyUnavailableError):
        crypto.LocalKeyFileProvider(tmp_path / "kek.key").unwrap(old, b"owner")


def test_key_ring_wraps_with_current_and_unwraps_with_the_owner_of_the_kek(tmp_path: Path) -> None:
    first = crypto.LocalKeyFileProvider(tmp_path / "a.key")
    data_key = crypto.new_data_key()
    by_first = first.wrap(data_key, b"o")

    class Other(crypto.LocalKeyFileProvider):
        PREFIX = "other:"

        def owns(self, kek_id: str) -> bool:
            return kek_id.startswith("other:")

        def wrap(self, data_key: bytes, context: bytes) -> crypto.WrappedKey:
            wrapped = super().wrap(data_key, context)
            return crypto.WrappedKey("other:" + wrapped.kek_id, wrapped.ciphertext)

        def unwrap(self, wrapped: crypto.WrappedKey, context: bytes) -> bytes:
            inner = crypto.WrappedKey(wrapped.kek_id.removeprefix("other:"), wrapped.ciphertext)
            return super().unwrap(inner, context)

    other = Other(tmp_path / "b.key")
    ring = crypto.KeyRing(other, first)
    by_ring = ring.wrap(data_key, b"o")
    assert by_ring.kek_id.startswith("other:") and ring.current_id == other.current_id
    assert ring.unwrap(by_first, b"o") == data_key == ring.unwrap(by_ring, b"o")
    with pytest.raises(crypto.KeyUnavailableError):
        ring.unwrap(crypto.WrappedKey("pkcs11:x:y", b"0" * 60), b"o")


def test_encrypting_reader_returns_whole_parts_across_chunks() -> None:
    plaintext = bytes(range(256)) * 40
    reader = crypto.EncryptingReader(KEY, CTX, io.BytesIO(plaintext), chunk_size=100)
    total = crypto.ciphertext_length(len(plaintext), 100)
    first = reader.read(1000)
    assert len(first) == 1000  # spans several sealed chunks in one piece
    rest = reader.read(total)
    assert len(first) + len(rest) == total and reader.read(10) == b""
    assert crypto.decrypt_bytes(KEY, CTX, first + rest) == plaintext


@pytest.mark.parametrize("prefetch", [0, 1, 3])
@pytest.mark.parametrize("size", [0, 99, 100, 1000, 1050])
def test_read_ahead_decrypts_the_same_and_detects_the_same(prefetch: int, size: int) -> None:
    plaintext = bytes((i * 13) % 256 for i in range(size))
    blob = crypto.encrypt_bytes(KEY, CTX, plaintext, chunk_size=100)
    got = b"".join(crypto.decrypt_chunks(KEY, CTX, io.BytesIO(blob), prefetch=prefetch))
    assert got == plaintext
    if size >= 200:
        cut = blob[: crypto.HEADER_SIZE + 116 * 2]  # dropped chunks at a chunk boundary
        with pytest.raises(crypto.DecryptionError):
            b"".join(crypto.decrypt_chunks(KEY, CTX, io.BytesIO(cut), prefetch=prefetch))


def test_read_ahead_hands_over_a_failing_source() -> None:
    blob = crypto.encrypt_bytes(KEY, CTX, b"x" * 1000, chunk_size=100)

    class Failing(io.BytesIO):
        def read(self, size: int | None = -1) -> bytes:
            if self.tell() > 300:
                raise OSError("connection reset")
            return super().read(size)

    with pytest.raises(OSError, match="connection reset"):
        b"".join(crypto.decrypt_chunks(KEY, CTX, Failing(blob), prefetch=2))


def test_the_role_matrix() -> None:
    assert role_may(Role.OWNER, Operation.READ_CONTENT) and not role_may(Role.OWNER, Operation.WRITE)
    assert role_may(Role.CLERK, Operation.WRITE) and not role_may(Role.CLERK, Operation.ERASE)
    assert role_may(Role.AUDITOR, Operation.READ_METADATA)
    assert not role_may(Role.AUDITOR, Operation.READ_CONTENT)
    assert not role_may(Role.ADMIN, Operation.READ_CONTENT) and role_may(Role.ADMIN, Operation.ROTATE_KEYS)
    assert "001090012345" not in repr(Actor.owner("001090012345"))
    with pytest.raises(ValueError):
        Actor.clerk("Nguyễn Văn A")


@pytest.fixture
def sqlite_log(tmp_path: Path) -> tuple[AuditLog, object]:
    url = f"sqlite:///{tmp_path / 'audit.db'}"
    migrate(url)
    engine = make_engine(url)
    log = AuditLog(make_sessionmaker(engine))
    for i in range(10):
        log.append(AuditEntry("clerk", f"clerk-{i % 2}", "signed.read", owner_ref="ab" * 32, detail={"i": i}))
    return log, engine


@pytest.mark.parametrize(
    ("statements", "kind", "seq"),
    [
        (["UPDATE audit_log SET outcome = 'denied' WHERE seq = 3"], "edited", 3),
        (["DELETE FROM audit_log WHERE seq = 7"], "deleted", 7),
        (
            [
                "UPDATE audit_log SET seq = -1 WHERE seq = 4",
                "UPDATE audit_log SET seq = 4 WHERE seq = 5",
                "UPDATE audit_log SET seq = 5 WHERE seq = -1",
            ],
            "moved",
            4,
        ),
        (["DELETE FROM audit_log WHERE seq = 10"], "truncated", 10),
        (["UPDATE audit_log SET prev_hash = hash WHERE seq = 6"], "edited", 6),
    ],
)
def test_the_chain_names_the_first_tampered_record_on_sqlite(
    sqlite_log: tuple[AuditLog, object], statements: list[str], kind: str, seq: int
) -> None:
    log, engine = sqlite_log
    assert log.verify().ok and log.head()[0] == 10
    with engine.begin() as connection:  # type: ignore[attr-defined]
        for statement in statements:
            connection.execute(text(statement))
    result = log.verify()
    assert result.problem is not None
    assert (result.problem.kind, result.problem.seq) == (kind, seq), result.problem


def test_an_anchored_head_detects_a_rewritten_log(sqlite_log: tuple[AuditLog, object]) -> None:
    log, _ = sqlite_log
    _, head = log.head()
    assert log.verify(expected_head=head).ok
    assert not log.verify(expected_head="f" * 64).ok
