"""Two runs of an api target through the real stage functions (real Postgres, the fixture REST service
over real HTTP), with the service broken and the document changed between them: the second run's
regression re-sends the first run's verified requests and the ones that now fail are regressions —
with the observed status and the schema rule — in the diff, the JUnit report and the webhook's body;
the document's changes show as operations and cases added and changed, matched by their stable keys.

The model's titles stage is skipped (the plan is moved on to its execution, as tests/pipeline does):
titles are words, and nothing here depends on them."""

from __future__ import annotations

import copy
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import xmlschema
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy import select

from planwright.db import plans_store
from planwright.db.models import DEFAULT_TEAM_ID, Plan, Target, TargetRun
from planwright.db.session import session_scope
from planwright.pipeline.stages.api import execute_stage, read_spec_stage
from planwright.schemas import TestCaseData, Verification
from planwright.settings import get_settings
from planwright.targets.api_regression import NO_BASE_URL, regress_api_cases, regression_base_url
from planwright.targets.compare import run_diff
from planwright.targets.diff import change_lines
from planwright.targets.junit import run_junit
from planwright.targets.regress_stage import regression_stage
from planwright.targets.runs import create_run
from planwright.targets.schemas import RegressionResult, TargetCreate, TargetUpdate
from planwright.targets.service import create_target, update_target
from planwright.targets.webhook import payload
from tests.fixture_apps.api.service import API_KEY, SPEC, build_app, serve_api

SCHEMA = xmlschema.XMLSchema(str(Path(__file__).with_name("junit.xsd")))
BROKEN = ("GET /health", "GET /colors/{color}")  # what the service breaks before the second run


def no_browser() -> Any:
    raise AssertionError("an api target's regression must not start a browser")


def second_document() -> dict[str, Any]:
    """The document of the second run: GET /items' limit tightened (its cases change), GET /stock new."""
    document = copy.deepcopy(SPEC)
    document["paths"]["/items"]["get"]["parameters"][0]["schema"]["maximum"] = 40
    document["paths"]["/stock"] = {
        "get": {
            "operationId": "stock",
            "summary": "Units in stock",
            "security": [],
            "responses": {
                "200": {
                    "description": "the count",
                    "content": {"application/json": {"schema": {"type": "object", "required": ["units"]}}},
                }
            },
        }
    }
    return document


@pytest.fixture
def service() -> Iterator[tuple[str, dict[str, bool]]]:
    """The fixture service, with a switch: broken, /health answers a status outside its enum and
    every /colors/… answers 500."""
    app: FastAPI = build_app()
    broken = {"on": False}

    @app.middleware("http")
    async def break_it(request: Any, call_next: Any) -> Any:
        if broken["on"] and request.url.path == "/health":
            return JSONResponse({"status": "degraded"})
        if broken["on"] and request.url.path.startswith("/colors/"):
            return JSONResponse({"detail": "the color table is gone"}, status_code=500)
        return await call_next(request)

    with serve_api(app) as base_url:
        yield base_url, broken


def run_once(database_url: str, target_id: int) -> tuple[int, list[RegressionResult] | None]:
    """One run of the target as the workers run it: regression, read the document, execute."""
    with session_scope(database_url) as session:
        target = session.get(Target, target_id)
        assert target is not None
        run = create_run(session, target=target, trigger="manual")
        plan_id = run.plan_id
    assert plan_id is not None
    results = regression_stage(database_url, plan_id, browser=no_browser, settings=get_settings())
    assert read_spec_stage(database_url, plan_id) is True
    with session_scope(database_url) as session:
        plan = session.get(Plan, plan_id)
        assert plan is not None and plan.status == "generating" and plan.kind == "api"
        plan.status = "verifying"
    execute_stage(database_url, plan_id)
    with session_scope(database_url) as session:
        plan = session.get(Plan, plan_id)
        assert plan is not None and plan.status == "done", plan.status_reason if plan else None
    return plan_id, results


def test_a_broken_service_is_a_regression_in_the_diff_junit_and_webhook(
    database_url: str, service: tuple[str, dict[str, bool]]
) -> None:
    base_url, broken = service
    body = TargetCreate(
        name="Fixture shop",
        kind="api",
        url=base_url,
        openapi={"document": SPEC, "auth": {"api_key": API_KEY}},  # safe methods only (the default)
    )
    with session_scope(database_url) as session:
        target_id = create_target(session, team_id=DEFAULT_TEAM_ID, body=body).id

    first_plan, first_regression = run_once(database_url, target_id)
    assert first_regression is None  # a first run has nothing to re-run
    with session_scope(database_url) as session:
        first = plans_store.plan_export(session, session.get(Plan, first_plan)).cases  # type: ignore[arg-type]
    verified = [case for case in first if case.verification.status == "verified"]
    assert len(verified) >= 10 and {case.page_url for case in verified} >= set(BROKEN)

    broken["on"] = True
    with session_scope(database_url) as session:
        target = session.get(Target, target_id)
        assert target is not None
        update_target(session, target=target, body=TargetUpdate(openapi={"document": second_document()}))
    second_plan, results = run_once(database_url, target_id)

    # Regression: exactly the verified cases of the broken operations now fail, each saying why.
    assert results is not None and len(results) == len(verified)
    by_status: dict[str, list[RegressionResult]] = {}
    for result in results:
        by_status.setdefault(result.status, []).append(result)
    now_fails = by_status.get("now_fails", [])
    assert {r.page_url for r in now_fails} == set(BROKEN)
    assert len(now_fails) == sum(1 for case in verified if case.page_url in BROKEN)
    assert len(by_status["still_passes"]) == len(verified) - len(now_fails)  # nothing else reported
    health = next(r for r in now_fails if r.page_url == "GET /health")
    assert "answered 200, but the body breaks the document's schema" in (health.detail or "")
    assert "(rule: enum)" in (health.detail or "") and "degraded" in (health.detail or "")
    colors = [r for r in now_fails if r.page_url == "GET /colors/{color}"]
    assert all("answered 500" in (r.detail or "") for r in colors)

    with session_scope(database_url) as session:
        run = session.scalar(select(TargetRun).where(TargetRun.plan_id == second_plan))
        target = session.get(Target, target_id)
        plan = session.get(Plan, second_plan)
        assert run is not None and target is not None and plan is not None
        diff = run_diff(session, run)
        report = run_junit(
            target_name=target.name,
            number=run.number,
            created_at=run.created_at,
            regression=[RegressionResult.model_validate(item) for item in run.regression],
            regression_seconds=run.regression_seconds,
            cases=plans_store.plan_export(session, plan).cases,
            verify_seconds=plan.verify_seconds,
        )
        hook = payload(session, target, run, plan)

    # The diff: the regression, the new operation, the tightened limit; every other case unchanged.
    assert diff.previous == 1 and diff.regression_counts["now_fails"] == len(now_fails)
    assert diff.pages_added == ["GET /stock"] and diff.pages_gone == [] and diff.cases_removed == []
    assert {case.page_url for case in diff.cases_added} == {"GET /stock"}
    changed = {case.key: case for case in diff.cases_changed}
    assert changed and all(case.page_url == "GET /items" for case in changed.values()), list(changed)
    maximum = next(case for key, case in changed.items() if "rule: maximum" in key)
    words = [(w.op, w.text) for change in maximum.changes for w in change.words if w.op != "equal"]
    assert ("delete", "limit=51") in words and ("insert", "limit=41") in words, words
    assert diff.cases_unchanged == len(first) - len(changed)
    lines = change_lines(diff)
    assert sum(1 for line in lines if line.section == "regression" and line.what == "now fails") == len(now_fails)

    # JUnit: valid, each regression a <failure> carrying the observed status or the schema rule.
    SCHEMA.validate(report)
    root = ET.fromstring(report)
    suites = {suite.get("name"): suite for suite in root.findall("testsuite")}
    assert suites["regression"].get("failures") == str(len(now_fails))
    messages = [f.get("message") or "" for f in suites["regression"].iter("failure")]
    assert any("(rule: enum)" in m for m in messages) and any("answered 500" in m for m in messages)
    stock = [c for c in suites["verification"].iter("testcase") if "GET /stock" in (c.get("classname") or "")]
    assert stock and stock[0].find("failure") is not None  # the new operation the service lacks: 404

    # The webhook's body counts them too.
    assert hook["run"]["regression"]["now_fails"] == len(now_fails) and hook["run"]["status"] == "done"
    assert hook["target"]["url"] == base_url


@pytest.mark.parametrize(
    ("own", "previous", "expected"),
    [
        ({"base_url": "http://new.test/"}, {"resolved_base_url": "http://old.test/"}, "http://new.test/"),
        ({"spec_url": "http://svc.test/openapi.json"}, {"resolved_base_url": "http://svc.test/v1"}, "http://svc.test/v1"),
        ({}, {}, None),
    ],
)
def test_the_regression_runs_against_the_targets_base_url_else_the_one_the_previous_run_used(
    own: dict[str, str], previous: dict[str, str], expected: str | None
) -> None:
    assert regression_base_url(own, previous) == expected


def test_without_a_base_url_every_case_is_not_executable_and_says_why() -> None:
    verified = TestCaseData(
        page_url="GET /health", title="Health answers", steps=[], expected=[],
        verification=Verification(status="verified"),
    )  # fmt: skip
    results = regress_api_cases([verified], base_url=None, auth=None, allow_unsafe=False, settings=get_settings())
    assert [(r.status, r.detail) for r in results] == [("not_executable", NO_BASE_URL)]
