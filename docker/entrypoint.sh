#!/bin/sh
# Docker secrets -> environment: for every VAR_FILE=/path set for a SOHOA_* variable or PGPASSWORD, export
# VAR with the file's content (trailing newlines dropped), then run the command. libpq reads PGPASSWORD, so
# SOHOA_DATABASE_URL can stay free of the password.
set -eu
for var in $(env | sed -n 's/^\(SOHOA_[A-Z0-9_]*\|PGPASSWORD\)_FILE=.*/\1/p'); do
  file="$(printenv "${var}_FILE")"
  [ -r "$file" ] || { echo "sohoa-entrypoint: ${var}_FILE=$file is not readable" >&2; exit 1; }
  value="$(cat "$file")"
  export "$var=$value"
  unset "${var}_FILE"
done
exec "$@"
