"""An api plan's stages are fenced like a ui plan's (real Postgres, real HTTP servers): a duplicate
delivery while a worker holds the plan does nothing, and a worker whose lease lapsed while it was
busy (its plan taken by another) writes nothing more — no pages, cases or notes twice, no result
overwritten. The takeover happens inside the stalled worker's own HTTP request, as it would in life."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from planwright.db.models import Page, Plan, TestCase, utcnow
from planwright.db.session import session_scope
from planwright.pipeline.stages.api import execute_stage, read_spec_stage
from planwright.pipeline.stages.common import StageFenced, StageSkipped
from planwright.plan_api import PlanCreate
from planwright.plans import create_plan, plan_fields
from tests.db import fresh_postgres_database
from tests.fixture_apps.api.service import API_KEY, SPEC, build_app, serve_api


@pytest.fixture(scope="module")
def db() -> str:
    return fresh_postgres_database("planwright_test_api_fence")


def new_api_plan(db: str, openapi: dict[str, Any]) -> int:
    fields = plan_fields(PlanCreate.model_validate({"kind": "api", "openapi": openapi}))
    with session_scope(db) as session:
        return create_plan(session, team_id=1, **fields).id


def lapse_lease(db: str, plan_id: int) -> None:
    """The holder stalled past its lease (a long GC pause, a frozen VM): it looks dead."""
    with session_scope(db) as session:
        plan = session.get(Plan, plan_id)
        assert plan is not None and plan.attempt_token is not None
        plan.lease_expires_at = utcnow() - timedelta(seconds=1)


def on_first_request(app: FastAPI, path: str, takeover: Callable[[], None]) -> threading.Event:
    """Run `takeover` (in a thread, the server still answering) while the first request for `path`
    waits: the stalled worker is inside that request."""
    fired = threading.Event()

    @app.middleware("http")
    async def hook(request: Any, call_next: Any) -> Any:
        if request.url.path == path and not fired.is_set():
            fired.set()
            await asyncio.to_thread(takeover)
        return await call_next(request)

    return fired


def rows_of(db: str, plan_id: int) -> tuple[list[int], list[int], Plan]:
    with session_scope(db) as session:
        pages = list(session.scalars(select(Page.id).where(Page.plan_id == plan_id).order_by(Page.id)))
        cases = list(
            session.scalars(select(TestCase.id).where(TestCase.plan_id == plan_id).order_by(TestCase.id))
        )
        plan = session.get(Plan, plan_id)
        assert plan is not None
        session.expunge(plan)
        return pages, cases, plan


def takeover_by(db: str, plan_id: int, stage: Callable[[], Any], seen: dict[str, Any]) -> Callable[[], None]:
    """What another worker does meanwhile: a duplicate delivery (skipped: the plan is held), then, once
    the holder's lease has lapsed, the stage run again from its start to its end."""

    def takeover() -> None:
        try:
            stage()
            seen["duplicate"] = "ran"
        except StageSkipped as skipped:
            seen["duplicate"] = f"skipped: {skipped}"
        lapse_lease(db, plan_id)
        try:
            seen["second"] = stage()
        except Exception as error:  # noqa: BLE001 - the test reads it
            seen["second"] = error
        seen["rows"] = rows_of(db, plan_id)

    return takeover


@pytest.fixture
def spec_server() -> Iterator[tuple[FastAPI, str]]:
    app = build_app()
    with serve_api(app) as base_url:
        yield app, base_url


def test_a_stalled_reader_of_the_document_writes_nothing_once_taken_over(
    db: str, spec_server: tuple[FastAPI, str]
) -> None:
    app, base_url = spec_server
    plan_id = new_api_plan(db, {"url": f"{base_url}/openapi.json", "base_url": base_url})
    seen: dict[str, Any] = {}
    fired = on_first_request(
        app, "/openapi.json", takeover_by(db, plan_id, lambda: read_spec_stage(db, plan_id), seen)
    )
    with pytest.raises(StageFenced):
        read_spec_stage(db, plan_id)
    assert fired.is_set()
    assert seen["duplicate"].startswith("skipped: ") and "held by another worker" in seen["duplicate"]
    assert seen["second"] is True
    pages_then, cases_then, plan_then = seen["rows"]
    pages, cases, plan = rows_of(db, plan_id)
    assert pages == pages_then and cases == cases_then  # the second worker's rows, none replaced
    assert len(pages) == 6  # one page per operation, no operation twice
    with session_scope(db) as session:
        titles = list(session.scalars(select(TestCase.title).where(TestCase.plan_id == plan_id)))
    assert len(titles) == len(set(titles)) == len(cases) > 30  # no case twice
    assert plan.status == "generating" and plan.attempt_token is None
    assert plan.options is not None and len(plan.options["notes"]) == len(plan_then.options["notes"]) == 1


def test_a_stalled_executor_writes_no_result_once_taken_over(
    db: str, spec_server: tuple[FastAPI, str]
) -> None:
    app, base_url = spec_server
    plan_id = new_api_plan(
        db, {"document": SPEC, "base_url": base_url, "auth": {"api_key": API_KEY}, "allow_unsafe": True}
    )
    assert read_spec_stage(db, plan_id) is True
    with session_scope(db) as session:  # the titles stage (the model's) is not what this test is about
        plan = session.get(Plan, plan_id)
        assert plan is not None and plan.status == "generating"
        plan.status = "verifying"
    seen: dict[str, Any] = {}
    fired = on_first_request(
        app, "/health", takeover_by(db, plan_id, lambda: execute_stage(db, plan_id), seen)
    )
    with pytest.raises(StageFenced):
        execute_stage(db, plan_id)
    assert fired.is_set() and seen["duplicate"].startswith("skipped: ")
    assert seen["second"] is None  # it ran to its end
    _, _, plan = rows_of(db, plan_id)
    assert plan.status == "done" and plan.attempt_token is None
    executed = [note for note in plan.options["notes"] if note.startswith("executed against")]
    assert len(executed) == 1, plan.options["notes"]  # the stalled worker's summary is not added
    with session_scope(db) as session:
        statuses = session.scalars(select(TestCase.verification_status).where(TestCase.plan_id == plan_id))
        assert set(statuses) == {"verified"}
