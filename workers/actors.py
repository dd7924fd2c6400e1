"""Dramatiq actors, declared against an explicit broker (never the implicit global one).

Messages carry document ids only. Permanent problems are recorded on the document and never raised;
transient ones (storage or broker down) raise and are retried with exponential backoff.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

import dramatiq

from workers import service
from workers.service import WorkerContext

QUEUE = "documents"


@dataclass(frozen=True)
class Actors:
    process_document: dramatiq.Actor[[str], None]

    def enqueue(self, document_id: uuid.UUID) -> None:
        self.process_document.send(str(document_id))


def register_actors(broker: dramatiq.Broker, context: Callable[[], WorkerContext]) -> Actors:
    """Declare the actors on ``broker``; ``context`` returns the process's WorkerContext (built once)."""

    def process_document(document_id: str) -> None:
        service.process_document(context(), uuid.UUID(document_id))

    actor: dramatiq.Actor[[str], None] = dramatiq.actor(
        broker=broker,
        actor_name="process_document",
        queue_name=QUEUE,
        max_retries=8,
        min_backoff=2_000,
        max_backoff=300_000,
        time_limit=30 * 60 * 1000,
    )(process_document)
    return Actors(process_document=actor)
