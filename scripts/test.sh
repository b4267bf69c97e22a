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
# Three workers on two cores: much of the suite waits (browsers settling, services polled, a model
# answering another process), so a third overlaps those waits. Files stay whole per worker (their
# module fixtures start services and load models); tests/conftest.py hands out the heaviest first.
WORKERS="${PLANWRIGHT_TEST_WORKERS:-3}"
# --no-loadscope-reorder: xdist otherwise hands out the files with the most tests first, which put the
# few-test, multi-minute e2e modules last (a run's tail of one worker busy, two idle).
"$VENV/bin/python" -m pytest -p no:cacheprovider --timeout=900 -n "$WORKERS" --dist loadfile \
    --no-loadscope-reorder --durations=25 "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
    echo "test.sh: pytest collected no tests — that is a failure here" >&2
    exit 1
fi
exit "$status"
