"""Cases of the fixture service's document, executed over HTTP against it running as a real server."""

from __future__ import annotations

from collections import Counter

import pytest
from fastapi import FastAPI

from planwright.api_plans.cases import CaseBuilder, OperationIndex
from planwright.api_plans.execute import ApiRunner
from planwright.api_plans.models import ApiAuth
from planwright.api_plans.operations import iter_operations
from planwright.api_plans.spec import load_spec
from planwright.schemas import TestCaseData
from tests.fixture_apps.api.service import API_KEY, BEARER_TOKEN, SPEC, build_app, serve_api


def fixture_cases(language: str = "en") -> tuple[list[TestCaseData], dict[str, int]]:
    spec = load_spec(document=SPEC)
    builder = CaseBuilder(spec, OperationIndex.build(spec), language)
    cases = [case for operation in iter_operations(spec) for case in builder.cases_for(operation)]
    return cases, builder.counts


def test_cases_by_kind_from_the_fixture_document() -> None:
    cases, counts = fixture_cases()
    assert counts == {
        "happy_path": 6, "missing_required": 4, "constraint_violated": 19, "auth_missing": 4,
        "auth_wrong": 4, "not_found": 2, "stateful": 1,
    }  # fmt: skip
    stateful = next(case for case in cases if "stateful" in case.tags)
    assert [f"{s.request.method} {s.request.path}" for s in stateful.steps] == [
        "POST /items", "GET /items/{item_id}", "DELETE /items/{item_id}", "GET /items/{item_id}",
    ]  # fmt: skip
    assert stateful.steps[1].request.from_step == {"item_id": (1, "id")}  # from the OpenAPI link
    titles = {case.title for case in cases}
    assert "POST /items: body 'sku' not matching ^[A-Z]{3}-[0-9]{3}$ is refused" in titles
    assert "GET /items: query 'color' not one of red, green, blue is refused" in titles
    happy_post = next(c for c in cases if c.title.startswith("POST /items: a valid"))
    assert (
        happy_post.steps[0].request.body["color"] == "red"
        and happy_post.steps[0].request.body["name"] == "Mug"
    )
    ru_cases, _ = fixture_cases("ru")
    assert ru_cases[0].title == "GET /health: корректный запрос получает ответ 200"


@pytest.mark.parametrize(
    "auth", [ApiAuth(api_key=API_KEY), ApiAuth(bearer_token=BEARER_TOKEN)], ids=["key", "bearer"]
)
def test_every_case_is_verified_against_the_service_it_describes(auth: ApiAuth) -> None:
    cases, _ = fixture_cases()
    with serve_api() as base_url:
        runner = ApiRunner(base_url, auth=auth, allow_unsafe=True)
        results = {case.title: runner.run_case(case) for case in cases}
        runner.close()
    failed = {title: result.detail for title, result in results.items() if result.status != "verified"}
    assert failed == {}
    assert Counter(result.status for result in results.values()) == {"verified": len(cases)}


def test_unsafe_methods_are_skipped_with_the_reason_and_never_sent() -> None:
    cases, _ = fixture_cases()
    app = build_app()
    with serve_api(app) as base_url:
        runner = ApiRunner(base_url, auth=ApiAuth(api_key=API_KEY))
        results = [(case, runner.run_case(case)) for case in cases]
        runner.close()
    skipped = [(c, r) for c, r in results if r.status == "not_executable"]
    assert skipped and all("set allow_unsafe on the plan" in r.detail for _, r in skipped)
    assert all({"POST", "DELETE"} & {s.request.method for s in c.steps} for c, _ in skipped)
    assert all(r.status == "verified" for c, r in results if all(s.request.is_safe() for s in c.steps))
    assert {method for method, _ in app.state.hits} == {"GET"}


def test_a_wrong_answer_fails_with_the_status_body_and_broken_rule() -> None:
    app = FastAPI()

    @app.get("/colors/{color}")
    def wrong_color(color: str) -> dict[str, str]:
        return {"color": color, "hex": "not hex"}

    @app.get("/health")
    def down() -> dict[str, str]:
        return {"status": "maintenance"}

    cases, _ = fixture_cases()
    chosen = [
        c for c in cases if c.title.startswith(("GET /colors/{color}: a valid", "GET /health: a valid"))
    ]
    with serve_api(app) as base_url:
        runner = ApiRunner(base_url)
        colors, health = (runner.run_case(case) for case in sorted(chosen, key=lambda c: c.title))
        runner.close()
    assert colors.status == "failed"
    assert "answered 200, but the body breaks the document's schema for 200 at /hex" in colors.detail
    assert "(rule: pattern)" in colors.detail and "not hex" in colors.detail
    assert health.status == "failed" and "at /status" in health.detail and "(rule: enum)" in health.detail


def test_a_url_the_policy_refuses_is_not_sent() -> None:
    cases, _ = fixture_cases()
    app = build_app()
    with serve_api(app) as base_url:
        runner = ApiRunner(base_url, check_url=lambda url: "refused by the network policy: loopback")
        result = runner.run_case(cases[0])
        runner.close()
    assert result.status == "not_executable"
    assert "refused by the network policy: loopback" in result.detail
    assert app.state.hits == []
