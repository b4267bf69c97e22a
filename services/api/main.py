"""The api service: JSON API under /api/v1, the web pages, health, OpenAPI docs at /docs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

from planwright import metrics
from planwright.logs import configure_logging, register_secret
from planwright.plans import PlanLimitReached, QueueUnavailable
from planwright.schemas import readable_errors
from planwright.settings import get_settings, secret_of
from services.api.body_limit import BodySizeLimit
from services.api.csrf import CrossSiteRefusal
from services.api.deps import SESSION_COOKIE, LoginRequired
from services.api.observability import RequestContext
from services.api.observability import router as metrics_router
from services.api.reconciler import ReconcilerThread
from services.api.routes import audit, health, keys, plans, sizing, target_pages, targets, web
from services.api.security_headers import SecurityHeaders


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    reconciler = ReconcilerThread(get_settings())
    reconciler.start()
    yield
    reconciler.stop()


def create_app() -> FastAPI:
    settings = get_settings()
    configure_logging("api", level=settings.log_level, fmt=settings.log_format)
    register_secret(secret_of(settings))
    metrics.register(metrics.BacklogCollector(metrics.backlog_reader(settings.database_url, settings.redis_url)))
    app = FastAPI(
        title="Planwright",
        description="Turns a web application's URL into a grounded UI test plan written by a local model.",
        version="0.1.0",
        lifespan=lifespan,
    )

    @app.exception_handler(RequestValidationError)
    async def validation_error_handler(request: Request, error: RequestValidationError) -> JSONResponse:
        messages = readable_errors(error.errors())
        return JSONResponse(
            status_code=422,
            content={
                "message": "; ".join(messages),
                "errors": messages,
                "detail": [
                    {key: item[key] for key in ("loc", "msg", "type") if key in item}
                    for item in error.errors()
                ],
            },
        )

    @app.exception_handler(QueueUnavailable)
    async def queue_unavailable_handler(request: Request, error: QueueUnavailable) -> JSONResponse:
        """The plan was recorded (as failed, with this reason) but its job could not be sent."""
        return JSONResponse(status_code=503, content={"detail": str(error)})

    @app.exception_handler(PlanLimitReached)
    async def plan_limit_handler(request: Request, error: PlanLimitReached) -> JSONResponse:
        """A team at its limit: no plan was made; Retry-After says when one may be."""
        return JSONResponse(
            status_code=429, content={"detail": str(error)}, headers={"Retry-After": str(error.retry_after_s)}
        )

    @app.exception_handler(LoginRequired)
    async def login_required_handler(request: Request, error: LoginRequired) -> RedirectResponse:
        target = "/login" + (f"?{urlencode({'reason': error.reason})}" if error.reason else "")
        response = RedirectResponse(target, status_code=303)
        if error.reason:  # a stale cookie: forget it
            response.delete_cookie(SESSION_COOKIE, httponly=True, samesite="strict")
        return response

    app.add_middleware(CrossSiteRefusal)
    app.add_middleware(BodySizeLimit, max_bytes=get_settings().max_request_body_bytes)
    app.add_middleware(SecurityHeaders)  # the CSRF refusal gets the headers too
    app.add_middleware(RequestContext)  # outermost (added last): its request id covers everything below
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")
    app.include_router(health.router)
    app.include_router(metrics_router)
    app.include_router(plans.router)
    app.include_router(keys.router)
    app.include_router(audit.router)
    app.include_router(sizing.router)
    app.include_router(targets.router)
    app.include_router(target_pages.router)
    app.include_router(web.router)
    return app


app = create_app()
