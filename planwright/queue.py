"""The Celery app. Postgres is the record of every job; the broker only carries plan ids.

Tasks are addressed by name (their names live in `planwright.lifecycle`), so the api enqueues
without importing the browser or the model.
"""

from __future__ import annotations

from celery import Celery

from planwright.db.models import Plan
from planwright.db.session import session_scope
from planwright.lifecycle import CRAWL_TASK, GENERATE_TASK, VERIFY_TASK, next_task
from planwright.settings import get_settings

__all__ = ["CRAWL_TASK", "GENERATE_TASK", "VERIFY_TASK", "celery_app", "enqueue", "enqueue_next"]

CRAWL_QUEUE = "crawl"
GENERATE_QUEUE = "generate"


def make_celery_app() -> Celery:
    settings = get_settings()
    app = Celery("planwright", broker=settings.redis_url)
    app.conf.update(
        task_acks_late=True,  # every stage is idempotent, so a redelivery after a crash is safe
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_ignore_result=True,
        task_default_queue=CRAWL_QUEUE,
        task_routes={
            CRAWL_TASK: {"queue": CRAWL_QUEUE},
            VERIFY_TASK: {"queue": CRAWL_QUEUE},
            GENERATE_TASK: {"queue": GENERATE_QUEUE},
        },
        # Above the longest stage, or Redis hands a running job to a second worker.
        broker_transport_options={"visibility_timeout": int(settings.plan_generation_timeout_s) * 2},
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
    )
    return app


celery_app = make_celery_app()


def enqueue(task_name: str, plan_id: int) -> None:
    celery_app.send_task(task_name, args=[plan_id])


def enqueue_next(database_url: str, plan_id: int, *, after: str) -> str | None:
    """After the stage `after` ran: enqueue the task the plan's status now asks for (see
    `lifecycle.next_task`) and return its name; None when the plan is finished (or gone).

    The same task is never enqueued again from here: a stage that left its own status behind would
    otherwise loop; the reconciler re-queues such a plan once it looks stale.
    """
    with session_scope(database_url) as session:
        plan = session.get(Plan, plan_id)
        status = plan.status if plan is not None else None
    task = next_task(status) if status is not None else None
    if task is None or task == after:
        return None
    enqueue(task, plan_id)
    return task
