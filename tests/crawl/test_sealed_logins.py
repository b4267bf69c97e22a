"""Logins at rest: with SECRET_KEY a plan's password, storage state and headers are sealed in the
database, the stages open them to crawl and verify behind the fixture site's login, and a wrong or
missing key fails the plan with a reason instead of crawling logged out."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from planwright.cli import migrate
from planwright.db import plans_store
from planwright.db.models import Plan
from planwright.db.session import session_scope
from planwright.pipeline import stages
from planwright.plans import create_plan
from planwright.sealing import SEALED_FIELD, SealError, seal, unseal
from planwright.settings import get_settings

LOGIN = {"username": "qa@example.com", "password": "secret"}


@pytest.fixture
def secret_key() -> Iterator[str]:
    os.environ["SECRET_KEY"] = "test-key-" + "x" * 32
    get_settings.cache_clear()
    yield os.environ["SECRET_KEY"]
    os.environ.pop("SECRET_KEY", None)
    get_settings.cache_clear()


def test_seal_round_trip_and_clear_errors() -> None:
    value = {"login": {"url": "http://a/login", **LOGIN}, "headers": {"X-Token": "tok-123"}}
    sealed = seal(value, "key-one")
    assert sealed is not None and set(sealed) == {SEALED_FIELD}
    assert "secret" not in json.dumps(sealed) and "tok-123" not in json.dumps(sealed)
    assert unseal(sealed, "key-one") == value
    with pytest.raises(SealError, match="not the key it was saved with"):
        unseal(sealed, "key-two")
    with pytest.raises(SealError, match="set SECRET_KEY"):
        unseal(sealed, None)
    assert seal(value, None) == value and unseal(value, "key-one") == value  # no key: plain, as before
    assert seal(None, "key-one") is None and unseal(None, "key-one") is None


def test_a_sealed_login_crawls_behind_the_login_and_a_wrong_key_fails_the_plan(
    fixture_site: str, browser: Browser, tmp_path: Path, secret_key: str
) -> None:
    database_url = f"sqlite:///{tmp_path / 'plans.db'}"
    migrate(database_url)
    auth = {"login": {"url": f"{fixture_site}/login", **LOGIN}}
    with session_scope(database_url) as session:
        plan_id = create_plan(
            session,
            team_id=1,
            url=f"{fixture_site}/account",
            language="en",
            max_pages=1,
            max_depth=0,
            auth=auth,
        ).id
        stored = session.get(Plan, plan_id)
        assert stored is not None and set(stored.auth or {}) == {SEALED_FIELD}
        assert "secret" not in json.dumps(stored.auth)

    settings = get_settings()
    settings.crawl_total_timeout_s = 60
    assert stages.crawl_stage(database_url, plan_id, browser=browser, settings=settings)
    with session_scope(database_url) as session:
        plan = session.get(Plan, plan_id)
        assert plan is not None and set(plan.auth or {}) == {SEALED_FIELD}  # the session cookies, sealed
        pages = plans_store.load_crawl(session, plan).pages
    assert pages[0].url == f"{fixture_site}/account" and pages[0].headings[0] == "My account"

    os.environ["SECRET_KEY"] = "another-key-" + "y" * 32
    get_settings.cache_clear()
    stages.update_plan(database_url, plan_id, status="verifying")
    stages.verify_stage(database_url, plan_id, browser=browser, settings=get_settings())
    with session_scope(database_url) as session:
        plan = session.get(Plan, plan_id)
        assert plan is not None and plan.status == "failed"
        assert (
            plan.status_reason is not None
            and "SECRET_KEY is not the key it was saved with" in plan.status_reason
        )
