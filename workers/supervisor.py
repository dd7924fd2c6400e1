"""A small process supervisor for the worker processes (``sohoa worker``).

Dramatiq's own CLI stops the whole worker when one child process dies (Dramatiq issue #376); here each
child is watched and started again when it dies (after a backoff when it keeps dying), while the others
go on. SIGTERM/SIGINT stop the children gracefully (they finish the message in progress) and then the
supervisor. Optional periodic jobs (the reconciler, a metrics refresh) run in the supervisor's loop.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO

log = logging.getLogger("sohoa.supervisor")


@dataclass(frozen=True)
class ChildSpec:
    name: str  # e.g. "ocr-1"
    argv: tuple[str, ...]
    env: Mapping[str, str] = field(default_factory=dict)


@dataclass
class Periodic:
    every_s: float
    job: Callable[[], object]
    name: str
    next_at: float = 0.0


@dataclass
class _Child:
    spec: ChildSpec
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    failures: int = 0  # consecutive quick deaths
    restart_at: float = 0.0
    restarts: int = 0


class Supervisor:
    """Runs ``specs`` as child processes until :meth:`stop` (or SIGTERM/SIGINT with :meth:`run`)."""

    def __init__(
        self,
        specs: Sequence[ChildSpec],
        *,
        periodic: Sequence[Periodic] = (),
        stop_grace_s: float = 120.0,
        poll_s: float = 0.5,
        stable_after_s: float = 30.0,
        max_backoff_s: float = 30.0,
        output: IO[bytes] | None = None,
    ) -> None:
        self.children = [_Child(spec) for spec in specs]
        self.periodic = list(periodic)
        self.stop_grace_s = stop_grace_s
        self.poll_s = poll_s
        self.stable_after_s = stable_after_s
        self.max_backoff_s = max_backoff_s
        self.output = output
        self._stopping = threading.Event()

    # ---- public
    def run(self, *, install_signals: bool = True) -> int:
        if install_signals:
            for signum in (signal.SIGTERM, signal.SIGINT):
                signal.signal(signum, lambda _s, _f: self._stopping.set())
        for child in self.children:
            self._start(child)
        while not self._stopping.is_set():
            now = time.monotonic()
            for child in self.children:
                self._watch(child, now)
            for job in self.periodic:
                if now >= job.next_at:
                    job.next_at = now + job.every_s
                    try:
                        job.job()
                    except Exception:
                        log.exception("periodic job %s failed; next run in %.0f s", job.name, job.every_s)
            self._stopping.wait(self.poll_s)
        self._stop_children()
        return 0

    def stop(self) -> None:
        self._stopping.set()

    def pids(self) -> dict[str, int]:
        return {
            c.spec.name: c.process.pid
            for c in self.children
            if c.process is not None and c.process.poll() is None
        }

    @property
    def restarts(self) -> int:
        return sum(c.restarts for c in self.children)

    # ---- internals
    def _start(self, child: _Child) -> None:
        env = dict(os.environ)
        env.update(child.spec.env)
        child.process = subprocess.Popen(
            list(child.spec.argv),
            env=env,
            stdout=self.output,
            stderr=subprocess.STDOUT if self.output is not None else None,
            start_new_session=False,
        )
        child.started_at = time.monotonic()
        log.info("started %s (pid %d)", child.spec.name, child.process.pid)

    def _watch(self, child: _Child, now: float) -> None:
        process = child.process
        if process is not None:
            code = process.poll()
            if code is None:
                if now - child.started_at > self.stable_after_s:
                    child.failures = 0
                return
            quick = now - child.started_at < self.stable_after_s
            child.failures = child.failures + 1 if quick else 0
            delay = min(self.max_backoff_s, 0.5 * 2 ** max(0, child.failures - 1)) if child.failures else 0.0
            log.warning(
                "%s (pid %d) exited with %s; restarting in %.1f s", child.spec.name, process.pid, code, delay
            )
            child.process = None
            child.restart_at = now + delay
        if now >= child.restart_at:
            child.restarts += 1
            self._start(child)

    def _stop_children(self) -> None:
        running = [c.process for c in self.children if c.process is not None and c.process.poll() is None]
        for process in running:
            process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + self.stop_grace_s + 10
        for process in running:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.warning(
                    "pid %d did not stop in time; killed (its messages go back to the queue)", process.pid
                )
                process.kill()
                process.wait()
