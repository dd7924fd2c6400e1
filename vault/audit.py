"""The append-only, hash-chained audit log of every vault read and write.

Each record's hash is SHA-256 over the previous record's hash and the record's own canonical content
(sequence number included), so editing, deleting or reordering a record breaks the chain at that record.
A one-row chain head (``audit_chain``: last sequence number and hash) is locked by every append, so two
workers appending at once are serialised and the chain never forks; it also makes a deleted tail visible.
On PostgreSQL a trigger refuses UPDATE, DELETE and TRUNCATE on the table (revision 0002); the chain is what
detects an edit by someone who can get past that (the table owner, a restored dump).

Records hold references only: owners by HMAC reference, documents by id, staff by user id.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from vault.index import AuditChain, AuditRecord, utcnow

GENESIS = "0" * 64


@dataclass(frozen=True)
class AuditEntry:
    actor_role: str
    actor_ref: str
    action: str
    outcome: str = "ok"
    owner_ref: str | None = None
    document_id: str | None = None
    detail: dict[str, Any] | None = None


def _at_text(at: datetime) -> str:
    if at.tzinfo is None:  # SQLite hands back naive datetimes; they were written as UTC
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _detail_text(detail: dict[str, Any] | None) -> str | None:
    if not detail:
        return None
    text = json.dumps(detail, sort_keys=True, separators=(",", ":"), ensure_ascii=True, default=str)
    if len(text) > 400:
        raise ValueError("audit detail too long")
    return text


def canonical(seq: int, record: AuditRecord) -> bytes:
    """The content a record's hash covers, in a fixed, unambiguous form."""
    content = {
        "seq": seq,
        "at": _at_text(record.at),
        "actor_role": record.actor_role,
        "actor_ref": record.actor_ref,
        "action": record.action,
        "outcome": record.outcome,
        "owner_ref": record.owner_ref,
        "document_id": record.document_id,
        "detail": record.detail,
    }
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def chain_hash(prev_hash: str, seq: int, record: AuditRecord) -> str:
    return hashlib.sha256(prev_hash.encode() + b"\n" + canonical(seq, record)).hexdigest()


@dataclass(frozen=True)
class Problem:
    seq: int
    kind: str  # edited | moved | deleted | broken_link | truncated
    message: str


@dataclass(frozen=True)
class Verification:
    records: int
    head_seq: int
    head_hash: str
    problem: Problem | None

    @property
    def ok(self) -> bool:
        return self.problem is None


class AuditLog:
    """Appends to and verifies the chain. On PostgreSQL every append is its own short transaction (the
    record stays even if the caller's work rolls back: an attempted access is recorded); on SQLite, which
    has one writer at a time, it joins the caller's session when one is given."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def _own_transaction(self, session: Session | None) -> bool:
        if session is None:
            return True
        bind = session.get_bind()
        return bind.dialect.name != "sqlite"

    @contextmanager
    def _session(self, session: Session | None, in_caller_transaction: bool = False) -> Iterator[Session]:
        if self._own_transaction(session) and not in_caller_transaction:
            with self.sessions() as own, own.begin():
                yield own
        else:
            assert session is not None
            with session.begin_nested():
                yield session

    def append(
        self, entry: AuditEntry, session: Session | None = None, *, in_caller_transaction: bool = False
    ) -> int:
        """Append one record; returns its sequence number. By default the record is committed at once, in
        a transaction of its own (on PostgreSQL), whatever becomes of the caller's;
        ``in_caller_transaction``: it is part of ``session``'s transaction (committed or rolled back
        with it), and the chain's head stays locked until then."""
        detail = _detail_text(entry.detail)
        with self._session(session, in_caller_transaction and session is not None) as s:
            # The UPDATE takes the head's row lock (PostgreSQL) or the write lock (SQLite) before the head is
            # read, so concurrent appends queue here instead of both extending the same head.
            s.execute(update(AuditChain).where(AuditChain.id == 1).values(seq=AuditChain.seq + 1))
            head = s.execute(select(AuditChain.seq, AuditChain.hash).where(AuditChain.id == 1)).one()
            seq, prev_hash = int(head.seq), str(head.hash)
            record = AuditRecord(
                seq=seq,
                at=utcnow(),
                actor_role=entry.actor_role,
                actor_ref=entry.actor_ref,
                action=entry.action,
                outcome=entry.outcome,
                owner_ref=entry.owner_ref,
                document_id=entry.document_id,
                detail=detail,
                prev_hash=prev_hash,
            )
            record.hash = chain_hash(prev_hash, seq, record)
            s.add(record)
            s.flush()
            s.execute(update(AuditChain).where(AuditChain.id == 1).values(hash=record.hash))
        return seq

    def head(self) -> tuple[int, str]:
        with self.sessions() as s:
            row = s.execute(select(AuditChain.seq, AuditChain.hash).where(AuditChain.id == 1)).one()
            return int(row.seq), str(row.hash)

    def for_owner(self, session: Session, owner_ref: str, limit: int = 1000) -> list[AuditRecord]:
        query = (
            select(AuditRecord)
            .where(AuditRecord.owner_ref == owner_ref)
            .order_by(AuditRecord.seq.desc())
            .limit(limit)
        )
        return list(session.scalars(query))

    def verify(self, expected_head: str | None = None) -> Verification:
        """Walk the chain in sequence order; the first problem names the record where it shows."""
        head_seq, head_hash = self.head()
        expected_seq = 1
        prev_hash = GENESIS
        count = 0
        with self.sessions() as s:
            rows = s.execute(select(AuditRecord).order_by(AuditRecord.seq).execution_options(yield_per=2000))
            for record in rows.scalars():
                count += 1
                seq = record.seq
                if seq != expected_seq:
                    return self._result(
                        count,
                        head_seq,
                        head_hash,
                        Problem(
                            expected_seq,
                            "deleted",
                            f"record {expected_seq} is missing (deleted); the next record is {seq}",
                        ),
                    )
                if chain_hash(record.prev_hash, seq, record) != record.hash:
                    moved_from = _written_as(record, seq)
                    if moved_from is not None:
                        problem = Problem(
                            seq,
                            "moved",
                            f"record {seq} was written as record {moved_from}: records were reordered",
                        )
                    else:
                        problem = Problem(
                            seq, "edited", f"record {seq} was edited: its content no longer matches its hash"
                        )
                    return self._result(count, head_seq, head_hash, problem)
                if record.prev_hash != prev_hash:
                    return self._result(
                        count,
                        head_seq,
                        head_hash,
                        Problem(
                            seq,
                            "broken_link",
                            f"record {seq} does not follow record {seq - 1}: record {seq - 1} was rewritten "
                            "(hash recomputed), or records were removed or reordered",
                        ),
                    )
                prev_hash = record.hash
                expected_seq += 1
                s.expunge(record)
        last_seq = expected_seq - 1
        if last_seq != head_seq or prev_hash != head_hash:
            if last_seq < head_seq:
                problem = Problem(
                    last_seq + 1,
                    "truncated",
                    f"records {last_seq + 1}..{head_seq} are missing (deleted from the end of the log)",
                )
            else:
                problem = Problem(
                    last_seq,
                    "edited",
                    f"record {last_seq} does not match the chain head: the tail was rewritten",
                )
            return self._result(count, head_seq, head_hash, problem)
        if expected_head is not None and expected_head != head_hash:
            return self._result(
                count,
                head_seq,
                head_hash,
                Problem(head_seq, "edited", "the chain head differs from the anchored head hash"),
            )
        return self._result(count, head_seq, head_hash, None)

    @staticmethod
    def _result(count: int, head_seq: int, head_hash: str, problem: Problem | None) -> Verification:
        return Verification(count, head_seq, head_hash, problem)


def _written_as(record: AuditRecord, seq: int, reach: int = 8) -> int | None:
    """If the record's content is intact but it sits at another sequence number, where it was written."""
    for other in range(max(1, seq - reach), seq + reach + 1):
        if other != seq and chain_hash(record.prev_hash, other, record) == record.hash:
            return other
    return None
