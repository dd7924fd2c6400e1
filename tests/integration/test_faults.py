"""Fault tests of the workers: crash, outage and redelivery on real services, nothing mocked.

Each test runs `sohoa worker` (the supervisor and its worker processes) as a subprocess against a MinIO and a
Redis of this module's own (throw-away instances on free loopback ports, data in a temporary folder, so
stopping them disturbs nobody) and the shared PostgreSQL (a database of this session's own). Documents are
tiny one-page scans so that 50 of them stay quick. Time bounds are generous `wait_until` limits, except
the issue's "within 2 minutes" after a crash, checked as stated.
"""

from __future__ import annotations

import hashlib
import os
import signal
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select

from sohoa.app import Runtime, initialise
from sohoa.services import ServiceConfig, start, stop
from sohoa.settings import Settings
from tests.conftest import temporary_database
from tests.integration.workerkit import (
    OWNER_ID,
    assert_stored_once,
    final_count,
    free_port,
    states,
    throwaway_services,
    tiny_documents,
    wait_until,
    worker_group,
)
from vault.index import Document, DocumentState
from workers.service import ingest_batch

pytestmark = [pytest.mark.integration, pytest.mark.timeout(420)]


@dataclass
class Env:
    settings: Settings
    services: ServiceConfig
    runtime: Runtime
    work: Path

    def ingest(self, files: list[Path]) -> list[uuid.UUID]:
        receipt = ingest_batch(self.runtime.context(), files, clerk="clerk-test", owner_id=OWNER_ID)
        return [line.document_id for line in receipt.lines]

    def group(self, name: str, *args: str, production_timing: bool = False, **env: str):  # type: ignore[no-untyped-def]
        """`sohoa worker` for this test. Except with ``production_timing``, a dead worker is detected after
        5 s (not 15 s), transient retries wait at most 4 s (not 5 min) and the reconciler runs every 2 s
        (not 60 s), to keep the tests short."""
        if not production_timing:
            env = {
                "SOHOA_BROKER_HEARTBEAT_TIMEOUT_MS": "5000",
                "SOHOA_WORKER_RETRY_MAX_BACKOFF_MS": "4000",
                "SOHOA_RECONCILE_EVERY_S": "2",
                **env,
            }
        return worker_group(self.settings, self.work / f"{name}.log", *args, **env)


@pytest.fixture(scope="module")
def env(service_config, tmp_path_factory) -> Iterator[Env]:  # type: ignore[no-untyped-def]
    work = tmp_path_factory.mktemp("faults")
    services = throwaway_services(service_config, work / "services-home")
    start(services, ["minio", "redis"])
    try:
        with temporary_database(service_config, "sohoa_faults") as database_url:
            settings = Settings(
                home=work / "home",
                database_url=database_url,
                redis_url=services.redis_url(db=0),
                broker_namespace=f"sohoa-faults-{uuid.uuid4().hex[:8]}",
                s3_endpoint=services.minio_endpoint,
                s3_access_key=services.minio_root_user,
                s3_secret_key=services.minio_root_password,
                s3_bucket="sohoa-faults",
                agency_code="000.00.99.T08",
            )
            initialise(settings)
            yield Env(settings, services, Runtime(settings), work)
    finally:
        stop(services, ["minio", "redis"])


def _fresh(env: Env, name: str) -> Env:
    """Same services, a broker namespace of its own (no message of an earlier test is left over)."""
    settings = env.settings.model_copy(
        update={"broker_namespace": f"sohoa-faults-{name}-{uuid.uuid4().hex[:8]}"}
    )
    return Env(settings, env.services, Runtime(settings), env.work)


def _assert_stored_once(env: Env, ids: list[uuid.UUID]) -> None:
    vault = env.runtime.context().vault
    assert_stored_once(vault, env.settings, env.runtime.broker, ids)


def _processing(env: Env, ids: list[uuid.UUID]) -> int:
    return states(env.runtime.context().vault, ids).get("processing", 0)


# ----------------------------------------------------------------------------------------------- (1)
def test_sigkilled_workers_lose_nothing_and_a_new_worker_finishes_within_2_minutes(env: Env) -> None:
    env = _fresh(env, "kill")
    ids = env.ingest(tiny_documents(env.work / "kill", 50, "kill"))
    vault = env.runtime.context().vault
    # The reconciler's "nothing happened for a while" path is off (1 h): what comes back after the crash
    # comes back through the broker (heartbeat timeout + maintenance), as tuned in workers/broker.py.
    args = ("--processes", "2", "--io-threads", "2")
    with env.group("kill-1", *args, production_timing=True, SOHOA_RECONCILE_OLDER_THAN_S="3600") as g:
        wait_until(lambda: final_count(vault, ids) >= 8 and _processing(env, ids) >= 1, 180, "work under way")
        g.kill_all()
    done_before = final_count(vault, ids)
    assert done_before < 50
    restarted = time.monotonic()
    with env.group("kill-2", *args, production_timing=True, SOHOA_RECONCILE_OLDER_THAN_S="3600"):
        wait_until(lambda: final_count(vault, ids) == 50, 300, "all 50 documents final")
        took = time.monotonic() - restarted
    assert took < 120, f"the batch finished {took:.0f} s after the new worker started"
    _assert_stored_once(env, ids)


# ------------------------------------------------------------------------------------------- #376
def test_supervisor_restarts_a_killed_worker_process(env: Env) -> None:
    env = _fresh(env, "child")
    ids = env.ingest(tiny_documents(env.work / "child", 8, "child"))
    vault = env.runtime.context().vault
    with env.group("child", "--processes", "2", "--io-threads", "2") as g:
        wait_until(lambda: len(g.child_queues()) == 3, 60, "three worker processes")
        before = g.child_queues()
        victim = next(pid for pid, queue in before.items() if queue == "ocr")
        os.kill(victim, signal.SIGKILL)
        wait_until(
            lambda: len(g.child_queues()) == 3 and victim not in g.child_queues(), 60, "a new worker process"
        )
        assert sorted(g.child_queues().values()) == ["io", "ocr", "ocr"]
        wait_until(lambda: final_count(vault, ids) == len(ids), 240, "the batch")
    _assert_stored_once(env, ids)


# ----------------------------------------------------------------------------------------------- (2)
def test_minio_down_for_20_seconds_mid_batch_all_stored_none_rejected(env: Env) -> None:
    env = _fresh(env, "minio")
    ids = env.ingest(tiny_documents(env.work / "minio", 20, "minio"))
    vault = env.runtime.context().vault
    with env.group("minio", "--processes", "2", "--io-threads", "2"):
        wait_until(lambda: final_count(vault, ids) >= 5, 180, "work under way")
        stop(env.services, ["minio"])
        try:
            time.sleep(20)
        finally:
            start(env.services, ["minio"])
        wait_until(lambda: final_count(vault, ids) == len(ids), 300, "the batch after MinIO came back")
    # A write cut short by the outage left no audit entry: the I/O stage's entries commit with its work.
    _assert_stored_once(env, ids)


# ----------------------------------------------------------------------------------------------- (3)
def test_redis_restart_mid_batch_loses_nothing(env: Env) -> None:
    env = _fresh(env, "redis")
    ids = env.ingest(tiny_documents(env.work / "redis", 20, "redis"))
    vault = env.runtime.context().vault
    # One hand-over try (not six over ~15 s): an OCR stage that ends during the outage cannot queue the
    # signing/storage stage and leaves the document to the reconciler, every time.
    with env.group("redis", "--processes", "2", "--io-threads", "2", SOHOA_WORKER_HANDOVER_ATTEMPTS="1") as g:
        # Stop Redis while documents are between the stages: OCR done, the signing/storage message being
        # queued.
        # Stop it as soon as both OCR processes hold a document (on a quiet machine the tiny documents'
        # OCR is over long before the first ones are stored, so "some stored" came too late).
        wait_until(lambda: states(vault, ids)["received"] <= len(ids) - 2, 180, "OCR under way")
        stop(env.services, ["redis"])
        try:
            time.sleep(20)
        finally:
            start(env.services, ["redis"])
        wait_until(lambda: final_count(vault, ids) == len(ids), 300, "the batch after Redis came back")
        log = g.log.read_text(errors="replace")
    _assert_stored_once(env, ids)
    # OCR went on during the outage; its hand-over to the signing/storage queue failed after its own
    # retries and the reconciler queued the stage once Redis was back.
    assert "hand-over of document" in log and "reconciler queued" in log


# ----------------------------------------------------------------------------------------------- (4)
def test_same_batch_twice_and_messages_delivered_twice_make_no_duplicates(env: Env) -> None:
    env = _fresh(env, "twice")
    files = tiny_documents(env.work / "twice", 10, "twice")
    first = env.ingest(files)
    second = env.ingest(files)  # while the first is still queued: the same documents, queued again
    assert first == second
    vault = env.runtime.context().vault
    metrics_port = free_port()
    with env.group("twice", "--processes", "2", "--io-threads", "2", "--metrics-port", str(metrics_port)):
        wait_until(lambda: final_count(vault, first) == len(first), 240, "the batch")
        # Every message once more, of both stages, on finished documents.
        for document_id in first:
            env.runtime.actors.ocr_document.send(str(document_id))
            env.runtime.actors.store_document.send(str(document_id))
        wait_until(lambda: _queues_empty(env), 120, "the repeated messages consumed")
        scraped = _scrape(metrics_port)
    assert env.ingest(files) == first  # and a third time, after the end: nothing is queued
    _assert_stored_once(env, first)
    with vault.session() as session:
        owner_docs = session.scalars(select(Document.id).where(Document.id.in_(first))).all()
    assert len(owner_docs) == len(set(first)) == 10
    # The metrics port of `sohoa worker` serves queue depth, stage durations and documents per state.
    assert 'sohoa_queue_depth{queue="ocr"}' in scraped
    assert 'sohoa_stage_duration_seconds_count{stage="ocr"}' in scraped
    assert 'sohoa_stage_duration_seconds_count{stage="io"}' in scraped
    assert 'sohoa_step_cpu_seconds_total{stage="ocr",step="pipeline"}' in scraped
    assert 'sohoa_step_cpu_seconds_total{stage="io",step="sign"}' in scraped
    assert 'sohoa_documents{state="needs_review"}' in scraped or 'sohoa_documents{state="stored"}' in scraped


def _queues_empty(env: Env) -> bool:
    from workers.deadletter import queue_depths

    depths = queue_depths(env.runtime.broker)
    return depths["ocr"] == 0 and depths["io"] == 0


def _scrape(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as response:
        return str(response.read().decode())


# ----------------------------------------------------------------------------------------------- (5)
def test_poison_document_that_kills_its_worker_is_rejected_after_k_attempts(env: Env) -> None:
    env = _fresh(env, "poison")
    files = tiny_documents(env.work / "poison", 8, "poison")
    poison = files[3]
    digest = hashlib.sha256(poison.read_bytes()).hexdigest()
    ids = env.ingest(files)
    vault = env.runtime.context().vault
    # The worker process that opens this original dies (SIGKILL) every time: a stand-in for a document that
    # crashes the OCR process. The broker redelivers its message after the heartbeat timeout, forever
    # (Dramatiq #213), unless the attempts are counted on the document.
    with env.group("poison", "--processes", "2", "--io-threads", "2", SOHOA_TEST_CRASH_SHA256=digest) as g:
        wait_until(lambda: final_count(vault, ids) == len(ids), 360, "the batch with its poison document")
        log = g.log.read_text(errors="replace")
    with vault.session() as session:
        rows = {d.id: d for d in session.scalars(select(Document).where(Document.id.in_(ids)))}
        bad = rows[ids[3]]
        assert bad.state is DocumentState.REJECTED and bad.reason_code == "attempts_exhausted"
        assert bad.attempts == env.settings.worker_max_attempts
    others = [i for i in ids if i != ids[3]]
    _assert_stored_once(env, others)
    assert log.count("exited with -9") >= env.settings.worker_max_attempts  # killed K times, restarted


# ----------------------------------------------------------------------------------------------- (6)
def test_redis_down_during_intake_documents_processed_once_it_returns(env: Env) -> None:
    env = _fresh(env, "intake")
    files = tiny_documents(env.work / "intake", 8, "intake")
    stop(env.services, ["redis"])
    try:
        receipt = ingest_batch(env.runtime.context(), files, clerk="clerk-test", owner_id=OWNER_ID)
        ids = [line.document_id for line in receipt.lines]
        assert all(line.state == "received" and not line.queued for line in receipt.lines)
    finally:
        start(env.services, ["redis"])
    vault = env.runtime.context().vault
    with env.group("intake", "--processes", "2", "--io-threads", "2"):
        wait_until(lambda: final_count(vault, ids) == len(ids), 240, "the batch queued by the reconciler")
    _assert_stored_once(env, ids)


# -------------------------------------------------------------------------------------- graceful stop
def test_sigterm_finishes_work_in_progress_and_a_restart_completes_the_batch(env: Env) -> None:
    env = _fresh(env, "term")
    ids = env.ingest(tiny_documents(env.work / "term", 12, "term"))
    vault = env.runtime.context().vault
    with env.group("term-1", "--processes", "2", "--io-threads", "2") as g:
        wait_until(lambda: final_count(vault, ids) >= 3 and _processing(env, ids) >= 1, 180, "work under way")
        assert g.stop(timeout=180) == 0
    # Stopped gracefully: no document is left held by a stage (a lease of a message that is gone).
    with vault.session() as session:
        held = session.scalars(
            select(Document.id).where(Document.id.in_(ids), Document.lease_holder.is_not(None))
        ).all()
    assert held == []
    with env.group("term-2", "--processes", "2", "--io-threads", "2"):
        wait_until(lambda: final_count(vault, ids) == len(ids), 240, "the rest of the batch")
    _assert_stored_once(env, ids)
