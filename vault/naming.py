"""Object names that carry no personal data: ``v1/<shard>/<owner ref>/<document uuid>/<kind>``.

The owner reference is HMAC-SHA256(pepper, owner id): a plain hash of a 12-digit ID is brute-forceable
in seconds, a keyed one is not without the pepper.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
import uuid

OBJECT_KINDS = ("original", "signed.pdf")
_OWNER_ID = re.compile(r"^[0-9A-Z\-]{6,20}$")


class InvalidOwnerId(ValueError):
    """The owner identifier is not a personal ID number or an enterprise code."""


def normalise_owner_id(owner_id: str) -> str:
    value = unicodedata.normalize("NFKC", owner_id).strip().upper()
    if not _OWNER_ID.match(value):
        raise InvalidOwnerId("owner id must be a personal ID number or an enterprise code")
    return value


def owner_ref(pepper: bytes, owner_id: str) -> str:
    return hmac.new(pepper, normalise_owner_id(owner_id).encode(), hashlib.sha256).hexdigest()


def object_name(owner_reference: str, document_id: uuid.UUID | str, kind: str) -> str:
    if kind not in OBJECT_KINDS:
        raise ValueError(f"unknown object kind {kind!r}")
    return f"v1/{owner_reference[:2]}/{owner_reference}/{uuid.UUID(str(document_id))}/{kind}"


def owner_prefix(owner_reference: str) -> str:
    """The prefix under which all of an owner's objects live (erasure deletes everything below it)."""
    return f"v1/{owner_reference[:2]}/{owner_reference}/"
