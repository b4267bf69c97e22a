"""What every stage shares: starting on a plan, changing its row, the lease that keeps it alive.

No browser and no model here: the crawl stage and the generate stage both import this module, and
each must load in a process that has only one of them. Status changes go through
`planwright.lifecycle.move`, so a stage cannot move a plan where its life does not go.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from planwright.db.models import Plan, utcnow
from planwright.db.session import session_scope
from planwright.lifecycle import IllegalTransition, PlanStatus, is_finished, move
from planwright.logs import register_secrets_in
from planwright.schemas import AuthSpec
from planwright.sealing import unseal
from planwright.settings import Settings, get_settings, secret_of

log = logging.getLogger("planwright.pipeline.stages")


class StageSkipped(Exception):
    """The plan is already finished or past this stage (a redelivered task): nothing to do."""


class Lease(threading.Thread):
    """While a stage runs, it touches its plan's row so the reconciler knows the job is alive.

    The reconciler re-queues a plan whose row has not moved for PLAN_STALE_AFTER_S; a stage that
    works quietly for long (exploring, generating) must not look dead. The embedded command has no
    reconciler and SQLite one writer, so there the lease does nothing.
    """

    def __init__(self, database_url: str, plan_id: int, interval_s: float) -> None:
        super().__init__(name=f"lease-plan-{plan_id}", daemon=True)
        self.database_url, self.plan_id, self.interval_s = database_url, plan_id, interval_s
        self.stopped = threading.Event()

    def __enter__(self) -> Lease:
        if not self.database_url.startswith("sqlite"):
            self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stopped.set()

    def run(self) -> None:
        while not self.stopped.wait(self.interval_s):
            try:
                update_plan(self.database_url, self.plan_id, updated_at=utcnow())
            except Exception:  # the database is away: the stage itself will notice
                log.warning("plan.lease.renew_failed plan_id=%s", self.plan_id)


def lease(database_url: str, plan_id: int) -> Lease:
    return Lease(database_url, plan_id, max(1.0, get_settings().plan_stale_after_s / 3))


def plan_auth(plan: Plan, settings: Settings) -> AuthSpec | None:
    """The plan's login, opened with SECRET_KEY when it was sealed (raises SealError when it cannot be)."""
    stored = unseal(plan.auth, secret_of(settings))
    register_secrets_in(stored)  # whatever this stage logs, the login's secrets are cut out
    return AuthSpec.model_validate(stored) if stored else None


def update_plan(database_url: str, plan_id: int, *, status: str | None = None, **fields: Any) -> None:
    """Set fields of the plan's row in a short session of its own, so readers see progress at once;
    a new `status` goes through the lifecycle (IllegalTransition where the plan's life does not go)."""
    with session_scope(database_url) as session:
        plan = session.get(Plan, plan_id)
        if plan is None:
            return
        if status is not None:
            move(plan, PlanStatus(status), now=utcnow())
        for name, value in fields.items():
            setattr(plan, name, value)


def fail_plan(database_url: str, plan_id: int, reason: str) -> None:
    """End the plan with a reason a person can act on; a plan that already finished keeps its result."""
    with session_scope(database_url) as session:
        plan = session.get(Plan, plan_id)
        if plan is None:
            return
        if is_finished(plan.status):
            log.warning("plan.fail.ignored plan_id=%s status=%s reason=%s", plan_id, plan.status, reason)
            return
        log.warning("plan.failed plan_id=%s reason=%s", plan_id, reason)
        move(plan, PlanStatus.FAILED, now=utcnow(), reason=reason)


def begin_stage(database_url: str, plan_id: int, status: PlanStatus, stage: str) -> Plan:
    """Move the plan into the stage's status (StageSkipped when it is finished or past it) and return
    a detached copy of its row for the stage to read."""
    with session_scope(database_url) as session:
        plan = session.get(Plan, plan_id)
        if plan is None:
            raise StageSkipped(f"plan {plan_id} does not exist")
        if is_finished(plan.status):
            raise StageSkipped(f"plan {plan_id} is already {plan.status}")
        try:
            move(plan, status, now=utcnow())
        except IllegalTransition as error:
            raise StageSkipped(f"plan {plan_id}: {error}") from error
        plan.stage = stage
        plan.progress_done = 0
        plan.progress_total = 0
        session.flush()
        session.expunge(plan)
        return plan
