"""The Celery app. Postgres is the record of every job; the broker only carries plan ids.

Tasks are addressed by name, so the api enqueues without importing the browser or the model.
"""

from __future__ import annotations

from celery import Celery

from planwright.settings import get_settings

CRAWL_QUEUE = "crawl"
GENERATE_QUEUE = "generate"
CRAWL_TASK = "planwright.crawl_plan"
GENERATE_TASK = "planwright.generate_plan"
VERIFY_TASK = "planwright.verify_plan"


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
