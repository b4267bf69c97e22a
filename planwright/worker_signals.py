"""What every Celery process (crawler, model worker, beat) does around its tasks, via Celery's signals,
so the task code stays thin: our JSON logging instead of Celery's, the plan's ids bound to every line a
task logs, each stage's duration observed, and /metrics served once the worker starts.

Celery's signals are the one place that sees every task start and end (including a task that raised),
which is why the ids and timings are bound here and not in each task.
"""

from __future__ import annotations

import logging
import signal
import sys
import time
from typing import Any

from celery import signals
from sqlalchemy import select

from planwright import metrics
from planwright.db.models import Plan
from planwright.db.session import session_scope
from planwright.logs import bind, clear, configure_logging, register_secret
from planwright.settings import Settings, get_settings, secret_of

log = logging.getLogger("planwright.worker")
_started: dict[str, float] = {}


def stage_of(task_name: str) -> str:
    """planwright.crawl_plan -> crawl, planwright.regress_run -> regress."""
    return task_name.rsplit(".", 1)[-1].split("_", 1)[0]


def install(service: str, *, serve_metrics: bool) -> Settings:
    """Set up logging now (before Celery prints its first warning) and connect the task hooks."""
    settings = get_settings()
    configure_logging(service, level=settings.log_level, fmt=settings.log_format)
    register_secret(secret_of(settings))
    if settings.model_api_key is not None:
        register_secret(settings.model_api_key.get_secret_value())
    signals.setup_logging.connect(_keep_our_logging, weak=False)
    signals.task_prerun.connect(_task_started, weak=False)
    signals.task_postrun.connect(_task_finished, weak=False)
    signals.worker_ready.connect(_quiet_shutdown_notices, weak=False)
    signals.worker_shutting_down.connect(_log_shutdown, weak=False)
    if serve_metrics:
        signals.worker_init.connect(_serve_metrics, weak=False)
    return settings


def _keep_our_logging(**_: Any) -> None:
    """A receiver here tells Celery that logging is already set up (configure_logging)."""


def _quiet_shutdown_notices(**_: Any) -> None:
    """Celery's shutdown handlers print 'worker: Warm shutdown (MainProcess)' straight to the real stdout,
    whatever the log setup; wrap them so that line goes nowhere and `_log_shutdown` logs it as JSON."""
    for number in (signal.SIGTERM, signal.SIGINT, signal.SIGQUIT):
        handler = signal.getsignal(number)
        if callable(handler):
            signal.signal(number, _without_stdout_notice(handler))


def _without_stdout_notice(handler: Any) -> Any:
    def handle(signum: int, frame: Any) -> None:
        real_stdout = sys.__stdout__
        sys.__stdout__ = _Nowhere()  # type: ignore[misc,assignment]  # Celery's safe_say reads it per call
        try:
            handler(signum, frame)
        finally:
            sys.__stdout__ = real_stdout  # type: ignore[misc]

    return handle


class _Nowhere:
    """No fileno(): Celery's safe_say then writes nothing."""

    def write(self, text: str) -> int:
        return len(text)

    def flush(self) -> None:
        pass


def _log_shutdown(sig: str | None = None, how: str | None = None, **_: Any) -> None:
    log.info("worker.shutdown how=%s signal=%s", how, sig)


def _serve_metrics(**_: Any) -> None:
    metrics.serve(get_settings().metrics_port)


def _task_started(task_id: str | None = None, task: Any = None, args: Any = None, **_: Any) -> None:
    clear()
    plan_id = args[0] if args and isinstance(args[0], int) else None
    stage = stage_of(getattr(task, "name", "") or "")
    bind(task_id=task_id, stage=stage, plan_id=plan_id, team_id=team_of(plan_id))
    if task_id:
        _started[task_id] = time.perf_counter()


def _task_finished(task_id: str | None = None, task: Any = None, **_: Any) -> None:
    started = _started.pop(task_id or "", None)
    if started is not None:
        metrics.STAGE_SECONDS.labels(stage_of(getattr(task, "name", "") or "")).observe(
            time.perf_counter() - started
        )
    clear()


def team_of(plan_id: int | None) -> int | None:
    """The plan's team, for the logs; None when the plan is gone or the database does not answer."""
    if plan_id is None:
        return None
    try:
        with session_scope(get_settings().database_url) as session:
            return session.scalar(select(Plan.team_id).where(Plan.id == plan_id))
    except Exception:  # a log field must never cost the task; the stage itself reports a dead database
        return None
