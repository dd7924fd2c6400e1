"""Which failures a worker retries (with backoff) and which end a document.

Transient: a service the worker needs is briefly unavailable (object store, database, broker, the
signing services). Everything else that escapes the pipeline is a bug or a poison input: it is counted
on the document and ends it *rejected* after a few attempts, never retried forever.
"""

from __future__ import annotations

import urllib3.exceptions
from dramatiq.errors import BrokerConnectionError
from minio.error import S3Error, ServerError
from redis import exceptions as redis_errors
from sqlalchemy import exc as sa_errors

from vault.store import StorageUnavailable

# S3 error codes that say "try again", not "your request is wrong".
_S3_TRANSIENT = {
    "InternalError",
    "ServiceUnavailable",
    "SlowDown",
    "RequestTimeout",
    "XMinioServerNotInitialized",
    "XMinioStorageFull",
    "XMinioBackendDown",
    "XMinioReadQuorum",
    "XMinioWriteQuorum",
}


class StageRetry(Exception):
    """Raised by a stage for Dramatiq to retry the message later (with exponential backoff).

    The only exception a stage lets escape on purpose; ``why`` is a short technical word (never personal
    data), e.g. ``storage``, ``database``, ``broker``, ``bug``.
    """

    def __init__(self, why: str) -> None:
        self.why = why
        super().__init__(f"retry later: {why}")


def transient_kind(exc: BaseException) -> str | None:
    """``storage`` / ``database`` / ``broker`` / ``service`` when ``exc`` (or its cause) is transient."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        kind = _kind(current)
        if kind is not None:
            return kind
        current = current.__cause__ or current.__context__
    return None


def _kind(exc: BaseException) -> str | None:
    if isinstance(exc, StageRetry):
        return exc.why
    if isinstance(exc, StorageUnavailable | ServerError):
        return "storage"
    if isinstance(exc, S3Error):
        return "storage" if exc.code in _S3_TRANSIENT else None
    if isinstance(exc, urllib3.exceptions.HTTPError):  # MaxRetryError, NewConnectionError, ProtocolError…
        return "storage"
    if isinstance(exc, sa_errors.OperationalError | sa_errors.InterfaceError):
        return "database"
    if isinstance(exc, sa_errors.DBAPIError) and exc.connection_invalidated:
        return "database"
    if isinstance(
        exc, redis_errors.ConnectionError | redis_errors.TimeoutError | redis_errors.BusyLoadingError
    ):
        return "broker"
    if getattr(exc, "permanent", None) is False:  # TransientPipelineError, SigningServiceError
        return "service"
    if isinstance(exc, BrokerConnectionError):
        return "broker"
    if isinstance(exc, ConnectionError | TimeoutError):
        return "service"
    return None
