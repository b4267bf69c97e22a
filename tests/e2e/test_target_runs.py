"""Two runs of a target on real parts: api, beat, crawler worker and model worker as processes, the real
Postgres, Redis, Chromium and default model. Run 1 is fired by beat from a schedule due in seconds; the
test then changes the app (a link renamed, a field removed, a validation message reworded, a button's
test id changed with its label kept) and asks for run 2 with "run now". Prints the cycle's timings."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from planwright.db.models import Target
from planwright.db.session import session_scope
from planwright.targets.webhook import SIGNATURE_HEADER, signature_matches
from tests.e2e.processes import Services, service_stack
from tests.fixture_apps.changing_app import ChangingServer, serve_changing_app
from tests.targets.test_webhook import SECRET, Receiver, receiver  # noqa: F401 - the receiver fixture

pytestmark = [pytest.mark.e2e, pytest.mark.model]

RUN_TIMEOUT_S = 600


@pytest.fixture(scope="module")
def changing_app() -> Iterator[tuple[str, ChangingServer]]:
    with serve_changing_app() as served:
        yield served


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Services, str]]:
    with service_stack(
        tmp_path_factory.mktemp("target-run-logs"),
        database="planwright_test_target_runs",
        redis_index=12,  # the e2e modules' index: modules in one test worker run one after the other
        services=("api", "crawler", "model_worker", "beat"),
        env={"TARGETS_TICK_INTERVAL_S": "1", "EDGE_CASES": "false"},
        ready_timeout=300,
    ) as running:
        yield running


def wait_for_run(base_url: str, target_id: int, number: int, services: Services) -> dict:
    deadline = time.monotonic() + RUN_TIMEOUT_S
    while time.monotonic() < deadline:
        response = httpx.get(f"{base_url}/api/v1/targets/{target_id}/runs/{number}", timeout=60)
        if response.status_code == 200 and response.json()["status"] in ("done", "failed"):
            return response.json()
        for service in services.running.values():
            assert service.alive(), f"{service.name} died:\n{service.log_tail()}"
        time.sleep(1)
    raise AssertionError(f"run {number} did not finish in {RUN_TIMEOUT_S} s:\n{services.logs()}")


def test_two_runs_regression_diff_junit_and_webhook(
    stack: tuple[str, Services, str],
    changing_app: tuple[str, ChangingServer],
    receiver: tuple[str, Receiver],  # noqa: F811 - the fixture imported above
) -> None:
    base_url, services, database_url = stack
    app_url, app = changing_app
    hook_url, hook = receiver
    created = httpx.post(
        f"{base_url}/api/v1/targets",
        json={
            "name": "Changing",
            "url": f"{app_url}/",
            "max_pages": 5,
            "max_depth": 1,
            "cron": "0 2 * * *",
            "timezone": "UTC",
            "webhook_url": hook_url,
            "webhook_secret": SECRET,
        },
        timeout=60,
    )
    assert created.status_code == 201, created.text
    target_id = created.json()["id"]
    with session_scope(database_url) as session:  # the schedule's record: due in two seconds
        target = session.get(Target, target_id)
        assert target is not None
        target.next_run_at = datetime.now(UTC) + timedelta(seconds=2)

    timings: dict[str, float] = {}
    started = time.monotonic()
    first = wait_for_run(base_url, target_id, 1, services)
    timings["run 1 (wall)"] = time.monotonic() - started
    assert first["status"] == "done", first["status_reason"]
    assert first["trigger"] == "schedule" and first["counts"]["verified"] > 0
    plan_1 = httpx.get(f"{base_url}/api/v1/plans/{first['plan_id']}", timeout=60).json()

    app.version = 2
    started = time.monotonic()
    second_number = httpx.post(f"{base_url}/api/v1/targets/{target_id}/runs", timeout=60).json()["number"]
    second = wait_for_run(base_url, target_id, second_number, services)
    timings["run 2 (wall)"] = time.monotonic() - started
    assert second["status"] == "done", second["status_reason"]
    plan_2 = httpx.get(f"{base_url}/api/v1/plans/{second['plan_id']}", timeout=60).json()

    started = time.monotonic()
    diff = httpx.get(f"{base_url}/api/v1/targets/{target_id}/runs/{second_number}/diff", timeout=60).json()
    timings["diff"] = time.monotonic() - started
    print(json.dumps(diff, indent=1, ensure_ascii=False)[:20000])

    renamed = {(r["old_name"], r["new_name"]) for r in diff["elements_renamed"]}
    assert ("Contacts", "Contact us") in renamed
    gone = {(e["page"], e["name"]) for e in diff["elements_gone"]}
    assert ("/settings", "New password") in gone
    assert "/contacts" not in {c["page_url"].removeprefix(app_url) for c in diff["cases_changed"]}
    regression = {r["title"]: r for r in diff["regression"]}
    assert diff["regression_counts"]["still_passes"] > 0
    statuses = {r["status"] for r in regression.values()}
    assert statuses <= {"still_passes", "now_fails", "not_executable", "healed"}
    for result in regression.values():  # nothing that stayed the same is reported as broken
        if result["page_url"].endswith("/contacts"):
            assert result["status"] == "still_passes", result
    reworded = [r for r in regression.values() if "Email is required" in json.dumps(r)]
    assert all(r["status"] == "now_fails" for r in reworded)
    healed = [r for r in regression.values() if r["status"] == "healed"]
    for result in healed:
        assert all(h["old_locator"] != h["new_locator"] for h in result["heals"])

    junit = httpx.get(
        f"{base_url}/api/v1/targets/{target_id}/runs/{second_number}/export.junit.xml", timeout=60
    )
    assert junit.status_code == 200 and b'<testsuite name="regression"' in junit.content

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and len(hook.received) < 2:
        time.sleep(0.5)
    assert len(hook.received) >= 2, "the webhook was not told about both runs"
    for headers, body in hook.received:
        assert signature_matches(body, SECRET, headers[SIGNATURE_HEADER])
    assert sorted(json.loads(body)["run"]["number"] for _, body in hook.received) == [1, second_number]

    for name, plan in (("run 1", plan_1), ("run 2", plan_2)):
        for stage in ("crawl_s", "generate_s", "verify_s"):
            timings[f"{name} {stage.removesuffix('_s')}"] = plan["timings"][stage] or 0.0
    with session_scope(database_url) as session:
        from planwright.db.models import TargetRun

        run = session.query(TargetRun).filter_by(target_id=target_id, number=second_number).one()
        timings["run 2 regression"] = run.regression_seconds or 0.0
    print("two-run cycle timings (s): " + ", ".join(f"{k} {v:.1f}" for k, v in timings.items()))
    print(
        f"regression: {diff['regression_counts']}; cases run 1: {plan_1['counts']}, run 2: {plan_2['counts']}"
    )
