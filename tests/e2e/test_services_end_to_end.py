"""The deployed path on real parts: api, crawler worker and model worker as processes, the real Postgres,
Redis, Chromium and the real default model (SmolLM2-135M-Instruct). Slow by nature: one module, one
set of services, several plans."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, expect

from tests.db import fresh_postgres_database, fresh_redis
from tests.e2e.checks import (
    assert_edge_proposals_settled,
    assert_model_ran,
    assert_pdf_has_titles,
    assert_plan_grounded,
    assert_xlsx_matches,
)
from tests.e2e.processes import Services, free_port, wait_ready, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.model]

PLAN_TIMEOUT_S = 420


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Services, str]]:
    log_dir = tmp_path_factory.mktemp("service-logs")
    database_url = fresh_postgres_database("planwright_test_e2e")
    env = {
        "DATABASE_URL": database_url,
        "REDIS_URL": fresh_redis(12),
        "DATA_DIR": str(log_dir / "data"),
        "CRAWL_PAGE_TIMEOUT_S": "5",
        "CRAWL_TOTAL_TIMEOUT_S": "120",
        "MODEL_HEARTBEAT_TTL_S": "10",
    }
    services = Services(env=env, log_dir=log_dir)
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    try:
        services.start("api", port=port)
        services.start("crawler")
        services.start("model_worker")
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
