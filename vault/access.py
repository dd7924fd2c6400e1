"""Who may do what in the vault. Enforced by :class:`vault.vault.Vault` itself, whatever the user interface.

* an **owner** (citizen or organisation) reads their own documents (contents, metadata, versions) and who
  accessed them; nothing of anyone else's;
* a **clerk** writes documents, and reads the documents of the dossiers they handle (the dossier's clerk, or
  the clerk who received the batch); revokes or supersedes those;
* an **auditor** reads metadata and signature information (level, validity, signer, hashes, versions) of any
  document and the audit log, never contents or extracted fields;
* the **system** (pipeline workers) reads originals and writes signed copies and sealed fields;
* an **admin** (operator) rotates keys and erases an owner's vault; never reads contents.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass


class Role(enum.StrEnum):
    OWNER = "owner"
    CLERK = "clerk"
    AUDITOR = "auditor"
    SYSTEM = "system"
    ADMIN = "admin"


class Operation(enum.StrEnum):
    READ_CONTENT = "read_content"  # decrypted objects and sealed fields
    READ_METADATA = "read_metadata"  # index row, signature information, versions
    WRITE = "write"  # originals, signed copies, sealed fields
    MANAGE = "manage"  # revoke, supersede
    ERASE = "erase"
    ROTATE_KEYS = "rotate_keys"
    READ_ACCESSES = "read_accesses"  # who accessed an owner's documents


class AccessDenied(Exception):
    """The actor may not do this with this document or owner. The message names no personal data."""


_STAFF_ID = re.compile(r"^[A-Za-z0-9._@\-]{1,64}$")


@dataclass(frozen=True)
class Actor:
    """Who performs a vault operation. For an owner, ``id`` is their ID number (never stored or logged:
    the vault records the owner's HMAC reference); for staff it is their user id."""

    role: Role
    id: str

    def __post_init__(self) -> None:
        if self.role is not Role.OWNER and not _STAFF_ID.match(self.id):
            raise ValueError("a staff user id is 1-64 characters of A-Z a-z 0-9 . _ @ -")

    @classmethod
    def owner(cls, owner_id: str) -> Actor:
        return cls(Role.OWNER, owner_id)

    @classmethod
    def clerk(cls, user_id: str) -> Actor:
        return cls(Role.CLERK, user_id)

    @classmethod
    def auditor(cls, user_id: str) -> Actor:
        return cls(Role.AUDITOR, user_id)

    @classmethod
    def system(cls, name: str = "worker") -> Actor:
        return cls(Role.SYSTEM, name)

    @classmethod
    def admin(cls, user_id: str) -> Actor:
        return cls(Role.ADMIN, user_id)

    def __repr__(self) -> str:  # an owner's id is personal data: keep it out of reprs and logs
        return f"Actor({self.role.value}, {'<owner>' if self.role is Role.OWNER else self.id})"

    __str__ = __repr__


# What each role may do at all; document-level conditions (own document, handled dossier) come on top.
_ALLOWED: dict[Role, frozenset[Operation]] = {
    Role.OWNER: frozenset({Operation.READ_CONTENT, Operation.READ_METADATA, Operation.READ_ACCESSES}),
    Role.CLERK: frozenset(
        {Operation.READ_CONTENT, Operation.READ_METADATA, Operation.WRITE, Operation.MANAGE}
    ),
    Role.AUDITOR: frozenset({Operation.READ_METADATA, Operation.READ_ACCESSES}),
    Role.SYSTEM: frozenset({Operation.READ_CONTENT, Operation.READ_METADATA, Operation.WRITE}),
    Role.ADMIN: frozenset(
        {Operation.READ_METADATA, Operation.ERASE, Operation.ROTATE_KEYS, Operation.READ_ACCESSES}
    ),
}


def role_may(role: Role, operation: Operation) -> bool:
    return operation in _ALLOWED[role]
