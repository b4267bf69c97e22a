"""planwright/metrics.py: multiprocess mode adds up what several processes of one service counted, and
the scrape-time collectors are exposed in both modes. Fresh interpreters: the mode is chosen at import."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

ROOT = Path(__file__).resolve().parent.parent

COUNT = "from planwright import metrics; metrics.CRAWL_PAGES.inc({n}); metrics.STAGE_SECONDS.labels('crawl').observe(2.5)"
RENDER = """
from planwright import metrics
metrics.register(metrics.BacklogCollector(lambda: ({"crawl": 4, "generate": 1}, {"done": 2, "queued": 0})))
print(metrics.render_latest().decode())
"""


def python(code: str, env: dict[str, str], cwd: Path = ROOT) -> str:
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=cwd,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return result.stdout


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def test_multiprocess_mode_adds_up_every_process(tmp_path: Path) -> None:
    env = {"PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    python(COUNT.format(n=2), env)
    python(COUNT.format(n=3), env)
    exposed = samples(python(RENDER, env))
    assert exposed[("planwright_crawl_pages_total", frozenset())] == 5
    assert exposed[("planwright_stage_duration_seconds_count", frozenset({("stage", "crawl")}))] == 2
    assert exposed[("planwright_queue_depth", frozenset({("queue", "crawl")}))] == 4
    assert exposed[("planwright_plans", frozenset({("status", "done")}))] == 2


def test_single_process_mode_exposes_the_collectors_too(tmp_path: Path) -> None:
    env = {"PROMETHEUS_MULTIPROC_DIR": "", "PYTHONPATH": str(ROOT)}
    exposed = samples(python(COUNT.format(n=1) + "\n" + RENDER, env, cwd=tmp_path))
    # An empty variable is single-process mode, not multiprocess files written into the working directory.
    assert list(tmp_path.iterdir()) == []
    assert exposed[("planwright_crawl_pages_total", frozenset())] == 1
    assert exposed[("planwright_queue_depth", frozenset({("queue", "generate")}))] == 1
    assert exposed[("planwright_backlog_read_errors_total", frozenset())] == 0


def test_a_backlog_that_cannot_be_read_is_counted_not_raised() -> None:
    code = """
from planwright import metrics
def broken():
    raise ConnectionError("redis down")
metrics.register(metrics.BacklogCollector(broken))
print(metrics.render_latest().decode())
"""
    exposed = samples(python(code, {"PROMETHEUS_MULTIPROC_DIR": ""}))
    assert exposed[("planwright_backlog_read_errors_total", frozenset())] == 1
    assert not any(name == "planwright_queue_depth" for name, _ in exposed)
