#!/bin/sh
# Entrypoint of the Planwright image: checks that the directories the services write to are there and
# writable by this (non-root) user, then runs the service's command as PID 1's child (tini is PID 1).
# Migrations are not run here: the compose `migrate` service runs them once, before the others start.
set -eu

for dir in "${DATA_DIR:-/data}" "${MODEL_CACHE_DIR:-/var/cache/planwright/models}"; do
    mkdir -p "$dir" 2>/dev/null || true
    if [ ! -d "$dir" ] || [ ! -w "$dir" ]; then
        echo "prestart: $dir is not a writable directory for uid $(id -u);" \
            "use a named volume or chown the bind mount to $(id -u):$(id -g)" >&2
        exit 1
    fi
done

# Multiprocess metrics (planwright/metrics.py): the files of a previous container's processes must go.
if [ -n "${PROMETHEUS_MULTIPROC_DIR:-}" ]; then
    rm -rf "${PROMETHEUS_MULTIPROC_DIR:?}"/*.db 2>/dev/null || true
    mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
fi

if [ "$#" -eq 0 ]; then
    echo "prestart: no command given" >&2
    exit 64
fi
exec "$@"
