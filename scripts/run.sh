#!/usr/bin/env bash
# Install Familyapp into .venv and serve it on http://127.0.0.1:5000 (add --demo for the demo family).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet ".[postgres]"
exec .venv/bin/familyapp run "$@"
