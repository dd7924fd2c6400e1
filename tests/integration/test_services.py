"""The local development services start through sohoa.services and are the real servers.

Services are started (idempotently) and left running: other integration tests use them.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import psycopg
import pytest
import redis
import urllib3
from minio import Minio, MinioAdmin
from minio.credentials import StaticProvider

from sohoa import services
from sohoa.services import ServiceConfig, ServiceStatus

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def config() -> ServiceConfig:
    # Same cache as scripts/setup.sh; the library itself never reads the environment, the caller does.
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "sohoa"
    cfg = ServiceConfig(minio_binary=services.minio_binary_path(services.MINIO_VERSION, cache))
    if not cfg.minio_binary.is_file():
        pytest.fail(f"MinIO binary missing at {cfg.minio_binary}: run scripts/setup.sh")
    return cfg


@pytest.fixture(scope="module")
def started(config: ServiceConfig) -> dict[str, ServiceStatus]:
    return {s.name: s for s in services.start(config)}


def test_every_service_answers_on_loopback(config: ServiceConfig, started: dict[str, ServiceStatus]) -> None:
    assert set(started) == {"minio", "redis", "postgres", "rabbitmq"}
    for name, st in started.items():
        assert st.answering, f"{name}: {st.detail}"
        assert st.version, f"{name}: no version reported ({st.detail})"
        assert st.pid is not None
    assert started["minio"].address == "127.0.0.1:19000"
    assert started["redis"].address == "127.0.0.1:16379"
    assert started["postgres"].address == "127.0.0.1:15432"
    assert started["rabbitmq"].address == "127.0.0.1:17672"
    assert started["rabbitmq"].version and started["rabbitmq"].version.startswith("3.10.")
    assert [s.name for s in services.status(config)] == ["minio", "redis", "postgres", "rabbitmq"]


def test_minio_is_the_pinned_build_and_serves_s3(
    config: ServiceConfig, started: dict[str, ServiceStatus]
) -> None:
    # Ask the live server ourselves (signed admin API), independently of status().
    http = urllib3.PoolManager(timeout=urllib3.Timeout(connect=2, read=10), retries=False)
    creds = StaticProvider(config.minio_root_user, config.minio_root_password)
    info = json.loads(
        MinioAdmin(endpoint=config.minio_endpoint, credentials=creds, secure=False, http_client=http).info()
    )
    server_version = info["servers"][0]["version"]
    assert server_version == services.minio_release_version(services.MINIO_VERSION)
    assert server_version != "DEVELOPMENT.GOGET"
    assert info["servers"][0]["commitID"] == services.MINIO_VERSION[-12:]
    assert started["minio"].version == server_version
    assert "admin API" in started["minio"].detail

    s3 = Minio(
        config.minio_endpoint,
        access_key=config.minio_root_user,
        secret_key=config.minio_root_password,
        secure=False,
        http_client=http,
    )
    assert isinstance(s3.list_buckets(), list)


def test_postgres_is_15_and_the_app_role_owns_its_databases(
    config: ServiceConfig, started: dict[str, ServiceStatus]
) -> None:
    assert started["postgres"].version is not None
    assert started["postgres"].version.startswith("PostgreSQL 15")
    for db in ("sohoa", "sohoa_test"):
        url = config.database_url(db, driver="postgresql")
        assert url == f"postgresql://sohoa:sohoa@127.0.0.1:15432/{db}"
        with psycopg.connect(url, connect_timeout=5) as conn:
            row = conn.execute(
                "SELECT version(), current_user, pg_get_userbyid(datdba), pg_encoding_to_char(encoding) "
                "FROM pg_database WHERE datname = current_database()"
            ).fetchone()
        assert row is not None
        version, user, owner, encoding = row
        assert version.startswith("PostgreSQL 15"), version
        assert (user, owner, encoding) == ("sohoa", "sohoa", "UTF8")


def test_postgres_refuses_a_wrong_password(config: ServiceConfig, started: dict[str, ServiceStatus]) -> None:
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(
            host=config.host,
            port=config.postgres_port,
            user="sohoa",
            password="wrong",
            dbname="sohoa",
            connect_timeout=5,
        )


def test_redis_is_real_and_persistent(config: ServiceConfig, started: dict[str, ServiceStatus]) -> None:
    client = redis.Redis.from_url(config.redis_url(), socket_timeout=5)
    try:
        info = client.info("server")
        assert info["redis_version"] == started["redis"].version
        assert int(info["tcp_port"]) == 16379
        assert client.config_get("appendonly") == {"appendonly": "yes"}
        assert client.config_get("bind")["bind"] == "127.0.0.1"
        assert client.ping() is True
    finally:
        client.close()


def test_start_again_is_a_no_op(config: ServiceConfig, started: dict[str, ServiceStatus]) -> None:
    before = {s.name: s.pid for s in services.status(config)}
    again = {s.name: s for s in services.start(config)}
    again_one = services.start(config, ["redis"])
    after = {s.name: s for s in services.status(config)}
    for name in ("minio", "redis", "postgres", "rabbitmq"):
        assert again[name].answering and after[name].answering, after[name].detail
        assert again[name].pid == before[name] == after[name].pid == started[name].pid
    assert [s.name for s in again_one] == ["redis"]
    assert again_one[0].pid == before["redis"]


def test_unknown_service_and_non_loopback_host_are_refused(config: ServiceConfig) -> None:
    with pytest.raises(ValueError, match="unknown service"):
        services.start(config, ["mongodb"])
    with pytest.raises(ValueError, match="loopback"):
        ServiceConfig(host="0.0.0.0")
