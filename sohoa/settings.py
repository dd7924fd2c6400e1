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
    agency_code: str = "000.00.20.H47"
    agency_name: str = "Trung tâm Phục vụ hành chính công tỉnh Quảng Ninh (DEV)"
    clerk: str = "clerk-dev"
    worker_processes: int = 0  # 0: one per core
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


def load_settings() -> Settings:
    return Settings()
