"""`planwright generate URL --out DIR`: the one-command path, no services, the real default model."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from planwright.schemas import PlanExport
from tests.e2e.checks import (
    assert_model_ran,
    assert_pdf_has_titles,
    assert_plan_grounded,
    assert_xlsx_matches,
)
from tests.e2e.processes import REPO_ROOT, VENV_BIN, free_port

pytestmark = [pytest.mark.e2e, pytest.mark.model]


def run_planwright(*args: str, timeout: float = 850) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(VENV_BIN / "planwright"), *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={
            "PATH": f"{VENV_BIN}:/usr/bin:/bin",
            "PYTHONPATH": str(REPO_ROOT),  # this checkout's code, not the one the venv was installed from
            "HOME": str(Path.home()),
            "HF_HUB_OFFLINE": "1",
            "CRAWL_PAGE_TIMEOUT_S": "5",
            # Edge cases cost as much again (11 proposals asked and run on these 4 pages, 440 s in all at
            # load ~14); their path is test_stages_edge_cases' and the services e2e's.
            "EDGE_CASES": "false",
        },
    )


def test_generate_writes_grounded_plan(fixture_site: str, tmp_path: Path) -> None:
    # Four pages (home and the nav's first three: both forms the checks name) keep the one-command path
    # whole; how good a plan of a whole site is, is bench/quality.py's question, not this test's.
    result = run_planwright(
        "generate", f"{fixture_site}/", "--out", str(tmp_path), "--language", "ru", "--max-pages", "4",
        "--max-depth", "1",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    print(result.stdout)
    assert "crawling" in result.stdout and "done:" in result.stdout  # progress was shown
    # The model worked while the browser crawled, and the generate stage used those answers.
    overlap = re.search(
        r"pipelined: (\d+) model requests sent while the browser crawled \(\d+ answered by its end\), (\d+) of",
        result.stdout,
    )
    assert overlap is not None and int(overlap[1]) > 0 and int(overlap[2]) > 0, result.stdout
    for name in ("plan.xlsx", "plan.pdf", "plan.json"):
        assert (tmp_path / name).stat().st_size > 0, name
    export = assert_plan_grounded(f"sqlite:///{tmp_path / 'planwright.db'}", 1)
    assert_model_ran(f"sqlite:///{tmp_path / 'planwright.db'}", 1)
    from_json = PlanExport.model_validate(json.loads((tmp_path / "plan.json").read_text()))
    assert [case.title for case in from_json.cases] == [case.title for case in export.cases]
    assert_xlsx_matches((tmp_path / "plan.xlsx").read_bytes(), export)
    assert_pdf_has_titles((tmp_path / "plan.pdf").read_bytes(), export, tmp_path)


def test_generate_rejects_bad_url_and_reports_unreachable_host(tmp_path: Path) -> None:
    bad = run_planwright("generate", "file:///etc/passwd", "--out", str(tmp_path / "bad"))
    assert bad.returncode == 2 and "must be an http:// or https:// URL" in bad.stderr
    down = run_planwright("generate", f"http://127.0.0.1:{free_port()}/", "--out", str(tmp_path / "down"))
    assert down.returncode == 1 and "Could not connect" in down.stderr, down.stdout + down.stderr
