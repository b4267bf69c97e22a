"""A run is a plan: each run of a target creates a plan linked to the target and its run number, which
then goes through the same stages as any plan. The beat's tick claims due targets here.

Claiming is a compare-and-set on `next_run_at` inside a `SELECT … FOR UPDATE SKIP LOCKED`: two beats
(or two ticks) never fire a target twice, and the next run is counted from now, so a night missed
while beat was down fires once when it returns.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from planwright.db.models import Target, TargetRun, utcnow
from planwright.db.session import session_scope
from planwright.lifecycle import PlanStatus, move
from planwright.plans import create_plan
from planwright.queue import enqueue
from planwright.sealing import SealError, unseal
from planwright.settings import get_settings, secret_of
from planwright.targets.schedule import next_run_after

log = logging.getLogger(__name__)

# The run's first task: the previous run's verified cases again (the crawler worker), then the crawl.
REGRESS_TASK = "planwright.regress_run"
# Due targets one tick starts at most; the rest wait for the next tick (a tick stays short).
TICK_BATCH = 50


def create_run(
    session: Session, *, target: Target, trigger: str, scheduled_for: datetime | None = None
) -> TargetRun:
    """Run number N+1 and its queued plan, flushed; the caller commits, then calls `enqueue_run`."""
    number = session.execute(
        update(Target)
        .where(Target.id == target.id)
        .values(last_run_number=Target.last_run_number + 1)
        .returning(Target.last_run_number)
    ).scalar_one()
    reason = None
    try:
        auth = unseal(target.auth, secret_of(get_settings()))
    except SealError as error:
        auth, reason = None, f"The target's login could not be opened: {error}."
    plan = create_plan(
        session,
        team_id=target.team_id,
        url=target.url,
        language=target.language,
        max_pages=target.max_pages,
        max_depth=target.max_depth,
        kind=target.kind,
        verify=target.verify,
        auth=auth,
        options=target.options,  # an api target's document and base URL (api targets: see README)
    )
    plan.deny_names = list(target.deny_names) or None  # the crawl stage adds them to its deny-list
    if reason:  # a run without its login would plan the logged-out app and call it a regression
        move(plan, PlanStatus.FAILED, now=utcnow(), reason=reason)
    else:
        plan.sent_at = utcnow()  # its job goes out after the commit (enqueue_run); the reconciler checks
    run = TargetRun(
        target_id=target.id, number=number, plan=plan, trigger=trigger, scheduled_for=scheduled_for
    )
    session.add(run)
    session.flush()
    return run


def plan_to_enqueue(run: TargetRun) -> int | None:
    """The run's plan id if it waits for its first stage (a run whose login failed does not)."""
    return run.plan_id if run.plan is not None and run.plan.status == "queued" else None


def enqueue_run(plan_id: int | None) -> None:
    """After the commit, as every enqueue: a lost message leaves a queued plan the reconciler re-sends
    as its regression (its crawl once the regression has run or given up: never a lost run)."""
    if plan_id is not None:
        enqueue(REGRESS_TASK, plan_id)


def claim_due_targets(session: Session, *, now: datetime, limit: int = TICK_BATCH) -> list[TargetRun]:
    """Start one run for every due, unpaused target; flushes, the caller commits."""
    due = session.scalars(
        select(Target)
        .where(Target.paused.is_(False), Target.next_run_at.is_not(None), Target.next_run_at <= now)
        .order_by(Target.next_run_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    runs = []
    for target in due:
        scheduled_for = target.next_run_at
        claimed = session.execute(
            update(Target)
            .where(Target.id == target.id, Target.next_run_at == scheduled_for, Target.paused.is_(False))
            .values(next_run_at=next_run_after(target.cron, target.timezone, now))
            .returning(Target.id)
            .execution_options(synchronize_session="fetch")
        ).scalar_one_or_none()
        if claimed is None:  # another tick moved it first
            continue
        runs.append(create_run(session, target=target, trigger="schedule", scheduled_for=scheduled_for))
    return runs


def tick(database_url: str, *, now: datetime | None = None) -> list[tuple[int, int]]:
    """The beat's periodic task: claim, commit, then enqueue. Returns (target id, run number) pairs."""
    with session_scope(database_url) as session:
        runs = claim_due_targets(session, now=now or utcnow())
        started = [(run.target_id, run.number, plan_to_enqueue(run)) for run in runs]
    for target_id, number, plan_id in started:
        log.info("targets.run.started target_id=%s run=%s trigger=schedule", target_id, number)
        try:
            enqueue_run(plan_id)
        except Exception:  # Redis away: the queued plan is re-sent by the reconciler
            log.exception("targets.run.enqueue_failed target_id=%s run=%s", target_id, number)
    return [(target_id, number) for target_id, number, _ in started]
