"""The deployed path as people meet it, on real parts (api, crawler and model worker as processes, the
real Postgres, Redis, Chromium and default model): a QA engineer drives the web page to a finished plan;
then an operator reads every process's /metrics and JSON logs after a plan behind a login, with a team's
API key (none of its secrets in any log). Its own stack, apart from test_services_end_to_end.py's."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, expect

from planwright.db.session import session_scope
from planwright.teams import create_api_key, create_team
from tests.e2e.ops_checks import (
    assert_no_noise,
    assert_task_lines_carry_ids,
    log_records,
    scrape,
    total,
)
from tests.e2e.processes import Services, free_port, service_stack, wait_until
from tests.fixture_site import server as fixture_server

pytestmark = [pytest.mark.e2e, pytest.mark.model]

PLAN_TIMEOUT_S = 420
# Sealed logins at rest; never in a log line (checked by the last test).
SECRET_KEY = f"sk-{secrets.token_urlsafe(24)}"


@pytest.fixture(scope="module")
def metrics_ports() -> dict[str, int]:
    return {"crawler": free_port(), "model_worker": free_port()}


@pytest.fixture(scope="module")
def stack(
    tmp_path_factory: pytest.TempPathFactory, metrics_ports: dict[str, int]
) -> Iterator[tuple[str, Services, str]]:
    with service_stack(
        tmp_path_factory.mktemp("service-ops-logs"),
        database="planwright_test_e2e_ops",
        redis_index=12,
        env={"SECRET_KEY": SECRET_KEY},
        per_service_env={name: {"METRICS_PORT": str(port)} for name, port in metrics_ports.items()},
    ) as running:
        yield running


def test_web_page_drives_a_plan_to_done(
    stack: tuple[str, Services, str], fixture_site: str, browser: Browser
) -> None:
    """A QA engineer's path: the form, the live progress, the cases, the download buttons."""
    base_url, services, _ = stack
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    refused_by_csp: list[str] = []  # the pages must work under their own Content-Security-Policy
    page.on("console", lambda m: refused_by_csp.append(m.text) if "Content Security Policy" in m.text else None)
    try:
        front = page.goto(base_url)
        assert front is not None and "frame-ancestors 'none'" in front.headers["content-security-policy"]
        assert front.headers["x-content-type-options"] == "nosniff"
        page.get_by_label("URL of the web application").fill(f"{fixture_site}/about")
        page.get_by_label("Max pages").fill("3")
        page.get_by_label("Max depth").fill("1")
        page.get_by_role("button", name="Generate plan").click()
        page.wait_for_url(f"{base_url}/plans/*")
        expect(page.get_by_role("heading", name="Plan ")).to_be_visible()
        wait_until(
            lambda: page.locator("#status").inner_text() in ("done", "failed"),
            timeout=PLAN_TIMEOUT_S,
            what="the plan page to show done",
        )
        page.wait_for_load_state()
        assert page.locator("#status").inner_text() == "done", page.content()[:2000]
        expect(page.get_by_role("heading", name="About us").first).to_be_visible()
        assert page.locator("article.case").count() >= 3
        plan_id = page.url.rstrip("/").rsplit("/", 1)[-1]
        proposals = httpx.get(f"{base_url}/api/v1/plans/{plan_id}", timeout=60).json()["edge_proposals"]
        rows = page.locator("#edge-proposals tbody tr")
        assert rows.count() == len(proposals)  # the page lists every proposal the JSON has
        for index, proposal in enumerate(proposals):
            expect(rows.nth(index)).to_contain_text(proposal["result"])
        with page.expect_download() as download_info:
            page.get_by_role("link", name="XLSX").click()
        assert download_info.value.suggested_filename.endswith(".xlsx")
        page.screenshot(path=str(services.log_dir / "plan-page.png"), full_page=True)
        assert refused_by_csp == []
    finally:
        context.close()


def test_metrics_and_logs_after_a_plan_behind_a_login(
    stack: tuple[str, Services, str],
    fixture_site: str,
    metrics_ports: dict[str, int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Runs last: the module's plans are behind every counter. Its own plan logs in with a password, gets
    a session cookie, sends a header and uses a team's API key: none of them may appear in any log."""
    base_url, services, database_url = stack
    password, cookie, header = (f"{kind}-{secrets.token_urlsafe(12)}" for kind in ("pw", "ck", "hd"))
    monkeypatch.setattr(fixture_server, "VALID_PASSWORD", password)
    monkeypatch.setattr(fixture_server, "SESSION_VALUE", cookie)
    with session_scope(database_url) as session:
        team = create_team(session, name=f"ops-{secrets.token_hex(4)}")
        api_key = create_api_key(session, team=team)
        team_id = team.id
    body = {
        "url": f"{fixture_site}/account",
        "max_pages": 2,  # small: the module's first plan already fills the counters in a full run
        "max_depth": 1,
        "auth": {
            "login": {
                "url": f"{fixture_site}/login",
                "username": fixture_server.VALID_EMAIL,
                "password": password,
            },
            "headers": {"X-Ops-Token": header},
        },
    }
    response = httpx.post(
        f"{base_url}/api/v1/plans",
        json=body,
        headers={"X-API-Key": api_key, "X-Request-ID": "ops-test-request-1"},
        timeout=60,
    )
    assert response.status_code == 202, response.text
    assert response.headers["x-request-id"] == "ops-test-request-1"
    plan_id = response.json()["id"]
    deadline = time.monotonic() + PLAN_TIMEOUT_S
    while (plan := httpx.get(f"{base_url}/api/v1/plans/{plan_id}", headers={"X-API-Key": api_key}).json())[
        "status"
    ] not in ("done", "failed"):
        assert time.monotonic() < deadline, f"plan {plan_id} did not finish:\n{services.logs()}"
        time.sleep(1)
    assert plan["status"] == "done", plan["status_reason"]

    api = scrape(f"{base_url}/metrics")
    assert total(api, "planwright_http_requests_total", route="/api/v1/plans", status="202") >= 1
    assert total(api, "planwright_http_request_duration_seconds_count", route="/api/v1/plans/{plan_id}") > 0
    assert total(api, "planwright_plans", status="done") >= 1
    for queue in ("crawl", "generate"):  # empty now that every plan finished, but always there
        assert total(api, "planwright_queue_depth", queue=queue) >= 0, queue
    crawler = scrape(f"http://127.0.0.1:{metrics_ports['crawler']}/metrics")
    for stage in ("crawl", "verify"):
        assert total(crawler, "planwright_stage_duration_seconds_count", stage=stage) >= 1, stage
        assert total(crawler, "planwright_stage_duration_seconds_sum", stage=stage) > 0, stage
    assert total(crawler, "planwright_crawl_pages_total") >= 1
    assert total(crawler, "planwright_browser_actions_total", kind="goto") > 0
    assert total(crawler, "planwright_browser_actions_total", kind="click") > 0
    assert total(crawler, "planwright_verifications_total", status="verified") > 0
    model = scrape(f"http://127.0.0.1:{metrics_ports['model_worker']}/metrics")
    assert total(model, "planwright_stage_duration_seconds_count", stage="generate") >= 1
    assert total(model, "planwright_generation_tokens_total", kind="completion") > 0
    assert total(model, "planwright_generation_tokens_total", kind="prompt") > 0
    assert total(model, "planwright_generation_requests_total", outcome="finished") > 0
    assert total(model, "planwright_engine_batch_size_count") > 0
    assert total(model, "planwright_engine_batch_size_sum") > 0
    assert total(model, "planwright_engine_queue_wait_seconds_count") > 0
    assert total(model, "planwright_model_memory_bytes", kind="rss") > 50e6
    for idle in ("planwright_engine_kv_tokens_in_use", "planwright_engine_running_batch"):
        assert total(model, idle) >= 0, f"{idle} missing"  # 0 between plans: nothing is generating

    services.stop_all()  # flush: the last lines of every process are in its log file
    leaked = {
        "API key": api_key,
        "password": password,
        "cookie": cookie,
        "header": header,
        "SECRET_KEY": SECRET_KEY,
    }
    for name in ("api", "crawler", "model_worker"):
        path = services.running[name].log_path
        text = path.read_text(encoding="utf-8", errors="replace")
        for what, value in leaked.items():
            assert value not in text, f"the {what} is in {path.name}"
        records = log_records(path)
        assert {r.get("service") for r in records} == {name}, path.name
        assert_no_noise(name, records)
        if name == "api":
            ours = [r for r in records if r.get("request_id") == "ops-test-request-1"]
            assert any("http.request POST /api/v1/plans 202" in r["event"] for r in ours), ours
        else:
            stages = {"crawl", "verify"} if name == "crawler" else {"generate"}
            assert_task_lines_carry_ids(name, records, plan_id=plan_id, team_id=team_id, stages=stages)
