"""Nothing lost: Postgres says which plans are unfinished; the reconciler puts them back on the queue.

A plan whose row has not moved for `stale_after_s` (its worker died, or Redis lost the message) is
enqueued again at the stage it reached (`lifecycle.next_task`); stages are idempotent, so a duplicate is harmless. After
`max_attempts` the plan fails with a reason instead of looping forever.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import select

from planwright.db.models import Plan, utcnow
from planwright.db.session import session_scope
from planwright.lifecycle import UNFINISHED_STATUSES, PlanStatus, move, next_task
from planwright.queue import enqueue

log = logging.getLogger(__name__)


def reconcile(database_url: str, *, stale_after_s: float, max_attempts: int = 3) -> list[int]:
    """Re-enqueue stale unfinished plans; returns their ids."""
    cutoff = utcnow() - timedelta(seconds=stale_after_s)
    requeued: list[tuple[int, str]] = []
    with session_scope(database_url) as session:
        stale = session.scalars(
            select(Plan)
            .where(Plan.status.in_(UNFINISHED_STATUSES), Plan.updated_at <= cutoff)
            .with_for_update(skip_locked=True)
        ).all()
        for plan in stale:
            if plan.attempts >= max_attempts:
                reason = (
                    f"Gave up after {plan.attempts} re-queues: the {plan.status} stage kept stopping without "
                    "finishing (a worker crashed or was restarted). Check the worker logs, then submit it again."
                )
                move(plan, PlanStatus.FAILED, now=utcnow(), reason=reason)
                continue
            plan.attempts += 1  # counts re-queues: a healthy plan never needs one
            plan.stage = f"re-queued after no progress for {int(stale_after_s)} s"
            plan.updated_at = utcnow()
            task = next_task(plan.status)
            assert task is not None, "an unfinished plan always has a next task"
            requeued.append((plan.id, task))
    for plan_id, task in requeued:  # after the commit, as every enqueue
        enqueue(task, plan_id)
        log.warning("plan.requeued plan_id=%s task=%s", plan_id, task)
    return [plan_id for plan_id, _ in requeued]
