"""A plan through the server backends: through llama-server it ends with the model's cases; with the
model server gone it fails with a reason a person can act on, instead of a plan of bare skeletons."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from playwright.sync_api import Browser
from sqlalchemy import select

from planwright.cli import migrate
from planwright.db.models import Generation, Plan, TestCase
from planwright.db.session import session_scope
from planwright.engine import ModelBackend, engine_from_settings
from planwright.engine.llama_server import free_port
from planwright.pipeline import stages
from planwright.plans import create_plan
from planwright.settings import Settings, get_settings
from tests.e2e.checks import assert_model_ran
from tests.e2e.processes import REPO_ROOT, VENV_BIN
from tests.engine.llama_fixtures import llama_server_binary, start_server

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


def run_generate(url: str, out: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """`planwright generate` (the embedded command) on two pages, verification on, in a fresh process."""
    return subprocess.run(
        [
            str(VENV_BIN / "planwright"),
            "generate",
            f"{url}/",
            "--out",
            str(out),
            "--max-pages",
            "2",
            "--max-depth",
            "1",
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=540,
        env={
            "PATH": f"{VENV_BIN}:/usr/bin:/bin",
            "HOME": str(Path.home()),
            "HF_HUB_OFFLINE": "1",
            "CRAWL_PAGE_TIMEOUT_S": "5",
            "EDGE_CASES": "false",  # the backend is under test, not edge cases (their own tests exist)
            **env,
        },
    )


def assert_whole_plan(out: Path, device: str) -> tuple[Plan, list[Generation]]:
    """Done, exported, verified, the model's text in it, and every record's tokens from the server."""
    for name in ("plan.xlsx", "plan.pdf", "plan.json"):
        assert (out / name).stat().st_size > 0, name
    database_url = f"sqlite:///{out / 'planwright.db'}"
    assert_model_ran(database_url, 1)
    with session_scope(database_url) as session:
        plan = session.get(Plan, 1)
        assert plan is not None and plan.status == "done", plan.status_reason if plan else None
        assert plan.device == device
        rows = list(session.scalars(select(Generation).where(Generation.plan_id == 1)).all())
        cases = session.scalars(select(TestCase).where(TestCase.plan_id == 1)).all()
    assert any(r.accepted for r in rows), "the model's text became at least one case"
    assert all(r.prompt_tokens > 0 and r.completion_tokens > 0 for r in rows)
    assert cases and any(c.verification_status == "verified" for c in cases), [
        c.verification_status for c in cases
    ]
    return plan, rows


def test_planwright_generate_through_llamacpp(fixture_site: str, tmp_path: Path) -> None:
    """MODEL_BACKEND=llamacpp: the command starts its own llama-server on the GGUF and stops it."""
    binary = llama_server_binary()
    result = run_generate(fixture_site, tmp_path, MODEL_BACKEND="llamacpp", LLAMA_SERVER_PATH=str(binary))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "cpu (llama.cpp) (Q4_1)" in result.stdout and "done:" in result.stdout, result.stdout
    plan, _rows = assert_whole_plan(tmp_path, "cpu (llama.cpp) (Q4_1)")
    assert plan.model_id == "SmolLM2-135M-Instruct"


def test_planwright_generate_through_openai_at_a_running_llama_server(
    fixture_site: str, tmp_path: Path
) -> None:
    """MODEL_BACKEND=openai at a server someone else runs: tokens counted by its /tokenize."""
    server = start_server()
    try:
        result = run_generate(
            fixture_site, tmp_path, MODEL_BACKEND="openai", MODEL_BASE_URL=f"{server.url}/v1"
        )
        assert server.alive(), "the command must not stop a server it did not start"
    finally:
        server.stop()
    assert result.returncode == 0, result.stdout + result.stderr
    plan, rows = assert_whole_plan(tmp_path, f"server 127.0.0.1:{server.port} (server)")
    assert "SmolLM2-135M-Instruct" in plan.model_id and {r.model_id for r in rows} == {plan.model_id}
