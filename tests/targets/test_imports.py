"""The api and the beat never load the browser: only the crawler worker runs regression (Playwright)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "module", ["services.beat.scheduler", "services.api.main", "planwright.targets.webhook"]
)
def test_module_does_not_import_playwright_or_torch(module: str) -> None:
    code = f"import sys, {module}; print(sorted(m for m in ('playwright', 'torch') if m in sys.modules))"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]", f"{module} imports {result.stdout.strip()}"
