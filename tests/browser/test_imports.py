"""The exports render tests from the browser layer's data without loading a browser: the api serves
the pytest and Playwright Test files, and it never imports Playwright."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "module",
    [
        "planwright.browser.operations",
        "planwright.browser.locators",
        "planwright.browser.scripts",
        "planwright.verify.checks",
        "planwright.codegen",
    ],
)
def test_module_does_not_import_playwright(module: str) -> None:
    code = f"import sys, {module}; print('playwright' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False", f"{module} imports Playwright"
