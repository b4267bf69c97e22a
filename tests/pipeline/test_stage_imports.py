"""Each stage loads in the process that runs it without the other side's heavy library: the crawler
worker never imports torch, the model worker never imports Playwright. Checked in a fresh interpreter,
since this test process has long imported both."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def loaded_after_import(module: str) -> set[str]:
    probe = (
        f"import sys, {module}; "
        "print(' '.join(name for name in ('torch', 'transformers', 'playwright') if name in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120, check=True
    )
    return set(result.stdout.split())


@pytest.mark.parametrize(
    "module",
    ["planwright.pipeline.stages.crawl", "planwright.pipeline.stages.verify", "services.crawler.worker"],
)
def test_the_browser_side_does_not_import_the_model(module: str) -> None:
    loaded = loaded_after_import(module)
    assert "playwright" in loaded  # the probe sees imports at all
    assert not loaded & {"torch", "transformers"}


@pytest.mark.parametrize("module", ["planwright.pipeline.stages.generate", "services.model_worker.__main__"])
def test_the_model_side_does_not_import_the_browser(module: str) -> None:
    loaded = loaded_after_import(module)
    assert "torch" in loaded
    assert "playwright" not in loaded


def test_the_package_and_the_lifecycle_load_neither() -> None:
    assert loaded_after_import("planwright.pipeline.stages") == set()
    assert loaded_after_import("planwright.lifecycle") == set()
