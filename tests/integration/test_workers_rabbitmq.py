"""The workers over RabbitMQ (SOHOA_BROKER_URL=amqp://…): the spine path and a crash, on a throw-away
RabbitMQ of this module (free loopback ports, data in a temporary folder), the shared PostgreSQL and a
throw-away MinIO. Nothing is mocked."""

from __future__ import annotations

import socket
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from sohoa.app import Runtime, initialise
from sohoa.services import start, stop
from sohoa.settings import Settings
from tests.conftest import temporary_database
from tests.integration.workerkit import (
    OWNER_ID,
    assert_stored_once,
    final_count,
    free_port,
    throwaway_services,
    tiny_documents,
    wait_until,
    worker_group,
)
from workers.deadletter import list_dead, queue_depths
from workers.service import ingest_batch

pytestmark = [pytest.mark.integration, pytest.mark.timeout(420)]


def _free_pair() -> int:
    """A free port p with p + 10000 free too (RabbitMQ's distribution port)."""
    for _ in range(200):
        port = free_port()
        if port + 10000 > 65000:
            continue
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port + 10000))
            except OSError:
                continue
        return port
    raise RuntimeError("no free port pair")


@dataclass
class Rabbit:
    settings: Settings
    runtime: Runtime
    work: Path


@pytest.fixture(scope="module")
def rabbit(service_config, tmp_path_factory) -> Iterator[Rabbit]:  # type: ignore[no-untyped-def]
    work = tmp_path_factory.mktemp("rabbit")
    services = throwaway_services(
        service_config, work / "services-home", rabbitmq_port=_free_pair(), rabbitmq_epmd_port=free_port()
    )
    start(services, ["minio", "rabbitmq"])
    try:
        with temporary_database(service_config, "sohoa_rabbit") as database_url:
            settings = Settings(
                home=work / "home",
                database_url=database_url,
                broker_url=services.amqp_url(),
                s3_endpoint=services.minio_endpoint,
                s3_access_key=services.minio_root_user,
                s3_secret_key=services.minio_root_password,
                s3_bucket="sohoa-rabbit",
                agency_code="000.00.99.T09",
            )
            initialise(settings)
            runtime = Runtime(settings)
            yield Rabbit(settings, runtime, work)
            runtime.broker.close()
    finally:
        stop(services, ["minio", "rabbitmq"])


def _assert_stored_once(rabbit: Rabbit, ids: list[uuid.UUID]) -> None:
    vault = rabbit.runtime.context().vault
    broker = rabbit.runtime.broker
    assert_stored_once(vault, rabbit.settings, broker, ids)


def test_spine_over_rabbitmq(rabbit: Rabbit) -> None:
    files = tiny_documents(rabbit.work / "spine", 10, "rabbit-spine")
    receipt = ingest_batch(rabbit.runtime.context(), files, clerk="clerk-test", owner_id=OWNER_ID)
    ids = [line.document_id for line in receipt.lines]
    assert all(line.queued for line in receipt.lines)
    vault = rabbit.runtime.context().vault
    with worker_group(rabbit.settings, rabbit.work / "spine.log", "--processes", "2", "--io-threads", "2"):
        wait_until(lambda: final_count(vault, ids) == len(ids), 240, "the batch over RabbitMQ")
    _assert_stored_once(rabbit, ids)
    depths = queue_depths(rabbit.runtime.broker)
    assert depths["ocr"] == 0 and depths["io"] == 0 and depths["ocr.XQ"] == 0
    assert list_dead(rabbit.runtime.broker) == []


def test_sigkilled_workers_over_rabbitmq_lose_nothing(rabbit: Rabbit) -> None:
    files = tiny_documents(rabbit.work / "kill", 30, "rabbit-kill")
    receipt = ingest_batch(rabbit.runtime.context(), files, clerk="clerk-test", owner_id=OWNER_ID)
    ids = [line.document_id for line in receipt.lines]
    vault = rabbit.runtime.context().vault
    args = ("--processes", "2", "--io-threads", "2")
    env = {"SOHOA_RECONCILE_OLDER_THAN_S": "3600"}  # what comes back, comes back through RabbitMQ
    with worker_group(rabbit.settings, rabbit.work / "kill-1.log", *args, **env) as group:
        wait_until(lambda: final_count(vault, ids) >= 5, 180, "work under way")
        group.kill_all()
    assert final_count(vault, ids) < len(ids)
    restarted = time.monotonic()
    with worker_group(rabbit.settings, rabbit.work / "kill-2.log", *args, **env):
        wait_until(lambda: final_count(vault, ids) == len(ids), 240, "the batch after the crash")
    assert time.monotonic() - restarted < 120
    _assert_stored_once(rabbit, ids)
