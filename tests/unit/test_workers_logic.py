"""Pure logic of the workers: batch progress, enqueue retries, which errors are retried, the supervisor."""

from __future__ import annotations

import sys
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import urllib3.exceptions
from minio.error import S3Error
from redis.exceptions import ConnectionError as RedisConnectionError
from sqlalchemy.exc import OperationalError

from pipeline.errors import DocumentRejected, TransientPipelineError
from sohoa.cli import render_progress
from vault.index import DocumentState
from vault.store import StorageUnavailable
from workers.actors import MAX_RETRIES, retry_when
from workers.errors import StageRetry, transient_kind
from workers.service import ProgressRow, progress_from_rows, send_with_retries
from workers.supervisor import ChildSpec, Periodic, Supervisor

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def _row(n: int, state: DocumentState, pages: int | None, minutes: float, **kw: object) -> ProgressRow:
    return ProgressRow(
        position=n,
        document_id=uuid.UUID(int=n),
        state=state,
        page_count=pages,
        reason_code=kw.get("code"),  # type: ignore[arg-type]
        reason_page=kw.get("page"),  # type: ignore[arg-type]
        updated_at=T0 + timedelta(minutes=minutes),
        ocr_done=bool(kw.get("ocr_done", False)),
    )


def test_progress_counts_rate_eta_and_failures() -> None:
    rows = [
        _row(1, DocumentState.STORED, 2, 1),
        _row(2, DocumentState.NEEDS_REVIEW, 4, 2),
        _row(3, DocumentState.REJECTED, None, 1, code="too_blurred", page=2),
        _row(4, DocumentState.PROCESSING, 3, 2, ocr_done=True),
        _row(5, DocumentState.PROCESSING, None, 2),
        _row(6, DocumentState.RECEIVED, None, 0),
    ]
    progress = progress_from_rows(uuid.UUID(int=99), T0, rows, now=T0 + timedelta(minutes=3))
    assert progress.counts == {
        "stored": 1,
        "needs_review": 1,
        "rejected": 1,
        "signing": 1,
        "ocr": 1,
        "received": 1,
    }
    assert (progress.total, progress.done, progress.finished) == (6, 3, False)
    assert progress.pages_done == 6 and progress.pages_total is None  # two page counts still unknown
    assert progress.pages_per_minute == 2.0  # 6 pages in 3 minutes
    # remaining: 3 pages known + two documents at the mean of the known counts (2, 4, 3 → 3 pages)
    assert progress.eta_s == pytest.approx((3 + 3 + 3) / 2.0 * 60)
    (failure,) = progress.failures
    assert (failure.position, failure.reason_code, failure.page) == (3, "too_blurred", 2)
    assert "2" in failure.message_en and failure.message_vi != failure.message_en
    data = progress.as_dict()
    assert data["failures"][0]["document_id"] == str(uuid.UUID(int=3)) and data["finished"] is False
    line = render_progress(progress, width=10)
    assert line.startswith("[#####-----] 3/6") and "2.0 pages/min" in line and "ETA 4:30" in line


def test_progress_of_a_finished_batch_uses_the_last_document_time() -> None:
    rows = [_row(1, DocumentState.STORED, 5, 2), _row(2, DocumentState.STORED, 5, 5)]
    progress = progress_from_rows(uuid.UUID(int=1), T0, rows, now=T0 + timedelta(hours=2))
    assert progress.finished and progress.eta_s == 0.0
    assert progress.pages_per_minute == 2.0 and progress.elapsed_s == 300.0
    assert "ETA 0:00" in render_progress(progress)


def test_progress_before_anything_is_done_has_no_rate() -> None:
    progress = progress_from_rows(uuid.UUID(int=1), T0, [_row(1, DocumentState.RECEIVED, None, 0)], T0)
    assert progress.pages_per_minute is None and progress.eta_s is None
    assert "- pages/min" in render_progress(progress) and "ETA -" in render_progress(progress)


def test_send_with_retries_backs_off_then_succeeds_or_raises() -> None:
    calls: list[uuid.UUID] = []
    sleeps: list[float] = []

    def flaky(document_id: uuid.UUID) -> None:
        calls.append(document_id)
        if len(calls) < 3:
            raise RedisConnectionError("down")

    doc = uuid.uuid4()
    send_with_retries(flaky, doc, sleep=sleeps.append)
    assert calls == [doc] * 3 and sleeps == [0.5, 1.0]

    sleeps.clear()

    def down(_: uuid.UUID) -> None:
        raise RedisConnectionError("down")

    with pytest.raises(RedisConnectionError):
        send_with_retries(down, doc, attempts=6, sleep=sleeps.append)
    assert sleeps == [0.5, 1.0, 2.0, 4.0, 8.0]


def _caused(outer: Exception, cause: BaseException) -> Exception:
    outer.__cause__ = cause
    return outer


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (StorageUnavailable("x"), "storage"),
        (urllib3.exceptions.MaxRetryError(None, "/", None), "storage"),  # type: ignore[arg-type]
        (S3Error(None, "ServiceUnavailable", "m", "r", "q", "h"), "storage"),  # type: ignore[arg-type]
        (S3Error(None, "AccessDenied", "m", "r", "q", "h"), None),  # type: ignore[arg-type]
        (OperationalError("select", {}, Exception("gone")), "database"),
        (RedisConnectionError("x"), "broker"),
        (TransientPipelineError("ocr_timeout"), "service"),
        (_caused(RuntimeError("wrapped"), StorageUnavailable("x")), "storage"),
        (DocumentRejected("blank_page", page=1), None),
        (ValueError("a bug"), None),
        (KeyError("a bug"), None),
    ],
)
def test_transient_kind(exc: Exception, kind: str | None) -> None:
    assert transient_kind(exc) == kind


def test_only_stage_retries_are_retried_and_not_forever() -> None:
    assert retry_when(0, StageRetry("storage"))
    assert not retry_when(MAX_RETRIES, StageRetry("storage"))
    assert not retry_when(0, ValueError("a bug: dead-lettered, not retried"))


def test_supervisor_restarts_a_dead_child_and_stops_the_rest_gracefully(tmp_path: Path) -> None:
    marker = tmp_path / "stopped"
    # A child that records a graceful SIGTERM, and one that dies at once (and keeps dying).
    graceful = (
        "import signal, sys, time, pathlib\n"
        f"p = pathlib.Path({str(marker)!r})\n"
        "def stop(*_):\n"
        "    p.write_text('graceful'); sys.exit(0)\n"
        "signal.signal(signal.SIGTERM, stop)\n"
        "while True: time.sleep(0.1)\n"
    )
    ticks: list[float] = []
    supervisor = Supervisor(
        [
            ChildSpec("steady", (sys.executable, "-c", graceful)),
            ChildSpec(
                "crashy", (sys.executable, "-c", "import os, signal; os.kill(os.getpid(), signal.SIGKILL)")
            ),
        ],
        periodic=[Periodic(0.2, lambda: ticks.append(time.monotonic()), "tick")],
        poll_s=0.05,
        max_backoff_s=0.2,
        stop_grace_s=10,
    )
    runner = threading.Thread(target=supervisor.run, kwargs={"install_signals": False})
    runner.start()
    deadline = time.monotonic() + 60
    while supervisor.restarts < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    steady_pid = supervisor.pids().get("steady")
    supervisor.stop()
    runner.join(timeout=60)
    assert not runner.is_alive()
    assert supervisor.restarts >= 3  # the crashing child was started again, each time
    assert steady_pid is not None and marker.read_text() == "graceful"
    assert len(ticks) >= 2


def test_a_retry_whose_enqueue_fails_for_a_moment_is_not_lost() -> None:
    """Dramatiq #545: Retries' enqueue fails inside middleware, the error is swallowed, the message acked."""
    import dramatiq
    from dramatiq.brokers.stub import StubBroker

    from workers.broker import DurableRetries

    sleeps: list[float] = []
    broker = StubBroker(middleware=[DurableRetries(sleep=sleeps.append, min_backoff=10, max_backoff=10)])
    broker.emit_after("process_boot")
    calls: list[str] = []

    @dramatiq.actor(broker=broker, queue_name="ocr", retry_when=lambda retries, exc: retries < 1)
    def flaky(document_id: str) -> None:
        calls.append(document_id)
        if len(calls) == 1:
            raise StageRetry("storage")

    real_enqueue = broker.enqueue
    failures = {"left": 2}

    def enqueue(message, *, delay=None):  # type: ignore[no-untyped-def]
        if delay is not None and failures["left"] > 0:  # the retry's enqueue meets a broker that is down
            failures["left"] -= 1
            raise ConnectionError("broker down")
        return real_enqueue(message, delay=delay)

    broker.enqueue = enqueue  # type: ignore[method-assign]
    flaky.send("doc-1")
    worker = dramatiq.Worker(broker, worker_timeout=50)
    worker.start()
    try:
        broker.join("ocr", timeout=30_000)
        worker.join()
    finally:
        worker.stop()
    assert calls == ["doc-1", "doc-1"]  # the retry ran
    assert sleeps == [0.5, 1.0] and failures["left"] == 0
