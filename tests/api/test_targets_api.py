"""The targets API against the real Postgres and Redis (no workers: the queue is inspected directly)."""

from __future__ import annotations

import base64
import json
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import redis
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import select

from planwright.db import plans_store
from planwright.db.models import Plan, Target, TargetRun
from planwright.db.session import session_scope
from planwright.plan_api import PlanCreate
from planwright.plans import plan_fields
from planwright.schemas import CrawlResult, TestCaseData
from planwright.sealing import is_sealed, unseal
from planwright.settings import get_settings, secret_of
from planwright.teams import create_api_key, create_team
from tests.fixture_apps.api.service import SPEC
from tests.verify.builders import exp


def queued_tasks(redis_url: str) -> list[tuple[str, int]]:
    """(task name, plan id) of each message on the crawl queue."""
    client = redis.Redis.from_url(redis_url)
    messages = [json.loads(raw) for raw in client.lrange("crawl", 0, -1)]
    return [(m["headers"]["task"], json.loads(base64.b64decode(m["body"]))[0][0]) for m in messages]


def new_team_key(database_url: str) -> str:
    with session_scope(database_url) as session:
        return create_api_key(session, team=create_team(session, name=f"team-{uuid.uuid4().hex[:8]}"))


def create(client: TestClient, headers: dict[str, str] | None = None, **fields: object) -> dict:
    body = {"name": "Shop", "url": "https://shop.example/", **fields}
    response = client.post("/api/v1/targets", json=body, headers=headers or {})
    assert response.status_code == 201, response.text
    return response.json()


def test_create_defaults_to_two_at_night_in_moscow_and_shows_the_next_run(client: TestClient) -> None:
    before = datetime.now(UTC)
    target = create(client)
    assert target["cron"] == "0 2 * * *" and target["timezone"] == "Europe/Moscow"
    assert target["cron_description"] == "At 02:00 every day"
    next_run = datetime.fromisoformat(target["next_run_at"])
    assert before < next_run
    assert next_run.astimezone(UTC).hour == 23 and next_run.minute == 0  # 02:00 MSK is 23:00 UTC
    assert (next_run - before).total_seconds() <= 24 * 3600
    assert target["runs"] == 0 and target["last_run"] is None and not target["paused"]
    assert client.get(target["links"]["self"]).json() == target


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"cron": "0 2 * *"}, "cron: must have five fields"),
        ({"cron": "61 * * * *"}, "cron: is not a valid cron expression"),
        ({"timezone": "Mars/Olympus"}, "timezone: must be an IANA time zone"),
        ({"timezone": "+03:00"}, "timezone: must be an IANA time zone"),
        ({"url": "file:///etc/passwd"}, "url: must be an http:// or https:// URL"),
        ({"webhook_url": "javascript:alert(1)"}, "webhook_url: must be an http:// or https:// URL"),
        ({"name": ""}, "name: String should have at least 1 character"),
        ({"url": "http://169.254.169.254/latest/"}, "url: refused by the network policy"),
        ({"webhook_url": "http://169.254.169.254/hook"}, "webhook_url: refused by the network policy"),
        ({"kind": "api"}, "openapi: an api plan needs its document (openapi.url or openapi.document)"),
        ({"openapi": {"url": "https://a.example/openapi.json"}}, "openapi: only an api plan reads"),
        (
            {"kind": "api", "openapi": {"url": "ftp://a.example/openapi.json"}},
            "openapi.url: must be an http:// or https:// URL",
        ),
        (
            {"kind": "api", "openapi": {"url": "http://169.254.169.254/openapi.json"}},
            "openapi.url: refused by the network policy",
        ),
        (
            {"kind": "api", "url": None, "openapi": {"document": {}, "base_url": "http://169.254.169.254/"}},
            "openapi.base_url: refused by the network policy",
        ),
        (
            {"kind": "api", "openapi": {"document": {"openapi": "3.0.3", "info": {"title": "t"}, "paths": {}}}},
            'openapi.document: The OpenAPI document is invalid at /info: "version" is a required property',
        ),
        (
            {"kind": "api", "openapi": {"document": "openapi: 3.0.3\ninfo: ["}},
            "openapi.document: The OpenAPI document is invalid: neither JSON nor YAML (line 2",
        ),
        ({"name": "a\u0000b"}, "name: contains a NUL character"),
    ],
)
def test_bad_targets_get_422_with_a_readable_message(client: TestClient, fields: dict, message: str) -> None:
    response = client.post("/api/v1/targets", json={"name": "x", "url": "https://a.example/", **fields})
    assert response.status_code == 422, response.text
    assert message in response.json()["message"]


def test_patch_changes_the_schedule_and_pause_clears_the_next_run(client: TestClient) -> None:
    target = create(client, cron="0 2 * * *", timezone="UTC")
    url = target["links"]["self"]
    changed = client.patch(url, json={"cron": "30 5 * * 1", "timezone": "Asia/Tokyo"}).json()
    next_run = datetime.fromisoformat(changed["next_run_at"]).astimezone(UTC)
    assert (next_run.hour, next_run.minute, next_run.weekday()) == (20, 30, 6)  # Monday 05:30 JST
    paused = client.patch(url, json={"paused": True}).json()
    assert paused["paused"] and paused["next_run_at"] is None
    resumed = client.patch(url, json={"paused": False}).json()
    assert resumed["next_run_at"] == changed["next_run_at"]
    assert client.patch(url, json={"cron": "nope"}).status_code == 422
    assert client.patch(url, json={"name": "Shop 2"}).json()["next_run_at"] == changed["next_run_at"]


def test_list_is_paginated_and_newest_first(client: TestClient, api_env: dict[str, str]) -> None:
    headers = {"X-API-Key": new_team_key(api_env["DATABASE_URL"])}
    ids = [create(client, headers, name=f"app {n}")["id"] for n in range(5)]
    page = client.get("/api/v1/targets", params={"limit": 2}, headers=headers).json()
    assert page["total"] == 5 and [t["id"] for t in page["data"]] == ids[::-1][:2]
    rest = client.get("/api/v1/targets", params={"limit": 2, "offset": 4}, headers=headers).json()
    assert [t["id"] for t in rest["data"]] == ids[:1]
    assert client.get("/api/v1/targets", params={"limit": 0}, headers=headers).status_code == 422


def test_run_now_creates_a_plan_linked_to_its_run_number_and_enqueues_it(
    client: TestClient, api_env: dict[str, str]
) -> None:
    target = create(client, max_pages=3, language="ru")
    first = client.post(target["links"]["run_now"])
    assert first.status_code == 202, first.text
    second = client.post(target["links"]["run_now"]).json()
    run = first.json()
    assert (run["number"], second["number"]) == (1, 2) and run["trigger"] == "manual"
    assert run["status"] == "queued" and first.headers["location"] == run["links"]["self"]
    queued = set(queued_tasks(api_env["REDIS_URL"]))  # a run starts with its regression, then crawls
    assert {
        ("planwright.regress_run", run["plan_id"]),
        ("planwright.regress_run", second["plan_id"]),
    } <= queued
    with session_scope(api_env["DATABASE_URL"]) as session:
        plan = session.get(Plan, run["plan_id"])
        assert (
            plan is not None and plan.url == target["url"] and plan.max_pages == 3 and plan.language == "ru"
        )
    runs = client.get(target["links"]["runs"]).json()
    assert runs["total"] == 2 and [r["number"] for r in runs["data"]] == [2, 1]
    assert client.get(run["links"]["self"]).json()["plan_id"] == run["plan_id"]
    assert client.get(run["links"]["plan"]).status_code == 200
    shown = client.get(target["links"]["self"]).json()
    assert shown["runs"] == 2 and shown["last_run"]["number"] == 2
    assert shown["next_run_at"] == target["next_run_at"]  # run now leaves the schedule as it was
    assert client.get(f"{target['links']['runs']}/3").status_code == 404
    assert plan.deny_names is None  # no additions: the crawler's default deny-list alone
    pinned = client.patch(run["links"]["self"], json={"pinned": True}).json()
    assert pinned["pinned"] and client.get(run["links"]["self"]).json()["pinned"]


def test_login_and_webhook_secret_are_sealed_and_never_echoed(
    client: TestClient, api_env: dict[str, str]
) -> None:
    target = create(
        client,
        auth={"headers": {"Authorization": "Bearer s3cret-token"}},
        webhook_url="https://hooks.example/planwright",
        webhook_secret="hook-s3cret",
    )
    assert "s3cret" not in str(target) and target["has_auth"] and target["has_webhook_secret"]
    run = client.post(target["links"]["run_now"]).json()
    with session_scope(api_env["DATABASE_URL"]) as session:
        row = session.get(Target, target["id"])
        plan = session.get(Plan, run["plan_id"])
        assert row is not None and plan is not None
        sealed_everywhere = is_sealed(row.auth) and is_sealed(plan.auth)
        assert sealed_everywhere or (plan.auth or {}).get("headers") == {
            "Authorization": "Bearer s3cret-token"
        }
        assert "hook-s3cret" not in (row.webhook_secret or "") or not sealed_everywhere


def test_delete_removes_the_target_its_runs_and_their_plans(
    client: TestClient, api_env: dict[str, str]
) -> None:
    target = create(client)
    run = client.post(target["links"]["run_now"]).json()
    assert client.delete(target["links"]["self"]).status_code == 204
    assert client.get(target["links"]["self"]).status_code == 404
    assert client.post(target["links"]["run_now"]).status_code == 404
    with session_scope(api_env["DATABASE_URL"]) as session:
        assert session.get(Plan, run["plan_id"]) is None
        assert session.scalar(select(TargetRun).where(TargetRun.target_id == target["id"])) is None


def api_routes(routes: list) -> list[APIRoute]:
    """Every APIRoute of the app, also inside included routers (FastAPI 0.165 keeps them nested)."""
    found: list[APIRoute] = []
    for route in routes:
        if isinstance(route, APIRoute):
            found.append(route)
        elif hasattr(route, "original_router"):
            found.extend(api_routes(route.original_router.routes))
    return found


# A valid body for each route that takes one, so the stranger's call reaches the team check; a 422 from
# a new route means: add its body here.
VALID_BODIES = {
    ("PATCH", "/api/v1/targets/{target_id}"): {"name": "stolen", "paused": True},
    ("PATCH", "/api/v1/targets/{target_id}/runs/{number}"): {"pinned": True},
}


def _path_for(route: APIRoute, target_id: int) -> str:
    return re.sub(r"\{[^}]+\}", lambda m: str(target_id) if m.group(0) == "{target_id}" else "1", route.path)


def test_every_target_route_is_team_scoped(client: TestClient, api_env: dict[str, str]) -> None:
    """Iterates the app's routes, so a route added later cannot forget the team check."""
    owner = {"X-API-Key": new_team_key(api_env["DATABASE_URL"])}
    stranger_key = new_team_key(api_env["DATABASE_URL"])
    stranger = {"X-API-Key": stranger_key}
    target = create(client, owner)
    assert client.post(target["links"]["run_now"], headers=owner).status_code == 202
    routes = [
        (method, route)
        for route in api_routes(client.app.routes)  # type: ignore[attr-defined]
        if "{target_id}" in route.path
        for method in sorted(route.methods)
    ]
    assert len(routes) >= 6, routes
    for method, route in routes:
        path = _path_for(route, target["id"])
        json_body = VALID_BODIES.get((method, route.path))
        response = client.request(method, path, headers=stranger, json=json_body)
        assert response.status_code != 422, f"{method} {route.path}: add a valid body to VALID_BODIES"
        assert response.status_code == 404, f"{method} {path} answered another team {response.status_code}"
    listed = client.get("/api/v1/targets", params={"limit": 200}, headers=stranger).json()
    assert target["id"] not in {t["id"] for t in listed["data"]}
    with session_scope(api_env["DATABASE_URL"]) as session:
        assert session.get(Target, target["id"]) is not None  # the stranger's DELETE did nothing
        runs = session.scalars(select(TargetRun).where(TargetRun.target_id == target["id"])).all()
        assert [run.number for run in runs] == [1]  # nor did its "run now"
    shown = client.get(target["links"]["self"], headers=owner).json()
    assert shown["name"] == "Shop" and not shown["paused"] and not shown["last_run"]["pinned"]


def test_ids_past_the_database_columns_are_422s(client: TestClient) -> None:
    assert client.get(f"/api/v1/targets/{2**31}").status_code == 422
    assert client.get(f"/api/v1/targets/1/runs/{2**40}").status_code == 422
    assert client.get("/api/v1/targets", params={"offset": 2**64}).status_code == 422


def finish_plan(database_url: str, plan_id: int, crawl: CrawlResult, cases: list[TestCaseData]) -> None:
    """What the stages would have stored: the crawl, the cases, status done."""
    with session_scope(database_url) as session:
        plan = session.get(Plan, plan_id)
        assert plan is not None
        plans_store.save_crawl(session, plan, crawl)
        plans_store.add_cases(session, plan, cases, start=0)
        plan.status = "done"


def test_run_diff_against_the_previous_done_run(client: TestClient, api_env: dict[str, str]) -> None:
    from tests.targets.test_diff import BASE, click_case, crawl, link

    target = create(client, url=f"{BASE}/")
    runs = [client.post(target["links"]["run_now"]).json() for _ in range(3)]
    assert client.get(runs[0]["links"]["diff"]).status_code == 409  # still queued
    old_link, new_link = (
        link("e1", "Contacts", f"{BASE}/contacts"),
        link("e1", "Contact us", f"{BASE}/contacts"),
    )
    finish_plan(
        api_env["DATABASE_URL"],
        runs[0]["plan_id"],
        crawl({"/": [old_link]}),
        [click_case(old_link, "/", [exp("url", "/contacts")], "Contacts opens")],
    )
    first = client.get(runs[0]["links"]["diff"]).json()
    assert first["previous"] is None and [c["title"] for c in first["cases_added"]] == ["Contacts opens"]
    with session_scope(api_env["DATABASE_URL"]) as session:  # run 2 failed: run 3 is compared with run 1
        plan = session.get(Plan, runs[1]["plan_id"])
        assert plan is not None
        plan.status = "failed"
    finish_plan(
        api_env["DATABASE_URL"],
        runs[2]["plan_id"],
        crawl({"/": [new_link], "/blog": []}),
        [click_case(new_link, "/", [exp("url", "/contacts")], "Contact us opens")],
    )
    diff = client.get(runs[2]["links"]["diff"]).json()
    assert diff["number"] == 3 and diff["previous"] == 1
    assert diff["pages_added"] == ["/blog"] and diff["cases_added"] == [] and diff["cases_removed"] == []
    assert [(r["old_name"], r["new_name"]) for r in diff["elements_renamed"]] == [("Contacts", "Contact us")]
    assert [c["old_title"] for c in diff["cases_changed"]] == ["Contacts opens"]
    report = client.get(runs[2]["links"]["export.junit.xml"])
    assert report.status_code == 200 and report.headers["content-type"].startswith("application/xml")
    assert b'<testcase classname="shop.verification./" name="Contact us opens"' in report.content
    assert client.get(runs[1]["links"]["export.junit.xml"]).status_code == 409  # failed: no report


def test_a_runs_exports_carry_its_changes(client: TestClient, api_env: dict[str, str]) -> None:
    import io

    import openpyxl
    import pypdf

    from tests.targets.test_diff import BASE, click_case, crawl, link

    target = create(client, url=f"{BASE}/", name="Exported")
    runs = [client.post(target["links"]["run_now"]).json() for _ in range(2)]
    old_link, new_link = (
        link("e1", "Contacts", f"{BASE}/contacts"),
        link("e1", "Contact us", f"{BASE}/contacts"),
    )
    finish_plan(api_env["DATABASE_URL"], runs[0]["plan_id"], crawl({"/": [old_link]}), [])
    finish_plan(
        api_env["DATABASE_URL"],
        runs[1]["plan_id"],
        crawl({"/": [new_link]}),
        [click_case(new_link, "/", [exp("url", "/contacts")], "Contact us opens")],
    )
    links = runs[1]["links"]
    sheet = openpyxl.load_workbook(io.BytesIO(client.get(links["export.xlsx"]).content))["Changes"]
    rows = [tuple(cell.value for cell in row) for row in sheet.iter_rows(min_row=2)]
    assert ("elements", "renamed", "/: link “Contact us”") in [row[:3] for row in rows]
    assert ("cases", "added", "Contact us opens", f"{BASE}/") in rows
    body = client.get(links["export.json"]).json()
    assert body["changes_since"] == 1 and {c["what"] for c in body["changes"]} == {"renamed", "added"}
    pdf = pypdf.PdfReader(io.BytesIO(client.get(links["export.pdf"]).content))
    text = " ".join(page.extract_text() for page in pdf.pages)
    assert "Changes since run 1" in text and "renamed" in text
    assert client.get(f"{target['links']['runs']}/2/export.nope").status_code == 404
    plain = client.get(f"/api/v1/plans/{runs[1]['plan_id']}/export.json").json()
    assert plain["changes"] is None  # a plan's own export stays as it was


def test_a_regression_screenshot_is_served_only_from_the_data_folder(
    client: TestClient, api_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> None:
    from planwright.settings import get_settings

    target = create(client)
    run = client.post(target["links"]["run_now"]).json()
    inside = get_settings().data_dir / "screenshots" / str(run["plan_id"]) / "regression-1.png"
    inside.parent.mkdir(parents=True, exist_ok=True)
    inside.write_bytes(b"\x89PNG fake")
    outside = tmp_path_factory.mktemp("elsewhere") / "secret.png"
    outside.write_bytes(b"\x89PNG secret")
    with session_scope(api_env["DATABASE_URL"]) as session:
        row = session.query(TargetRun).filter_by(plan_id=run["plan_id"]).one()
        base = {"key": "k", "title": "t", "page_url": "https://shop.example/", "status": "now_fails"}
        row.regression = [{**base, "screenshot": str(inside)}, {**base, "screenshot": str(outside)}, base]
    shots = f"{run['links']['self']}/regression"
    first = client.get(f"{shots}/1.png")
    assert (
        first.status_code == 200
        and first.content == b"\x89PNG fake"
        and first.headers["content-type"] == "image/png"
    )
    assert client.get(f"{shots}/2.png").status_code == 404  # not under DATA_DIR
    assert client.get(f"{shots}/3.png").status_code == 404 and client.get(f"{shots}/9.png").status_code == 404


def test_deny_list_additions_are_kept_and_carried_by_each_run(
    client: TestClient, api_env: dict[str, str]
) -> None:
    target = create(client, deny_names=["  Delete   account ", "Archive", "Archive"])
    assert target["deny_names"] == ["Delete account", "Archive"]
    run = client.post(target["links"]["run_now"]).json()
    with session_scope(api_env["DATABASE_URL"]) as session:
        plan = session.get(Plan, run["plan_id"])
        assert plan is not None and plan.deny_names == ["Delete account", "Archive"]
    changed = client.patch(target["links"]["self"], json={"deny_names": []}).json()
    assert changed["deny_names"] == []
    bad = client.post("/api/v1/targets", json={"name": "x", "url": "https://a.example/", "deny_names": [" "]})
    assert (
        bad.status_code == 422
        and "deny_names: each name must be 1 to 200 characters" in bad.json()["message"]
    )


# ---------------------------------------------------------------- api targets


@pytest.fixture
def sealing_key(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """SECRET_KEY set, so that credentials are sealed at rest (without one they stay plain JSON)."""
    monkeypatch.setenv("SECRET_KEY", "apitargets-" + uuid.uuid4().hex)
    get_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()


def create_api_target(client: TestClient, **openapi: object) -> dict:
    source = {"document": SPEC, "auth": {"api_key": "svc-s3cret"}, "allow_unsafe": True, **openapi}
    body = {"name": "Fixture shop", "kind": "api", "url": "http://127.0.0.1:9/", "openapi": source}
    response = client.post("/api/v1/targets", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def test_an_api_target_runs_as_an_api_plan_with_its_credentials_sealed(
    client: TestClient, api_env: dict[str, str], sealing_key: None
) -> None:
    target = create_api_target(client)
    assert target["kind"] == "api" and target["url"] == "http://127.0.0.1:9/" and target["has_auth"]
    assert target["openapi"] == {
        "spec_url": None, "uploaded": True, "base_url": "http://127.0.0.1:9/", "allow_unsafe": True,
    }  # fmt: skip
    assert "svc-s3cret" not in json.dumps(target) and "Fixture shop" not in json.dumps(target["openapi"])
    run = client.post(target["links"]["run_now"]).json()
    assert ("planwright.regress_run", run["plan_id"]) in queued_tasks(api_env["REDIS_URL"])
    with session_scope(api_env["DATABASE_URL"]) as session:
        row, plan = session.get(Target, target["id"]), session.get(Plan, run["plan_id"])
        assert row is not None and plan is not None
        assert plan.kind == "api" and plan.url == "http://127.0.0.1:9/" and plan.status == "queued"
        as_a_plan = plan_fields(  # what POST /api/v1/plans stores for the same source
            PlanCreate(kind="api", url="http://127.0.0.1:9/", openapi={"document": SPEC, "allow_unsafe": True})
        )
        assert plan.options == as_a_plan["options"] and plan.options["document"] == SPEC
        assert is_sealed(row.auth) and is_sealed(plan.auth)  # the service's key, sealed like a login
        assert unseal(plan.auth, secret_of(get_settings()))["api"]["api_key"] == "svc-s3cret"
    listed = client.get("/api/v1/targets").json()["data"]
    assert any(t["id"] == target["id"] and t["kind"] == "api" for t in listed)


def test_patching_an_api_target_keeps_what_is_not_sent_and_refuses_the_other_kinds_fields(
    client: TestClient, api_env: dict[str, str], sealing_key: None
) -> None:
    target = create_api_target(client)
    url = target["links"]["self"]

    moved = client.patch(url, json={"url": "http://127.0.0.2:9/"})
    assert moved.status_code == 200, moved.text
    assert moved.json()["openapi"]["base_url"] == moved.json()["url"] == "http://127.0.0.2:9/"
    by_url = client.patch(url, json={"openapi": {"url": "http://127.0.0.2:9/openapi.json"}}).json()
    assert by_url["openapi"] == {
        "spec_url": "http://127.0.0.2:9/openapi.json", "uploaded": False,
        "base_url": "http://127.0.0.2:9/", "allow_unsafe": False,
    }  # fmt: skip
    assert by_url["has_auth"]  # the credentials stay unless sent anew
    with session_scope(api_env["DATABASE_URL"]) as session:
        row = session.get(Target, target["id"])
        assert row is not None and "document" not in (row.options or {})
        assert unseal(row.auth, secret_of(get_settings()))["api"]["api_key"] == "svc-s3cret"

    refused = {
        "denied base URL": ({"url": "http://169.254.169.254/"}, "url: refused by the network policy"),
        "denied in openapi": (
            {"openapi": {"url": "http://127.0.0.2:9/o.json", "base_url": "http://169.254.169.254/"}},
            "openapi.base_url: refused by the network policy",
        ),
        "broken document": (
            {"openapi": {"document": {"openapi": "3.0.3", "paths": {}}}},
            'openapi.document: The OpenAPI document is invalid: "info" is a required property',
        ),
        "a UI login": (
            {"auth": {"headers": {"Authorization": "Bearer x"}}},
            "auth: an api target's credentials go in openapi.auth",
        ),
        "not http": ({"openapi": {"url": "file:///etc/passwd"}}, "openapi.url: refused by the network policy: only http"),
    }
    for why, (body, message) in refused.items():
        response = client.patch(url, json=body)
        assert response.status_code == 422 and message in response.json()["message"], (why, response.text)
    assert client.get(url).json()["openapi"]["spec_url"] == "http://127.0.0.2:9/openapi.json"  # unchanged

    ui_target = create(client)
    response = client.patch(ui_target["links"]["self"], json={"openapi": {"url": "https://a.example/o.json"}})
    assert response.status_code == 422
    assert "openapi: only an api target reads an OpenAPI document" in response.json()["message"]


def test_an_api_target_from_the_web_page(client: TestClient) -> None:
    document = json.dumps(SPEC).encode()
    response = client.post(
        "/targets/api",
        data={"name": "Web API", "base_url": "http://127.0.0.1:9/", "cron": "0 3 * * *", "api_key": "k3y"},
        files={"openapi_file": ("openapi.json", document, "application/json")},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    page = client.get(response.headers["location"]).text
    assert "uploaded document" in page and "safe methods only" in page and "k3y" not in page
    broken = client.post(
        "/targets/api",
        data={"name": "Broken", "openapi_url": "", "base_url": "http://127.0.0.1:9/"},
        files={"openapi_file": ("openapi.yaml", b"openapi: 3.0.3\ninfo: [", "application/yaml")},
    )
    assert broken.status_code == 422 and "The OpenAPI document is invalid" in broken.text
    denied = client.post(
        "/targets/api", data={"name": "Denied", "openapi_url": "http://169.254.169.254/openapi.json"}
    )
    assert denied.status_code == 422 and "openapi.url: refused by the network policy" in denied.text
