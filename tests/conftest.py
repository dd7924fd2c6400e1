"""Shared fixtures. Integration tests run against the real local services (started here if needed):
MinIO, Redis and PostgreSQL on loopback, Tesseract and poppler. Nothing is mocked."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED = REPO_ROOT.parent / "shared"
EXTERNAL_PDFS = SHARED / "testdata" / "external-pdfs"


@pytest.fixture(scope="session")
def shared_pdfs() -> Path:
    if not EXTERNAL_PDFS.is_dir():
        pytest.fail(f"../shared/testdata/external-pdfs is missing (looked in {EXTERNAL_PDFS})")
    return EXTERNAL_PDFS


@pytest.fixture(scope="session")
def service_config():  # type: ignore[no-untyped-def]
    from sohoa.app import service_config as build
    from sohoa.services import start
    from sohoa.settings import Settings

    config = build(Settings())
    start(config)
    return config


@pytest.fixture(scope="session")
def test_settings(service_config, tmp_path_factory) -> Iterator[object]:  # type: ignore[no-untyped-def]
    """Settings for a test session: the real services, the ``sohoa_test`` database (reset), a bucket of
    its own, a Redis database of its own, keys and PKI under a temporary home."""
    import redis
    from sqlalchemy import create_engine, text

    from sohoa.app import initialise
    from sohoa.settings import Settings

    database_url = service_config.database_url("sohoa_test")
    engine = create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    redis_url = service_config.redis_url(db=15)
    redis.Redis.from_url(redis_url).flushdb()
    settings = Settings(
        home=tmp_path_factory.mktemp("sohoa-home"),
        database_url=database_url,
        redis_url=redis_url,
        s3_endpoint=service_config.minio_endpoint,
        s3_access_key=service_config.minio_root_user,
        s3_secret_key=service_config.minio_root_password,
        s3_bucket=f"sohoa-test-{uuid.uuid4().hex[:12]}",
        agency_code="000.00.99.T01",
    )
    initialise(settings)
    yield settings
