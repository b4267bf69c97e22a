"""API plans end to end: `planwright generate --openapi` (the embedded path: the same stages as the
workers, the real default model) against the fixture service and against a running Planwright (real
Postgres, Redis; the api as compose starts it), and the exported pytest + httpx file run as it is."""

from __future__ import annotations

import json
import subprocess
from collections import Counter
from pathlib import Path

import httpx
import pytest

from planwright.schemas import PlanExport
from tests.db import fresh_postgres_database, fresh_redis
from tests.e2e.processes import REPO_ROOT, VENV_BIN, Services, free_port, wait_until
from tests.fixture_apps.api.service import API_KEY, SPEC, serve_api

pytestmark = [pytest.mark.e2e, pytest.mark.model]


def run(
    args: list[str], *, extra_env: dict[str, str] | None = None, cwd: Path = REPO_ROOT, timeout: float = 900
) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": f"{VENV_BIN}:/usr/bin:/bin",
        "HOME": str(Path.home()),
        "HF_HUB_OFFLINE": "1",
        "PYTHONPATH": str(REPO_ROOT),  # this checkout's code, not the venv's installed copy
        **(extra_env or {}),
    }
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env)


def _healthy(base_url: str) -> bool:
    try:
        return httpx.get(f"{base_url}/healthz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def summary(export: PlanExport) -> tuple[Counter[str], Counter[str], dict[str, str]]:
    kinds = Counter(case.tags[1] for case in export.cases)
    statuses = Counter(case.verification.status for case in export.cases)
    why = {
        case.title: case.verification.detail or ""
        for case in export.cases
        if case.verification.status != "verified"
    }
    return kinds, statuses, why


def test_the_fixture_service_is_planned_executed_and_its_exported_file_passes(tmp_path: Path) -> None:
    spec_file = tmp_path / "openapi.json"
    spec_file.write_text(json.dumps(SPEC))
    out = tmp_path / "out"
    with serve_api() as base_url:
        result = run(
            [str(VENV_BIN / "planwright"), "generate", "--openapi", str(spec_file), "--base-url", base_url,
             "--allow-unsafe", "--out", str(out)],
            extra_env={"PLANWRIGHT_API_KEY": API_KEY},
        )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    print(result.stdout)
    export = PlanExport.model_validate(json.loads((out / "plan.json").read_text()))
    kinds, statuses, why = summary(export)
    print("fixture:", dict(kinds), dict(statuses), why)
    assert export.kind == "api" and len({c.page_url for c in export.cases}) == 6
    assert kinds == {"happy_path": 6, "missing_required": 4, "constraint_violated": 19, "auth_missing": 4,
                     "auth_wrong": 4, "not_found": 2, "stateful": 1}  # fmt: skip
    assert statuses == {"verified": 40}, why
    assert "40 verified" in result.stdout
    # The exported file, run by the venv's pytest against a fresh instance of the service.
    with serve_api() as fresh_url:
        exported = run(
            [str(VENV_BIN / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider", str(out / "plan.py")],
            extra_env={"PLANWRIGHT_BASE_URL": fresh_url, "PLANWRIGHT_API_KEY": API_KEY},
            cwd=tmp_path,
            timeout=300,
        )
    assert exported.returncode == 0, exported.stdout + exported.stderr
    assert "40 passed" in exported.stdout


def test_planwrights_own_document_against_a_running_planwright(tmp_path: Path) -> None:
    database_url = fresh_postgres_database("planwright_test_api_plans_own")
    env = {
        "DATABASE_URL": database_url,
        "REDIS_URL": fresh_redis(13),
        "REQUIRE_API_KEY": "true",
        "DATA_DIR": str(tmp_path / "data"),
    }
    services = Services(env=env, log_dir=tmp_path)
    port = free_port()
    try:
        services.start("api", port=port)
        base_url = f"http://127.0.0.1:{port}"
        wait_until(lambda: _healthy(base_url), timeout=300, what="/healthz")  # /readyz wants a model worker
        team = run([str(VENV_BIN / "planwright"), "team", "create", "qa-api", "--db", database_url])
        assert team.returncode == 0, team.stderr
        key = team.stdout.strip().splitlines()[-1]
        headers = {"X-API-Key": key}
        # Something to read back: a plan and a target of this team (no workers: they stay queued).
        assert (
            httpx.post(
                f"{base_url}/api/v1/plans", json={"url": "http://example.com/"}, headers=headers
            ).status_code
            == 202
        )
        target = {"name": "shop", "url": "http://example.com/", "cron": "0 2 * * *"}
        assert httpx.post(f"{base_url}/api/v1/targets", json=target, headers=headers).status_code == 201
        out = tmp_path / "out"
        result = run(
            [
                str(VENV_BIN / "planwright"),
                "generate",
                "--openapi",
                f"{base_url}/openapi.json",
                "--out",
                str(out),
            ],
            extra_env={"PLANWRIGHT_API_KEY": key},
        )
        assert result.returncode == 0, result.stdout + result.stderr + services.logs()
        print(result.stdout)
        export = PlanExport.model_validate(json.loads((out / "plan.json").read_text()))
        kinds, statuses, why = summary(export)
        print(
            "planwright:", len({c.page_url for c in export.cases}), "operations", dict(kinds), dict(statuses)
        )
        for title, detail in why.items():
            print(f"  {title}: {detail}")
        safe = [c for c in export.cases if all(s.request and s.request.is_safe() for s in c.steps)]
        by_kind = {kind: [c for c in safe if c.tags[1] == kind] for kind in kinds}
        # The auth cases of key-protected operations are answered 401; validation cases 422.
        assert by_kind["auth_missing"] and all(
            c.verification.status == "verified" for c in by_kind["auth_missing"]
        )
        assert all(c.verification.status == "verified" for c in by_kind["auth_wrong"])
        assert by_kind["constraint_violated"]
        # All answered 422, in the shape the document promises (GET /api/v1/sizing answered
        # {"detail": "unknown model ..."}, a string, until this plan found it).
        refused = {c.title: c.verification for c in by_kind["constraint_violated"]}
        mismatched = {
            t
            for t, v in refused.items()
            if v.status == "failed" and "breaks the document's schema for 422 at /detail" in (v.detail or "")
        }
        assert all(v.status == "verified" for t, v in refused.items() if t not in mismatched), why
        assert mismatched == set(), mismatched
        happy = {c.page_url: c.verification for c in by_kind["happy_path"]}
        for operation in ("GET /healthz", "GET /api/v1/plans", "GET /api/v1/plans/{plan_id}", "GET /api/v1/targets",
                          "GET /api/v1/targets/{target_id}", "GET /api/v1/sizing/study"):  # fmt: skip
            assert happy[operation].status == "verified", (operation, happy[operation].detail)
        # Unsafe operations were not sent (no allow_unsafe): skipped, with the reason.
        unsafe = [c for c in export.cases if c not in safe]
        assert unsafe and all("set allow_unsafe on the plan" in (c.verification.detail or "") for c in unsafe)
        exported = run(
            [str(VENV_BIN / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider", str(out / "plan.py")],
            extra_env={"PLANWRIGHT_BASE_URL": base_url, "PLANWRIGHT_API_KEY": key},
            cwd=tmp_path,
            timeout=300,
        )
        assert exported.returncode == 0, exported.stdout + exported.stderr
        assert f"{statuses['verified']} passed" in exported.stdout
    finally:
        services.stop_all()
