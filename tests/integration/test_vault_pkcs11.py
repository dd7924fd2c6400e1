"""The PKCS#11 key provider on a real SoftHSM2 token: KEKs generated inside the token, never extractable; data
keys wrapped with AES-GCM bound to the owner; rotation; and a vault moved from the local key file onto the
HSM by re-wrapping only."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from minio import Minio
from pkcs11 import Attribute, KeyType, ObjectClass
from pydantic import SecretStr
from sqlalchemy import select

from sohoa.app import build_keys, build_vault
from sohoa.hsm import ensure_softhsm_token
from tests.integration.vaultkit import file_document, raw_objects
from vault import crypto
from vault.access import Actor
from vault.index import Owner
from vault.naming import owner_prefix
from vault.pkcs11_keys import Pkcs11KeyProvider
from vault.vault import Vault

pytestmark = pytest.mark.integration

MODULE = "/usr/lib/softhsm/libsofthsm2.so"
PIN = "test-pin-" + secrets.token_hex(4)


@pytest.fixture(scope="module")
def token(tmp_path_factory) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """A fresh SoftHSM2 token made by the project's own code (SOFTHSM2_CONF is kept if already set)."""
    label = "sohoa-t-" + secrets.token_hex(4)
    ensure_softhsm_token(tmp_path_factory.mktemp("softhsm"), label, PIN)
    yield label


def test_keks_stay_in_the_token_and_wrap_bound_to_the_owner(token: str) -> None:
    hsm = Pkcs11KeyProvider(MODULE, token, PIN)
    assert hsm.current_id == f"pkcs11:{token}:sohoa-kek-0001"
    data_key = crypto.new_data_key()
    wrapped = hsm.wrap(data_key, b"owner-a")
    assert wrapped.kek_id == hsm.current_id and data_key not in wrapped.ciphertext
    assert hsm.unwrap(wrapped, b"owner-a") == data_key
    with pytest.raises(crypto.KeyUnavailableError):
        hsm.unwrap(wrapped, b"owner-b")
    key = hsm._session.get_key(
        object_class=ObjectClass.SECRET_KEY, key_type=KeyType.AES, label="sohoa-kek-0001"
    )
    assert key[Attribute.SENSITIVE] and not key[Attribute.EXTRACTABLE] and key[Attribute.TOKEN]
    # Rotation: a new KEK in the token; what the old one wrapped still unwraps until it is destroyed.
    new_id = hsm.rotate()
    assert new_id.endswith("sohoa-kek-0002") and hsm.current_id == new_id
    assert hsm.unwrap(wrapped, b"owner-a") == data_key
    rewrapped = hsm.wrap(data_key, b"owner-a")
    assert rewrapped.kek_id == new_id
    # Another process (a new session on the token) sees the newest KEK as current.
    assert Pkcs11KeyProvider(MODULE, token, PIN).current_id == new_id
    hsm.destroy(wrapped.kek_id)
    with pytest.raises(crypto.KeyUnavailableError):
        Pkcs11KeyProvider(MODULE, token, PIN).unwrap(wrapped, b"owner-a")
    assert hsm.unwrap(rewrapped, b"owner-a") == data_key


def test_a_vault_moves_from_the_key_file_to_the_hsm_by_rewrapping_only(
    test_settings, fresh_database: str, raw: Minio, token: str, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    local_settings = test_settings.model_copy(
        update={"database_url": fresh_database, "kek_file": tmp_path / "kek.key"}
    )
    local = build_vault(local_settings)
    filed = [file_document(local, tmp_path) for _ in range(3)]
    prefixes = [owner_prefix(local.owner_ref(f.owner_id)) for f in filed]
    before = {p: raw_objects(raw, test_settings.s3_bucket, p) for p in prefixes}

    hsm_settings = local_settings.model_copy(
        update={"key_provider": "pkcs11", "pkcs11_token": token, "pkcs11_pin": SecretStr(PIN)}
    )
    keys = build_keys(hsm_settings)
    assert isinstance(keys, crypto.KeyRing) and keys.current_id.startswith(f"pkcs11:{token}:")
    hsm_vault = build_vault(hsm_settings)
    report = hsm_vault.rotate_keys(Actor.admin("ops-1"), new_kek=False)
    assert report.rewrapped == 3 and report.remaining == 0
    with hsm_vault.session() as session:
        assert {o.kek_id for o in session.scalars(select(Owner))} == {hsm_vault.keys.current_id}
    assert {p: raw_objects(raw, test_settings.s3_bucket, p) for p in prefixes} == before
    # Reads work with the HSM alone: the local key file is no longer needed.
    (tmp_path / "kek.key").unlink()
    hsm_only = Vault(
        hsm_vault.store, Pkcs11KeyProvider(MODULE, token, PIN), hsm_vault.sessions, hsm_vault.options
    )
    with hsm_only.session() as session:
        for f in filed:
            assert hsm_only.read(session, Actor.owner(f.owner_id), f.document_id) == f.signed
    # New owners get HSM-wrapped keys.
    newcomer = file_document(hsm_only, tmp_path)
    with hsm_only.session() as session:
        owner = hsm_only.find_owner(session, newcomer.owner_id)
        assert owner is not None and owner.kek_id == hsm_only.keys.current_id
