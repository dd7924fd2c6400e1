"""Vault benchmark: encrypted put/get against raw MinIO put/get of the same bytes in the same run, the index
lookup "valid documents of type T of owner O" over 1,000,000 documents in PostgreSQL, and peak memory for a
200 MB object. Run on demand (not part of the test suite):

    .venv/bin/python -m bench.vault                       # everything, defaults below
    .venv/bin/python -m bench.vault --docs 300 --big-mb 50 --lookup-docs 100000   # a quicker look

Needs the local services (``scripts/services.sh start``). Writes to a bucket ``sohoa-bench`` and a database
``sohoa_bench`` (created here; the 1,000,000 rows are kept for the next run unless ``--rebuild``), keys in a
home of its own under ``.local/bench/``. Results are printed and written as JSON under ``.local/bench/``.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO, cast

from sqlalchemy import create_engine, text

from bench.database import ensure_bench_database
from vault.access import Actor
from vault.crypto import LocalKeyFileProvider
from vault.index import Owner, make_engine, make_sessionmaker
from vault.naming import object_name
from vault.store import ObjectStore, StoreOptions
from vault.vault import Vault, VaultOptions, valid_documents_query

REPO_ROOT = Path(__file__).resolve().parents[2]

BUCKET = "sohoa-bench"
DATABASE = "sohoa_bench"
SMALL = 200 * 1024
TYPES = (
    "cccd_2021",
    "birth_certificate",
    "household_registration",
    "marriage_certificate",
    "diploma",
    "land_use_certificate",
    "driving_licence",
    "passport",
)


class Sink(io.RawIOBase):
    """Counts and drops what is written (a download that goes nowhere)."""

    def __init__(self) -> None:
        self.count = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        size = len(data)
        self.count += size
        return size


# --------------------------------------------------------------------------------------------- set-up
# The parent builds everything through the application shell (sohoa.app), as the product does; the child
# processes that measure the 200 MB object import the vault package only, so that their memory is the
# vault's and not the OCR pipeline's.
def bench_settings(home: Path, database: str = "sohoa") -> Any:
    from sohoa.app import service_config
    from sohoa.services import start
    from sohoa.settings import Settings

    config = service_config(Settings())
    start(config)
    return Settings(
        home=home,
        database_url=config.database_url(database),
        s3_endpoint=config.minio_endpoint,
        s3_access_key=config.minio_root_user,
        s3_secret_key=config.minio_root_password,
        s3_bucket=BUCKET,
    )


def make_vault(home: Path, database_url: str) -> Vault:
    from sohoa.app import build_vault

    settings = bench_settings(home).model_copy(update={"database_url": database_url})
    vault = build_vault(settings)
    vault.store.ensure_bucket()
    return vault


def make_plain_vault(home: Path, database_url: str, part_mb: int, parallel: int) -> Vault:
    """The vault from its own package only (what a vault-only process would hold), on the bench's store."""
    config = json.loads(os.environ["SOHOA_BENCH_STORE"])
    store = ObjectStore(StoreOptions(**config, part_size=part_mb * 1024 * 1024, parallel_uploads=parallel))
    return Vault(
        store,
        LocalKeyFileProvider(home / "keys" / "kek.key"),
        make_sessionmaker(make_engine(database_url)),
        VaultOptions(pepper=(home / "keys" / "pepper.key").read_bytes()),
    )


def bench_owner(vault: Vault) -> Owner:
    with vault.session() as session:
        owner = vault.ensure_owner(session, "001099" + str(random.randrange(10**6)).zfill(6))
    return owner


# --------------------------------------------------------------------------------------------- throughput
def timed(run: Callable[[], None]) -> float:
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def small_documents(vault: Vault, owner: Owner, count: int, threads: int, rounds: int) -> dict[str, Any]:
    """Raw vs encrypted put/get of ``count`` 200 KB documents, sequential and with ``threads`` threads."""
    store = vault.store
    payloads = [os.urandom(SMALL) for _ in range(count)]
    ids = [uuid.uuid4() for _ in range(count)]
    raw_names = [f"bench/raw/{i}" for i in ids]

    def raw_put(i: int) -> None:
        store.put(raw_names[i], io.BytesIO(payloads[i]), SMALL)

    def raw_get(i: int) -> None:  # the SDK as it comes: one read of the whole body
        response = store.client.get_object(store.bucket, raw_names[i])
        try:
            assert response.read() == payloads[i]
        finally:
            response.close()
            response.release_conn()

    versions: dict[int, str | None] = {}

    def enc_put(i: int) -> None:
        _, versions[i], _ = vault._put_encrypted(owner, ids[i], "original", io.BytesIO(payloads[i]), SMALL)

    def enc_get(i: int) -> None:
        sink = io.BytesIO()
        name = object_name(owner.owner_ref, ids[i], "original")
        vault._decrypt_into(owner, ids[i], name, versions[i], cast(BinaryIO, sink))
        assert sink.getvalue() == payloads[i]

    results: dict[str, Any] = {"documents": count, "size_bytes": SMALL, "rounds": rounds}
    operations = (("raw_put", raw_put), ("enc_put", enc_put), ("raw_get", raw_get), ("enc_get", enc_get))
    for label, workers in (("sequential", 1), (f"{threads}_threads", threads)):
        # Rounds interleave raw and encrypted runs so that drift (the machine, MinIO's own work) hits both;
        # each figure is the median of the rounds.
        runs: dict[str, list[float]] = {name: [] for name, _ in operations}
        for _round in range(rounds):
            if workers == 1:
                # Document by document, raw and encrypted alternately (and in alternating order), so that
                # whatever the machine or MinIO does meanwhile weighs on both alike.
                spent = dict.fromkeys(runs, 0.0)
                for phase in (operations[:2], operations[2:]):
                    for i in range(count):
                        for name, op in phase if i % 2 == 0 else phase[::-1]:
                            spent[name] += timed(lambda op=op, i=i: op(i))  # type: ignore[misc]
                for name, value in spent.items():
                    runs[name].append(value)
            else:
                for name, op in operations:
                    with ThreadPoolExecutor(workers) as pool:
                        runs[name].append(timed(lambda op=op, pool=pool: list(pool.map(op, range(count)))))  # type: ignore[misc]
        times = {name: statistics.median(values) for name, values in runs.items()}
        mb = count * SMALL / 1e6
        results[label] = {
            name: {"seconds": round(t, 3), "MB_per_s": round(mb / t, 1), "docs_per_s": round(count / t, 1)}
            for name, t in times.items()
        }
        results[label]["put_ratio"] = round(times["raw_put"] / times["enc_put"], 3)
        results[label]["get_ratio"] = round(times["raw_get"] / times["enc_get"], 3)
    return results


def full_api_documents(vault: Vault, count: int, tmp: Path) -> dict[str, Any]:
    """The whole vault path per document: intake (one-pass hash + encrypt + put + index rows + audit record,
    committed) and an owner's read (policy check + audit record + get + decrypt)."""
    owner_id = "001098" + str(random.randrange(10**6)).zfill(6)
    clerk = Actor.clerk("bench-clerk")
    files = []
    for i in range(count):
        path = tmp / f"doc-{i}.bin"
        path.write_bytes(os.urandom(SMALL))
        files.append(path)
    ids: list[uuid.UUID] = []

    def put_all() -> None:
        for i, path in enumerate(files):
            with vault.session() as session:
                owner = vault.ensure_owner(session, owner_id, actor=clerk)
                document, _ = vault.store_original(
                    session, owner, path, actor=clerk, batch=None, position=i, media_type="application/pdf"
                )
                ids.append(document.id)

    owner_actor = Actor.system("bench-reader")

    def get_all() -> None:
        for document_id in ids:
            with vault.session() as session:
                vault.read_into(session, owner_actor, document_id, cast(BinaryIO, Sink()), "original")

    put_s, get_s = timed(put_all), timed(get_all)
    mb = count * SMALL / 1e6
    return {
        "documents": count,
        "put": {
            "seconds": round(put_s, 3),
            "MB_per_s": round(mb / put_s, 1),
            "docs_per_s": round(count / put_s, 1),
        },
        "get": {
            "seconds": round(get_s, 3),
            "MB_per_s": round(mb / get_s, 1),
            "docs_per_s": round(count / get_s, 1),
        },
    }


# --------------------------------------------------------------------------------------------- 200 MB object
def big_object(
    home: Path, database_url: str, size_mb: int, tmp: Path, rounds: int, part_mb: int, parallel: int
) -> dict[str, Any]:
    """Raw vs encrypted, streamed from and to a file; each operation in a process of its own (peak memory)."""
    path = tmp / "big.bin"
    with path.open("wb") as handle:
        for _ in range(size_mb):
            handle.write(os.urandom(1024 * 1024))
    state = tmp / "big-state.json"
    vault = make_vault(home, database_url)
    options = vault.store.options
    child_env = dict(os.environ)
    child_env["SOHOA_BENCH_STORE"] = json.dumps(
        {
            "endpoint": options.endpoint,
            "access_key": options.access_key,
            "secret_key": options.secret_key,
            "bucket": options.bucket,
        }
    )
    owner = bench_owner(vault)
    state.write_text(json.dumps({"owner": str(owner.id), "document": str(uuid.uuid4())}))
    results: dict[str, Any] = {"size_MB": size_mb, "rounds": rounds, "part_MB": part_mb, "parallel": parallel}
    runs: dict[str, list[dict[str, float]]] = {op: [] for op in ("raw_put", "enc_put", "raw_get", "enc_get")}
    for _round in range(rounds):
        for op in runs:
            child = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "bench.vault",
                    "_big",
                    op,
                    str(home),
                    database_url,
                    str(path),
                    str(state),
                    str(part_mb),
                    str(parallel),
                ],
                capture_output=True,
                text=True,
                check=False,
                cwd=REPO_ROOT,
                env=child_env,
            )
            if child.returncode != 0:
                raise RuntimeError(f"{op} failed:\n{child.stderr[-3000:]}")
            runs[op].append(json.loads(child.stdout.strip().splitlines()[-1]))
    size = size_mb * 1024 * 1024
    for op, measured in runs.items():
        seconds = statistics.median(m["seconds"] for m in measured)
        results[op] = {
            "seconds": round(seconds, 3),
            "MB_per_s": round(size / 1e6 / seconds, 1),
            # memory: the worst round
            **{key: max(m[key] for m in measured) for key in measured[0] if key != "seconds"},
        }
    results["put_ratio"] = round(results["raw_put"]["seconds"] / results["enc_put"]["seconds"], 3)
    results["get_ratio"] = round(results["raw_get"]["seconds"] / results["enc_get"]["seconds"], 3)
    return results


def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def big_child(
    op: str, home: Path, database_url: str, path: Path, state_path: Path, part_mb: int, parallel: int
) -> None:
    """One operation on the big object, in its own process: time, peak RSS over the set-up baseline
    (VmHWM reset through /proc/self/clear_refs), and the peak of Python allocations (tracemalloc)."""
    vault = make_plain_vault(home, database_url, part_mb, parallel)
    size = path.stat().st_size
    state = json.loads(state_path.read_text())
    with vault.session() as session:
        owner = session.get_one(Owner, uuid.UUID(state["owner"]))
    document_id = uuid.UUID(state["document"])
    vault.data_key(owner)  # unwrap once, outside the measurement
    raw_name = f"bench/raw-big/{document_id}"
    Path("/proc/self/clear_refs").write_text("5")
    baseline = _status_kib("VmRSS")
    tracemalloc.start()
    started = time.perf_counter()
    if op == "raw_put":
        with path.open("rb") as source:
            vault.store.put(raw_name, source, size)
    elif op == "enc_put":
        with path.open("rb") as source:
            _, version, _ = vault._put_encrypted(owner, document_id, "original", source, size)
        state["version"] = version
    elif op == "raw_get":
        sink = Sink()
        response = vault.store.client.get_object(vault.store.bucket, raw_name)
        try:
            for block in response.stream(1024 * 1024):
                sink.write(block)
        finally:
            response.close()
            response.release_conn()
        assert sink.count == size
    else:
        sink = Sink()
        name = object_name(owner.owner_ref, document_id, "original")
        vault._decrypt_into(owner, document_id, name, state.get("version"), cast(BinaryIO, sink))
        assert sink.count == size
    seconds = time.perf_counter() - started
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    peak = _status_kib("VmHWM")
    if op == "enc_put":
        state_path.write_text(json.dumps(state))
    print(
        json.dumps(
            {
                "seconds": round(seconds, 3),
                "rss_baseline_MB": round(baseline / 1024, 1),
                "rss_peak_MB": round(peak / 1024, 1),
                "rss_peak_over_baseline_MB": round((peak - baseline) / 1024, 1),
                "python_alloc_peak_MB": round(traced_peak / 2**20, 1),
            }
        )
    )


# --------------------------------------------------------------------------------------------- lookups
def load_documents(vault: Vault, database_url: str, total: int, per_owner: int) -> dict[str, Any]:
    """Bulk-load ``total`` documents (``per_owner`` each) with COPY, unless already there."""
    engine = create_engine(database_url)
    with engine.connect() as connection:
        have = connection.execute(
            text("SELECT count(*) FROM documents WHERE media_type = 'bench/lookup'")
        ).scalar()
    if have and have >= total:
        engine.dispose()
        return {"loaded": 0, "present": int(have), "seconds": 0.0}
    if have:  # a smaller set from an earlier run: replace it
        with engine.begin() as connection:
            connection.execute(text("DELETE FROM documents WHERE media_type = 'bench/lookup'"))
            connection.execute(text("DELETE FROM owners WHERE kek_id = 'bench:none'"))
    owners = total // per_owner
    started = time.perf_counter()
    rng = random.Random(20261122)
    today = date.today()
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        with cursor.copy(
            "COPY owners (id, owner_ref, kind, kek_id, wrapped_data_key, created_at) FROM STDIN"
        ) as copy:  # type: ignore[attr-defined]
            owner_pks = []
            for n in range(owners):
                pk = uuid.UUID(int=rng.getrandbits(128), version=4)
                owner_pks.append(pk)
                reference = vault.owner_ref(lookup_owner_id(n))
                copy.write_row((pk, reference, "citizen", "bench:none", b"\x00", datetime.now(UTC)))
        columns = (
            "id, owner_id, source_position, original_sha256, original_size, media_type, state, document_type,"
            " valid_from, valid_until, original_object, signature_level, signature_valid, attempts,"
            " revoked_at, created_at, updated_at"
        )
        with cursor.copy(f"COPY documents ({columns}) FROM STDIN") as copy:  # type: ignore[attr-defined]
            now = datetime.now(UTC)
            for n, owner_pk in enumerate(owner_pks):
                for k in range(per_owner):
                    doc = uuid.UUID(int=rng.getrandbits(128), version=4)
                    state = "stored" if rng.random() < 0.9 else rng.choice(("needs_review", "rejected"))
                    valid_until = (
                        today + timedelta(days=rng.randint(-2000, 3000)) if rng.random() < 0.7 else None
                    )
                    revoked = now if rng.random() < 0.02 else None
                    copy.write_row(
                        (
                            doc,
                            owner_pk,
                            k,
                            hashlib.sha256(doc.bytes).hexdigest(),
                            SMALL,
                            "bench/lookup",
                            state,
                            TYPES[(n + k) % len(TYPES)] if k < len(TYPES) else rng.choice(TYPES),
                            None,
                            valid_until,
                            f"v1/00/{n}/{doc}/original",
                            "B-LT",
                            True,
                            1,
                            revoked,
                            now - timedelta(days=rng.randint(0, 3000)),
                            now,
                        )
                    )
        raw.commit()
    finally:
        raw.close()
    with engine.begin() as connection:
        connection.execute(text("ANALYZE owners"))
        connection.execute(text("ANALYZE documents"))
    engine.dispose()
    return {"loaded": total, "present": total, "seconds": round(time.perf_counter() - started, 1)}


def lookup_owner_id(n: int) -> str:
    return "002" + str(n).zfill(9)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def lookups(vault: Vault, total: int, per_owner: int, samples: int) -> dict[str, Any]:
    """p50/p99 of "valid documents of type T of owner O": the index query alone (owner known by its HMAC
    reference, as the vault knows it), and the whole vault call (HMAC, policy check, audit record)."""
    owners = total // per_owner
    rng = random.Random(7)
    picks = [(lookup_owner_id(rng.randrange(owners)), rng.choice(TYPES)) for _ in range(samples)]
    today = date.today()
    query_ms: list[float] = []
    api_ms: list[float] = []
    found = 0
    with vault.sessions() as session:
        for owner_id, document_type in picks[:50]:  # warm-up
            list(session.scalars(valid_documents_query(vault.owner_ref(owner_id), document_type, today)))
        for owner_id, document_type in picks:
            started = time.perf_counter()
            rows = list(
                session.scalars(valid_documents_query(vault.owner_ref(owner_id), document_type, today))
            )
            query_ms.append((time.perf_counter() - started) * 1000)
            found += len(rows)
            session.expunge_all()
        session.rollback()
    auditor = Actor.auditor("bench-auditor")
    for owner_id, document_type in picks:
        started = time.perf_counter()
        with vault.session() as session:
            vault.valid_documents(session, auditor, owner_id, document_type, today)
        api_ms.append((time.perf_counter() - started) * 1000)
    with vault.sessions() as session:
        plan = "\n".join(
            row[0]
            for row in session.execute(
                text(
                    "EXPLAIN ANALYZE SELECT documents.* FROM documents"
                    " JOIN owners ON documents.owner_id = owners.id"
                    " WHERE owners.owner_ref = :o AND document_type = :t"
                    " AND state = 'stored' AND signature_valid AND revoked_at IS NULL"
                    " AND superseded_by IS NULL"
                    " AND (valid_until IS NULL OR valid_until >= :d) ORDER BY documents.created_at DESC"
                ),
                {
                    "o": vault.owner_ref(picks[0][0]),
                    "t": picks[0][1],
                    "d": today,
                },
            )
        )
    return {
        "documents": total,
        "samples": samples,
        "rows_returned_mean": round(found / samples, 2),
        "query_ms": {"p50": round(percentile(query_ms, 50), 3), "p99": round(percentile(query_ms, 99), 3)},
        "vault_call_ms": {"p50": round(percentile(api_ms, 50), 3), "p99": round(percentile(api_ms, 99), 3)},
        "plan": plan,
    }


# --------------------------------------------------------------------------------------------- main
def main(argv: list[str] | None = None) -> int:
    args = argv if argv is not None else sys.argv[1:]
    if args and args[0] == "_big":
        big_child(args[1], Path(args[2]), args[3], Path(args[4]), Path(args[5]), int(args[6]), int(args[7]))
        return 0
    parser = argparse.ArgumentParser(prog="python -m bench.vault", description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=500, help="200 KB documents for the throughput runs")
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds; figures are medians")
    parser.add_argument("--big-mb", type=int, default=200)
    parser.add_argument("--part-mb", type=int, default=8, help="multipart part size for the big object")
    parser.add_argument("--parallel", type=int, default=2, help="parallel part uploads for the big object")
    parser.add_argument("--lookup-docs", type=int, default=1_000_000)
    parser.add_argument("--per-owner", type=int, default=10)
    parser.add_argument("--samples", type=int, default=5000)
    parser.add_argument("--rebuild", action="store_true", help="drop and reload the lookup database")
    parser.add_argument("--skip", action="append", default=[], choices=["small", "api", "big", "lookup"])
    options = parser.parse_args(args)

    with tempfile.TemporaryDirectory(prefix="sohoa-bench-") as tmpdir:
        tmp = Path(tmpdir)
        home = REPO_ROOT / ".local" / "bench" / "home"  # kept: the pepper must match the kept lookup rows
        database_url = ensure_bench_database(DATABASE, rebuild=options.rebuild)
        vault = make_vault(home, database_url)
        report: dict[str, Any] = {
            "when": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
            "chunk_size": vault.options.chunk_size,
            "part_size": vault.store.options.part_size,
            "parallel_uploads": vault.store.options.parallel_uploads,
        }
        owner = bench_owner(vault)
        if "small" not in options.skip:
            report["small_200KB"] = small_documents(
                vault, owner, options.docs, options.threads, options.rounds
            )
            print(json.dumps({"small_200KB": report["small_200KB"]}, indent=1), flush=True)
        if "api" not in options.skip:
            report["full_vault_api_200KB"] = full_api_documents(vault, min(options.docs, 300), tmp)
            print(json.dumps({"full_vault_api_200KB": report["full_vault_api_200KB"]}, indent=1), flush=True)
        if "big" not in options.skip:
            report["big_object"] = big_object(
                home, database_url, options.big_mb, tmp, options.rounds, options.part_mb, options.parallel
            )
            print(json.dumps({"big_object": report["big_object"]}, indent=1), flush=True)
        if "lookup" not in options.skip:
            report["lookup_load"] = load_documents(
                vault, database_url, options.lookup_docs, options.per_owner
            )
            report["lookup"] = lookups(vault, options.lookup_docs, options.per_owner, options.samples)
            print(
                json.dumps({"lookup_load": report["lookup_load"], "lookup": report["lookup"]}, indent=1),
                flush=True,
            )
        vault.store.delete_all_versions("bench/")
        vault.store.delete_all_versions("v1/")
    out = REPO_ROOT / ".local" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    target = out / f"vault-{datetime.now(UTC):%Y%m%dT%H%M%S}.json"
    target.write_text(json.dumps(report, indent=1))
    print(f"written {target}")
    return 0


if __name__ == "__main__":
    threading.current_thread().name = "bench"
    sys.exit(main())
