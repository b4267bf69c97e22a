"""Nothing lost: Postgres says which plans are unfinished; the reconciler puts them back on the queue.

Three ways a plan can be lost, each told apart from a plan that merely waits:

- held by a worker whose lease lapsed (the worker died: it renews every third of PLAN_LEASE_TTL_S)
  → re-queued at the stage it reached, the holder fenced off, a note on the plan saying so; after
  `max_attempts` such re-queues the plan fails with a reason instead of looping forever. A target
  run's regression (the plan still queued, held) is sent again itself, so a dead worker does not cost
  the night's regression; after `max_attempts` the run goes on to its crawl without it;
- held past its stage's deadline (`Settings.stage_deadline_s`) → failed with that reason; a
  regression past its deadline is stopped instead and the run goes on to its crawl, with a note;
- waiting for a stage, held by nobody, sent, and its job in no broker queue (Redis lost it) for
  `stale_after_s` → sent again (a run whose regression has not run: its regression). Time spent
  waiting in a queue never counts against a plan.

Each plan is reconciled in a savepoint of its own: one the reconciler cannot move (an illegal
transition, a row the database refuses to update) is logged, counted and, where it can be, failed
with a reason; the other plans go on. Stages are fenced (`lifecycle.py`), so a job sent twice runs once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from planwright.db.models import Plan, TargetRun, aware, utcnow
from planwright.db.session import session_scope
from planwright.lifecycle import CRAWL_TASK, UNFINISHED_STATUSES, PlanStatus, next_task
from planwright.pipeline.stages.common import add_note, hand_on
from planwright.queue import enqueue
from planwright.targets.runs import REGRESS_TASK

log = logging.getLogger(__name__)

# Which worker holds a plan in each status, for the note a reader sees (a held queued plan is a run's
# regression: `targets/regress_stage.py`).
_WORKER_OF = {
    "queued": "crawler (regression)",
    "crawling": "crawler",
    "generating": "model worker",
    "verifying": "crawler (verifier)",
}

Step = tuple[int, str]  # a plan id and the task to send it after the commit


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
    steps: list[Step] = []
    unmovable: list[int] = []
    with session_scope(database_url) as session:
        held = session.scalars(
            select(Plan)
            .where(Plan.status.in_(UNFINISHED_STATUSES), Plan.attempt_token.is_not(None))
            .with_for_update(skip_locked=True)
        ).all()
        for plan in held:
            _guarded(
                session,
                plan,
                steps,
                unmovable,
                lambda p: _held_step(session, p, now, max_attempts, deadline_s),
            )
        if in_broker is not None:
            waiting = _waiting_and_sent(session, now - timedelta(seconds=stale_after_s))
            present = in_broker() if waiting else set()
            for plan in waiting:
                _guarded(session, plan, steps, unmovable, lambda p: _resend_if_lost(session, p, present))
    if unmovable:
        log.error("reconciler.plans.unmovable count=%s plan_ids=%s", len(unmovable), unmovable)
    for plan_id, task in steps:  # after the commit, as every enqueue
        enqueue(task, plan_id)
        log.warning("plan.requeued plan_id=%s task=%s", plan_id, task)
    return [plan_id for plan_id, _ in steps]


def _guarded(
    session: Session,
    plan: Plan,
    steps: list[Step],
    unmovable: list[int],
    reconcile_one: Callable[[Plan], Step | None],
) -> None:
    """One plan in a savepoint of its own, so that a plan the reconciler cannot move (an illegal
    transition, a row the database refuses) costs only itself: logged, counted, failed with a reason
    where the database lets it, and left for the next round where it does not."""
    plan_id, status = plan.id, plan.status
    try:
        with session.begin_nested():
            step = reconcile_one(plan)
    except Exception as error:
        unmovable.append(plan_id)
        log.exception("reconciler.plan.unmovable plan_id=%s status=%s", plan_id, status)
        _fail_unmovable(session, plan, status, error)
        return
    if step is not None:
        steps.append(step)


def _fail_unmovable(session: Session, plan: Plan, status: str, error: Exception) -> None:
    """The plan needed the reconciler (a lost worker, a deadline, a lost job) and could not be moved:
    it would wait forever, so it ends with a reason a person can act on, if the database lets it."""
    detail = f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"[:300]
    reason = (
        f"This plan was lost while {status} and could not be put back in work ({detail}). Submit it "
        "again; if this happens again, send the api's log lines 'reconciler.plan.unmovable' to your operator."
    )
    try:
        with session.begin_nested():
            hand_on(plan, PlanStatus.FAILED, reason=reason)
    except Exception:
        log.exception("reconciler.plan.unfailable plan_id=%s: left for the next round", plan.id)


def _held_step(
    session: Session,
    plan: Plan,
    now: datetime,
    max_attempts: int,
    deadline_s: Callable[[str], float | None] | None,
) -> Step | None:
    """A held plan: failed past its stage's deadline, re-queued when its worker's lease lapsed."""
    lease_until, claimed_at = aware(plan.lease_expires_at), aware(plan.claimed_at)
    deadline = deadline_s(plan.status) if deadline_s else None
    if deadline is not None and claimed_at is not None and claimed_at + timedelta(seconds=deadline) < now:
        log.warning("plan.deadline.passed plan_id=%s status=%s", plan.id, plan.status)
        if plan.status == PlanStatus.QUEUED:
            return _regression_stopped(session, plan, deadline, now)
        reason = (
            f"The {plan.status} stage ran past its deadline of {deadline:.0f} s and was stopped. Ask for "
            "fewer pages, or raise the deadline (CRAWL_TOTAL_TIMEOUT_S, PLAN_GENERATION_TIMEOUT_S, "
            "PLAN_VERIFY_TIMEOUT_S), then submit it again."
        )
        hand_on(plan, PlanStatus.FAILED, reason=reason)
        return None
    if lease_until is None or lease_until >= now:
        return None
    worker = _WORKER_OF.get(plan.status, "worker")
    regression = plan.status == PlanStatus.QUEUED
    if plan.attempts >= max_attempts:
        if regression:  # a lost regression is a missing section, never a lost run
            note = f"{worker} lost {plan.attempts + 1} times; the run goes on to its crawl without its regression"
            return _without_regression(session, plan, note, now)
        reason = (
            f"Gave up after {plan.attempts} re-queues: the {worker} kept dying while this plan was "
            f"{plan.status} (its lease lapsed each time). Check the worker's logs (memory, crashes), "
            "then submit it again."
        )
        add_note(plan, f"{worker} lost while {plan.status}; gave up")
        hand_on(plan, PlanStatus.FAILED, reason=reason)
        return None
    plan.attempts += 1  # counts lost workers: a healthy plan never needs one
    status = PlanStatus(plan.status)
    again = "; its regression sent again" if regression else ""
    add_note(
        plan,
        f"{worker} lost while {plan.status} (no lease renewal since "
        f"{lease_until:%H:%M:%S}); re-queued{again}, attempt {plan.attempts + 1} of {max_attempts + 1}",
    )
    hand_on(plan, status)  # the same status, held by nobody: the holder is fenced off
    plan.stage = f"{worker} lost; re-queued"[:40]
    return plan.id, REGRESS_TASK if regression else _task_of(plan.status)


def _regression_stopped(session: Session, plan: Plan, deadline: float, now: datetime) -> Step:
    """A run's regression held past TARGET_REGRESSION_TIMEOUT_S (a hung browser, a page that never
    answers): its worker is fenced off (it stores nothing) and the run goes on to its crawl."""
    note = (
        f"regression ran past its limit of {deadline:.0f} s and was stopped (raise TARGET_REGRESSION_TIMEOUT_S "
        "if the previous run's cases need longer); the run went on to its crawl without it"
    )
    return _without_regression(session, plan, note, now)


def _without_regression(session: Session, plan: Plan, note: str, now: datetime) -> Step:
    """The run goes on to its crawl with no regression results; the time it held the plan is recorded,
    so a redelivered regression task finds the step done (`take_regression`) and runs nothing again."""
    run = session.scalar(select(TargetRun).where(TargetRun.plan_id == plan.id))
    claimed_at = aware(plan.claimed_at)
    if run is not None and run.regression_seconds is None:
        run.regression_seconds = (now - claimed_at).total_seconds() if claimed_at else 0.0
    add_note(plan, note)
    hand_on(plan, PlanStatus.QUEUED)
    return plan.id, CRAWL_TASK


def _waiting_and_sent(session: Session, cutoff: datetime) -> list[Plan]:
    """Waiting plans, held by nobody, whose job was sent at least `cutoff` ago."""
    return list(
        session.scalars(
            select(Plan)
            .where(
                Plan.status.in_(UNFINISHED_STATUSES),
                Plan.attempt_token.is_(None),
                Plan.sent_at.is_not(None),
                Plan.sent_at <= cutoff,
            )
            .with_for_update(skip_locked=True)
        ).all()
    )


def _resend_if_lost(session: Session, plan: Plan, present: set[int]) -> Step | None:
    """A waiting plan whose job the broker no longer holds is sent again (a run whose regression has
    not run yet: its regression, which then sends its crawl)."""
    if plan.id in present:
        return None
    regression = plan.status == PlanStatus.QUEUED and _regression_pending(session, plan)
    what = "its regression sent again" if regression else "sent again"
    add_note(plan, f"its job was lost by the queue (Redis) while {plan.status}; {what}")
    plan.sent_at = utcnow()
    return plan.id, REGRESS_TASK if regression else _task_of(plan.status)


def _regression_pending(session: Session, plan: Plan) -> bool:
    """Whether the plan is a target's run whose regression step has not run (nor been given up)."""
    seconds = session.execute(
        select(TargetRun.regression_seconds).where(TargetRun.plan_id == plan.id)
    ).one_or_none()
    return seconds is not None and seconds[0] is None


def _task_of(status: str) -> str:
    task = next_task(status)
    assert task is not None, "an unfinished plan always has a next task"
    return task
