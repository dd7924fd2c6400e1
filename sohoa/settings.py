"""Settings of the application shell, read from ``SOHOA_*`` environment variables.

Only the shell reads the environment; it builds the domain objects from these settings and passes them in.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parents[1]


def _default_home() -> Path:
    if (REPO_ROOT / "pyproject.toml").exists():
        return REPO_ROOT / ".local"
    return Path.cwd() / ".local"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SOHOA_", extra="ignore")

    home: Path = Field(default_factory=_default_home, description="data, keys, PKI and local services")
    database_url: str | None = Field(default=None, description="SQLAlchemy URL; SQLite under home when unset")
    redis_url: str = "redis://127.0.0.1:16379/0"
    broker_namespace: str = "sohoa"  # Redis key prefix of the queues (separates installations and test runs)
    s3_endpoint: str = "127.0.0.1:19000"
    s3_access_key: str = "sohoa-dev"
    s3_secret_key: SecretStr = SecretStr("sohoa-dev-secret-change-me")
    s3_secure: bool = False
    s3_bucket: str = "sohoa-vault"
    kek_file: Path | None = None
    pepper_file: Path | None = None
    # Key-encryption keys: "local" (a key file, development) or "pkcs11" (an HSM; SoftHSM2 in development).
    # With pkcs11 the local key file, when present, stays readable so that `sohoa vault rotate-keys` moves
    # every data key onto the HSM.
    key_provider: Literal["local", "pkcs11"] = "local"
    pkcs11_module: str = "/usr/lib/softhsm/libsofthsm2.so"
    pkcs11_token: str = "sohoa"
    pkcs11_pin: SecretStr = SecretStr("sohoa-dev-pin")
    softhsm_dir: Path | None = None  # SoftHSM2 configuration and tokens (development); under home by default
    # Retention (object lock, governance mode) of written objects, in days; 0: none. Needs a bucket created
    # with object lock (new buckets are); the dev bucket of an older checkout has none: use a new bucket name.
    retention_signed_days: int = 0
    retention_original_days: int = 0
    pki_dir: Path | None = None
    # Signing (PAdES). B-T and above need a timestamp authority; B-LT/B-LTA fetch OCSP/CRLs while signing.
    # In development the PKI's own services (`sohoa pki serve`, loopback, pki_port) provide both.
    pades_level: Literal["B-B", "B-T", "B-LT", "B-LTA"] = "B-B"
    pki_port: int = 18089  # development PKI services (CRL, OCSP, TSA), named in the dev certificates
    tsa_url: str | None = None  # default: the development TSA when the level needs one
    signing_trust_roots: list[Path] = Field(default_factory=list)  # JSON list; default: the dev root CA
    check_revocation: bool | None = None  # refuse a revoked signing certificate; default: on above B-B
    signing_key: Literal["pkcs12", "pkcs11"] = "pkcs12"
    signing_pkcs12: Path | None = None  # default: the development seal
    signing_pkcs12_passphrase: SecretStr | None = None
    signing_pkcs11_token: str | None = None  # default: pkcs11_token; the module and PIN are pkcs11_*
    signing_pkcs11_key_label: str = "sohoa-seal"
    signing_pkcs11_cert: Path | None = None  # the certificate, when the token holds the key only
    visible_signature: bool = False
    visible_signature_font: Path = Path("/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf")
    agency_code: str = "000.00.20.H47"
    agency_name: str = "Trung tâm Phục vụ hành chính công tỉnh Quảng Ninh (DEV)"
    clerk: str = "clerk-dev"
    worker_processes: int = 0  # OCR worker processes (one thread each); 0: one per core
    # Workers (issue 8): signing/storage processes and their threads; the broker's dead-worker detection
    # (Redis: heartbeat timeout, maintenance chance per million commands); attempts of a stage that never
    # came back (a worker killed by the document) before it is rejected; graceful stop; the reconciler.
    worker_io_processes: int = 1
    page_workers: int = 1  # pages of one document processed at once in a worker (workers: one per core)
    worker_io_threads: int = 4
    worker_stop_grace_s: float = 100.0  # fits docker-compose stop_grace_period 2m (+10 s supervisor margin)
    # Longest pause of a worker's consumer between two fetches while its prefetch is full or the queue empty
    # (Dramatiq's worker_timeout, default 1000 ms: a worker with a prefetch of one slept up to a second after
    # each message before fetching the next one).
    worker_poll_ms: int = 50
    worker_max_attempts: int = 3
    worker_handover_attempts: int = (
        6  # tries to queue the I/O stage after OCR (about 15 s), then the reconciler
    )
    worker_retry_max_backoff_ms: int = 300_000  # transient retries: 1 s, 2 s, 4 s … up to this
    broker_heartbeat_timeout_ms: int = 15_000
    broker_maintenance_chance: int = 100_000
    reconcile_every_s: float = 60.0  # inside `sohoa worker`; 0: off
    reconcile_older_than_s: float = 600.0  # nothing happened to a non-final document for this long
    reconcile_unqueued_s: float = 10.0  # a document never queued (broker down at intake/hand-over)
    metrics_port: int = 0  # Prometheus /metrics of `sohoa worker` on loopback; 0: off
    broker_url: str | None = None  # redis://… or amqp://… (RabbitMQ); default: redis_url
    rabbitmq_port: int = 17672  # the local development RabbitMQ (AMQP, loopback)
    test_crash_sha256: str | None = None  # fault tests only: a worker process dies on this original
    ocr_timeout_s: float = 180.0
    dpi: int = 300
    postgres_port: int = 15432
    redis_port: int = 16379
    minio_port: int = 19000

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        self.home.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{self.home / 'sohoa.db'}"

    @property
    def resolved_broker_url(self) -> str:
        return self.broker_url or self.redis_url

    @property
    def resolved_kek_file(self) -> Path:
        return self.kek_file or self.home / "keys" / "kek.key"

    @property
    def resolved_pepper_file(self) -> Path:
        return self.pepper_file or self.home / "keys" / "pepper.key"

    @property
    def resolved_softhsm_dir(self) -> Path:
        return self.softhsm_dir or self.home / "softhsm"

    @property
    def resolved_pki_dir(self) -> Path:
        return self.pki_dir or self.home / "pki"

    @property
    def pki_services_url(self) -> str:
        return f"http://127.0.0.1:{self.pki_port}"


def load_settings() -> Settings:
    return Settings()
