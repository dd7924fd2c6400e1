"""The S3-compatible object store (MinIO): only ciphertext ever reaches it."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO, cast

import urllib3
from minio import Minio
from minio.commonconfig import ENABLED, GOVERNANCE
from minio.deleteobjects import DeleteObject
from minio.error import S3Error
from minio.retention import Retention
from minio.versioningconfig import VersioningConfig


class StorageUnavailable(Exception):
    """The object store did not answer: transient, retry with backoff."""


class ObjectMissing(Exception):
    """The object does not exist (never written, or deleted by erasure)."""


class RetentionUnavailable(Exception):
    """Retention was asked for, but the bucket was created without object lock (it cannot be added later)."""


@dataclass(frozen=True)
class StoredVersion:
    name: str
    version_id: str | None
    size: int
    last_modified: datetime | None
    is_latest: bool
    is_delete_marker: bool


@dataclass(frozen=True)
class StoreOptions:
    endpoint: str
    access_key: str
    secret_key: str
    bucket: str
    secure: bool = False
    region: str = "us-east-1"
    part_size: int = 8 * 1024 * 1024  # multipart: memory is about (parallel + 1) parts
    parallel_uploads: int = 2
    timeout_s: float = 30.0


class ObjectStore:
    def __init__(self, options: StoreOptions) -> None:
        self.options = options
        http = urllib3.PoolManager(
            timeout=urllib3.Timeout(connect=5.0, read=options.timeout_s),
            retries=urllib3.Retry(total=3, backoff_factor=0.2, status_forcelist=(500, 502, 503, 504)),
            maxsize=8,
        )
        self.client = Minio(
            options.endpoint,
            access_key=options.access_key,
            secret_key=options.secret_key,
            secure=options.secure,
            region=options.region,
            http_client=http,
        )
        self.bucket = options.bucket

    def ensure_bucket(self) -> None:
        """Create the vault bucket with object lock (so retention can be used) and versioning on; for an
        existing bucket, turn versioning on (idempotent). Object lock cannot be added to an existing bucket:
        :meth:`object_lock_enabled` tells whether retention is available."""
        try:
            if not self.client.bucket_exists(self.bucket):
                try:
                    self.client.make_bucket(self.bucket, object_lock=True)
                except S3Error as exc:
                    if exc.code not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                        raise
            config = self.client.get_bucket_versioning(self.bucket)
            if config.status != ENABLED:
                self.client.set_bucket_versioning(self.bucket, VersioningConfig(ENABLED))
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise StorageUnavailable("object store unreachable") from exc

    def object_lock_enabled(self) -> bool:
        try:
            config = self.client.get_object_lock_config(self.bucket)
        except S3Error as exc:
            if exc.code in ("ObjectLockConfigurationNotFoundError", "InvalidRequest"):
                return False
            raise
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise StorageUnavailable("object store unreachable") from exc
        return config is not None

    def put(
        self, name: str, data: BinaryIO, length: int, *, retain_until: datetime | None = None
    ) -> str | None:
        """Upload ``length`` bytes read from ``data``; returns the version id. With ``retain_until`` the
        version is locked in governance mode until then (deletable only with the bypass permission)."""
        retention = Retention(GOVERNANCE, retain_until) if retain_until is not None else None
        try:
            result = self.client.put_object(
                self.bucket,
                name,
                data,
                length,
                content_type="application/octet-stream",
                part_size=self.options.part_size,
                num_parallel_uploads=self.options.parallel_uploads,
                retention=retention,
            )
        except S3Error as exc:
            if retention is not None and exc.code == "InvalidRequest":
                raise RetentionUnavailable("the bucket was created without object lock") from exc
            raise
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise StorageUnavailable("object store unreachable") from exc
        return result.version_id

    def retention(self, name: str, version_id: str | None) -> Retention | None:
        return self.client.get_object_retention(self.bucket, name, version_id=version_id)

    def put_bytes(self, name: str, blob: bytes) -> str | None:
        return self.put(name, io.BytesIO(blob), len(blob))

    def stream(self, name: str, version_id: str | None = None) -> BinaryIO:
        """A readable stream of the object; the caller closes it."""
        try:
            response = self.client.get_object(self.bucket, name, version_id=version_id)
        except S3Error as exc:
            if exc.code in ("NoSuchKey", "NoSuchVersion"):
                raise ObjectMissing("object not found") from exc
            raise
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise StorageUnavailable("object store unreachable") from exc
        return cast(BinaryIO, _ResponseStream(response))

    def get_bytes(self, name: str, version_id: str | None = None) -> bytes:
        with self.stream(name, version_id) as body:
            return body.read()

    def versions(self, prefix: str) -> Iterator[StoredVersion]:
        """Every version (and delete marker) of every object under ``prefix``."""
        for item in self.client.list_objects(
            self.bucket, prefix=prefix, recursive=True, include_version=True
        ):
            yield StoredVersion(
                name=str(item.object_name),
                version_id=item.version_id,
                size=int(item.size or 0),
                last_modified=item.last_modified,
                is_latest=str(item.is_latest).lower() == "true",
                is_delete_marker=bool(item.is_delete_marker),
            )

    def delete_all_versions(self, prefix: str, *, bypass_governance: bool = False) -> int:
        """Delete every version and delete marker under ``prefix`` (used by erasure); returns how many.
        Versions under governance retention need ``bypass_governance``."""
        targets = [DeleteObject(v.name, v.version_id) for v in self.versions(prefix)]
        for start in range(0, len(targets), 1000):
            errors = list(
                self.client.remove_objects(
                    self.bucket, iter(targets[start : start + 1000]), bypass_governance_mode=bypass_governance
                )
            )
            if errors:
                raise StorageUnavailable(
                    f"{len(errors)} object version(s) could not be deleted ({errors[0].code})"
                )
        return len(targets)

    def list_names(self, prefix: str) -> list[str]:
        return [o.object_name for o in self.client.list_objects(self.bucket, prefix=prefix, recursive=True)]


class _ResponseStream(io.RawIOBase):
    def __init__(self, response: urllib3.BaseHTTPResponse) -> None:
        self._response = response
        length = response.headers.get("Content-Length")
        self.length = int(length) if length and length.isdigit() else None

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        """Straight from the response (no intermediate buffer): ``size`` bytes, fewer only at the end."""
        if size is None or size < 0:
            return bytes(self._response.read())
        return bytes(self._response.read(size))

    def readinto(self, target: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self._response.read(len(target))
        target[: len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._response.close()
            self._response.release_conn()
        super().close()
