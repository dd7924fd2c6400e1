"""Fixtures of the vault's integration tests (the real MinIO and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from minio import Minio

from sohoa.app import build_vault
from tests.conftest import temporary_database
from vault.vault import Vault


@pytest.fixture(scope="module")
def vault(test_settings) -> Vault:  # type: ignore[no-untyped-def]
    return build_vault(test_settings)


@pytest.fixture(scope="module")
def raw(test_settings) -> Minio:  # type: ignore[no-untyped-def]
    return Minio(
        test_settings.s3_endpoint,
        access_key=test_settings.s3_access_key,
        secret_key=test_settings.s3_secret_key.get_secret_value(),
        secure=False,
    )


@pytest.fixture
def fresh_database(service_config) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """A database of its own, migrated, for tests that tamper with the audit log."""
    from vault.index import migrate

    with temporary_database(service_config, "sohoa_audit") as url:
        migrate(url)
        yield url
