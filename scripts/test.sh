#!/usr/bin/env bash
# Runs the whole test suite on real parts (Postgres, Redis, Chromium, the default model).
# Installs what it needs first (scripts/bootstrap.sh). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
VENV="${PLANWRIGHT_VENV:-.venv}"
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
"$VENV/bin/ruff" check .
set +e
# Two workers: much of the suite waits on browsers, processes and the model, so two overlap well on
# two cores. Files stay whole per worker (their module fixtures start services and load models).
WORKERS="${PLANWRIGHT_TEST_WORKERS:-2}"
"$VENV/bin/python" -m pytest -p no:cacheprovider --timeout=900 -n "$WORKERS" --dist loadfile \
    --durations=25 "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
    echo "test.sh: pytest collected no tests — that is a failure here" >&2
    exit 1
fi
exit "$status"
