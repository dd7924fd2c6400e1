#!/usr/bin/env bash
# Idempotent set-up of a development machine (Debian 12) for sohoa. Safe to rerun; fast when all is present.
#
#   1. Debian packages (OCR, PDF tools, fonts, Redis, PostgreSQL 15, SoftHSM2); apt runs only if one is missing
#   2. Python venv at .venv with `pip install -e '.[dev]'`; skipped while pyproject.toml is unchanged
#   3. MinIO, built from source at the version pinned in sohoa/services.py (MINIO_VERSION) into a per-user
#      cache keyed by version, ${XDG_CACHE_HOME:-$HOME/.cache}/sohoa/minio-<version>/bin/minio, so every clone
#      on the machine shares it; built only when missing
#   4. checks: Tesseract languages, PostgreSQL binaries, a font with Vietnamese coverage (DejaVu Sans)
#
# Services are not started here: scripts/services.sh start (or `sohoa services start`).
# Environment: PYTHON (interpreter for a new venv, default python3.11), GO (default: go on PATH, else
# /usr/local/go/bin/go), XDG_CACHE_HOME.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"

say() { printf '[setup] %s\n' "$*"; }
die() { printf '[setup] ERROR: %s\n' "$*" >&2; exit 1; }

CACHE="${XDG_CACHE_HOME:-${HOME:?HOME is not set}/.cache}/sohoa"
mkdir -p "$CACHE"

# ------------------------------------------------------------------------------------------ 1. Debian packages
APT_PACKAGES=(
  tesseract-ocr tesseract-ocr-vie tesseract-ocr-eng tesseract-ocr-osd
  poppler-utils qpdf icc-profiles-free
  openjdk-17-jre-headless
  fonts-dejavu-core fonts-noto-core fontconfig
  redis-server postgresql rabbitmq-server
  softhsm2
  python3-venv
)
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  if [[ "$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)" != installed ]]; then
    missing+=("$pkg")
  fi
done
if ((${#missing[@]})); then
  say "installing Debian packages: ${missing[*]}"
  if ((EUID == 0)); then
    as_root=()
  elif command -v sudo >/dev/null 2>&1; then
    as_root=(sudo)
  else
    die "not root and no sudo: install these packages first: ${missing[*]}"
  fi
  # The redis-server / postgresql packages may try to start their own system services (6379, 5432);
  # sohoa neither uses nor needs them: its own instances run on other ports (sohoa/services.py).
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  say "Debian packages: all ${#APT_PACKAGES[@]} present"
fi

# ------------------------------------------------------------------------------------------ 2. Python venv
if [[ ! -x .venv/bin/python ]]; then
  py="${PYTHON:-}"
  if [[ -z "$py" ]]; then
    for candidate in python3.11 python3; do
      if command -v "$candidate" >/dev/null 2>&1 &&
        "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then
        py="$candidate"
        break
      fi
    done
  fi
  [[ -n "$py" ]] || die "Python 3.11 not found (set PYTHON=/path/to/python3.11)"
  say "creating .venv with $py ($("$py" --version 2>&1))"
  "$py" -m venv .venv || die "'$py -m venv' failed (Debian's python3 needs the python3-venv package)"
fi
.venv/bin/python -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' ||
  die ".venv is not Python 3.11: remove it and rerun"

stamp=.venv/.sohoa-install-stamp
want="$(cat pyproject.toml <(.venv/bin/python -V 2>&1) | sha256sum | cut -d' ' -f1)"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]] && .venv/bin/python -c 'import sohoa' 2>/dev/null; then
  say "Python venv: up to date (pyproject.toml unchanged)"
else
  say "Python venv: pip install -e '.[dev]' (log .venv/pip-install.log)"
  if ! .venv/bin/python -m pip install --disable-pip-version-check -e '.[dev]' >.venv/pip-install.log 2>&1; then
    tail -n 25 .venv/pip-install.log >&2
    die "pip install failed; full log: .venv/pip-install.log"
  fi
  printf '%s\n' "$want" >"$stamp"
fi

# ------------------------------------------------------------------------------------------ 3. MinIO
MINIO_VERSION="$(sed -n 's/^MINIO_VERSION = "\(.*\)"$/\1/p' sohoa/services.py)"
[[ -n "$MINIO_VERSION" ]] || die "MINIO_VERSION not found in sohoa/services.py"
[[ "$MINIO_VERSION" =~ ([0-9]{4})([0-9]{2})([0-9]{2})([0-9]{2})([0-9]{2})([0-9]{2})-([0-9a-f]{12})$ ]] ||
  die "MINIO_VERSION $MINIO_VERSION is not a Go pseudo-version"
r=("${BASH_REMATCH[@]}")
# `go install` alone leaves MinIO's version as DEVELOPMENT.GOGET; set it as MinIO's buildscripts/gen-ldflags.go
# does, from the commit time in the pseudo-version, so the server reports which build it is.
minio_release="${r[1]}-${r[2]}-${r[3]}T${r[4]}:${r[5]}:${r[6]}Z"
minio_tag="DEVELOPMENT.${r[1]}-${r[2]}-${r[3]}T${r[4]}-${r[5]}-${r[6]}Z"
minio_commit="${r[7]}"
minio_dir="$CACHE/minio-$MINIO_VERSION"
minio_bin="$minio_dir/bin/minio"

minio_ok() {
  [[ -x "$minio_bin" ]] && "$minio_bin" --version 2>/dev/null | head -n1 | grep -qF "minio version $minio_tag "
}

if minio_ok; then
  say "MinIO $MINIO_VERSION: present ($minio_bin)"
else
  go="${GO:-$(command -v go || echo /usr/local/go/bin/go)}"
  [[ -x "$go" ]] || die "Go not found. MinIO is built from source and needs Go >= 1.24; Debian 12's \
golang-go (1.19) is too old. Install Go from https://go.dev/dl/ into /usr/local/go (or set GO=/path/to/go) \
and rerun."
  mkdir -p "$minio_dir"
  exec 9>"$minio_dir/.build.lock"
  flock 9 # another setup.sh (another clone) may be building the same version right now
  if minio_ok; then
    say "MinIO $MINIO_VERSION: built meanwhile by another run"
  else
    say "MinIO $MINIO_VERSION: building with $("$go" version | cut -d' ' -f3) (several minutes the first time)"
    tmp="$minio_dir/bin.tmp.$$"
    rm -rf "$tmp"
    mkdir -p "$tmp"
    m=github.com/minio/minio/cmd
    ldflags="-s -w -X $m.Version=$minio_release -X $m.ReleaseTag=$minio_tag -X $m.CommitID=$minio_commit"
    ldflags+=" -X $m.ShortCommitID=$minio_commit -X $m.CopyrightYear=${r[1]}"
    if ! GOBIN="$tmp" CGO_ENABLED=0 GOFLAGS='' "$go" install -ldflags "$ldflags" \
      "github.com/minio/minio@$MINIO_VERSION" >"$minio_dir/build.log" 2>&1; then
      rm -rf "$tmp"
      tail -n 20 "$minio_dir/build.log" >&2
      die "MinIO build failed; full log: $minio_dir/build.log"
    fi
    mkdir -p "$minio_dir/bin"
    mv -f "$tmp/minio" "$minio_bin"
    rm -rf "$tmp"
    minio_ok || die "built $minio_bin but it does not report version $minio_tag"
    say "MinIO $MINIO_VERSION: built ($minio_bin)"
  fi
  exec 9>&-
fi

# ------------------------------------------------------------------------------------------ 3b. docker compose
# Only the client: there is no Docker engine on development machines, but `docker compose config` validates the
# production docker-compose.yml in the tests. Debian 12 has no compose v2 plugin, so it is built from source
# (pinned) into the cache and linked as a CLI plugin of the current user.
COMPOSE_VERSION=v2.40.3
compose_bin="$CACHE/tools/compose-$COMPOSE_VERSION/bin/docker-compose"
plugin_dir="${DOCKER_CONFIG:-$HOME/.docker}/cli-plugins"
if [[ ! -x "$compose_bin" ]]; then
  go="${GO:-$(command -v go || echo /usr/local/go/bin/go)}"
  [[ -x "$go" ]] || die "Go not found (needed to build the docker compose plugin)"
  say "docker compose $COMPOSE_VERSION: building the CLI plugin (a few minutes the first time)"
  mkdir -p "$(dirname "$compose_bin")"
  # `go install pkg@version` refuses compose's go.mod (it has exclude directives): build inside the module.
  src="$CACHE/tools/compose-src.$$"
  rm -rf "$src"
  if ! {
    moddir="$(GOFLAGS='' "$go" mod download -json "github.com/docker/compose/v2@$COMPOSE_VERSION" |
      sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')" &&
      cp -r "$moddir" "$src" && chmod -R u+w "$src" &&
      (cd "$src" && CGO_ENABLED=0 GOFLAGS='' "$go" build -trimpath \
        -ldflags "-s -w -X github.com/docker/compose/v2/internal.Version=$COMPOSE_VERSION" \
        -o "$compose_bin.tmp" ./cmd)
  } >"$CACHE/tools/compose-build.log" 2>&1; then
    rm -rf "$src"
    tail -n 20 "$CACHE/tools/compose-build.log" >&2
    die "docker compose build failed; full log: $CACHE/tools/compose-build.log"
  fi
  rm -rf "$src"
  mv -f "$compose_bin.tmp" "$compose_bin"
fi
mkdir -p "$plugin_dir"
ln -sfn "$compose_bin" "$plugin_dir/docker-compose"
say "docker compose $COMPOSE_VERSION: present ($compose_bin)"

# ------------------------------------------------------------------------------------------ 3c. veraPDF
# PDF/A validator for tests/integration/test_pipeline_pages.py (java from openjdk-17-jre-headless above).
VERAPDF_VERSION=1.28.2
VERAPDF_SHA1=7484fd844c7f2fc5c7f554f25511e2a1b2a7dc00
verapdf_jar=".local/verapdf/greenfield-apps-$VERAPDF_VERSION.jar"
command -v java >/dev/null 2>&1 || die "java missing (package openjdk-17-jre-headless)"
if [[ ! -f "$verapdf_jar" ]]; then
  mkdir -p .local/verapdf
  curl -fsSL -o "$verapdf_jar.tmp" \
    "https://repo1.maven.org/maven2/org/verapdf/apps/greenfield-apps/$VERAPDF_VERSION/greenfield-apps-$VERAPDF_VERSION.jar"
  echo "$VERAPDF_SHA1  $verapdf_jar.tmp" | sha1sum -c --quiet - || die "veraPDF jar checksum mismatch"
  mv -f "$verapdf_jar.tmp" "$verapdf_jar"
fi
say "veraPDF $VERAPDF_VERSION: present ($verapdf_jar)"

# ------------------------------------------------------------------------------------------ 4. checks
langs="$(tesseract --list-langs 2>/dev/null || true)"
for lang in vie eng osd; do
  grep -qx "$lang" <<<"$langs" || die "Tesseract language '$lang' missing (package tesseract-ocr-$lang)"
done
for exe in initdb pg_ctl postgres; do
  [[ -x "/usr/lib/postgresql/15/bin/$exe" ]] || die "/usr/lib/postgresql/15/bin/$exe missing (package postgresql-15)"
done
command -v redis-server >/dev/null || die "redis-server missing (package redis-server)"
fc-list :lang=vi family | grep -q 'DejaVu Sans' ||
  die "no Vietnamese-capable DejaVu Sans font (fc-list :lang=vi); install fonts-dejavu-core and run fc-cache -f"
say "checks: tesseract vie/eng/osd, PostgreSQL 15, redis-server, DejaVu Sans (Vietnamese) OK"
say "done. Start the local services with: scripts/services.sh start"
