"""Broker set-up with explicit middleware (Redis by default, RabbitMQ by URL)."""

from __future__ import annotations

import dramatiq
from dramatiq import middleware
from dramatiq.brokers.redis import RedisBroker


def make_broker(
    url: str, *, namespace: str = "sohoa", heartbeat_timeout_ms: int = 30_000, maintenance_chance: int = 100
) -> dramatiq.Broker:
    """A broker for ``url`` (``redis://`` or ``amqp://``).

    Redis: a killed worker's unacknowledged messages are requeued by another worker's maintenance run once
    its heartbeat is older than ``heartbeat_timeout_ms``; a maintenance run happens on
    1/``maintenance_chance`` of fetches. Dramatiq's defaults (60 s, 1/1000) leave messages stranded for
    long; these are tighter.
    The database, not the broker, is the source of truth: a reconciler re-enqueues stuck documents.
    """
    stack: list[middleware.Middleware] = [
        middleware.AgeLimit(),
        middleware.TimeLimit(time_limit=30 * 60 * 1000),
        middleware.ShutdownNotifications(),
        middleware.Callbacks(),
        middleware.Pipelines(),
        middleware.Retries(max_retries=8, min_backoff=2_000, max_backoff=300_000),
        middleware.CurrentMessage(),
    ]
    if url.startswith(("amqp://", "amqps://")):
        from dramatiq.brokers.rabbitmq import RabbitmqBroker

        return RabbitmqBroker(url=url, middleware=stack)
    return RedisBroker(
        url=url,
        middleware=stack,
        namespace=namespace,
        heartbeat_timeout=heartbeat_timeout_ms,
        maintenance_chance=maintenance_chance,
    )
