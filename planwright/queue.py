"""The Celery app. Postgres is the record of every job; the broker only carries plan ids.

Tasks are addressed by name (their names live in `planwright.lifecycle`), so the api enqueues
without importing the browser or the model.
"""

from __future__ import annotations

import base64
import json
import logging
import time
from typing import Any

import redis
from celery import Celery

from planwright.db.models import Plan
from planwright.db.session import session_scope
from planwright.lifecycle import CRAWL_TASK, GENERATE_TASK, VERIFY_TASK, next_task
from planwright.settings import get_settings

__all__ = [
    "CRAWL_TASK",
    "GENERATE_TASK",
    "VERIFY_TASK",
    "celery_app",
    "enqueue",
    "enqueue_next",
    "plan_ids_in_broker",
]
log = logging.getLogger(__name__)

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
        # Above the longest stage's deadline, or Redis hands a running job to a second worker.
        broker_transport_options={"visibility_timeout": settings.visibility_timeout_s()},
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
    )
    return app


celery_app = make_celery_app()


def enqueue(task_name: str, plan_id: int) -> None:
    celery_app.send_task(task_name, args=[plan_id])


# How often and how long enqueue_next tries before it leaves the plan to the reconciler.
ENQUEUE_RETRY_DELAYS_S = (0.2, 1.0, 3.0)


def enqueue_next(database_url: str, plan_id: int, *, after: str) -> str | None:
    """After the stage `after` ran: enqueue the task the plan's status now asks for (see
    `lifecycle.next_task`) and return its name; None when the plan is finished (or gone).

    The same task is never enqueued again from here: a stage that left its own status behind would
    otherwise loop; the reconciler re-queues such a plan once it looks stale. A broker that stays away
    through a few retries does not fail the plan: it waits, sent by nobody, and the reconciler sends
    its job once the broker is back (the plan's message is missing from every queue).
    """
    with session_scope(database_url) as session:
        plan = session.get(Plan, plan_id)
        status = plan.status if plan is not None else None
    task = next_task(status) if status is not None else None
    if task is None or task == after:
        return None
    for delay in (*ENQUEUE_RETRY_DELAYS_S, None):
        try:
            enqueue(task, plan_id)
            return task
        except Exception as error:  # kombu's connection errors are not one class
            if delay is None:
                log.warning(
                    "plan.enqueue.failed plan_id=%s task=%s error=%s: left to the reconciler",
                    plan_id,
                    task,
                    error,
                )
                return None
            time.sleep(delay)
    return None


def plan_ids_in_broker(client: redis.Redis) -> set[int]:
    """The plan ids of every job of ours the broker holds: waiting in a queue, or delivered to a
    worker and not yet acknowledged. Reads kombu's Redis layout (a list per queue and priority, the
    `unacked` hash), each message JSON with its body base64: `[[plan_id], {}, {...}]`."""
    raw_messages: list[bytes] = []
    with client.pipeline(transaction=True) as pipe:
        for queue in (CRAWL_QUEUE, GENERATE_QUEUE):
            for key in _queue_keys(queue):
                pipe.lrange(key, 0, -1)
        pipe.hvals(UNACKED_KEY)
        *lists, unacked = pipe.execute()
    for items in lists:
        raw_messages += items
    found: set[int] = set()
    for raw in raw_messages:
        _add_plan_id(found, json.loads(raw))
    for raw in unacked:
        _add_plan_id(found, json.loads(raw)[0])
    return found


UNACKED_KEY = "unacked"
_PRIORITY_SEP = "\x06\x16"
_PRIORITY_STEPS = (0, 3, 6, 9)


def _queue_keys(queue: str) -> list[str]:
    return [queue if step == 0 else f"{queue}{_PRIORITY_SEP}{step}" for step in _PRIORITY_STEPS]


def _add_plan_id(found: set[int], message: dict[str, Any]) -> None:
    if not str(message.get("headers", {}).get("task", "")).startswith("planwright."):
        return
    try:
        args = json.loads(base64.b64decode(message["body"]))[0]
        found.add(int(args[0]))
    except (KeyError, ValueError, TypeError, IndexError):
        log.warning("broker.message.unreadable headers=%s", message.get("headers"))
