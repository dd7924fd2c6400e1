"""The S3-compatible object store (MinIO): only ciphertext ever reaches it."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import BinaryIO, cast

import urllib3
from minio import Minio
from minio.commonconfig import ENABLED
from minio.error import S3Error
from minio.versioningconfig import VersioningConfig


class StorageUnavailable(Exception):
    """The object store did not answer: transient, retry with backoff."""


class ObjectMissing(Exception):
    """The object does not exist (never written, or deleted by erasure)."""


@dataclass(frozen=True)
class StoreOptions:
    endpoint: str
    access_key: str
    secret_key: str
    bucket: str
    secure: bool = False
    region: str = "us-east-1"
    part_size: int = 16 * 1024 * 1024
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
        """Create the vault bucket with versioning on (idempotent)."""
        try:
            if not self.client.bucket_exists(self.bucket):
                self.client.make_bucket(self.bucket)
            config = self.client.get_bucket_versioning(self.bucket)
            if config.status != ENABLED:
                self.client.set_bucket_versioning(self.bucket, VersioningConfig(ENABLED))
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise StorageUnavailable("object store unreachable") from exc

    def put(self, name: str, data: BinaryIO, length: int) -> str | None:
        """Upload ``length`` bytes read from ``data``; returns the version id."""
        try:
            result = self.client.put_object(
                self.bucket,
                name,
                data,
                length,
                content_type="application/octet-stream",
                part_size=self.options.part_size,
            )
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise StorageUnavailable("object store unreachable") from exc
        return result.version_id

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

    def get_bytes(self, name: str) -> bytes:
        with self.stream(name) as body:
            return body.read()

    def delete_all_versions(self, prefix: str) -> int:
        """Delete every version of every object under ``prefix`` (used by erasure)."""
        count = 0
        for item in self.client.list_objects(
            self.bucket, prefix=prefix, recursive=True, include_version=True
        ):
            self.client.remove_object(self.bucket, item.object_name, version_id=item.version_id)
            count += 1
        return count

    def list_names(self, prefix: str) -> list[str]:
        return [o.object_name for o in self.client.list_objects(self.bucket, prefix=prefix, recursive=True)]


class _ResponseStream(io.RawIOBase):
    def __init__(self, response: urllib3.BaseHTTPResponse) -> None:
        self._response = response

    def readable(self) -> bool:
        return True

    def readinto(self, target: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self._response.read(len(target))
        target[: len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._response.close()
            self._response.release_conn()
        super().close()
