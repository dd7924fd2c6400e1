"""Prometheus metrics of the workers (prometheus_client, multi-process mode).

Worker processes record stage durations and failures into ``PROMETHEUS_MULTIPROC_DIR`` (prometheus_client's
multi-process files, one per process); the supervisor serves them on the metrics port together with
values it reads itself: queue depth per queue (from the broker) and documents per state (from the index).
Labels never carry personal data: stage names, queue names, states and reason codes only.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from pathlib import Path

from prometheus_client import CollectorRegistry, Counter, Histogram, start_http_server
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

log = logging.getLogger("sohoa.metrics")

STAGE_BUCKETS = (0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900)


class PrometheusStageMetrics:
    """The workers' side (:class:`workers.service.StageMetrics`)."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        kwargs = {"registry": registry} if registry is not None else {}
        self.seconds = Histogram(
            "sohoa_stage_duration_seconds",
            "Time a pipeline stage took for one document",
            ["stage"],
            buckets=STAGE_BUCKETS,
            **kwargs,  # type: ignore[arg-type]
        )
        self.step_cpu = Counter(
            "sohoa_step_cpu_seconds",
            "CPU seconds spent in one step of a stage (pipeline, conversion_mark, sign, verify, store)",
            ["stage", "step"],
            **kwargs,  # type: ignore[arg-type]
        )
        self.failures = Counter(
            "sohoa_stage_failures",
            "Stage failures by reason code (transient_* are retried)",
            ["stage", "reason"],
            **kwargs,  # type: ignore[arg-type]
        )

    def stage_seconds(self, stage: str, seconds: float) -> None:
        self.seconds.labels(stage=stage).observe(seconds)

    def step_cpu_seconds(self, stage: str, step: str, seconds: float) -> None:
        self.step_cpu.labels(stage=stage, step=step).inc(max(0.0, seconds))

    def failure(self, stage: str, reason: str) -> None:
        self.failures.labels(stage=stage, reason=reason).inc()


class _Gauges(Collector):
    def __init__(
        self,
        queue_depth: Callable[[], Mapping[str, int]],
        documents_by_state: Callable[[], Mapping[str, int]],
    ) -> None:
        self.queue_depth = queue_depth
        self.documents_by_state = documents_by_state

    def collect(self):
        depth = GaugeMetricFamily("sohoa_queue_depth", "Messages waiting per queue", labels=["queue"])
        try:
            for queue, count in self.queue_depth().items():
                depth.add_metric([queue], count)
        except Exception as exc:  # broker down: no sample, and say so in the log
            log.warning("queue depth unavailable: %s", type(exc).__name__)
        yield depth
        states = GaugeMetricFamily("sohoa_documents", "Documents per state", labels=["state"])
        try:
            for state, count in self.documents_by_state().items():
                states.add_metric([state], count)
        except Exception as exc:
            log.warning("document counts unavailable: %s", type(exc).__name__)
        yield states


def serve_metrics(
    port: int,
    multiproc_dir: Path,
    *,
    queue_depth: Callable[[], Mapping[str, int]],
    documents_by_state: Callable[[], Mapping[str, int]],
    host: str = "127.0.0.1",
) -> CollectorRegistry:
    """Serve ``/metrics`` on ``host:port``: the worker processes' metrics plus the supervisor's gauges."""
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=str(multiproc_dir))
    registry.register(_Gauges(queue_depth, documents_by_state))
    start_http_server(port, addr=host, registry=registry)
    return registry
