"""The plan's life as a table: which task follows which status, and which moves are refused."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import get_args

import pytest

from planwright.lifecycle import (
    CRAWL_TASK,
    GENERATE_TASK,
    VERIFY_TASK,
    IllegalTransition,
    PlanStatus,
    can_move,
    move,
    next_task,
)
from planwright.schemas import PlanStatus as PublicPlanStatus

NOW = datetime(2026, 12, 1, tzinfo=UTC)


@dataclass
class Row:
    status: str
    status_reason: str | None = None
    stage: str | None = "crawl"
    finished_at: datetime | None = None


def test_the_api_shows_exactly_the_lifecycle_statuses() -> None:
    assert set(get_args(PublicPlanStatus)) == {status.value for status in PlanStatus}


@pytest.mark.parametrize(
    ("status", "task"),
    [
        ("queued", CRAWL_TASK),
        ("crawling", CRAWL_TASK),  # a crawl that stopped is crawled again
        ("generating", GENERATE_TASK),
        ("verifying", VERIFY_TASK),
        ("done", None),
        ("failed", None),
    ],
)
def test_next_task_follows_the_status(status: str, task: str | None) -> None:
    assert next_task(status) == task


def test_a_plan_walks_its_life_and_stops_at_the_end() -> None:
    row = Row(status="queued")
    for status in (PlanStatus.CRAWLING, PlanStatus.GENERATING, PlanStatus.VERIFYING):
        move(row, status, now=NOW)
        assert row.finished_at is None
    assert row.stage == "queued for verification"  # what a reader sees until the verifier starts
    move(row, PlanStatus.DONE, now=NOW)
    assert (row.status, row.stage, row.finished_at) == ("done", None, NOW)
    with pytest.raises(IllegalTransition, match="a done plan cannot become failed"):
        move(row, PlanStatus.FAILED, now=NOW)


def test_a_failure_keeps_its_reason() -> None:
    row = Row(status="generating")
    move(row, PlanStatus.FAILED, now=NOW, reason="the model ran out of memory")
    assert (row.status, row.status_reason, row.finished_at) == ("failed", "the model ran out of memory", NOW)


@pytest.mark.parametrize(
    ("current", "new", "allowed"),
    [
        ("crawling", "crawling", True),  # a redelivered crawl runs again
        ("generating", "done", True),  # verification switched off
        ("generating", "crawling", False),  # a stale crawl task does not undo the crawl
        ("verifying", "generating", False),
        ("queued", "done", False),
        ("failed", "queued", False),
    ],
)
def test_moves_out_of_order_are_refused(current: str, new: str, allowed: bool) -> None:
    assert can_move(current, new) is allowed
