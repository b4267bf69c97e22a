"""kind "api" through the HTTP API: the document, base URL and credentials are stored (credentials
never echoed), bad input is a 422 naming the field, and the read stage fails a broken document with
the validator's message and pointer (real Postgres and Redis; the stages called as the worker calls them)."""

from __future__ import annotations

import copy

import pytest
from fastapi.testclient import TestClient

from planwright.db.models import Page, Plan
from planwright.db.session import session_scope
from planwright.pipeline.stages.api import read_spec_stage
from tests.api_plans.test_spec import SWAGGER2
from tests.fixture_apps.api.service import SPEC


def test_an_api_plan_is_accepted_stored_and_its_credentials_never_echoed(
    client: TestClient, api_env: dict[str, str]
) -> None:
    body = {
        "kind": "api",
        "openapi": {
            "document": SPEC,
            "base_url": "http://shop.example/",
            "auth": {"api_key": "k3y-s3cret"},
            "allow_unsafe": True,
        },
    }
    created = client.post("/api/v1/plans", json=body)
    assert created.status_code == 202, created.text
    plan_id = created.json()["id"]
    read = client.get(f"/api/v1/plans/{plan_id}")
    assert read.json()["kind"] == "api" and read.json()["url"] == "http://shop.example/"
    for text in (
        created.text,
        read.text,
        client.get("/api/v1/plans").text,
        client.get(f"/plans/{plan_id}").text,
    ):
        assert "k3y-s3cret" not in text
    with session_scope(api_env["DATABASE_URL"]) as session:
        plan = session.get(Plan, plan_id)
        assert plan is not None and plan.options is not None
        assert (
            plan.options["allow_unsafe"] is True
            and plan.options["document"]["info"]["title"] == "Fixture shop"
        )
        assert plan.auth == {"api": {"api_key": "k3y-s3cret", "api_key_name": "X-API-Key", "api_key_in": "header",
                                     "bearer_token": None, "basic_username": None, "basic_password": None}}  # fmt: skip


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"kind": "api", "openapi": {"url": "ftp://x.example/spec"}}, "openapi.url: must be an http:// or https://"),
        ({"kind": "api", "openapi": {}}, "either by url or as document"),
        ({"kind": "api", "openapi": {"url": "http://x.example/o.json", "document": {}}}, "either by url or as document"),
        ({"url": "http://x.example/", "openapi": {"url": "http://x.example/o.json"}}, "only an api plan reads"),
        ({"kind": "api", "openapi": {"url": "http://x.example/o.json", "base_url": "http://169.254.169.254/"}},
         "openapi.base_url: refused by the network policy: 169.254.169.254 is the cloud metadata address"),
        ({"kind": "api", "openapi": {"url": "http://169.254.169.254/latest/o.json"}},
         "openapi.url: refused by the network policy"),
    ],
)  # fmt: skip
def test_bad_api_plans_are_a_422_naming_the_field(client: TestClient, body: dict, message: str) -> None:
    response = client.post("/api/v1/plans", json=body)
    assert response.status_code == 422, response.text
    assert message in response.text


def _queued_api_plan(client: TestClient, document: dict) -> int:
    created = client.post("/api/v1/plans", json={"kind": "api", "openapi": {"document": document}})
    assert created.status_code == 202, created.text
    return int(created.json()["id"])


def test_a_broken_document_fails_the_plan_with_message_and_pointer(
    client: TestClient, api_env: dict[str, str]
) -> None:
    broken = copy.deepcopy(SPEC)
    broken["paths"]["/items"]["post"]["requestBody"]["content"]["application/json"]["schema"] = {
        "type": "strin"
    }
    plan_id = _queued_api_plan(client, broken)
    assert read_spec_stage(api_env["DATABASE_URL"], plan_id) is False
    plan = client.get(f"/api/v1/plans/{plan_id}").json()
    assert plan["status"] == "failed"
    assert plan["status_reason"].startswith(
        "The OpenAPI document is invalid at /paths/~1items/post/requestBody/content/application~1json/schema/type:"
    )
    assert "'strin'" in plan["status_reason"]


def test_a_swagger_2_document_becomes_operations_and_cases(
    client: TestClient, api_env: dict[str, str]
) -> None:
    plan_id = _queued_api_plan(client, SWAGGER2)
    assert read_spec_stage(api_env["DATABASE_URL"], plan_id) is True
    plan = client.get(f"/api/v1/plans/{plan_id}").json()
    assert plan["status"] == "generating" and plan["url"] == "https://pets.example/v1"
    assert plan["pages"] == ["GET /pets", "POST /pets", "GET /pets/{petId}"]
    assert plan["counts"]["total"] == len(plan["cases"]) > 10
    assert all(step["action"] == "request" for case in plan["cases"] for step in case["steps"])
    with session_scope(api_env["DATABASE_URL"]) as session:
        assert session.query(Page).filter(Page.plan_id == plan_id).count() == 3
        row = session.get(Plan, plan_id)
        assert row is not None and row.attempt_token is None  # handed on: the model worker may take it now


def test_the_web_form_takes_a_document_file_and_says_what_is_wrong(client: TestClient, api_env: dict[str, str]) -> None:
    import json

    created = client.post(
        "/plans/api",
        data={"base_url": "http://shop.example/", "api_key": "w3b-k3y", "language": "ru", "verify": "1"},
        files={"openapi_file": ("openapi.json", json.dumps(SPEC).encode(), "application/json")},
        follow_redirects=False,
    )
    assert created.status_code == 303, created.text
    plan_id = int(created.headers["location"].rsplit("/", 1)[-1])
    page = client.get(f"/plans/{plan_id}")
    assert page.status_code == 200 and "w3b-k3y" not in page.text
    with session_scope(api_env["DATABASE_URL"]) as session:
        plan = session.get(Plan, plan_id)
        assert plan is not None and plan.kind == "api" and plan.language == "ru"
        assert plan.options["document"].startswith("{") and plan.options["base_url"] == "http://shop.example/"
    refused = client.post("/plans/api", data={"base_url": "http://169.254.169.254/"})
    assert refused.status_code == 422
    assert "either by url or as document" in refused.text
