"""One worker process: ``python -m sohoa.worker_main --queues ocr --threads 1 --prefetch 1``.

Started (and restarted when it dies) by the supervisor of ``sohoa worker`` (:mod:`workers.supervisor`).
It builds the broker and the actors from the settings, consumes the named queues with a Dramatiq worker,
and stops gracefully on SIGTERM/SIGINT: messages in progress are finished (within ``--grace`` seconds;
after that they stay unacknowledged and the broker gives them to another worker), prefetched ones are
put back on their queue.
"""

from __future__ import annotations

import argparse
import ctypes
import logging
import os
import signal
import threading
from collections.abc import Sequence

import dramatiq

from sohoa.app import Runtime
from sohoa.settings import load_settings


def _stop_with_parent() -> None:
    """Linux: SIGTERM this process when its supervisor dies (even by SIGKILL), so no orphan keeps working."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sohoa.worker_main")
    parser.add_argument("--queues", nargs="+", required=True, help="queues to consume (ocr, io)")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--prefetch", type=int, default=1, help="messages held per queue (0: 2 × threads)")
    parser.add_argument("--grace", type=float, default=120.0, help="seconds to finish work on SIGTERM")
    args = parser.parse_args(argv)

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    log = logging.getLogger("sohoa.worker")

    settings = load_settings()
    runtime = Runtime(settings, metrics=True)
    if settings.test_crash_sha256:
        # Fault injection for the crash tests: this process dies (SIGKILL) on that original, every time.
        poison = settings.test_crash_sha256

        def crash(sha256: str) -> None:
            if sha256 == poison:
                os.kill(os.getpid(), signal.SIGKILL)

        runtime.crash_hook = crash
    dramatiq.set_broker(runtime.broker)
    worker = dramatiq.Worker(
        runtime.broker,
        queues=set(args.queues),
        worker_threads=args.threads,
        # Dramatiq's consumer backs off up to this long (default 1 s) while its prefetch is full: with a
        # prefetch of one, the next message waited up to a second after each document (bench.batch).
        worker_timeout=settings.worker_poll_ms,
    )
    if args.prefetch > 0:
        # Dramatiq's default holds 2 × threads messages per queue; one OCR message at a time per process
        # keeps the others on the queue for idle processes (and none stranded in a busy one).
        worker.queue_prefetch = args.prefetch
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda _signum, _frame: stop.set())
    parent = os.getppid()
    _stop_with_parent()
    if os.getppid() != parent:  # the supervisor died before the line above
        stop.set()
    worker.start()
    log.info("worker %d consuming %s with %d thread(s)", os.getpid(), ",".join(args.queues), args.threads)
    stop.wait()
    log.info("worker %d stopping: finishing messages in progress", os.getpid())
    worker.stop(timeout=int(args.grace * 1000))
    runtime.broker.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
