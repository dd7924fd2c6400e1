"""Helpers of the worker fault tests: throw-away MinIO/Redis, tiny documents, a `sohoa worker` subprocess,
and the checks "stored exactly once"."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from dramatiq import Broker
from PIL import Image, ImageDraw, ImageFont
from sqlalchemy import func, select

from sohoa.services import ServiceConfig
from sohoa.settings import Settings
from vault.index import AuditRecord, Document, DocumentState, ObjectVersion
from vault.store import ObjectStore
from vault.vault import Vault

REPO = Path(__file__).resolve().parents[2]
FONT = "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf"
OWNER_ID = "001099012345"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def tiny_documents(directory: Path, count: int, tag: str) -> list[Path]:
    """``count`` one-page PDFs (a few printed lines, 300 dpi, ~30 KB), each unique."""
    directory.mkdir(parents=True, exist_ok=True)
    font = ImageFont.truetype(FONT, 40)
    paths = []
    for n in range(1, count + 1):
        image = Image.new("L", (1240, 400), 255)
        draw = ImageDraw.Draw(image)
        draw.text((60, 60), f"GIẤY BIÊN NHẬN SỐ {n:05d}", font=font, fill=0)
        draw.text((60, 160), "Trung tâm phục vụ hành chính công", font=font, fill=0)
        draw.text((60, 260), f"Lô {tag} - mã {(n * 7919) % 100000:05d}", font=font, fill=0)
        path = directory / f"scan_{n:04d}.pdf"
        image.save(path, "PDF", resolution=300)
        paths.append(path)
    return paths


def settings_env(settings: Settings, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "SOHOA_HOME": str(settings.home),
            "SOHOA_DATABASE_URL": str(settings.database_url),
            "SOHOA_REDIS_URL": settings.redis_url,
            "SOHOA_BROKER_NAMESPACE": settings.broker_namespace,
            "SOHOA_S3_ENDPOINT": settings.s3_endpoint,
            "SOHOA_S3_ACCESS_KEY": settings.s3_access_key,
            "SOHOA_S3_SECRET_KEY": settings.s3_secret_key.get_secret_value(),
            "SOHOA_S3_BUCKET": settings.s3_bucket,
            "SOHOA_AGENCY_CODE": settings.agency_code,
            "SOHOA_RECONCILE_UNQUEUED_S": "3",
            "OMP_THREAD_LIMIT": "1",
        }
    )
    if settings.broker_url:
        env["SOHOA_BROKER_URL"] = settings.broker_url
    env.update(extra)
    return env


@dataclass
class WorkerGroup:
    """``sohoa worker`` (the supervisor and its children) as a subprocess in its own process group."""

    process: subprocess.Popen[bytes]
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def children(self) -> list[int]:
        try:
            text = Path(f"/proc/{self.pid}/task/{self.pid}/children").read_text()
        except OSError:
            return []
        return [int(p) for p in text.split()]

    def child_queues(self) -> dict[int, str]:
        found = {}
        for pid in self.children():
            try:
                argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if b"--queues" in argv:
                found[pid] = argv[argv.index(b"--queues") + 1].decode()
        return found

    def kill_all(self) -> None:
        """SIGKILL the supervisor and every worker process at once (a machine crash, as far as they know)."""
        os.killpg(self.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self, timeout: float = 90) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.pid, signal.SIGKILL)
                self.process.wait(timeout=30)
        return int(self.process.returncode)


@contextmanager
def worker_group(settings: Settings, log: Path, *args: str, **env: str) -> Iterator[WorkerGroup]:
    argv = [sys.executable, "-m", "sohoa.cli", "worker", *args]
    with log.open("ab") as out:
        process = subprocess.Popen(
            argv,
            env=settings_env(settings, **env),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    group = WorkerGroup(process, log)
    try:
        yield group
    finally:
        if process.poll() is None:
            group.stop()


def wait_until(condition: Callable[[], bool], timeout: float, what: str, poll: float = 0.5) -> float:
    """Poll ``condition``; returns the seconds it took. A generous bound, not a performance assertion."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(poll)
    return time.monotonic() - started


def states(vault: Vault, ids: list[uuid.UUID]) -> Counter[str]:
    with vault.session() as session:
        rows = session.scalars(select(Document.state).where(Document.id.in_(ids))).all()
    return Counter(state.value for state in rows)


def final_count(vault: Vault, ids: list[uuid.UUID]) -> int:
    counts = states(vault, ids)
    return sum(n for s, n in counts.items() if DocumentState(s).final)


@dataclass(frozen=True)
class OnceReport:
    signed_rows: Counter[uuid.UUID]  # object_versions rows of kind signed.pdf per document
    minio_versions: Counter[uuid.UUID]  # versions of signed.pdf objects in the bucket per document
    signed_audit: Counter[uuid.UUID]  # signed.put audit entries per document


def once_report(vault: Vault, store: ObjectStore, ids: list[uuid.UUID]) -> OnceReport:
    with vault.session() as session:
        rows = Counter(
            {
                doc: int(n)
                for doc, n in session.execute(
                    select(ObjectVersion.document_id, func.count())
                    .where(ObjectVersion.document_id.in_(ids), ObjectVersion.kind == "signed.pdf")
                    .group_by(ObjectVersion.document_id)
                )
            }
        )
        audit = Counter(
            {
                uuid.UUID(doc): int(n)
                for doc, n in session.execute(
                    select(AuditRecord.document_id, func.count())
                    .where(
                        AuditRecord.document_id.in_([str(i) for i in ids]),
                        AuditRecord.action == "signed.put",
                    )
                    .group_by(AuditRecord.document_id)
                )
            }
        )
    wanted = {str(i) for i in ids}
    versions: Counter[uuid.UUID] = Counter()
    for version in store.versions("v1/"):
        parts = version.name.split("/")
        if parts[-1] == "signed.pdf" and parts[-2] in wanted:
            versions[uuid.UUID(parts[-2])] += 1
    return OnceReport(rows, versions, audit)


def throwaway_services(service_config: ServiceConfig, home: Path, **ports: int) -> ServiceConfig:
    """A ServiceConfig for MinIO/Redis/RabbitMQ instances of a test's own (free loopback ports, data under
    ``home``), sharing the development PostgreSQL and MinIO binary. Start only the ones the test needs."""
    return ServiceConfig(
        home=home,
        minio_port=free_port(),
        minio_console_port=free_port(),
        minio_root_user=service_config.minio_root_user,
        minio_root_password=service_config.minio_root_password,
        minio_binary=service_config.minio_binary,
        redis_port=free_port(),
        postgres_port=service_config.postgres_port,
        **ports,  # type: ignore[arg-type]
    )


def assert_stored_once(vault: Vault, settings: Settings, broker: Broker, ids: list[uuid.UUID]) -> None:
    """Every document signed and stored (stored, or needs_review: these tiny scans are of no known type),
    none rejected; one signed object version per document in the index and in the bucket, one
    ``signed.put`` audit entry (an attempt killed mid-write commits none: Vault.deferred_audit); no dead
    letter."""
    from sohoa.app import build_store
    from workers.deadletter import list_dead

    counts = states(vault, ids)
    assert set(counts) <= {"stored", "needs_review"}, counts
    assert sum(counts.values()) == len(ids)
    report = once_report(vault, build_store(settings), ids)
    assert all(report.signed_rows[i] == 1 for i in ids), report.signed_rows
    assert all(report.minio_versions[i] == 1 for i in ids), report.minio_versions
    assert all(report.signed_audit[i] == 1 for i in ids), report.signed_audit
    assert list_dead(broker) == []  # no message gave up or met a bug
