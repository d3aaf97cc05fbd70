#!/usr/bin/env bash
# Installs everything datarun needs on a fresh machine; safe to run again (it skips what is done).
#  1. Node dependencies (npm ci, from package-lock.json) and the build (dist/).
#  2. The Python stack the runner uses: numpy, pandas, scikit-learn.
#     Debian/Ubuntu as root: apt-get install python3-sklearn python3-pandas (PyPI not needed).
#     Elsewhere: a virtualenv in .venv with pip, when PyPI is reachable.
#  --production (the Docker image): afterwards, drop the packages only the build needs.
set -euo pipefail
cd "$(dirname "$0")/.."
production=false
[ "${1:-}" = "--production" ] && production=true

log() { printf '[setup] %s\n' "$*"; }

# --- Node ---------------------------------------------------------------------------
lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -d node_modules ] || [ "$(cat node_modules/.datarun-lock 2>/dev/null)" != "$lock_hash" ]; then
  log "installing Node dependencies (npm ci)"
  npm ci --no-audit --no-fund
  echo "$lock_hash" > node_modules/.datarun-lock
else
  log "Node dependencies up to date"
fi
log "building"
npm run --silent build
if $production; then
  log "removing build-only packages (npm prune --omit=dev)"
  npm prune --omit=dev --no-audit --no-fund
  rm -f node_modules/.datarun-lock
fi

# --- Python -------------------------------------------------------------------------
has_stack() { "$1" -c 'import numpy, pandas, sklearn, requests' >/dev/null 2>&1; }
found=""
for py in ${DATARUN_PYTHON:-} /usr/bin/python3 python3 .venv/bin/python; do
  if command -v "$py" >/dev/null 2>&1 && has_stack "$py"; then found=$(command -v "$py"); break; fi
done
# Debian: also venv + pip, with which the Python client (clients/python) is installed and tested.
if [ -z "$found" ] || { [ "$found" = /usr/bin/python3 ] && ! /usr/bin/python3 -c 'import ensurepip, pip' >/dev/null 2>&1; }; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    log "installing python3-sklearn python3-pandas with apt-get"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-sklearn python3-pandas python3-requests python3-venv python3-pip >/dev/null
    found=/usr/bin/python3
  else
    log "creating .venv with numpy, pandas, scikit-learn (needs PyPI)"
    python3 -m venv .venv
    .venv/bin/pip install --quiet numpy pandas scikit-learn requests
    found=.venv/bin/python
  fi
  has_stack "$found" || { echo "[setup] could not install numpy/pandas/scikit-learn: set DATARUN_PYTHON to an interpreter that has them" >&2; exit 1; }
fi
log "python for the runner: $found ($("$found" -c 'import sklearn, pandas; print("scikit-learn", sklearn.__version__, "pandas", pandas.__version__)'))"
log "done"
