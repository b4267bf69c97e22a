"""A plan's life in one place: its statuses, the moves between them, and the task that runs next.

Every shell (the Celery crawler and model workers, the reconciler, `planwright generate`) asks
`next_task(status)` what to run after a stage, and every stage changes a plan's status through
`move`, so "what runs after generate" has one answer: the table below. Pure: no database, no queue.

    queued ──> crawling ──> generating ──> verifying ──> done
                  │             │  └────────────────────────^ (plan.verify off)
                  └─────────────┴──────────────┴──────> failed (with a reason a person can act on)

A target's run adds one task before the crawl (`targets.runs.REGRESS_TASK`, while the plan is still
queued); a lost or abandoned one is re-sent by the reconciler up to PLAN_MAX_ATTEMPTS, then the run
goes on to its crawl without it (targets/regress_stage.py).

A stage may re-enter its own status (a re-queued task runs it again; stages are idempotent); a
finished plan never moves again.

The fence: a stage starts only from the statuses in `STARTS_FROM` and only when no live worker holds
the plan. Starting takes the plan (compare-and-set in one row lock) with a fresh attempt token, and
every later write of that stage names the token, so a worker whose lease lapsed (and whose plan went
to another worker) changes nothing. A duplicate delivery therefore finds the plan held, or past its
stage, and does nothing. While a plan waits in a queue nobody holds it, and waiting never counts
against it: only a held plan's lease can lapse (`pipeline/reconcile.py`).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Protocol

# Tasks are addressed by name, so that whoever enqueues needs neither the browser nor the model.
CRAWL_TASK = "planwright.crawl_plan"
GENERATE_TASK = "planwright.generate_plan"
VERIFY_TASK = "planwright.verify_plan"


class PlanStatus(StrEnum):
    QUEUED = "queued"
    CRAWLING = "crawling"
    GENERATING = "generating"
    VERIFYING = "verifying"
    DONE = "done"
    FAILED = "failed"


TERMINAL_STATUSES = frozenset({PlanStatus.DONE, PlanStatus.FAILED})
UNFINISHED_STATUSES = tuple(status for status in PlanStatus if status not in TERMINAL_STATUSES)

TRANSITIONS: dict[PlanStatus, frozenset[PlanStatus]] = {
    # queued → queued: a target run's regression holds the still-queued plan; the reconciler hands a
    # plan whose regression worker died back to the queue in the same status, as for every stage.
    PlanStatus.QUEUED: frozenset({PlanStatus.QUEUED, PlanStatus.CRAWLING, PlanStatus.FAILED}),
    PlanStatus.CRAWLING: frozenset({PlanStatus.CRAWLING, PlanStatus.GENERATING, PlanStatus.FAILED}),
    PlanStatus.GENERATING: frozenset(
        {PlanStatus.GENERATING, PlanStatus.VERIFYING, PlanStatus.DONE, PlanStatus.FAILED}
    ),
    PlanStatus.VERIFYING: frozenset({PlanStatus.VERIFYING, PlanStatus.DONE, PlanStatus.FAILED}),
    PlanStatus.DONE: frozenset(),
    PlanStatus.FAILED: frozenset(),
}

# The statuses a stage's task may start from: anything else means the task is stale or a duplicate.
STARTS_FROM: dict[PlanStatus, frozenset[PlanStatus]] = {
    PlanStatus.CRAWLING: frozenset({PlanStatus.QUEUED, PlanStatus.CRAWLING}),
    PlanStatus.GENERATING: frozenset({PlanStatus.GENERATING}),
    PlanStatus.VERIFYING: frozenset({PlanStatus.VERIFYING}),
}

# The task that moves a plan in this status forward; a status with a running stage names the same
# task, so the reconciler re-queues a plan whose worker died at the stage it reached.
_NEXT_TASK: dict[PlanStatus, str] = {
    PlanStatus.QUEUED: CRAWL_TASK,
    PlanStatus.CRAWLING: CRAWL_TASK,
    PlanStatus.GENERATING: GENERATE_TASK,
    PlanStatus.VERIFYING: VERIFY_TASK,
}

# What a reader sees while a plan waits for the next stage's worker.
WAITING_STAGE: dict[PlanStatus, str] = {
    PlanStatus.QUEUED: "queued for the crawler",
    PlanStatus.GENERATING: "queued for the model",
    PlanStatus.VERIFYING: "queued for verification",
}


class IllegalTransition(Exception):
    """A stage tried to move a plan where its life does not go (a stale or out-of-order task)."""


class PlanRow(Protocol):
    """The fields of a plan's row that its life changes (the ORM `Plan`, or anything shaped like it)."""

    status: str
    status_reason: str | None
    stage: str | None
    finished_at: datetime | None


def next_task(status: str) -> str | None:
    """The task to enqueue for a plan in `status`; None when it is finished."""
    return _NEXT_TASK.get(PlanStatus(status))


def can_start(stage: PlanStatus, current: str) -> bool:
    """Whether the stage that runs in status `stage` may start on a plan now in `current`."""
    return PlanStatus(current) in STARTS_FROM.get(stage, frozenset())


def can_move(current: str, new: str) -> bool:
    return PlanStatus(new) in TRANSITIONS[PlanStatus(current)]


def is_finished(status: str) -> bool:
    return PlanStatus(status) in TERMINAL_STATUSES


def move(plan: PlanRow, new: PlanStatus, *, now: datetime, reason: str | None = None) -> None:
    """Set the plan's status (raising IllegalTransition where its life does not go), with the
    waiting label a reader sees until the next stage starts, and the finish time when it ends."""
    if not can_move(plan.status, new):
        raise IllegalTransition(f"a {plan.status} plan cannot become {new.value}")
    plan.status = new.value
    plan.stage = WAITING_STAGE.get(new)
    if reason is not None:
        plan.status_reason = reason
    if new in TERMINAL_STATUSES:
        plan.finished_at = now
