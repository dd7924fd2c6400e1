"""Broker set-up with explicit middleware (Redis by default, RabbitMQ by URL)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

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


class DurableRetries(middleware.Retries):
    """Dramatiq's Retries, whose enqueue of the retry is itself retried with backoff.

    Dramatiq calls ``after_process_message`` inside a handler that logs and swallows any exception, then acks
    the message: a retry that could not be enqueued (broker down for a moment) was lost (issue #545). Here
    the enqueue is tried for about 15 s; if the broker stays down longer the message is still lost to the
    broker, but not to the system: the document's state is in the database and the reconciler queues it.
    """

    def __init__(
        self, *, sleep: Callable[[float], None] = time.sleep, attempts: int = 6, **options: Any
    ) -> None:
        super().__init__(**options)
        self._sleep = sleep
        self._attempts = attempts

    def after_process_message(self, broker, message, *, result=None, exception=None):
        proxy = _RetryingEnqueue(broker, self._sleep, self._attempts)
        super().after_process_message(proxy, message, result=result, exception=exception)


class _RetryingEnqueue:
    def __init__(self, broker: dramatiq.Broker, sleep: Callable[[float], None], attempts: int) -> None:
        self._broker = broker
        self._sleep = sleep
        self._attempts = attempts

    def __getattr__(self, name: str) -> Any:
        return getattr(self._broker, name)

    def enqueue(self, message: Any, *, delay: int | None = None) -> Any:
        wait = 0.5
        for attempt in range(1, self._attempts + 1):
            try:
                return self._broker.enqueue(message, delay=delay)
            except Exception:
                if attempt == self._attempts:
                    raise
                self._sleep(wait)
                wait = min(wait * 2, 8.0)
        raise AssertionError("unreachable")


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
        DurableRetries(max_retries=30, min_backoff=1_000, max_backoff=300_000),
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
