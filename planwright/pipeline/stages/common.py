"""What every stage shares: taking a plan (the fence), changing its row, the lease that keeps it held.

No browser and no model here: the crawl stage and the generate stage both import this module, and
each must load in a process that has only one of them. Status changes go through
`planwright.lifecycle.move`, so a stage cannot move a plan where its life does not go.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, undefer

from planwright.db.models import Plan, aware, utcnow
from planwright.db.session import session_scope
from planwright.lifecycle import TERMINAL_STATUSES, PlanStatus, can_start, is_finished, move
from planwright.logs import register_secrets_in
from planwright.schemas import AuthSpec
from planwright.sealing import unseal
from planwright.settings import Settings, get_settings, secret_of

log = logging.getLogger("planwright.pipeline.stages")


class StageSkipped(Exception):
    """The plan is already finished, past this stage or held by another worker (a duplicate or stale
    task): nothing to do."""


class StageFenced(StageSkipped):
    """This worker's hold on the plan was taken away (its lease lapsed and the plan went to another
    worker, or it was deleted or failed meanwhile): stop, and write nothing more."""


class Lease(threading.Thread):
    """While a stage runs, it renews its hold on the plan (lease_expires_at), fenced by its token.

    The reconciler re-queues a held plan whose lease has lapsed (the worker died): renewing every third
    of PLAN_LEASE_TTL_S keeps a quiet but healthy stage (exploring, generating) from looking dead. A
    renewal that finds another token sets `lost`; the stage's next write then raises StageFenced. The
    embedded command has no reconciler and SQLite one writer, so there the lease does nothing.
    """

    def __init__(self, database_url: str, plan_id: int, token: str | None, ttl_s: float) -> None:
        super().__init__(name=f"lease-plan-{plan_id}", daemon=True)
        self.database_url, self.plan_id, self.token, self.ttl_s = database_url, plan_id, token, ttl_s
        self.stopped = threading.Event()
        self.lost = threading.Event()

    def __enter__(self) -> Lease:
        if not self.database_url.startswith("sqlite"):
            self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stopped.set()

    def run(self) -> None:
        while not self.stopped.wait(self.ttl_s / 3):
            try:
                if not renew_lease(self.database_url, self.plan_id, self.token, self.ttl_s):
                    log.warning("plan.lease.lost plan_id=%s", self.plan_id)
                    self.lost.set()
                    return
            except Exception:  # the database is away: the stage itself will notice
                log.warning("plan.lease.renew_failed plan_id=%s", self.plan_id)


def renew_lease(database_url: str, plan_id: int, token: str | None, ttl_s: float) -> bool:
    """Push the lease forward; False when the plan is no longer held with `token`."""
    now = utcnow()
    fence = [Plan.attempt_token == token] if token is not None else []
    with session_scope(database_url) as session:
        result = session.execute(
            update(Plan)
            .where(Plan.id == plan_id, *fence)
            .values(lease_expires_at=now + timedelta(seconds=ttl_s), updated_at=now)
            .execution_options(synchronize_session=False)
        )
        return bool(getattr(result, "rowcount", 0))


def lease(database_url: str, plan: Plan | int, token: str | None = None) -> Lease:
    """The lease of a plan taken by `begin_stage` (pass the plan it returned)."""
    if isinstance(plan, Plan):
        plan, token = plan.id, plan.attempt_token
    return Lease(database_url, plan, token, get_settings().plan_lease_ttl_s)


def plan_auth(plan: Plan, settings: Settings) -> AuthSpec | None:
    """The plan's login, opened with SECRET_KEY when it was sealed (raises SealError when it cannot be)."""
    stored = unseal(plan.auth, secret_of(settings))
    register_secrets_in(stored)  # whatever this stage logs, the login's secrets are cut out
    return AuthSpec.model_validate(stored) if stored else None


@contextmanager
def held_plan(database_url: str, plan_id: int, token: str | None) -> Iterator[tuple[Session, Plan]]:
    """A unit of work on the plan's row, locked, that happens only while this worker still holds the
    plan (`token`; None: unfenced, for callers that hold nothing). StageFenced otherwise."""
    with session_scope(database_url) as session:
        plan = session.get(Plan, plan_id, with_for_update=True)
        if plan is None:
            raise StageFenced(f"plan {plan_id} no longer exists")
        if token is not None and plan.attempt_token != token:
            raise StageFenced(f"plan {plan_id} is no longer held by this worker ({plan.status})")
        yield session, plan


def hand_on(plan: Plan, new: PlanStatus, *, reason: str | None = None) -> None:
    """End this stage's hold: the plan moves on (or ends) and waits, held by nobody, for the next
    stage's worker; its message is the one the caller enqueues after the commit."""
    now = utcnow()
    move(plan, new, now=now, reason=reason)
    plan.attempt_token = plan.claimed_at = plan.lease_expires_at = None
    plan.sent_at = now if new not in TERMINAL_STATUSES else None


def update_plan(
    database_url: str, plan_id: int, *, status: str | None = None, token: str | None = None, **fields: Any
) -> None:
    """Set fields of the plan's row in a short session of its own, so readers see progress at once;
    a new `status` goes through the lifecycle (IllegalTransition where the plan's life does not go).
    With `token`, only while this worker holds the plan (StageFenced otherwise). A connection the
    database dropped (a restart, pg_terminate_backend) is retried once on a fresh one."""
    for last_try in (False, True):
        try:
            with held_plan(database_url, plan_id, token) as (_, plan):
                if status is not None:
                    move(plan, PlanStatus(status), now=utcnow())
                for name, value in fields.items():
                    setattr(plan, name, value)
            return
        except StageFenced:
            if token is not None:
                raise
            return
        except DBAPIError as error:
            if last_try or not error.connection_invalidated:
                raise
            log.warning("plan.update.reconnected plan_id=%s", plan_id)


def fail_plan(database_url: str, plan_id: int, reason: str, *, token: str | None = None) -> None:
    """End the plan with a reason a person can act on; a plan that already finished keeps its result,
    and a worker that no longer holds the plan (`token`) leaves it to the one that does."""
    with session_scope(database_url) as session:
        plan = session.get(Plan, plan_id, with_for_update=True)
        if plan is None:
            return
        if is_finished(plan.status) or (token is not None and plan.attempt_token != token):
            log.warning("plan.fail.ignored plan_id=%s status=%s reason=%s", plan_id, plan.status, reason)
            return
        log.warning("plan.failed plan_id=%s reason=%s", plan_id, reason)
        hand_on(plan, PlanStatus.FAILED, reason=reason)


def left_to_reconciler(database_url: str, plan_id: int, error: DBAPIError) -> None:
    """A stage lost its database mid-way (a restart, a killed connection): a worker shell does not
    fail the plan for that. The plan stays held until its lease lapses; the reconciler re-queues it
    then, and the stage runs again on a fresh connection."""
    log.warning(
        "plan.stage.database_lost plan_id=%s error=%s: left to the reconciler",
        plan_id,
        f"{type(error.orig).__name__}: {error.orig}"[:200],
    )


def add_note(plan: Plan, text: str) -> None:
    """What happened to the plan that its reader should know (a re-queue, a cap hit), with the time."""
    plan.notes = [*(plan.notes or []), f"{utcnow():%Y-%m-%d %H:%M:%S} UTC: {text}"]


def begin_stage(database_url: str, plan_id: int, status: PlanStatus, stage: str) -> Plan:
    """Take the plan for the stage that runs in `status`: compare-and-set under the row's lock, from
    the statuses the stage starts from and only when no live lease holds it, with a fresh attempt
    token. StageSkipped otherwise (a duplicate or stale task). Returns a detached copy of the row,
    `attempt_token` included, for the stage to read and to fence its writes with."""
    now = utcnow()
    # The browser's stages read the plan's login; the model's never do (its database role may not).
    login = [] if status == PlanStatus.GENERATING else [undefer(Plan.auth)]
    with session_scope(database_url) as session:
        plan = session.get(Plan, plan_id, with_for_update=True, options=login)
        if plan is None:
            raise StageSkipped(f"plan {plan_id} does not exist")
        if is_finished(plan.status):
            raise StageSkipped(f"plan {plan_id} is already {plan.status}")
        if not can_start(status, plan.status):
            raise StageSkipped(
                f"plan {plan_id} is {plan.status}: the {stage} stage does not start from there"
            )
        held_until = aware(plan.lease_expires_at)
        if plan.attempt_token is not None and held_until is not None and held_until > now:
            raise StageSkipped(f"plan {plan_id} is held by another worker until {held_until:%H:%M:%S}")
        move(plan, status, now=now)
        plan.attempt_token = uuid.uuid4().hex
        plan.claimed_at = now
        plan.lease_expires_at = now + timedelta(seconds=get_settings().plan_lease_ttl_s)
        plan.stage = stage
        plan.progress_done = 0
        plan.progress_total = 0
        session.flush()
        session.expunge(plan)
        return plan
