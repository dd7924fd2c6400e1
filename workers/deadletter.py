"""The dead-letter queue: list and requeue (Dramatiq has no API for either), and queue depths.

A message is dead-lettered when its retries are exhausted (a transient problem that lasted hours) or when
a stage raised something it should not have (a bug). Dramatiq keeps dead letters 7 days and then drops them
silently; the documents are not lost for that (the database is the truth, the reconciler queues them
again), but an operator can see and requeue them here. Listings show ids and counts, never content.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import dramatiq
from dramatiq.brokers.redis import RedisBroker
from dramatiq.common import dq_name, xq_name
from dramatiq.message import Message

from workers.actors import QUEUES


@dataclass(frozen=True)
class DeadLetter:
    queue: str
    message_id: str
    actor: str
    document_id: str | None
    retries: int
    dead_at: datetime | None


def queue_depths(broker: dramatiq.Broker, queues: tuple[str, ...] = QUEUES) -> dict[str, int]:
    """Messages waiting per queue (ready + delayed for a retry); dead letters as ``<queue>.XQ``."""
    depths: dict[str, int] = {}
    if isinstance(broker, RedisBroker):
        client, ns = broker.client, broker.namespace
        for queue in queues:
            depths[queue] = int(client.llen(f"{ns}:{queue}")) + int(
                client.hlen(f"{ns}:{dq_name(queue)}.msgs")
            )
            depths[xq_name(queue)] = int(client.zcard(f"{ns}:{xq_name(queue)}"))
        return depths
    counts = broker.get_queue_message_counts  # type: ignore[attr-defined]
    for queue in queues:
        ready, delayed, dead = counts(queue)
        depths[queue] = int(ready) + int(delayed)
        depths[xq_name(queue)] = int(dead)
    return depths


def _entry(queue: str, message: Message, dead_at: datetime | None) -> DeadLetter:
    document_id = str(message.args[0]) if message.args else None
    return DeadLetter(
        queue=queue,
        message_id=message.message_id,
        actor=message.actor_name,
        document_id=document_id,
        retries=int(message.options.get("retries", 0)),
        dead_at=dead_at,
    )


def list_dead(broker: dramatiq.Broker, queues: tuple[str, ...] = QUEUES) -> list[DeadLetter]:
    if isinstance(broker, RedisBroker):
        client, ns = broker.client, broker.namespace
        found: list[DeadLetter] = []
        for queue in queues:
            key = f"{ns}:{xq_name(queue)}"
            for raw_id, score in client.zrange(key, 0, -1, withscores=True):
                data = client.hget(f"{key}.msgs", raw_id)
                if data is None:
                    continue
                moment = datetime.fromtimestamp(score / 1000, UTC)
                found.append(_entry(queue, Message.decode(data), moment))
        return found
    return _rabbit_dead(broker, queues, requeue=False)


def requeue_dead(
    broker: dramatiq.Broker, message_ids: set[str] | None = None, queues: tuple[str, ...] = QUEUES
) -> int:
    """Put dead letters (all, or those in ``message_ids``) back on their queue with fresh retries."""
    if not isinstance(broker, RedisBroker):
        return len(_rabbit_dead(broker, queues, requeue=True, only=message_ids))
    client, ns = broker.client, broker.namespace
    moved = 0
    for queue in queues:
        key = f"{ns}:{xq_name(queue)}"
        for raw_id in client.zrange(key, 0, -1):
            data = client.hget(f"{key}.msgs", raw_id)
            if data is None:
                continue
            message = Message.decode(data)
            if message_ids is not None and message.message_id not in message_ids:
                continue
            broker.enqueue(_fresh(message, queue))
            client.zrem(key, raw_id)
            client.hdel(f"{key}.msgs", raw_id)
            moved += 1
    return moved


def _fresh(message: Message, queue: str) -> Message:
    options = {k: v for k, v in message.options.items() if k not in ("retries", "traceback", "eta")}
    return message.copy(queue_name=queue, options=options)


def _rabbit_dead(
    broker: dramatiq.Broker, queues: tuple[str, ...], *, requeue: bool, only: set[str] | None = None
) -> list[DeadLetter]:
    """RabbitMQ: read the dead-letter queues with basic_get; unacknowledged reads go back when the
    channel closes (listing), acknowledged ones were republished (requeue)."""
    import pika

    connection = pika.BlockingConnection(broker.parameters)  # type: ignore[attr-defined]
    found: list[DeadLetter] = []
    try:
        channel = connection.channel()
        for queue in queues:
            broker.declare_queue(queue)
            while True:
                method, _properties, body = channel.basic_get(xq_name(queue), auto_ack=False)
                if method is None:
                    break
                message = Message.decode(body)
                if requeue and (only is None or message.message_id in only):
                    broker.enqueue(_fresh(message, queue))
                    channel.basic_ack(method.delivery_tag)
                found.append(_entry(queue, message, None))
        channel.close()
    finally:
        connection.close()
    if requeue:
        return [d for d in found if only is None or d.message_id in only]
    return found
