#!/usr/bin/env bash
# Set up (idempotent), start the local services, lint and type-check, then run the whole test suite
# against the real MinIO, Redis, PostgreSQL and Tesseract. Benchmarks are not part of it (bench/).
# Extra arguments go to pytest.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
scripts/setup.sh
scripts/services.sh start
echo "[test] ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
echo "[test] mypy"
.venv/bin/mypy
echo "[test] pytest"
.venv/bin/python -m pytest "$@"
