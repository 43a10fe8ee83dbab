#!/usr/bin/env bash
# Install everything the tests need, then run lint, types and the whole suite on SQLite and on
# PostgreSQL. FAMILYAPP_TEST_DATABASE_URL picks the PostgreSQL server (default: the local one).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
PG_URL="${FAMILYAPP_TEST_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/test}"

if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e ".[test]"

# Debian packages the tests use, installed only when missing, in one apt-get call: chromium for
# the browser tests (no browser downloads), zbarimg (zbar-tools) to decode the QR codes of
# emergency cards and pdftoppm (poppler-utils) to render the printed cards for it; a CJK font.
MISSING=()
if ! command -v chromium >/dev/null 2>&1; then MISSING+=(chromium); fi
if ! command -v zbarimg >/dev/null 2>&1; then MISSING+=(zbar-tools); fi
if ! command -v pdftoppm >/dev/null 2>&1; then MISSING+=(poppler-utils); fi
# Chinese, Japanese and Korean glyphs for the printed plans (usually pulled in by chromium).
if [ ! -f /usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf ]; then MISSING+=(fonts-droid-fallback); fi
if [ "${#MISSING[@]}" -gt 0 ]; then
  SUDO=""
  if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${MISSING[@]}" >/dev/null
fi
# axe-core for the accessibility checks and web-push-testing (a push-service emulator that
# checks VAPID and decrypts) for the push tests, pinned by package-lock.json.
if [ ! -f node_modules/axe-core/axe.min.js ] || [ ! -f node_modules/web-push-testing/src/bin/server.js ]; then
  npm ci --no-audit --no-fund --silent
fi

echo "== ruff"; .venv/bin/ruff check familyapp tests
echo "== mypy"; .venv/bin/mypy
echo "== catalogs"; .venv/bin/pybabel compile --statistics -d translations 2>&1 | tail -n 3

echo "== tests on SQLite"
.venv/bin/pytest -q --durations=15 "$@"

# The PostgreSQL pass runs every test that reaches a database server; the pure ones (about
# 400: valuation, recurrence, parsers, catalogs) ran in the SQLite pass and are deselected here
# (tests/conftest.py pytest_collection_modifyitems).
echo "== tests on PostgreSQL ($PG_URL)"
if .venv/bin/python - "$PG_URL" <<'PY'
import sys
import psycopg
try:
    psycopg.connect(sys.argv[1], connect_timeout=3).close()
except Exception as error:
    print(error)
    sys.exit(1)
PY
then
  FAMILYAPP_TEST_DATABASE_URL="$PG_URL" .venv/bin/pytest -q --durations=15 "$@"
else
  echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
  echo "!!  PostgreSQL at $PG_URL is NOT reachable: the PostgreSQL run is SKIPPED."
  echo "!!  Only SQLite was tested. Set FAMILYAPP_TEST_DATABASE_URL to a reachable server."
  echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
fi
