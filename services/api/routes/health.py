"""Liveness (the process answers) and readiness (database, Redis and a model worker are there)."""

from __future__ import annotations

from typing import Any

import redis
from fastapi import APIRouter, Response, status
from sqlalchemy import text

from planwright.db.session import get_engine
from planwright.settings import secret_of
from services.api.deps import SettingsDep
from services.model_worker.heartbeat import read_heartbeats

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
def readyz(settings: SettingsDep, response: Response) -> dict[str, Any]:
    checks: dict[str, Any] = {}
    try:
        with get_engine(settings.database_url).connect() as connection:
            connection.execute(text("SELECT 1"))
        checks["database"] = {"ok": True}
    except Exception as error:
        checks["database"] = {"ok": False, "error": f"{type(error).__name__}: {error}"[:300]}
    try:
        client = redis.Redis.from_url(settings.redis_url, socket_timeout=2, socket_connect_timeout=2)
        client.ping()
        checks["redis"] = {"ok": True}
        workers = read_heartbeats(client)
        checks["model_worker"] = (
            {"ok": True, "workers": workers}
            if workers
            else {
                "ok": False,
                "error": "no model worker has reported in (start `python -m services.model_worker`)",
            }
        )
    except redis.RedisError as error:
        checks["redis"] = {"ok": False, "error": f"{type(error).__name__}: {error}"[:300]}
        checks["model_worker"] = {"ok": False, "error": "unknown: Redis is unreachable"}
    ready = all(check["ok"] for check in checks.values())
    if not ready:
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    logins = (
        "sealed with SECRET_KEY"
        if secret_of(settings)
        else "stored as plain JSON (set SECRET_KEY to seal them)"
    )
    return {"status": "ready" if ready else "not ready", "checks": checks, "logins_at_rest": logins}
