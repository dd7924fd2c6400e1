"""Local development services: MinIO, Redis, PostgreSQL and RabbitMQ on loopback.

A library: the caller builds a :class:`ServiceConfig` (the shell's settings do that) and calls :func:`start`,
:func:`stop` or :func:`status`. Nothing here reads environment variables.

Layout under ``<home>/services/`` (``<home>`` defaults to ``<repo>/.local``, which is git-ignored)::

    minio/     data/, certs/, minio.log, minio.pid
    redis/     data/, redis.conf (rewritten on every start), redis.log, redis.pid
    postgres/  data/ (the cluster), postgres.log, superuser-password
    rabbitmq/  mnesia/, log/, rabbitmq.conf and enabled_plugins (rewritten on every start), rabbitmq.pid

Development credentials and access:

- MinIO ``127.0.0.1:19000`` (console port 19001, browser off), root user/password from the config
  (``sohoa-dev`` / ``sohoa-dev-secret-change-me`` by default).
- Redis ``127.0.0.1:16379``, no password (bound to loopback only, protected mode on), AOF persistence.
- RabbitMQ 3.10 (Debian) ``127.0.0.1:17672`` (AMQP only, no plugins), user ``guest`` (loopback only), node
  ``sohoa17672@localhost`` with its own Erlang port mapper on 14369 and distribution port 27672, all on
  loopback; the broker when ``SOHOA_BROKER_URL=amqp://guest:guest@127.0.0.1:17672/%2F``.
- PostgreSQL 15 ``127.0.0.1:15432``, TCP only (no Unix socket), every connection authenticated with
  SCRAM-SHA-256. The bootstrap superuser ``postgres`` gets a random password generated at ``initdb`` time and
  kept in ``postgres/superuser-password`` (mode 0600); the application role ``sohoa``/``sohoa`` owns the
  databases ``sohoa`` and ``sohoa_test`` and may create databases. Cluster locale ``C.UTF-8``, encoding UTF8.
  PostgreSQL refuses to run as root: when this runs as root, ``initdb``/``pg_ctl`` run as the ``postgres``
  system user (``runuser``) and the ``postgres/`` folder belongs to it.

The MinIO binary lives in a per-user cache keyed by version (see :func:`minio_binary_path`); it is built by
``scripts/setup.sh``.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import ipaddress
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import redis
import urllib3
from minio import MinioAdmin
from minio.credentials import StaticProvider
from psycopg import sql

MINIO_VERSION = "v0.0.0-20260212201848-7aac2a2c5b7c"
"""Pinned MinIO module version (``go install github.com/minio/minio@<MINIO_VERSION>``); setup.sh reads it."""

SERVICE_NAMES: tuple[str, ...] = ("minio", "redis", "postgres", "rabbitmq")

REPO_ROOT = Path(__file__).resolve().parents[1]

_PSEUDO_VERSION = re.compile(r"^v\d+\.\d+\.\d+-(?:.*\.)?(\d{14})-([0-9a-f]{12})$")


class ServiceError(RuntimeError):
    """A service could not be started, stopped or checked; the message says what to do."""


def default_home() -> Path:
    """``<repo>/.local`` for a source checkout, else ``./.local`` (same rule as the shell's settings)."""
    if (REPO_ROOT / "pyproject.toml").exists():
        return REPO_ROOT / ".local"
    return Path.cwd() / ".local"


def minio_binary_path(version: str = MINIO_VERSION, cache_dir: Path | None = None) -> Path:
    """Where setup.sh keeps the MinIO binary of ``version``: ``<cache_dir>/minio-<version>/bin/minio``.

    ``cache_dir`` is ``${XDG_CACHE_HOME:-$HOME/.cache}/sohoa`` in setup.sh; this library does not read the
    environment, so a caller with ``XDG_CACHE_HOME`` set passes it. Default: ``~/.cache/sohoa``.
    """
    base = cache_dir if cache_dir is not None else Path.home() / ".cache" / "sohoa"
    return base / f"minio-{version}" / "bin" / "minio"


def minio_release_version(version: str = MINIO_VERSION) -> str:
    """The version string a MinIO built by setup.sh from module ``version`` reports (RFC 3339 commit time).

    ``go install`` alone leaves MinIO's version as ``DEVELOPMENT.GOGET``; setup.sh sets it with ``-ldflags``
    the way MinIO's own ``buildscripts/gen-ldflags.go`` does, from the pseudo-version's commit time.
    """
    m = _PSEUDO_VERSION.match(version)
    if not m:
        raise ValueError(f"not a Go pseudo-version: {version!r}")
    t = m.group(1)
    return f"{t[0:4]}-{t[4:6]}-{t[6:8]}T{t[8:10]}:{t[10:12]}:{t[12:14]}Z"


@dataclass(frozen=True)
class ServiceConfig:
    home: Path = field(default_factory=default_home)
    host: str = "127.0.0.1"
    minio_port: int = 19000
    minio_console_port: int = 19001
    minio_root_user: str = "sohoa-dev"
    minio_root_password: str = "sohoa-dev-secret-change-me"
    minio_binary: Path = field(default_factory=minio_binary_path)
    redis_port: int = 16379
    redis_server: str = "redis-server"
    postgres_port: int = 15432
    postgres_bin_dir: Path = Path("/usr/lib/postgresql/15/bin")
    postgres_os_user: str = "postgres"  # used only when running as root
    postgres_user: str = "sohoa"
    postgres_password: str = "sohoa"
    postgres_databases: tuple[str, ...] = ("sohoa", "sohoa_test")
    rabbitmq_port: int = 17672  # AMQP; the Erlang distribution port is this + 10000
    rabbitmq_epmd_port: int = 14369  # the Erlang port mapper of our node (not the system's 4369)
    rabbitmq_bin_dir: Path = Path("/usr/lib/rabbitmq/bin")
    start_timeout: float = 90.0
    stop_timeout: float = 30.0

    def __post_init__(self) -> None:
        # absolute paths: they are matched against process command lines and written into configs
        object.__setattr__(self, "home", Path(self.home).expanduser().absolute())
        object.__setattr__(self, "minio_binary", Path(self.minio_binary).expanduser().absolute())
        try:
            loopback = ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            loopback = False
        if not loopback:
            raise ValueError(f"development services bind to a loopback address only, not {self.host!r}")
        if len(self.minio_root_user) < 3 or len(self.minio_root_password) < 8:
            raise ValueError("MinIO needs a root user of 3+ characters and a password of 8+ characters")
        if not self.postgres_databases:
            raise ValueError("postgres_databases must name at least one database")

    @property
    def services_dir(self) -> Path:
        return self.home / "services"

    def service_dir(self, name: str) -> Path:
        return self.services_dir / name

    def address(self, name: str) -> str:
        port = {
            "minio": self.minio_port,
            "redis": self.redis_port,
            "postgres": self.postgres_port,
            "rabbitmq": self.rabbitmq_port,
        }[name]
        return f"{_url_host(self.host)}:{port}"

    @property
    def minio_endpoint(self) -> str:
        """``host:port`` for the S3 client (plain HTTP)."""
        return self.address("minio")

    def redis_url(self, db: int = 0) -> str:
        return f"redis://{self.address('redis')}/{db}"

    def amqp_url(self) -> str:
        """The broker URL of the development RabbitMQ (user guest, which RabbitMQ allows on loopback only)."""
        return f"amqp://guest:guest@{self.address('rabbitmq')}/%2F"

    def database_url(self, database: str | None = None, driver: str = "postgresql+psycopg") -> str:
        """SQLAlchemy URL for the application role (``driver="postgresql"`` gives a libpq URL)."""
        db = database or self.postgres_databases[0]
        return f"{driver}://{self.postgres_user}:{self.postgres_password}@{self.address('postgres')}/{db}"


@dataclass(frozen=True)
class ServiceStatus:
    name: str
    address: str
    answering: bool
    version: str | None
    detail: str
    pid: int | None = None


# --------------------------------------------------------------------------------------------- public API


def start(config: ServiceConfig, names: Sequence[str] | None = None) -> list[ServiceStatus]:
    """Start the named services (all by default) and wait until each answers; a running one is left alone.

    Raises :class:`ServiceError` (naming the log file) when a service does not come up in
    ``config.start_timeout`` seconds, or when its port is taken by a process that is not ours.
    """
    selected = _select(names)
    with _lock(config):
        for name in selected:
            _STARTERS[name](config)
        return [_CHECKERS[name](config) for name in selected]


def stop(config: ServiceConfig, names: Sequence[str] | None = None) -> None:
    """Stop the named services (all by default); a stopped one is left alone. Data is kept."""
    selected = _select(names)
    with _lock(config):
        for name in reversed(selected):
            _STOPPERS[name](config)


def status(config: ServiceConfig) -> list[ServiceStatus]:
    """Status of every service: whether ours answers on its port, and the version the server reports."""
    return [_CHECKERS[name](config) for name in SERVICE_NAMES]


# ------------------------------------------------------------------------------------------------ helpers


def _select(names: Sequence[str] | None) -> list[str]:
    if names is None:
        return list(SERVICE_NAMES)
    if isinstance(names, str):
        names = [names]
    unknown = [n for n in names if n not in SERVICE_NAMES]
    if unknown:
        raise ValueError(f"unknown service(s) {', '.join(unknown)}; known: {', '.join(SERVICE_NAMES)}")
    return [n for n in SERVICE_NAMES if n in names]


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


@contextlib.contextmanager
def _lock(config: ServiceConfig) -> Iterator[None]:
    """Serialise start/stop between processes sharing a home (e.g. a test run and a CLI call)."""
    config.services_dir.mkdir(parents=True, exist_ok=True)
    with open(config.services_dir / ".lock", "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _port_open(host: str, port: int, timeout: float = 1.0) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def _read_pid(path: Path) -> int | None:
    try:
        text = path.read_text().split()
        return int(text[0]) if text else None
    except (OSError, ValueError):
        return None


def _alive(pid: int) -> bool:
    """True when ``pid`` is a live (non-zombie) process; reaps it when it is a dead child of ours."""
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def _cmdline(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return []


def _log_tail(path: Path, lines: int = 15) -> str:
    try:
        text = path.read_text(errors="replace").splitlines()[-lines:]
    except OSError:
        return f"(no log at {path})"
    return "\n".join("    " + line for line in text)


def _fail(name: str, what: str, log: Path) -> ServiceError:
    return ServiceError(f"{name}: {what}; see {log}. Last lines:\n{_log_tail(log)}")


def _terminate(pid: int, timeout: float, name: str) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _alive(pid):
            return
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and _alive(pid):
        time.sleep(0.1)
    if _alive(pid):
        raise ServiceError(f"{name}: process {pid} did not exit")


def _write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)


# -------------------------------------------------------------------------------------------------- MinIO


def _minio_paths(config: ServiceConfig) -> tuple[Path, Path, Path, Path]:
    d = config.service_dir("minio")
    return d, d / "data", d / "minio.log", d / "minio.pid"


def _minio_own_pid(config: ServiceConfig) -> int | None:
    """PID of the MinIO serving this home's data folder, from the pid file, if it is alive."""
    _, data, _, pid_file = _minio_paths(config)
    pid = _read_pid(pid_file)
    if pid is None or not _alive(pid):
        return None
    if str(data) not in _cmdline(pid):
        return None
    return pid


def _minio_live(config: ServiceConfig) -> bool:
    url = f"http://{config.minio_endpoint}/minio/health/live"
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:
            return bool(resp.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def _minio_admin_info(config: ServiceConfig) -> dict[str, object]:
    """Signed admin API call ``GET /minio/admin/v3/info``: proves our credentials and reports the version."""
    http = urllib3.PoolManager(timeout=urllib3.Timeout(connect=2, read=5), retries=False)
    try:
        admin = MinioAdmin(
            endpoint=config.minio_endpoint,
            credentials=StaticProvider(config.minio_root_user, config.minio_root_password),
            secure=False,
            http_client=http,
        )
        info = json.loads(admin.info())
    finally:
        http.clear()
    if not isinstance(info, dict):
        raise ServiceError(f"unexpected admin info answer: {info!r}")
    return info


def _minio_binary_version(binary: Path) -> str:
    out = subprocess.run([str(binary), "--version"], capture_output=True, text=True, timeout=30, check=True)
    first = out.stdout.strip().splitlines()[0] if out.stdout.strip() else ""
    m = re.match(r"minio version (\S+)(?: \(commit-id=([^)]*)\))?", first)
    if not m:
        raise ServiceError(f"cannot parse `{binary} --version`: {first!r}")
    return m.group(1)


def _minio_status(config: ServiceConfig) -> ServiceStatus:
    _, data, log, _ = _minio_paths(config)
    address = config.minio_endpoint
    pid = _minio_own_pid(config)
    live = _minio_live(config)
    if pid is None:
        if live or _port_open(config.host, config.minio_port):
            return ServiceStatus(
                "minio",
                address,
                False,
                None,
                f"port in use by another process (not the MinIO serving {data})",
            )
        return ServiceStatus("minio", address, False, None, f"not running (data {data})")
    if not live:
        return ServiceStatus("minio", address, False, None, f"process {pid} not answering; log {log}", pid)
    try:
        info = _minio_admin_info(config)
        servers = info.get("servers")
        server = servers[0] if isinstance(servers, list) and servers and isinstance(servers[0], dict) else {}
        version = str(server.get("version") or "") or None
        commit = server.get("commitID")
        detail = f"version from admin API (commit {commit}), data {data}"
        return ServiceStatus("minio", address, True, version, detail, pid)
    except Exception as exc:  # admin API unavailable: say so and report the running binary's version
        try:
            binary_version: str | None = _minio_binary_version(Path(f"/proc/{pid}/exe"))
            source = "the running binary's --version"
        except Exception:
            binary_version, source = None, "nowhere"
        detail = f"version from {source} (admin API failed: {exc}), data {data}"
        return ServiceStatus("minio", address, True, binary_version, detail, pid)


def _minio_start(config: ServiceConfig) -> None:
    d, data, log, pid_file = _minio_paths(config)
    pid = _minio_own_pid(config)
    if pid is not None and _minio_live(config):
        return
    if pid is None and _port_open(config.host, config.minio_port):
        raise ServiceError(
            f"minio: port {config.minio_endpoint} is in use by another process (not the MinIO serving {data})"
        )
    if pid is None:
        if not config.minio_binary.is_file():
            raise ServiceError(f"minio: binary not found at {config.minio_binary}; run scripts/setup.sh")
        for sub in (data, d / "certs"):
            sub.mkdir(parents=True, exist_ok=True)
        env = {
            "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "HOME": str(d),
            "MINIO_ROOT_USER": config.minio_root_user,
            "MINIO_ROOT_PASSWORD": config.minio_root_password,
            "MINIO_BROWSER": "off",
            "MINIO_UPDATE": "off",
        }
        args = [
            str(config.minio_binary),
            "server",
            str(data),
            "--address",
            config.minio_endpoint,
            "--console-address",
            f"{_url_host(config.host)}:{config.minio_console_port}",
            "--certs-dir",
            str(d / "certs"),
        ]
        # sh starts MinIO in the background in its own session and exits at once, so MinIO outlives this
        # process and is never left as our zombie.
        script = 'log="$1"; shift; setsid "$@" </dev/null >>"$log" 2>&1 & echo $!'
        out = subprocess.run(
            ["sh", "-c", script, "sh", str(log), *args], env=env, capture_output=True, text=True, check=True
        )
        pid = int(out.stdout.strip())
        pid_file.write_text(f"{pid}\n")
    deadline = time.monotonic() + config.start_timeout
    last_error = "not answering on /minio/health/live"
    while time.monotonic() < deadline:
        if not _alive(pid):
            raise _fail("minio", f"process {pid} exited during start-up", log)
        if _minio_live(config):
            try:
                _minio_admin_info(config)
                return
            except Exception as exc:
                last_error = f"admin API: {exc}"
        time.sleep(0.3)
    raise _fail("minio", f"not ready after {config.start_timeout:.0f}s ({last_error})", log)


def _minio_stop(config: ServiceConfig) -> None:
    _, _, _, pid_file = _minio_paths(config)
    pid = _minio_own_pid(config)
    if pid is not None:
        _terminate(pid, config.stop_timeout, "minio")
    pid_file.unlink(missing_ok=True)


# -------------------------------------------------------------------------------------------------- Redis


def _redis_paths(config: ServiceConfig) -> tuple[Path, Path, Path, Path, Path]:
    d = config.service_dir("redis")
    return d, d / "data", d / "redis.conf", d / "redis.log", d / "redis.pid"


def _redis_quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _redis_info(config: ServiceConfig) -> dict[str, object]:
    client = redis.Redis(host=config.host, port=config.redis_port, socket_timeout=2, socket_connect_timeout=2)
    try:
        info = client.info("server")
    finally:
        client.close()
    return dict(info)


def _redis_status(config: ServiceConfig) -> ServiceStatus:
    _, data, conf, log, _ = _redis_paths(config)
    address = config.address("redis")
    try:
        info = _redis_info(config)
    except (redis.RedisError, OSError):
        if _port_open(config.host, config.redis_port):
            return ServiceStatus("redis", address, False, None, "port in use by something that is not Redis")
        return ServiceStatus("redis", address, False, None, f"not running (data {data})")
    if Path(str(info.get("config_file", ""))) != conf:
        other = info.get("config_file") or "-"
        return ServiceStatus(
            "redis", address, False, None, f"port in use by another Redis (config {other}, not {conf})"
        )
    pid = info.get("process_id")
    version = str(info.get("redis_version")) if info.get("redis_version") else None
    return ServiceStatus(
        "redis",
        address,
        True,
        version,
        f"INFO server, data {data}, log {log}",
        int(str(pid)) if pid is not None else None,
    )


def _redis_start(config: ServiceConfig) -> None:
    _, data, conf, log, pid_file = _redis_paths(config)
    st = _redis_status(config)
    if st.answering:
        return
    if _port_open(config.host, config.redis_port):
        raise ServiceError(f"redis: {config.address('redis')}: {st.detail}")
    server = shutil.which(config.redis_server)
    if server is None:
        raise ServiceError(f"redis: {config.redis_server} not found; run scripts/setup.sh")
    data.mkdir(parents=True, exist_ok=True)
    conf.write_text(
        "# generated by sohoa.services on every start; edit ServiceConfig instead\n"
        f"bind {config.host}\n"
        f"port {config.redis_port}\n"
        "protected-mode yes\n"
        "daemonize yes\n"
        f"pidfile {_redis_quote(str(pid_file))}\n"
        f"logfile {_redis_quote(str(log))}\n"
        f"dir {_redis_quote(str(data))}\n"
        "appendonly yes\n"
        "appendfsync everysec\n"
        "save 3600 1 300 100 60 10000\n"
    )
    out = subprocess.run([server, str(conf)], capture_output=True, text=True, timeout=30)
    if out.returncode != 0:
        raise _fail("redis", f"redis-server exited {out.returncode}: {out.stderr.strip()}", log)
    deadline = time.monotonic() + config.start_timeout
    while time.monotonic() < deadline:
        if _redis_status(config).answering:
            return
        time.sleep(0.2)
    raise _fail("redis", f"not answering after {config.start_timeout:.0f}s", log)


def _redis_stop(config: ServiceConfig) -> None:
    st = _redis_status(config)
    if st.answering and st.pid is not None:
        _terminate(st.pid, config.stop_timeout, "redis")  # SIGTERM: Redis saves and exits cleanly


# --------------------------------------------------------------------------------------------- PostgreSQL


def _pg_paths(config: ServiceConfig) -> tuple[Path, Path, Path, Path]:
    d = config.service_dir("postgres")
    return d, d / "data", d / "postgres.log", d / "superuser-password"


def _as_root() -> bool:
    return os.geteuid() == 0


def _pg_run(
    config: ServiceConfig, program: str, *args: str, timeout: float
) -> subprocess.CompletedProcess[str]:
    """Run a PostgreSQL program, as the postgres system user when we are root (PostgreSQL refuses root)."""
    d = config.service_dir("postgres")
    cmd = [str(config.postgres_bin_dir / program), *args]
    if _as_root():
        runuser = shutil.which("runuser") or "/usr/sbin/runuser"
        cmd = [runuser, "-u", config.postgres_os_user, "--", *cmd]
    return subprocess.run(cmd, cwd=d, capture_output=True, text=True, timeout=timeout)


def _chown_to_pg(config: ServiceConfig, *paths: Path) -> None:
    if _as_root():
        for p in paths:
            shutil.chown(p, config.postgres_os_user, config.postgres_os_user)


def _pg_connect(
    config: ServiceConfig, superuser: bool = True, dbname: str = "postgres"
) -> psycopg.Connection[tuple[object, ...]]:
    _, _, _, pw_file = _pg_paths(config)
    if superuser:
        user, password = "postgres", pw_file.read_text().strip()
    else:
        user, password = config.postgres_user, config.postgres_password
    return psycopg.connect(
        host=config.host,
        port=config.postgres_port,
        user=user,
        password=password,
        dbname=dbname,
        connect_timeout=3,
        autocommit=True,
    )


def _pg_query(config: ServiceConfig) -> tuple[str, str, int]:
    with _pg_connect(config) as conn:
        row = conn.execute("SELECT version(), current_setting('data_directory'), pg_backend_pid()").fetchone()
    assert row is not None
    return str(row[0]), str(row[1]), int(str(row[2]))


def _pg_postmaster_pid(data: Path) -> int | None:
    return _read_pid(data / "postmaster.pid")


def _pg_status(config: ServiceConfig) -> ServiceStatus:
    _, data, log, pw_file = _pg_paths(config)
    address = config.address("postgres")
    if not (data / "PG_VERSION").exists() or not pw_file.exists():
        if _port_open(config.host, config.postgres_port):
            return ServiceStatus(
                "postgres", address, False, None, f"port in use by another process (no cluster at {data} yet)"
            )
        return ServiceStatus("postgres", address, False, None, f"not initialised (data {data})")
    try:
        version, data_dir, _ = _pg_query(config)
    except (psycopg.Error, OSError) as exc:
        if _port_open(config.host, config.postgres_port):
            return ServiceStatus(
                "postgres",
                address,
                False,
                None,
                f"port in use but our superuser cannot log in ({exc}); another cluster?",
            )
        return ServiceStatus("postgres", address, False, None, f"not running (data {data})")
    if Path(data_dir).resolve() != data.resolve():
        return ServiceStatus(
            "postgres", address, False, None, f"port in use by another cluster (data {data_dir}, not {data})"
        )
    short = version.split(" on ")[0]
    detail = f"SELECT version() over TCP, data {data}, log {log}"
    return ServiceStatus("postgres", address, True, short, detail, _pg_postmaster_pid(data))


def _pg_initdb(config: ServiceConfig) -> None:
    d, data, _, pw_file = _pg_paths(config)
    if not pw_file.exists():
        _write_private(pw_file, secrets.token_urlsafe(24) + "\n")
    _chown_to_pg(config, pw_file)
    tmp = d / "data.initdb"
    if tmp.exists():
        shutil.rmtree(tmp)
    out = _pg_run(
        config,
        "initdb",
        "-D",
        str(tmp),
        "-U",
        "postgres",
        f"--pwfile={pw_file}",
        "--auth=scram-sha-256",
        "--encoding=UTF8",
        "--locale=C.UTF-8",
        timeout=300,
    )
    if out.returncode != 0:
        raise ServiceError(f"postgres: initdb failed ({out.returncode}):\n{out.stdout}\n{out.stderr}")
    with open(tmp / "postgresql.conf", "a") as fh:
        fh.write(
            "\n# sohoa: listen address, port and socket settings, rewritten on every start\n"
            "include_if_exists = 'sohoa.conf'\n"
        )
    tmp.rename(data)


def _pg_start(config: ServiceConfig) -> None:
    d, data, log, _ = _pg_paths(config)
    st = _pg_status(config)
    if st.answering:
        _pg_ensure_roles(config)
        return
    if _port_open(config.host, config.postgres_port):
        raise ServiceError(f"postgres: {config.address('postgres')}: {st.detail}")
    for exe in ("initdb", "pg_ctl", "postgres"):
        if not (config.postgres_bin_dir / exe).is_file():
            raise ServiceError(f"postgres: {config.postgres_bin_dir / exe} not found; run scripts/setup.sh")
    d.mkdir(parents=True, exist_ok=True)
    d.chmod(0o700)
    _chown_to_pg(config, d)
    if _as_root():
        check = subprocess.run(
            ["runuser", "-u", config.postgres_os_user, "--", "test", "-w", str(d)],
            capture_output=True,
            cwd="/",
        )
        if check.returncode != 0:
            raise ServiceError(
                f"postgres: the {config.postgres_os_user!r} system user cannot write to {d}. PostgreSQL "
                "refuses to run as root, so every parent folder of the services home must be searchable by "
                "that user (chmod o+x on each), or run as a normal user."
            )
    if not (data / "PG_VERSION").exists():
        if data.exists() and any(data.iterdir()):
            raise ServiceError(f"postgres: {data} exists but is not a PostgreSQL cluster; move it away")
        if data.exists():
            data.rmdir()
        _pg_initdb(config)
    conf = data / "sohoa.conf"
    conf.write_text(
        "# generated by sohoa.services on every start; edit ServiceConfig instead\n"
        f"listen_addresses = '{config.host}'\n"
        f"port = {config.postgres_port}\n"
        "unix_socket_directories = ''\n"
    )
    _chown_to_pg(config, conf)
    if log.exists():
        _chown_to_pg(config, log)
    out = _pg_run(
        config,
        "pg_ctl",
        "start",
        "-D",
        str(data),
        "-l",
        str(log),
        "-w",
        "-t",
        str(int(config.start_timeout)),
        timeout=config.start_timeout + 30,
    )
    if out.returncode != 0:
        raise _fail(
            "postgres",
            f"pg_ctl start failed ({out.returncode}): {out.stdout.strip()} {out.stderr.strip()}",
            log,
        )
    deadline = time.monotonic() + config.start_timeout
    while time.monotonic() < deadline:
        st = _pg_status(config)
        if st.answering:
            _pg_ensure_roles(config)
            return
        time.sleep(0.2)
    raise _fail("postgres", f"not answering after {config.start_timeout:.0f}s ({st.detail})", log)


def _pg_ensure_roles(config: ServiceConfig) -> None:
    """Role ``postgres_user`` (LOGIN CREATEDB, password from the config) owning each configured database."""
    with _pg_connect(config) as conn:
        role = sql.Identifier(config.postgres_user)
        password = sql.Literal(config.postgres_password)
        exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (config.postgres_user,)).fetchone()
        verb = sql.SQL("ALTER") if exists else sql.SQL("CREATE")
        conn.execute(sql.SQL("{} ROLE {} LOGIN CREATEDB PASSWORD {}").format(verb, role, password))
        for db in config.postgres_databases:
            found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (db,)).fetchone()
            if not found:
                conn.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(sql.Identifier(db), role))
            else:
                conn.execute(sql.SQL("ALTER DATABASE {} OWNER TO {}").format(sql.Identifier(db), role))


def _pg_stop(config: ServiceConfig) -> None:
    _, data, log, _ = _pg_paths(config)
    if not (data / "PG_VERSION").exists():
        return
    pid = _pg_postmaster_pid(data)
    if pid is None or not _alive(pid):
        return
    out = _pg_run(
        config,
        "pg_ctl",
        "stop",
        "-D",
        str(data),
        "-m",
        "fast",
        "-w",
        "-t",
        str(int(config.stop_timeout)),
        timeout=config.stop_timeout + 30,
    )
    if out.returncode != 0:
        raise _fail("postgres", f"pg_ctl stop failed ({out.returncode}): {out.stderr.strip()}", log)


# ----------------------------------------------------------------------------------------------- RabbitMQ


def _rabbit_paths(config: ServiceConfig) -> tuple[Path, Path, Path, Path]:
    d = config.service_dir("rabbitmq")
    return d, d / "mnesia", d / "log", d / "rabbitmq.pid"


def _rabbit_node(config: ServiceConfig) -> str:
    return f"sohoa{config.rabbitmq_port}@localhost"


def _rabbit_env(config: ServiceConfig) -> dict[str, str]:
    d, mnesia, log, pid_file = _rabbit_paths(config)
    return {
        "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "HOME": str(d),  # the Erlang cookie lives here
        "LANG": "C.UTF-8",
        "RABBITMQ_NODENAME": _rabbit_node(config),
        "RABBITMQ_NODE_IP_ADDRESS": config.host,
        "RABBITMQ_NODE_PORT": str(config.rabbitmq_port),
        "RABBITMQ_DIST_PORT": str(config.rabbitmq_port + 10000),
        "ERL_EPMD_PORT": str(config.rabbitmq_epmd_port),
        "ERL_EPMD_ADDRESS": config.host,
        "RABBITMQ_MNESIA_BASE": str(mnesia),
        "RABBITMQ_LOG_BASE": str(log),
        "RABBITMQ_CONFIG_FILE": str(d / "rabbitmq.conf"),
        "RABBITMQ_ENABLED_PLUGINS_FILE": str(d / "enabled_plugins"),
        "RABBITMQ_PID_FILE": str(pid_file),
        # the Erlang distribution port listens on loopback too (it would bind every interface otherwise)
        "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS": "-kernel inet_dist_use_interface {127,0,0,1}",
    }


def _rabbit_server_properties(config: ServiceConfig) -> dict[str, object]:
    import pika

    params = pika.URLParameters(config.amqp_url() + "?connection_attempts=1&socket_timeout=2")
    connection = pika.BlockingConnection(params)
    try:
        props = connection._impl.server_properties  # the AMQP connection.start frame
        return {k: (v.decode() if isinstance(v, bytes) else v) for k, v in dict(props).items()}
    finally:
        connection.close()


def _rabbit_own_pid(config: ServiceConfig) -> int | None:
    d, _, _, pid_file = _rabbit_paths(config)
    pid = _read_pid(pid_file)
    if pid is None or not _alive(pid):
        return None
    if str(d) not in _cmdline(pid):  # the node runs with ``-home <this service folder>``
        return None
    return pid


def _rabbit_status(config: ServiceConfig) -> ServiceStatus:
    _, mnesia, log, _ = _rabbit_paths(config)
    address = config.address("rabbitmq")
    pid = _rabbit_own_pid(config)
    if pid is None:
        if _port_open(config.host, config.rabbitmq_port):
            return ServiceStatus("rabbitmq", address, False, None, "port in use by another process")
        return ServiceStatus("rabbitmq", address, False, None, f"not running (data {mnesia})")
    try:
        props = _rabbit_server_properties(config)
    except Exception as exc:
        return ServiceStatus("rabbitmq", address, False, None, f"process {pid} not answering ({exc})", pid)
    version = str(props.get("version") or "") or None
    return ServiceStatus("rabbitmq", address, True, version, f"AMQP, data {mnesia}, logs {log}", pid)


def _rabbit_start(config: ServiceConfig) -> None:
    d, mnesia, log, _ = _rabbit_paths(config)
    if _rabbit_status(config).answering:
        return
    if _rabbit_own_pid(config) is None and _port_open(config.host, config.rabbitmq_port):
        raise ServiceError(f"rabbitmq: port {config.address('rabbitmq')} is in use by another process")
    server = config.rabbitmq_bin_dir / "rabbitmq-server"
    if not server.is_file():
        raise ServiceError(f"rabbitmq: {server} not found; run scripts/setup.sh (Debian rabbitmq-server)")
    for sub in (mnesia, log):
        sub.mkdir(parents=True, exist_ok=True)
    (d / "enabled_plugins").write_text("[].\n")  # no management plugin: AMQP only
    (d / "rabbitmq.conf").write_text(
        "# generated by sohoa.services on every start; edit ServiceConfig instead\n"
        f"listeners.tcp.default = {config.host}:{config.rabbitmq_port}\n"
        "loopback_users.guest = true\n"
    )
    out_log = log / "startup.log"
    if _rabbit_own_pid(config) is None:
        script = 'log="$1"; shift; setsid "$@" </dev/null >>"$log" 2>&1 & echo $!'
        subprocess.run(
            ["sh", "-c", script, "sh", str(out_log), str(server)],
            env=_rabbit_env(config),
            capture_output=True,
            text=True,
            check=True,
        )
    deadline = time.monotonic() + config.start_timeout
    while time.monotonic() < deadline:
        if _rabbit_status(config).answering:
            return
        time.sleep(0.5)
    raise _fail("rabbitmq", f"not answering after {config.start_timeout:.0f}s", out_log)


def _rabbit_stop(config: ServiceConfig) -> None:
    _, _, _, pid_file = _rabbit_paths(config)
    pid = _rabbit_own_pid(config)
    if pid is not None:
        ctl = config.rabbitmq_bin_dir / "rabbitmqctl"
        subprocess.run(
            [str(ctl), "-n", _rabbit_node(config), "stop"],
            env=_rabbit_env(config),
            capture_output=True,
            timeout=config.stop_timeout + 30,
            check=False,
        )
        if _alive(pid):
            _terminate(pid, config.stop_timeout, "rabbitmq")
    pid_file.unlink(missing_ok=True)
    # The node's own port mapper (on our port, started by the node) goes too.
    epmd = shutil.which("epmd")
    if epmd is not None:
        subprocess.run(
            [epmd, "-port", str(config.rabbitmq_epmd_port), "-kill"],
            env=_rabbit_env(config),
            capture_output=True,
            timeout=30,
            check=False,
        )


_STARTERS = {"minio": _minio_start, "redis": _redis_start, "postgres": _pg_start, "rabbitmq": _rabbit_start}
_STOPPERS = {"minio": _minio_stop, "redis": _redis_stop, "postgres": _pg_stop, "rabbitmq": _rabbit_stop}
_CHECKERS = {
    "minio": _minio_status,
    "redis": _redis_status,
    "postgres": _pg_status,
    "rabbitmq": _rabbit_status,
}


# ---------------------------------------------------------------------------------------------- __main__


def _print_statuses(statuses: Sequence[ServiceStatus]) -> None:
    for st in statuses:
        state = "up" if st.answering else "DOWN"
        print(f"{st.name:<9} {st.address:<16} {state:<5} {st.version or '-':<22} {st.detail}")


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m sohoa.services start|stop|status [NAME ...]`` with the default development config."""
    parser = argparse.ArgumentParser(prog="python -m sohoa.services", description=main.__doc__)
    parser.add_argument("command", choices=("start", "stop", "status"))
    parser.add_argument("names", nargs="*", metavar="NAME", help=f"any of {', '.join(SERVICE_NAMES)}")
    parser.add_argument("--home", type=Path, help="services home; default <repo>/.local")
    parser.add_argument("--cache-dir", type=Path, help="holds minio-<version>/; default ~/.cache/sohoa")
    args = parser.parse_args(argv)
    kwargs: dict[str, object] = {}
    if args.home is not None:
        kwargs["home"] = args.home.resolve()
    if args.cache_dir is not None:
        kwargs["minio_binary"] = minio_binary_path(MINIO_VERSION, args.cache_dir)
    config = ServiceConfig(**kwargs)  # type: ignore[arg-type]
    names = args.names or None
    try:
        if args.command == "start":
            _print_statuses(start(config, names))
        elif args.command == "stop":
            stop(config, names)
            _print_statuses([s for s in status(config) if names is None or s.name in names])
        else:
            statuses = status(config)
            _print_statuses(statuses)
            return 0 if all(s.answering for s in statuses) else 1
    except (ServiceError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
