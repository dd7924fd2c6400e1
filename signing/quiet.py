"""Keep pyHanko's own log records out of the logs while this package validates or signs.

pyHanko and its certificate validator log validation failures as warnings with the certificate's subject
(for an official's personal certificate, a person's name) and full tracebacks. The verdict goes into the
report instead; nothing here drops records of other code or of other threads' calls.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
from collections.abc import Iterator

_QUIET = contextvars.ContextVar("sohoa_signing_quiet", default=False)


class _Filter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not _QUIET.get()


_FILTER = _Filter()


def _install() -> None:
    names = [
        n for n in logging.root.manager.loggerDict if n.split(".")[0] in ("pyhanko", "pyhanko_certvalidator")
    ]
    for name in ("pyhanko", "pyhanko_certvalidator", *names):
        target = logging.getLogger(name)
        if _FILTER not in target.filters:
            target.addFilter(_FILTER)


@contextlib.contextmanager
def quiet_pyhanko() -> Iterator[None]:
    """Drop pyHanko's log records emitted from this context (and the asyncio tasks it starts)."""
    _install()
    token = _QUIET.set(True)
    try:
        yield
    finally:
        _QUIET.reset(token)
