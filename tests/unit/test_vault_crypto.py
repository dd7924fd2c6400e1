"""Envelope encryption: round trips, chunk boundaries, and every way a blob can be misused failing."""

from __future__ import annotations

import io

import pytest

from vault import crypto
from vault.naming import InvalidOwnerId, object_name, owner_ref

KEY = bytes(range(32))
CTX = crypto.object_context("v1/ab/abcd/00000000-0000-0000-0000-000000000001/original", "abcd", "doc-1")


@pytest.mark.parametrize("size", [0, 1, 15, 16, 63, 64, 65, 64 * 3, 64 * 3 + 7])
def test_round_trip_across_chunk_boundaries(size: int) -> None:
    plaintext = bytes((i * 7) % 251 for i in range(size))
    blob = crypto.encrypt_bytes(KEY, CTX, plaintext, chunk_size=64)
    assert len(blob) == crypto.ciphertext_length(size, 64)
    assert crypto.decrypt_bytes(KEY, CTX, blob) == plaintext


def test_encrypting_reader_streams_same_length_as_announced() -> None:
    plaintext = b"%PDF-1.7 " * 1000
    reader = crypto.EncryptingReader(KEY, CTX, io.BytesIO(plaintext), chunk_size=1000)
    blob = b""
    while part := reader.read(333):
        blob += part
    assert len(blob) == crypto.ciphertext_length(len(plaintext), 1000)
    assert b"%PDF" not in blob
    assert crypto.decrypt_bytes(KEY, CTX, blob) == plaintext


def test_wrong_context_fails() -> None:
    blob = crypto.encrypt_bytes(KEY, CTX, b"secret", chunk_size=64)
    other = crypto.object_context("v1/cd/cdef/00000000-0000-0000-0000-000000000001/original", "cdef", "doc-1")
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt_bytes(KEY, other, blob)


def test_wrong_key_fails() -> None:
    blob = crypto.encrypt_bytes(KEY, CTX, b"secret", chunk_size=64)
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt_bytes(bytes(32), CTX, blob)


def test_truncation_at_a_chunk_boundary_is_detected() -> None:
    blob = crypto.encrypt_bytes(KEY, CTX, bytes(64 * 3), chunk_size=64)
    truncated = blob[: crypto.HEADER_SIZE + 2 * (64 + crypto.TAG_SIZE)]
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt_bytes(KEY, CTX, truncated)


def test_reordered_chunks_are_detected() -> None:
    blob = crypto.encrypt_bytes(KEY, CTX, bytes(range(128)) * 2, chunk_size=64)
    h, s = crypto.HEADER_SIZE, 64 + crypto.TAG_SIZE
    chunks = [blob[h + i * s : h + (i + 1) * s] for i in range(4)]
    swapped = blob[:h] + chunks[1] + chunks[0] + chunks[2] + chunks[3]
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt_bytes(KEY, CTX, swapped)


def test_flipped_bit_is_detected() -> None:
    blob = bytearray(crypto.encrypt_bytes(KEY, CTX, b"x" * 100, chunk_size=64))
    blob[-5] ^= 1
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt_bytes(KEY, CTX, bytes(blob))


def test_local_key_provider_wraps_and_names_the_kek(tmp_path) -> None:
    provider = crypto.LocalKeyFileProvider(tmp_path / "kek.key")
    assert (tmp_path / "kek.key").stat().st_mode & 0o777 == 0o600
    data_key = crypto.new_data_key()
    wrapped = provider.wrap(data_key, b"owner-a")
    assert data_key not in wrapped.ciphertext
    assert provider.unwrap(wrapped, b"owner-a") == data_key
    with pytest.raises(crypto.KeyUnavailableError):
        provider.unwrap(wrapped, b"owner-b")
    # A second provider over the same file reads the same KEK (stable id); a new file is another KEK.
    assert crypto.LocalKeyFileProvider(tmp_path / "kek.key").unwrap(wrapped, b"owner-a") == data_key
    other = crypto.LocalKeyFileProvider(tmp_path / "other.key")
    assert other.current_id != provider.current_id
    with pytest.raises(crypto.KeyUnavailableError):
        other.unwrap(wrapped, b"owner-a")


def test_sealed_fields_are_bound_to_their_document() -> None:
    sealed = crypto.seal_small(KEY, b"owner\x1fdoc-1", b'{"full_name": "NGUY\xe1\xbb\x84N"}')
    assert crypto.open_small(KEY, b"owner\x1fdoc-1", sealed).startswith(b'{"full_name"')
    with pytest.raises(crypto.DecryptionError):
        crypto.open_small(KEY, b"owner\x1fdoc-2", sealed)


def test_object_names_carry_no_id_number() -> None:
    pepper = b"p" * 32
    reference = owner_ref(pepper, "001090012345")
    name = object_name(reference, "00000000-0000-0000-0000-000000000001", "signed.pdf")
    assert "001090012345" not in name
    assert name.startswith(f"v1/{reference[:2]}/{reference}/")
    assert owner_ref(pepper, " 001090012345 ") == reference  # normalised
    assert owner_ref(b"q" * 32, "001090012345") != reference  # keyed, not a plain hash
    with pytest.raises(InvalidOwnerId):
        owner_ref(pepper, "Nguyễn Văn A")
