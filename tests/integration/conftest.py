"""Fixtures of the vault's integration tests (the real MinIO and PostgreSQL)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import pytest
from minio import Minio
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError, ProgrammingError

from sohoa.app import build_vault
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

    name = f"sohoa_audit_{uuid.uuid4().hex[:10]}"
    admin = create_engine(service_config.database_url("sohoa"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = service_config.database_url(name)
    migrate(url)
    try:
        yield url
    finally:
        # WITH (FORCE) ends this role's leftover connections; an autovacuum worker on the new database cannot
        # be ended by this role, so try again until it has finished.
        for attempt in range(40):
            try:
                with admin.connect() as connection:
                    connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                break
            except (OperationalError, ProgrammingError):
                if attempt == 39:
                    raise
                time.sleep(0.25)
        admin.dispose()
