"""deploy/grafana/planwright-dashboard.json asks only for series Planwright exports: every planwright_*
name in its queries is one that planwright/metrics.py produces (checked against a real exposition)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from planwright import metrics

DASHBOARD = Path(__file__).resolve().parent.parent / "deploy" / "grafana" / "planwright-dashboard.json"
SERIES = re.compile(r"\bplanwright_[a-z0-9_]+\b")


class Stats:
    """An engine's stats() as the embedded engine returns them (the collector reads only this dict)."""

    def stats(self) -> dict[str, Any]:
        return {
            "prompt_tokens": 10,
            "completion_tokens": 5,
            "requests_finished": 1,
            "requests_failed": 0,
            "running_batch_size": 2,
            "batch_width_tokens": 40,
            "queue_depth": 1,
            "rss_bytes": 1,
            "peak_rss_bytes": 1,
        }


def exported_sample_names() -> set[str]:
    """Every sample name this code base exposes: the module's own series plus its collectors'."""
    names: set[str] = set()
    texts = [generate_latest(metrics.REGISTRY).decode()]
    for collector in (
        metrics.EngineCollector(Stats()),
        metrics.BacklogCollector(lambda: ({"crawl": 1, "generate": 0}, {"done": 1})),
    ):
        registry = CollectorRegistry()
        registry.register(collector)
        texts.append(generate_latest(registry).decode())
    # Labelled series with no sample yet still declare their family in the module.
    for value in vars(metrics).values():
        if hasattr(value, "_name") and hasattr(value, "_type"):
            base = value._name
            names |= {base, f"{base}_total", f"{base}_bucket", f"{base}_sum", f"{base}_count"}
    for text in texts:
        for family in text_string_to_metric_families(text):
            names |= {sample.name for sample in family.samples}
    return names


def test_every_query_names_an_exported_series() -> None:
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    exported = exported_sample_names()
    queried: set[str] = set()
    for panel in dashboard["panels"]:
        for target in panel["targets"]:
            queried |= set(SERIES.findall(target["expr"]))
    assert queried, "the dashboard queries nothing"
    unknown = queried - exported
    assert not unknown, f"the dashboard asks for series nobody exports: {sorted(unknown)}"


def test_the_dashboard_covers_what_operators_watch() -> None:
    text = DASHBOARD.read_text(encoding="utf-8")
    for series in (
        "planwright_queue_depth",
        "planwright_plans",
        "planwright_stage_duration_seconds_bucket",
        "planwright_crawl_pages_total",
        "planwright_browser_actions_total",
        "planwright_generation_tokens_total",
        "planwright_engine_batch_size",
        "planwright_engine_kv_tokens_in_use",
        "planwright_model_memory_bytes",
        "planwright_engine_queue_wait_seconds_bucket",
        "planwright_verifications_total",
    ):
        assert series in text, series
    dashboard = json.loads(text)
    ids = [panel["id"] for panel in dashboard["panels"]]
    assert len(ids) == len(set(ids)), "panel ids must be unique"
    assert dashboard["uid"] and all(p["datasource"]["uid"] == "${datasource}" for p in dashboard["panels"])
