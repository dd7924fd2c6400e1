"""Broker set-up with explicit middleware (Redis by default, RabbitMQ by URL)."""

from __future__ import annotations

import dramatiq
from dramatiq import middleware
from dramatiq.brokers.redis import RedisBroker

# Redis: a worker's heartbeat is written on every broker command (its consumers poll at least once a
# second, the delay-queue consumer too while the worker is busy with a prefetch of one). A worker silent
# for HEARTBEAT_TIMEOUT_MS is dead; the next maintenance run on a queue moves its unacknowledged messages
# back. Maintenance runs on MAINTENANCE_CHANCE per million broker commands. Dramatiq's defaults (60 s and
# 1000 per million, i.e. about one command in a thousand) left a killed worker's messages stranded for up
# to 25 minutes on an idle system; with these a killed worker's message comes back in about 15-25 s.
HEARTBEAT_TIMEOUT_MS = 15_000
MAINTENANCE_CHANCE = 100_000  # 10 % of commands; a maintenance run is one ZRANGEBYSCORE when nobody died


def make_broker(
    url: str,
    *,
    namespace: str = "sohoa",
    heartbeat_timeout_ms: int = HEARTBEAT_TIMEOUT_MS,
    maintenance_chance: int = MAINTENANCE_CHANCE,
) -> dramatiq.Broker:
    """A broker for ``url`` (``redis://`` or ``amqp://``).

    The database, not the broker, is the source of truth: a reconciler re-enqueues documents the broker
    lost. RabbitMQ redelivers a dead consumer's unacknowledged messages as soon as its connection closes.
    """
    stack: list[middleware.Middleware] = [
        middleware.AgeLimit(),
        middleware.TimeLimit(time_limit=60 * 60 * 1000),
        middleware.ShutdownNotifications(),
        middleware.Callbacks(),
        middleware.Pipelines(),
        middleware.Retries(max_retries=30, min_backoff=1_000, max_backoff=300_000),
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
