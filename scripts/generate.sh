#!/usr/bin/env bash
# One command, no services: crawl URL, write the plan with the embedded default model (SQLite, no Redis).
# Usage: scripts/generate.sh URL [--out DIR] [--language ru|en] [--max-pages N] [--max-depth N] [--no-verify]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
# On a developer's own machine the app under test is usually on localhost: let the crawler reach it.
export ALLOW_LOOPBACK_TARGETS="${ALLOW_LOOPBACK_TARGETS:-true}"
exec "${PLANWRIGHT_VENV:-.venv}/bin/planwright" generate "$@"
