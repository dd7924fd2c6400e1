#!/usr/bin/env bash
# Start, stop or query the local development services (MinIO, Redis, PostgreSQL on loopback).
#   scripts/services.sh start|stop|status [minio|redis|postgres ...]
# Data lives under .local/services/ (git-ignored). Run scripts/setup.sh first.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
[[ -x "$REPO/.venv/bin/python" ]] || { echo "no .venv: run scripts/setup.sh first" >&2; exit 1; }
case "${1:-}" in
  start | stop | status) ;;
  *) echo "usage: $0 start|stop|status [minio|redis|postgres ...]" >&2; exit 64 ;;
esac
cd "$REPO"
exec "$REPO/.venv/bin/python" -m sohoa.services "$@" \
  --cache-dir "${XDG_CACHE_HOME:-${HOME:?HOME is not set}/.cache}/sohoa"
