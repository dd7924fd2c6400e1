"""Shared fixtures. Integration tests run against the real local services (started here if needed):
MinIO, Redis and PostgreSQL on loopback, Tesseract and poppler. Nothing is mocked."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED = REPO_ROOT.parent / "shared"
EXTERNAL_PDFS = SHARED / "testdata" / "external-pdfs"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):  # type: ignore[no-untyped-def]
    """A skipped test is a failure here: scripts/setup.sh installs every tool a test needs, so a skip
    can only hide a broken set-up and would be counted as passing. SOHOA_ALLOW_SKIPS=1 allows them
    (a developer's partial machine); xfail is unaffected."""
    outcome = yield
    report = outcome.get_result()
    if report.skipped and not hasattr(report, "wasxfail") and os.environ.get("SOHOA_ALLOW_SKIPS") != "1":
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"skipped, which counts as a failure (SOHOA_ALLOW_SKIPS=1 to allow): {reason}"


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


@contextmanager
def temporary_database(service_config, prefix: str) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """A PostgreSQL database of its own on the real server (URL yielded), dropped afterwards."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import OperationalError, ProgrammingError

    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(service_config.database_url("sohoa"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield service_config.database_url(name)
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


@pytest.fixture(scope="session")
def test_settings(service_config, tmp_path_factory) -> Iterator[object]:  # type: ignore[no-untyped-def]
    """Settings for a test session: the real services, with a PostgreSQL database, a bucket and a broker
    namespace of its own (so concurrent test runs on one machine never see each other's data), keys and
    PKI under a temporary home."""
    from sohoa.app import initialise
    from sohoa.settings import Settings

    with temporary_database(service_config, "sohoa_test") as database_url:
        settings = Settings(
            home=tmp_path_factory.mktemp("sohoa-home"),
            database_url=database_url,
            redis_url=service_config.redis_url(db=15),
            broker_namespace=f"sohoa-test-{uuid.uuid4().hex[:12]}",
            s3_endpoint=service_config.minio_endpoint,
            s3_access_key=service_config.minio_root_user,
            s3_secret_key=service_config.minio_root_password,
            s3_bucket=f"sohoa-test-{uuid.uuid4().hex[:12]}",
            agency_code="000.00.99.T01",
        )
        initialise(settings)
        yield settings
