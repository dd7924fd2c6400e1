"""Entry module for ``dramatiq sohoa.worker_main``: one broker and the actors, from settings.

Each worker process imports this module, builds its broker from the settings and declares the actors;
the context (vault, signer with its key loaded once) is built on the first message.
"""

from __future__ import annotations

import logging

import dramatiq

from sohoa.app import Runtime
from sohoa.settings import load_settings

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
logging.getLogger("alembic").setLevel(logging.WARNING)
runtime = Runtime(load_settings())
broker = runtime.broker
dramatiq.set_broker(broker)
