"""Liveness (the process answers) and readiness (database, Redis and a model worker are there)."""

from __future__ import annotations

from typing import Any

import redis
from fastapi import APIRouter, Request, Response, status
from sqlalchemy import text

from planwright.db.session import get_engine, session_scope
from planwright.settings import Settings, secret_of
from planwright.teams import team_for_api_key
from services.api.deps import SettingsDep
from services.model_worker.heartbeat import read_heartbeats

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


def model_worker_check(workers: list[dict[str, Any]]) -> dict[str, Any]:
    """Ready when some worker reported in and its model answers (a server backend's probe says so)."""
    if not workers:
        return {"ok": False, "error": "no model worker has reported in (start `python -m services.model_worker`)"}
    answering = [w for w in workers if (w.get("health") or {"ok": True}).get("ok")]
    check: dict[str, Any] = {
        "ok": bool(answering),
        "backends": sorted({str(w.get("backend", "embedded")) for w in workers}),
        "workers": workers,
    }
    if not answering:
        errors = {str((w.get("health") or {}).get("error")) for w in workers}
        check["error"] = "no model worker's model answers: " + "; ".join(sorted(errors))[:300]
    return check


def _may_see_detail(settings: Settings, api_key: str | None) -> bool:
    """Driver errors and worker lists name hosts, pids and versions: with keys required, only a caller
    with a valid key sees them; everyone else gets the verdict (the status code) alone."""
    if not settings.require_api_key:
        return True
    if not api_key:
        return False
    try:
        with session_scope(settings.database_url) as session:
            return team_for_api_key(session, key=api_key) is not None
    except Exception:  # the database is down: nobody can be checked, so nobody sees the detail
        return False


@router.get("/readyz")
def readyz(settings: SettingsDep, request: Request, response: Response) -> dict[str, Any]:
    # The key is read from the request, not declared: /readyz is public, and a declared X-API-Key
    # would tell an API plan of this document to expect 401 without one.
    x_api_key = request.headers.get("x-api-key")
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
        checks["model_worker"] = model_worker_check(read_heartbeats(client))
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
    verdict = "ready" if ready else "not ready"
    if not _may_see_detail(settings, x_api_key):
        return {"status": verdict, "detail": "send X-API-Key to see the checks"}
    return {"status": verdict, "checks": checks, "logins_at_rest": logins}
