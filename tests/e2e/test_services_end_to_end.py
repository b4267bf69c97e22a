"""The deployed path on real parts: api, crawler worker and model worker as processes, the real Postgres,
Redis, Chromium and the real default model (SmolLM2-135M-Instruct): a plan posted to the JSON API ends
grounded and exported, and bad targets fail with a reason while the workers stay up. The web page and
what an operator watches are tests/e2e/test_services_web_and_ops.py (their own stack, so the two
modules can run on two test workers at once)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.checks import (
    assert_edge_proposals_settled,
    assert_model_ran,
    assert_pdf_has_titles,
    assert_plan_grounded,
    assert_xlsx_matches,
)
from tests.e2e.processes import Services, free_port, service_stack, wait_for_plan

pytestmark = [pytest.mark.e2e, pytest.mark.model]

PLAN_TIMEOUT_S = 420


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Services, str]]:
    with service_stack(
        tmp_path_factory.mktemp("service-logs"), database="planwright_test_e2e", redis_index=12
    ) as running:
        yield running


def test_plan_from_api_is_grounded_and_exported(
    stack: tuple[str, Services, str], fixture_site: str, tmp_path: Path
) -> None:
    base_url, services, database_url = stack
    response = httpx.post(
        f"{base_url}/api/v1/plans",
        json={"url": f"{fixture_site}/", "language": "ru", "max_pages": 4, "max_depth": 1},  # both forms
    )
    assert response.status_code == 202, response.text
    plan_id = response.json()["id"]
    plan = wait_for_plan(base_url, plan_id, services, timeout=PLAN_TIMEOUT_S)
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
