"""A plan through the server backends: through llama-server it ends with the model's cases; with the
model server gone it fails with a reason a person can act on, instead of a plan of bare skeletons."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser
from sqlalchemy import select

from planwright.cli import migrate
from planwright.db.models import Generation, Plan
from planwright.db.session import session_scope
from planwright.engine import ModelBackend, engine_from_settings
from planwright.engine.llama_server import free_port
from planwright.pipeline import stages
from planwright.plans import create_plan
from planwright.settings import Settings, get_settings
from tests.engine.llama_fixtures import llama_server_binary

pytestmark = pytest.mark.timeout(600)


def crawled_plan(tmp_path: Path, url: str, browser: Browser) -> tuple[str, int]:
    database_url = f"sqlite:///{tmp_path / 'plan.db'}"
    migrate(database_url)
    with session_scope(database_url) as session:
        plan_id = create_plan(
            session, team_id=1, url=url + "/", language="en", max_pages=2, max_depth=1, verify=False
        ).id
    assert stages.crawl_stage(database_url, plan_id, browser=browser, settings=get_settings())
    return database_url, plan_id


def generate_with(backend: ModelBackend, database_url: str, plan_id: int) -> bool:
    backend.start()
    try:
        return stages.generate_stage(database_url, plan_id, generator=backend, max_new_tokens=48)
    finally:
        backend.stop()


def test_a_plan_fails_with_a_reason_when_the_model_server_is_gone(
    fixture_site: str, browser: Browser, tmp_path: Path
) -> None:
    database_url, plan_id = crawled_plan(tmp_path, fixture_site, browser)
    gone = f"http://127.0.0.1:{free_port()}/v1"
    backend = engine_from_settings(
        Settings(model_backend="openai", model_base_url=gone, model_max_retries=1, model_request_timeout_s=10)
    )
    assert generate_with(backend, database_url, plan_id) is False
    with session_scope(database_url) as session:
        plan = session.get(Plan, plan_id)
        assert plan is not None and plan.status == "failed"
        assert plan.status_reason is not None
        assert plan.status_reason.startswith("The model could not be reached: model server")
        assert gone in plan.status_reason and "MODEL_BASE_URL" in plan.status_reason


def test_a_whole_plan_through_llamacpp(fixture_site: str, browser: Browser, tmp_path: Path) -> None:
    settings = Settings(model_backend="llamacpp", llama_server_path=str(llama_server_binary()))
    database_url, plan_id = crawled_plan(tmp_path, fixture_site, browser)
    assert generate_with(engine_from_settings(settings), database_url, plan_id) is True
    with session_scope(database_url) as session:
        plan = session.get(Plan, plan_id)
        assert plan is not None and plan.status == "done", plan.status_reason
        assert plan.device == "cpu (llama.cpp) (Q4_1)" and plan.model_id == "SmolLM2-135M-Instruct"
        rows = session.scalars(select(Generation).where(Generation.plan_id == plan_id)).all()
    assert rows and all(r.error is None or r.finish_reason != "error" for r in rows), [r.error for r in rows]
    assert all(r.completion_tokens and r.prompt_tokens for r in rows if r.finish_reason != "error")
    assert any(r.accepted for r in rows), "the model's text became at least one case"
