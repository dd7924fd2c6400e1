"""A PostgreSQL database of its own for a benchmark, on the local server, kept between runs."""

from __future__ import annotations

from sqlalchemy import create_engine, text

from vault.index import migrate


def ensure_bench_database(name: str, *, rebuild: bool) -> str:
    """Start the local services, create ``name`` when missing (dropped first with ``rebuild``), migrate it
    to the newest schema, and return its SQLAlchemy URL."""
    from sohoa.app import service_config
    from sohoa.services import start
    from sohoa.settings import Settings

    config = service_config(Settings())
    start(config)
    admin = create_engine(config.database_url("sohoa"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        found = connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :d"), {"d": name}).first()
        if found and rebuild:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
            found = None
        if not found:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = config.database_url(name)
    migrate(url)
    return url
