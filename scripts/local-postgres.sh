#!/usr/bin/env bash
# A private PostgreSQL for the tests on a machine without a running server:
# installs Debian's postgresql if needed and runs a trust-auth cluster on 127.0.0.1:54329.
set -euo pipefail
DATA=${OPENKREIS_PGDATA:-/tmp/openkreis-pgdata}
PORT=54329
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq postgresql >/dev/null
fi
BIN=$(dirname "$(ls /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n1)")
RUN_AS=()
if [ "$(id -u)" = 0 ]; then RUN_AS=(runuser -u postgres --); fi
case "${1:-start}" in
  start)
    if [ ! -f "$DATA/PG_VERSION" ]; then
      mkdir -p "$DATA"; [ "$(id -u)" = 0 ] && chown postgres "$DATA"
      "${RUN_AS[@]}" "$BIN/initdb" -D "$DATA" -U postgres --auth=trust -E UTF8 >/dev/null
    fi
    if ! "${RUN_AS[@]}" "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
      "${RUN_AS[@]}" "$BIN/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w \
        -o "-p $PORT -k /tmp -c listen_addresses=127.0.0.1" start >/dev/null
    fi
    echo "PostgreSQL on 127.0.0.1:$PORT ($DATA)";;
  stop) "${RUN_AS[@]}" "$BIN/pg_ctl" -D "$DATA" -m fast stop;;
esac
