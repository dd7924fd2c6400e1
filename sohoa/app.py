"""Builds the domain objects from settings. The only place where settings meet the domain packages."""

from __future__ import annotations

import logging
import os
import secrets
import sys
import threading
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import dramatiq

from pipeline.intake import IntakeLimits
from pipeline.process import PipelineOptions
from schemas.procedures import load_catalogue
from signing.pki import DevPki, ensure_dev_pki
from signing.signer import DocumentSigner, Pkcs11Key, SigningOptions, VisibleSignature
from sohoa.services import MINIO_VERSION, ServiceConfig, minio_binary_path
from sohoa.settings import Settings
from vault.crypto import KeyProvider, KeyRing, LocalKeyFileProvider
from vault.index import make_engine, make_sessionmaker, migrate
from vault.store import ObjectStore, RetentionUnavailable, StoreOptions
from vault.vault import RetentionPolicy, Vault, VaultOptions
from workers.actors import QUEUE_IO, QUEUE_OCR, Actors, register_actors
from workers.broker import make_broker
from workers.service import Agency, WorkerContext
from workers.supervisor import ChildSpec, Periodic, Supervisor


def read_or_create_secret(path: Path, size: int = 32) -> bytes:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(secrets.token_bytes(size))
    return path.read_bytes()


def build_store(settings: Settings) -> ObjectStore:
    return ObjectStore(
        StoreOptions(
            endpoint=settings.s3_endpoint,
            access_key=settings.s3_access_key,
            secret_key=settings.s3_secret_key.get_secret_value(),
            bucket=settings.s3_bucket,
            secure=settings.s3_secure,
        )
    )


def build_keys(settings: Settings) -> KeyProvider:
    """The key provider the settings name. With PKCS#11, the local key file (if any) stays readable."""
    if settings.key_provider == "local":
        return LocalKeyFileProvider(settings.resolved_kek_file)
    from vault.pkcs11_keys import Pkcs11KeyProvider

    if "softhsm" in Path(settings.pkcs11_module).name:
        from sohoa.hsm import ensure_softhsm_token

        ensure_softhsm_token(
            settings.resolved_softhsm_dir, settings.pkcs11_token, settings.pkcs11_pin.get_secret_value()
        )
    hsm = Pkcs11KeyProvider(
        settings.pkcs11_module, settings.pkcs11_token, settings.pkcs11_pin.get_secret_value()
    )
    if settings.resolved_kek_file.exists():
        return KeyRing(hsm, LocalKeyFileProvider(settings.resolved_kek_file))
    return hsm


def retention_policy(settings: Settings) -> RetentionPolicy:
    return RetentionPolicy(
        signed_days=settings.retention_signed_days, original_days=settings.retention_original_days
    )


def build_vault(settings: Settings) -> Vault:
    engine = make_engine(settings.resolved_database_url)
    return Vault(
        store=build_store(settings),
        keys=build_keys(settings),
        sessions=make_sessionmaker(engine),
        options=VaultOptions(
            pepper=read_or_create_secret(settings.resolved_pepper_file), retention=retention_policy(settings)
        ),
    )


def initialise(settings: Settings) -> DevPki:
    """Idempotent first-run work: schema migrations, the vault bucket (object lock, versioning), keys and
    the development PKI."""
    migrate(settings.resolved_database_url)
    store = build_store(settings)
    store.ensure_bucket()
    if retention_policy(settings).enabled and not store.object_lock_enabled():
        raise RetentionUnavailable(
            f"retention is configured but bucket {settings.s3_bucket!r} was created without object lock "
            "(it cannot be added to an existing bucket): set SOHOA_S3_BUCKET to a new bucket name (created "
            "with object lock) and copy the objects over, or set the retention days to 0"
        )
    read_or_create_secret(settings.resolved_pepper_file)
    build_keys(settings)
    return dev_pki(settings)


def dev_pki(settings: Settings) -> DevPki:
    return ensure_dev_pki(
        settings.resolved_pki_dir, settings.agency_name, services_url=settings.pki_services_url
    )


def trust_roots(settings: Settings) -> tuple[Path, ...]:
    """The configured trust anchors (production: e.g. the national root CA), else the development root."""
    if settings.signing_trust_roots:
        return tuple(settings.signing_trust_roots)
    return dev_pki(settings).trust_roots


def signing_options(settings: Settings) -> SigningOptions:
    level = settings.pades_level
    pki = dev_pki(settings) if settings.signing_key == "pkcs12" and settings.signing_pkcs12 is None else None
    tsa_url = settings.tsa_url
    if tsa_url is None and level != "B-B":
        tsa_url = dev_pki(settings).tsa_url
    check = settings.check_revocation if settings.check_revocation is not None else level != "B-B"
    common = {
        "level": level,
        "reason": "Chứng thực bản số hóa từ bản giấy",
        "location": settings.agency_name,
        "tsa_url": tsa_url,
        "trust_roots": trust_roots(settings),
        "check_revocation": check,
        "visible": VisibleSignature(font_path=settings.visible_signature_font)
        if settings.visible_signature
        else None,
    }
    if settings.signing_key == "pkcs11":
        from sohoa.hsm import ensure_softhsm_token

        if "softhsm" in Path(settings.pkcs11_module).name:
            ensure_softhsm_token(
                settings.resolved_softhsm_dir,
                settings.signing_pkcs11_token or settings.pkcs11_token,
                settings.pkcs11_pin.get_secret_value(),
            )
        key = Pkcs11Key(
            module=Path(settings.pkcs11_module),
            token_label=settings.signing_pkcs11_token or settings.pkcs11_token,
            pin=settings.pkcs11_pin.get_secret_value(),
            key_label=settings.signing_pkcs11_key_label,
            cert_label=settings.signing_pkcs11_key_label,
            cert_path=settings.signing_pkcs11_cert,
        )
        return SigningOptions(pkcs11=key, **common)  # type: ignore[arg-type]
    if pki is not None:
        return SigningOptions(pkcs12_path=pki.signer_pkcs12_path, passphrase=pki.passphrase(), **common)  # type: ignore[arg-type]
    passphrase = settings.signing_pkcs12_passphrase
    return SigningOptions(
        pkcs12_path=settings.signing_pkcs12,
        passphrase=None if passphrase is None else passphrase.get_secret_value().encode(),
        **common,  # type: ignore[arg-type]
    )


def build_context(settings: Settings) -> WorkerContext:
    return WorkerContext(
        vault=build_vault(settings),
        agency=Agency(code=settings.agency_code, name=settings.agency_name, officer=settings.clerk),
        catalogue=load_catalogue(),
        # One OCR worker process per core already uses every core: its pages go one at a time.
        pipeline=PipelineOptions(
            dpi=settings.dpi, ocr_timeout_s=settings.ocr_timeout_s, page_workers=settings.page_workers
        ),
        intake_limits=IntakeLimits(),
        signer_factory=lambda: DocumentSigner(signing_options(settings)),
        trust_roots=trust_roots(settings),
        max_attempts=settings.worker_max_attempts,
        handover_attempts=settings.worker_handover_attempts,
    )


def build_broker(settings: Settings) -> dramatiq.Broker:
    return make_broker(
        settings.resolved_broker_url,
        namespace=settings.broker_namespace,
        heartbeat_timeout_ms=settings.broker_heartbeat_timeout_ms,
        maintenance_chance=settings.broker_maintenance_chance,
    )


class Runtime:
    """Broker, actors and a lazily built context for one process (built once, also with many threads)."""

    def __init__(self, settings: Settings, *, metrics: bool = False) -> None:
        self.settings = settings
        self.broker = build_broker(settings)
        self.actors: Actors = register_actors(
            self.broker, self.context, max_backoff_ms=settings.worker_retry_max_backoff_ms
        )
        self.metrics = metrics
        self.crash_hook: Callable[[str], None] | None = None
        self._context: WorkerContext | None = None
        self._lock = threading.Lock()

    def context(self) -> WorkerContext:
        with self._lock:
            if self._context is None:
                self._context = self._build_context()
            return self._context

    def _build_context(self) -> WorkerContext:
        ctx = build_context(self.settings)
        ctx.enqueue = self.actors.enqueue
        ctx.enqueue_io = self.actors.enqueue_io
        ctx.crash_hook = self.crash_hook
        if self.metrics and os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            from workers.metrics import PrometheusStageMetrics

            ctx.metrics = PrometheusStageMetrics()
        return ctx


def service_config(settings: Settings) -> ServiceConfig:
    """The local development services (MinIO, Redis, PostgreSQL on loopback) as the settings name them."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "sohoa"
    return ServiceConfig(
        home=settings.home,
        minio_port=settings.minio_port,
        minio_root_user=settings.s3_access_key,
        minio_root_password=settings.s3_secret_key.get_secret_value(),
        minio_binary=minio_binary_path(MINIO_VERSION, cache),
        redis_port=settings.redis_port,
        postgres_port=settings.postgres_port,
    )


def worker_command(processes: int) -> list[str]:
    """``sohoa worker``: the supervisor of the OCR and signing/storage worker processes."""
    return [sys.executable, "-m", "sohoa.cli", "worker", "--processes", str(processes)]


def worker_environment() -> dict[str, str]:
    env = dict(os.environ)
    env["OMP_THREAD_LIMIT"] = "1"
    return env


def worker_specs(
    settings: Settings, ocr_processes: int, io_processes: int, io_threads: int
) -> list[ChildSpec]:
    """The worker processes: OCR (CPU) one thread and a prefetch of one each, OMP_THREAD_LIMIT=1 so that
    tesseract uses one core; signing/storage (I/O) with a few threads."""
    grace = str(settings.worker_stop_grace_s)
    base = [sys.executable, "-m", "sohoa.worker_main", "--grace", grace]
    env = {"OMP_THREAD_LIMIT": "1"}
    specs = [
        ChildSpec(f"ocr-{i}", (*base, "--queues", QUEUE_OCR, "--threads", "1", "--prefetch", "1"), env)
        for i in range(1, ocr_processes + 1)
    ]
    specs += [
        ChildSpec(
            f"io-{i}",
            (*base, "--queues", QUEUE_IO, "--threads", str(io_threads), "--prefetch", str(io_threads)),
            env,
        )
        for i in range(1, io_processes + 1)
    ]
    return specs


def build_supervisor(
    settings: Settings,
    *,
    ocr_processes: int,
    io_processes: int,
    io_threads: int,
    reconcile_every_s: float,
    metrics_port: int,
) -> Supervisor:
    """``sohoa worker``: children, the reconciler every ``reconcile_every_s`` s, metrics on a port."""
    periodic: list[Periodic] = []
    runtime: Runtime | None = None
    if reconcile_every_s > 0 or metrics_port:
        runtime = Runtime(settings)
    if reconcile_every_s > 0 and runtime is not None:
        from workers.service import reconcile

        rt = runtime

        def run_reconcile() -> None:
            count = reconcile(
                rt.context(),
                timedelta(seconds=settings.reconcile_older_than_s),
                timedelta(seconds=settings.reconcile_unqueued_s),
            )
            if count:
                logging.getLogger("sohoa.supervisor").info("reconciler queued %d document(s) again", count)

        periodic.append(Periodic(reconcile_every_s, run_reconcile, "reconcile"))
    if metrics_port and runtime is not None:
        import tempfile

        from workers.deadletter import queue_depths
        from workers.metrics import serve_metrics
        from workers.service import documents_by_state

        multiproc = Path(tempfile.mkdtemp(prefix="sohoa-metrics-"))
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(multiproc)  # inherited by the children
        rt2 = runtime
        serve_metrics(
            metrics_port,
            multiproc,
            queue_depth=lambda: queue_depths(rt2.broker),
            documents_by_state=lambda: documents_by_state(rt2.context().vault),
        )
    specs = worker_specs(settings, ocr_processes, io_processes, io_threads)
    return Supervisor(specs, periodic=periodic, stop_grace_s=settings.worker_stop_grace_s)
