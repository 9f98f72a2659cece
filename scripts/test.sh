#!/usr/bin/env bash
# Run the whole suite: first on PostgreSQL (all tests, including the browser tests),
# then on SQLite (everything but the browser tests, which need no second database).
# Installs what the tests need when it is missing: Debian's chromium and PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
export PLAYWRIGHT_BROWSERS_PATH=0 PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
export DJANGO_ALLOW_ASYNC_UNSAFE=true   # Playwright's sync API runs an event loop in the test thread

bash scripts/system-deps.sh
export OPENKREIS_CHROMIUM="${OPENKREIS_CHROMIUM:-$(command -v chromium)}"

# --- PostgreSQL: use the server on 127.0.0.1:5432 if it answers, else start our own ---
PG_URL="${OPENKREIS_TEST_PG_URL:-}"
if [ -z "$PG_URL" ]; then
  if command -v psql >/dev/null && psql "postgresql://postgres@127.0.0.1:5432/postgres" -Atc 'select 1' >/dev/null 2>&1; then
    PG_URL="postgresql://postgres@127.0.0.1:5432/openkreis"
  else
    bash scripts/local-postgres.sh start
    PG_URL="postgresql://postgres@127.0.0.1:54329/openkreis"
  fi
fi
echo "== PostgreSQL: ${PG_URL}"

# --- Redis (Celery broker for the worker crash test): use the one on :6379, else start one ---
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
    --dir /tmp --logfile /tmp/openkreis-redis.log
  for _ in $(seq 50); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 0.1; done
fi
echo "== Redis: $(redis-cli -h 127.0.0.1 -p 6379 ping)"

echo "== lint (ruff)"
.venv/bin/ruff check openkreis bench tests scripts conftest.py

echo "== architecture (import-linter: apps depend only downward, see .importlinter)"
.venv/bin/lint-imports --no-cache

# Two pytest workers (pytest-xdist), one per core, each with its own test database and, for
# the browser tests, its own served portal. `--dist load` hands each worker its tests in
# collection order, so pytest-django's order holds inside a worker: the transactional tests
# (which empty the tables and restore the Harz snapshot) come after the others.
WORKERS=(-n "${OPENKREIS_TEST_WORKERS:-2}" --dist load)

echo "== suite on PostgreSQL (all tests)"
DATABASE_URL="$PG_URL" $PY -m pytest -p no:cacheprovider -q "${WORKERS[@]}" "$@"

echo "== suite on SQLite (all but the browser tests)"
env -u DATABASE_URL $PY -m pytest -p no:cacheprovider -q "${WORKERS[@]}" -m "not browser" "$@"
