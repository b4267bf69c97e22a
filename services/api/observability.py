"""The api's request id, access log and HTTP metrics (one ASGI middleware), and its /metrics route.

Each request gets an id (the caller's X-Request-ID when it is a sane token, else a new one), bound to
every line logged while it is handled and echoed back in the response. The access line carries the
method, the route template, status and duration — never the query string, headers or body, which can
hold keys and logins. Metrics are labelled by route template, not by path, so a plan id is never a label.
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from fastapi import APIRouter, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from planwright import metrics
from planwright.logs import bind, clear

log = logging.getLogger("planwright.api.access")
REQUEST_ID_HEADER = "x-request-id"
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")

router = APIRouter(tags=["health"])


@router.get("/metrics", include_in_schema=False)
def read_metrics() -> Response:
    """Prometheus exposition: HTTP series, queue depth per queue, plans by status (no team data)."""
    return Response(metrics.render_latest(), media_type=metrics.CONTENT_TYPE_LATEST)


def request_id_from(scope: Scope) -> str:
    for name, value in scope.get("headers") or []:
        if name == REQUEST_ID_HEADER.encode():
            candidate = value.decode("latin-1")
            if SANE_REQUEST_ID.fullmatch(candidate):
                return candidate
    return uuid.uuid4().hex


class RequestContext:
    """Request id + access log + planwright_http_* metrics around every HTTP request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_from(scope)
        scope.setdefault("state", {})  # shared with the handlers' Request.state (the team lands there)
        clear()
        bind(request_id=request_id)
        started = time.perf_counter()
        status = 500  # what the client gets when the app raised before answering

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (REQUEST_ID_HEADER.encode(), request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            method = str(scope.get("method", ""))
            if route != "/metrics":
                metrics.HTTP_REQUESTS.labels(method, route, str(status)).inc()
                metrics.HTTP_SECONDS.labels(method, route).observe(elapsed)
            state = scope.get("state") or {}  # what the team dependency (deps.logged_team_id) kept
            bind(plan_id=(scope.get("path_params") or {}).get("plan_id"), team_id=state.get("team_id"))
            log.info("http.request %s %s %s %.3fs", method, route, status, elapsed)
            clear()
