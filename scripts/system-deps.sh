#!/usr/bin/env bash
# Debian packages openkreis needs beside Python and Node: a browser for the UI tests,
# Tesseract (German) and Ghostscript for OCR of scanned mail, Pango for PDF letters
# (WeasyPrint), Redis for the Celery tests. Installs only what is missing; needs root or sudo the first time.
set -euo pipefail
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
want=(chromium fonts-dejavu-core fonts-liberation tesseract-ocr tesseract-ocr-deu ghostscript
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 libmagic1 poppler-utils redis-server)
missing=()
for pkg in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "== installing Debian packages: ${missing[*]}"
as_root apt-get update -qq
DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
