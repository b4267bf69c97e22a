"""Fair dispatch: which waiting plans' crawl jobs go to the broker now.

The broker's queue is first in, first out; a team that submits 200 plans would otherwise put them all
ahead of another team's one. So a team has at most TEAM_DISPATCH_WINDOW plans in the crawl queue (or
crawling) at once; the rest wait in Postgres, `sent_at` NULL, and are sent round-robin across teams as
slots free (after a crawl, on each reconciler round, at submission). Another team's plan is then at
most (teams × window) jobs from the front. A held-back plan is not lost: the reconciler only looks for
the jobs of plans that were sent.
"""

from __future__ import annotations

import logging
from collections import defaultdict, deque

from sqlalchemy import func, or_, select, text
from sqlalchemy.orm import Session

from planwright.db.models import Plan, utcnow
from planwright.db.session import session_scope
from planwright.lifecycle import CRAWL_TASK, PlanStatus
from planwright.queue import enqueue

log = logging.getLogger(__name__)

DISPATCH_LOCK = 0x504C414E  # one dispatcher at a time (pg_advisory_xact_lock), so windows hold
WAITING_SCAN_LIMIT = 1000  # waiting plans looked at per round


def lock_dispatch(session: Session) -> None:
    """Hold the dispatcher's lock until the session's commit (a no-op on SQLite: one writer)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": DISPATCH_LOCK})


def choose_plans_to_send(session: Session, *, window: int) -> list[int]:
    """Mark the next waiting plans as sent, round-robin across teams within each team's window, and
    return their ids in the order their jobs should be sent (after the caller's commit)."""
    lock_dispatch(session)
    crawl_side = Plan.status.in_([PlanStatus.QUEUED.value, PlanStatus.CRAWLING.value])
    in_flight: dict[int, int] = defaultdict(
        int,
        session.execute(
            select(Plan.team_id, func.count())
            .where(crawl_side, or_(Plan.sent_at.is_not(None), Plan.attempt_token.is_not(None)))
            .group_by(Plan.team_id)
        ).all(),
    )
    waiting = session.scalars(
        select(Plan)
        .where(Plan.status == PlanStatus.QUEUED.value, Plan.sent_at.is_(None), Plan.attempt_token.is_(None))
        .order_by(Plan.id)
        .limit(WAITING_SCAN_LIMIT)
    ).all()
    by_team: dict[int, deque[Plan]] = defaultdict(deque)
    for plan in waiting:
        by_team[plan.team_id].append(plan)
    chosen: list[Plan] = []
    while True:  # one plan per team per round: the oldest waiting team first
        picked = False
        for team_id, plans in by_team.items():
            if plans and in_flight[team_id] < window:
                chosen.append(plans.popleft())
                in_flight[team_id] += 1
                picked = True
        if not picked:
            break
    now = utcnow()
    for plan in chosen:
        plan.sent_at = now
        plan.stage = "queued for the crawler"
    for plans in by_team.values():
        for ahead, plan in enumerate(plans):
            plan.stage = f"waiting for its team's turn ({ahead} ahead)"
    session.flush()
    return [plan.id for plan in chosen]


def send(plan_ids: list[int]) -> None:
    """After the commit: the chosen plans' crawl jobs. A job that cannot be sent is the reconciler's
    (the plan is marked sent, and its job is in no queue)."""
    for plan_id in plan_ids:
        try:
            enqueue(CRAWL_TASK, plan_id)
        except Exception as error:  # kombu's connection errors are not one class
            log.warning("plan.dispatch.send_failed plan_id=%s error=%s", plan_id, error)


def dispatch_waiting(database_url: str, *, window: int) -> list[int]:
    """One dispatch round in a session of its own (worker shells, the reconciler)."""
    with session_scope(database_url) as session:
        chosen = choose_plans_to_send(session, window=window)
    send(chosen)
    return chosen
