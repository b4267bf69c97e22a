"""A target's deny-list additions reach its runs' crawl: a named link is never followed."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Browser

from planwright.cli import migrate
from planwright.db.models import Plan
from planwright.db.session import session_scope
from planwright.pipeline import stages
from planwright.plans import create_plan
from planwright.settings import get_settings
from tests.fixture_apps.changing_app import serve_changing_app


def crawled_paths(database_url: str, url: str, browser: Browser, deny_names: list[str] | None) -> set[str]:
    with session_scope(database_url) as session:
        plan = create_plan(session, team_id=1, url=url, language="en", max_pages=4, max_depth=1, verify=False)
        plan.deny_names = deny_names
        plan_id = plan.id
    assert stages.crawl_stage(database_url, plan_id, browser=browser, settings=get_settings())
    with session_scope(database_url) as session:
        plan = session.get(Plan, plan_id)
        assert plan is not None
        return {page.url.removeprefix(url.rstrip("/")) for page in plan.pages}


def test_deny_names_keep_the_crawler_off_a_link(browser: Browser, tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path / 'plans.db'}"
    migrate(database_url)
    with serve_changing_app() as (base, _server):
        assert "/contacts" in crawled_paths(database_url, f"{base}/", browser, None)
        assert "/contacts" not in crawled_paths(database_url, f"{base}/", browser, ["contacts"])
