"""Nothing lost: Postgres says which plans are unfinished; the reconciler puts them back on the queue.

Three ways a plan can be lost, each told apart from a plan that merely waits:

- held by a worker whose lease lapsed (the worker died: it renews every third of PLAN_LEASE_TTL_S)
  → re-queued at the stage it reached, the holder fenced off, a note on the plan saying so; after
  `max_attempts` such re-queues the plan fails with a reason instead of looping forever;
- held past its stage's deadline (`Settings.stage_deadline_s`) → failed with that reason;
- waiting for a stage, held by nobody, sent, and its job in no broker queue (Redis lost it) for
  `stale_after_s` → sent again. Time spent waiting in a queue never counts against a plan.

Stages are fenced (`lifecycle.py`), so a job sent twice runs once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from planwright.db.models import Plan, aware, utcnow
from planwright.db.session import session_scope
from planwright.lifecycle import UNFINISHED_STATUSES, PlanStatus, next_task
from planwright.pipeline.stages.common import add_note, hand_on
from planwright.queue import enqueue

log = logging.getLogger(__name__)

# Which worker holds a plan in each status, for the note a reader sees.
_WORKER_OF = {"crawling": "crawler", "generating": "model worker", "verifying": "crawler (verifier)"}


def reconcile(
    database_url: str,
    *,
    stale_after_s: float,
    max_attempts: int = 3,
    in_broker: Callable[[], set[int]] | None = None,
    deadline_s: Callable[[str], float | None] | None = None,
) -> list[int]:
    """Re-enqueue lost plans (and fail those past their deadline); returns the re-enqueued ids.

    `in_broker` lists the plan ids whose jobs the broker holds (`queue.plan_ids_in_broker`); None
    skips the lost-message check. `deadline_s` gives a stage's deadline by status (None: none).
    """
    now = utcnow()
    requeued: list[tuple[int, str]] = []
    with session_scope(database_url) as session:
        held = session.scalars(
            select(Plan)
            .where(Plan.status.in_(UNFINISHED_STATUSES), Plan.attempt_token.is_not(None))
            .with_for_update(skip_locked=True)
        ).all()
        for plan in held:
            lease_until, claimed_at = aware(plan.lease_expires_at), aware(plan.claimed_at)
            deadline = deadline_s(plan.status) if deadline_s else None
            if (
                deadline is not None
                and claimed_at is not None
                and claimed_at + timedelta(seconds=deadline) < now
            ):
                reason = (
                    f"The {plan.status} stage ran past its deadline of {deadline:.0f} s and was stopped. Ask for "
                    "fewer pages, or raise the deadline (CRAWL_TOTAL_TIMEOUT_S, PLAN_GENERATION_TIMEOUT_S, "
                    "PLAN_VERIFY_TIMEOUT_S), then submit it again."
                )
                hand_on(plan, PlanStatus.FAILED, reason=reason)
                log.warning("plan.deadline.passed plan_id=%s status=%s", plan.id, plan.status)
                continue
            if lease_until is None or lease_until >= now:
                continue
            worker = _WORKER_OF.get(plan.status, "worker")
            if plan.attempts >= max_attempts:
                reason = (
                    f"Gave up after {plan.attempts} re-queues: the {worker} kept dying while this plan was "
                    f"{plan.status} (its lease lapsed each time). Check the worker's logs (memory, crashes), "
                    "then submit it again."
                )
                add_note(plan, f"{worker} lost while {plan.status}; gave up")
                hand_on(plan, PlanStatus.FAILED, reason=reason)
                continue
            plan.attempts += 1  # counts lost workers: a healthy plan never needs one
            status = PlanStatus(plan.status)
            add_note(
                plan,
                f"{worker} lost while {plan.status} (no lease renewal since "
                f"{lease_until:%H:%M:%S}); re-queued, attempt {plan.attempts + 1} of {max_attempts + 1}",
            )
            hand_on(plan, status)  # the same status, held by nobody: the holder is fenced off
            plan.stage = f"{worker} lost; re-queued"[:40]
            requeued.append((plan.id, _task_of(plan.status)))
        if in_broker is not None:
            requeued += _resend_lost_messages(session, in_broker, now - timedelta(seconds=stale_after_s))
    for plan_id, task in requeued:  # after the commit, as every enqueue
        enqueue(task, plan_id)
        log.warning("plan.requeued plan_id=%s task=%s", plan_id, task)
    return [plan_id for plan_id, _ in requeued]


def _resend_lost_messages(
    session: Session, in_broker: Callable[[], set[int]], cutoff: datetime
) -> list[tuple[int, str]]:
    """Waiting plans whose job the broker no longer holds, sent at least `cutoff` ago."""
    waiting = session.scalars(
        select(Plan)
        .where(
            Plan.status.in_(UNFINISHED_STATUSES),
            Plan.attempt_token.is_(None),
            Plan.sent_at.is_not(None),
            Plan.sent_at <= cutoff,
        )
        .with_for_update(skip_locked=True)
    ).all()
    if not waiting:
        return []
    present = in_broker()
    lost = []
    for plan in waiting:
        if plan.id in present:
            continue
        add_note(plan, f"its job was lost by the queue (Redis) while {plan.status}; sent again")
        plan.sent_at = utcnow()
        lost.append((plan.id, _task_of(plan.status)))
    return lost


def _task_of(status: str) -> str:
    task = next_task(status)
    assert task is not None, "an unfinished plan always has a next task"
    return task
