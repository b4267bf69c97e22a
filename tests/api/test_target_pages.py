"""The targets' web pages against the real Postgres: list, add, a target's runs, run now, pause, a run's
regression and diff; crawled text is escaped."""

from __future__ import annotations

from fastapi.testclient import TestClient

from planwright.db.models import TargetRun
from planwright.db.session import session_scope
from tests.api.test_targets_api import create, finish_plan
from tests.targets.test_diff import BASE, click_case, crawl, link
from tests.verify.builders import exp


def test_add_a_target_from_the_page_and_see_it_listed(client: TestClient) -> None:
    response = client.post(
        "/targets",
        data={
            "name": "Web <b>shop</b>",
            "url": "https://web.example/",
            "cron": "30 1 * * *",
            "timezone": "UTC",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"].startswith("/targets/")
    page = client.get("/targets").text
    assert "Web &lt;b&gt;shop&lt;/b&gt;" in page and "<b>shop</b>" not in page
    assert "At 01:30 every day" in page and "none yet" in page
    target_page = client.get(response.headers["location"]).text
    assert "Run now" in target_page and "No runs yet." in target_page


def test_a_bad_cron_is_shown_on_the_form(client: TestClient) -> None:
    response = client.post(
        "/targets", data={"name": "x", "url": "https://web.example/", "cron": "every night"}
    )
    assert response.status_code == 422 and "cron: must have five fields" in response.text


def test_run_now_and_pause_from_the_target_page(client: TestClient, api_env: dict[str, str]) -> None:
    target = create(client, name="Buttons")
    page = f"/targets/{target['id']}"
    assert client.post(f"{page}/run", follow_redirects=False).status_code == 303
    shown = client.get(page).text
    assert 'id="runs"' in shown and "manual" in shown and "queued" in shown
    client.post(f"{page}/pause")
    assert ">paused<" in client.get(page).text and "Resume" in client.get(page).text
    assert client.get(f"/api/v1/targets/{target['id']}").json()["paused"] is True
    client.post(f"{page}/pause")
    assert client.get(f"/api/v1/targets/{target['id']}").json()["paused"] is False
    assert client.post(f"{page}/delete", follow_redirects=False).headers["location"] == "/targets"
    assert client.get(page).status_code == 404


def test_the_run_page_shows_regression_and_a_word_diff(client: TestClient, api_env: dict[str, str]) -> None:
    target = create(client, url=f"{BASE}/", name="Diffed")
    runs = [client.post(target["links"]["run_now"]).json() for _ in range(2)]
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
    finish_plan(
        api_env["DATABASE_URL"],
        runs[1]["plan_id"],
        crawl({"/": [new_link]}),
        [click_case(new_link, "/", [exp("url", "/contacts")], "Contact us <script>opens</script>")],
    )
    with session_scope(api_env["DATABASE_URL"]) as session:
        run = session.query(TargetRun).filter_by(plan_id=runs[1]["plan_id"]).one()
        run.regression = [
            {
                "key": "k",
                "title": "Contacts opens",
                "page_url": f"{BASE}/",
                "status": "not_executable",
                "detail": 'step 2: target get_by_role("link", name="Contacts") matches 0 elements',
            }
        ]
    page = client.get(f"/targets/{target['id']}/runs/2").text
    assert "Changes since run 1" in page and "not executable: 1" in page
    assert "<del>Contacts</del>" in page and "<ins>Contact us</ins>" in page
    assert "&lt;script&gt;" in page and "<script>opens" not in page
    first = client.get(f"/targets/{target['id']}/runs/1").text
    assert "first run: everything is new" in first and "Pin (keep it from retention)" in first
    client.post(f"/targets/{target['id']}/runs/1/pin")
    assert "Unpin" in client.get(f"/targets/{target['id']}/runs/1").text
    assert client.get(f"/api/v1/targets/{target['id']}/runs/1").json()["pinned"] is True
