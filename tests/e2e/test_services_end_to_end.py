"""The deployed path on real parts: api, crawler worker and model worker as processes, the real Postgres,
Redis, Chromium and the real default model (SmolLM2-135M-Instruct). Slow by nature: one module, one
set of services, several plans. The last test reads what an operator watches: every process's /metrics
and JSON logs after a plan behind a login, with a team's API key (none of its secrets in any log)."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, expect

from planwright.db.session import session_scope
from planwright.teams import create_api_key, create_team
from tests.db import fresh_postgres_database, fresh_redis
from tests.e2e.checks import (
    assert_edge_proposals_settled,
    assert_model_ran,
    assert_pdf_has_titles,
    assert_plan_grounded,
    assert_xlsx_matches,
)
from tests.e2e.ops_checks import (
    assert_no_noise,
    assert_task_lines_carry_ids,
    log_records,
    scrape,
    total,
)
from tests.e2e.processes import Services, free_port, wait_ready, wait_until
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
    log_dir = tmp_path_factory.mktemp("service-logs")
    database_url = fresh_postgres_database("planwright_test_e2e")
    env = {
        "DATABASE_URL": database_url,
        "REDIS_URL": fresh_redis(12),
        "DATA_DIR": str(log_dir / "data"),
        "CRAWL_PAGE_TIMEOUT_S": "5",
        "CRAWL_TOTAL_TIMEOUT_S": "120",
        "MODEL_HEARTBEAT_TTL_S": "10",
        "SECRET_KEY": SECRET_KEY,
    }
    services = Services(env=env, log_dir=log_dir)
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    try:
        services.start("api", port=port)
        services.start("crawler", env={"METRICS_PORT": str(metrics_ports["crawler"])})
        services.start("model_worker", env={"METRICS_PORT": str(metrics_ports["model_worker"])})
        wait_ready(base_url, services, timeout=240)
        yield base_url, services, database_url
    finally:
        services.stop_all()
        print(services.logs())


def wait_for_plan(base_url: str, plan_id: int, services: Services, timeout: float = PLAN_TIMEOUT_S) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        plan = httpx.get(f"{base_url}/api/v1/plans/{plan_id}", timeout=60).json()
        if plan["status"] in ("done", "failed"):
            return plan
        for service in services.running.values():
            assert service.alive(), f"{service.name} died:\n{service.log_tail()}"
        time.sleep(1)
    raise AssertionError(f"plan {plan_id} did not finish in {timeout} s:\n{services.logs()}")


def test_plan_from_api_is_grounded_and_exported(
    stack: tuple[str, Services, str], fixture_site: str, tmp_path: Path
) -> None:
    base_url, services, database_url = stack
    response = httpx.post(
        f"{base_url}/api/v1/plans",
        json={"url": f"{fixture_site}/", "language": "ru", "max_pages": 10, "max_depth": 2},
    )
    assert response.status_code == 202, response.text
    plan_id = response.json()["id"]
    plan = wait_for_plan(base_url, plan_id, services)
    assert plan["status"] == "done", plan["status_reason"]
    export = assert_plan_grounded(database_url, plan_id)
    model_use = assert_model_ran(database_url, plan_id)
    model_use |= assert_edge_proposals_settled(database_url, plan_id, plan)
    assert plan["counts"]["total"] == len(export.cases)
    assert plan["counts"]["model"] + plan["counts"]["skeleton"] == len(export.cases)
    assert plan["model_id"] and "SmolLM2" in plan["model_id"]
    assert all(plan["timings"][key] is not None for key in ("crawl_s", "generate_s", "verify_s"))
    print(
        f"plan {plan_id}: {len(export.cases)} cases, {plan['counts']['model']} from the model, "
        f"{plan['counts']['verified']} verified; timings {plan['timings']}; {model_use}"
    )

    xlsx = httpx.get(f"{base_url}/api/v1/plans/{plan_id}/export.xlsx", timeout=120)
    assert xlsx.status_code == 200
    assert_xlsx_matches(xlsx.content, export)
    pdf = httpx.get(f"{base_url}/api/v1/plans/{plan_id}/export.pdf", timeout=120)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert_pdf_has_titles(pdf.content, export, tmp_path)


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        (None, "Could not connect"),
        ("/missing", "HTTP 404"),
        ("/file.pdf", "not an HTML page"),
        ("/slow", "did not finish loading"),
    ],
)
def test_bad_targets_fail_with_a_reason_and_leave_workers_up(
    stack: tuple[str, Services, str], fixture_site: str, path: str | None, reason: str
) -> None:
    base_url, services, _ = stack
    url = f"http://127.0.0.1:{free_port()}/" if path is None else f"{fixture_site}{path}"
    started = time.monotonic()
    plan_id = httpx.post(f"{base_url}/api/v1/plans", json={"url": url}, timeout=60).json()["id"]
    plan = wait_for_plan(base_url, plan_id, services, timeout=90)
    assert plan["status"] == "failed"
    assert reason in (plan["status_reason"] or ""), plan["status_reason"]
    assert time.monotonic() - started < 90
    assert all(service.alive() for service in services.running.values())


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
