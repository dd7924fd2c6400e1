#!/usr/bin/env bash
# The main job on a fresh machine: set everything up, start the local services, then run a sample batch of
# one citizen end to end (intake → Dramatiq workers → OCR → signature → encrypted vault) and its reuse in a
# second dossier. Extra arguments go to `sohoa demo` (e.g. --seed 7).
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
scripts/setup.sh
scripts/services.sh start
# The index lives in the local PostgreSQL (without SOHOA_DATABASE_URL sohoa falls back to SQLite).
export SOHOA_DATABASE_URL="${SOHOA_DATABASE_URL:-postgresql+psycopg://sohoa:sohoa@127.0.0.1:15432/sohoa}"
exec .venv/bin/sohoa demo "$@"
