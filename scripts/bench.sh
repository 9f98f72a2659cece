#!/usr/bin/env bash
# Run every benchmark under bench/ (by hand; not part of `make test`).
set -euo pipefail
cd "$(dirname "$0")/.."
for bench in bench/*.py; do
  echo "== $bench"
  .venv/bin/python "$bench"
done
