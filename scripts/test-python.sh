#!/usr/bin/env bash
# The runner's own Python tests (runner/tests), with the interpreter the runner would use.
set -euo pipefail
cd "$(dirname "$0")/.."
for py in ${DATARUN_PYTHON:-} /usr/bin/python3 python3 .venv/bin/python; do
  if command -v "$py" >/dev/null 2>&1 && "$py" -c 'import numpy, pandas, sklearn' 2>/dev/null; then
    exec "$py" -m unittest discover -s runner/tests
  fi
done
echo "no Python with numpy, pandas and scikit-learn: run ./scripts/setup.sh" >&2
exit 1
