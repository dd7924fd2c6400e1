"""The operator's commands of the workers on the real services: dead letters (list, requeue), batch status
(--json, --watch), reconcile, metrics. Worker threads run in this process (dramatiq.Worker)."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import dramatiq
import pytest
from click.testing import CliRunner

from sohoa.app import Runtime, initialise
from sohoa.cli import main
from tests.conftest import temporary_database
from tests.integration.workerkit import OWNER_ID, tiny_documents
from workers.deadletter import list_dead, queue_depths
from workers.service import ingest_batch, wait_for_batch

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def runtime(test_settings, service_config) -> Iterator[Runtime]:  # type: ignore[no-untyped-def]
    # A database and broker namespace of its own: `reconcile` and the dead-letter listing are global,
    # and other tests of the session leave documents that are not final on purpose.
    with temporary_database(service_config, "sohoa_workers_cli") as url:
        settings = test_settings.model_copy(
            update={"database_url": url, "broker_namespace": f"sohoa-wcli-{uuid.uuid4().hex[:8]}"}
        )
        initialise(settings)
        rt = Runtime(settings)
        yield rt
        rt.broker.close()


def _env(settings) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {
        "SOHOA_HOME": str(settings.home),
        "SOHOA_DATABASE_URL": settings.database_url,
        "SOHOA_REDIS_URL": settings.redis_url,
        "SOHOA_BROKER_NAMESPACE": settings.broker_namespace,
        "SOHOA_S3_ENDPOINT": settings.s3_endpoint,
        "SOHOA_S3_BUCKET": settings.s3_bucket,
        "SOHOA_AGENCY_CODE": settings.agency_code,
    }


def test_a_message_that_fails_with_a_bug_is_dead_lettered_listed_and_requeued(runtime: Runtime) -> None:
    # Not a document id: the actor fails before any stage (a bug, not a transient problem): no retries.
    message = runtime.actors.ocr_document.send("not-a-document-id")
    worker = dramatiq.Worker(runtime.broker, worker_threads=1)
    worker.start()
    try:
        deadline = time.monotonic() + 120
        while not list_dead(runtime.broker):
            assert time.monotonic() < deadline, "the message was not dead-lettered"
            time.sleep(0.2)
    finally:
        worker.stop()
    runner = CliRunner()
    env = _env(runtime.settings)
    listing = runner.invoke(main, ["deadletter", "list"], env=env)
    assert listing.exit_code == 0, listing.output
    assert message.message_id in listing.output and "ocr_document" in listing.output
    assert "1 dead letter(s)" in listing.output
    assert runner.invoke(main, ["deadletter", "requeue"], env=env).exit_code != 0  # ids or --all
    requeued = runner.invoke(main, ["deadletter", "requeue", message.message_id], env=env)
    assert requeued.exit_code == 0 and "requeued 1 message(s)" in requeued.output
    assert list_dead(runtime.broker) == []
    assert queue_depths(runtime.broker)["ocr"] == 1  # back on its queue, retries reset
    runtime.broker.flush_all()


def test_batch_status_json_watch_reconcile_and_metrics(runtime: Runtime, tmp_path: Path) -> None:
    files = tiny_documents(tmp_path / "docs", 3, "cli")
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.7\n this is not really a PDF")
    ctx = runtime.context()
    receipt = ingest_batch(ctx, [*files, broken], clerk="clerk-test", owner_id=OWNER_ID)
    worker = dramatiq.Worker(runtime.broker, worker_threads=1)
    worker.start()
    try:
        wait_for_batch(ctx.vault, receipt.batch_id, timeout=300)
    finally:
        worker.stop()
    runner = CliRunner()
    env = _env(runtime.settings)
    as_json = runner.invoke(main, ["batch", "status", str(receipt.batch_id), "--json"], env=env)
    assert as_json.exit_code == 0, as_json.output
    data = json.loads(as_json.output)
    assert data["finished"] is True and data["total"] == 4 and data["done"] == 4
    assert data["pages_done"] == 3 and data["pages_per_minute"] > 0 and data["eta_s"] == 0.0
    (failure,) = data["failures"]
    assert failure["position"] == 4 and failure["reason_code"] in ("corrupt_file", "not_a_pdf")
    assert failure["message_vi"] and failure["message_en"]
    watch = runner.invoke(main, ["batch", "status", str(receipt.batch_id), "--watch"], env=env)
    assert watch.exit_code == 0, watch.output
    assert "[##############################] 4/4" in watch.output and "pages/min" in watch.output
    assert failure["reason_code"] in watch.output and failure["message_en"] in watch.output
    reconciled = runner.invoke(main, ["reconcile"], env=env)
    assert reconciled.exit_code == 0 and "re-enqueued 0 document(s)" in reconciled.output
    metrics = runner.invoke(main, ["metrics"], env=env)
    assert metrics.exit_code == 0 and "queue ocr" in metrics.output and "state rejected" in metrics.output
