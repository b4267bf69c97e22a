"""What an operator relies on after a plan ran through the services: /metrics series and JSON logs."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

# Celery's warning when a worker runs as root (as the tests here do; the images run as uid 10001).
SUPERUSER_WARNING = "You're running the worker with superuser privileges"
NOISE = ("substantial drift", "missed heartbeat", "Clocks are out of sync")


def scrape(url: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """{(sample name, sorted labels): value} of one /metrics page."""
    response = httpx.get(url, timeout=30)
    assert response.status_code == 200, f"{url}: {response.status_code} {response.text[:300]}"
    samples: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def total(samples: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str) -> float:
    """Sum of a series over the labels not given; -1 when no sample of that name (and labels) exists."""
    matching = [
        value
        for (sample, sample_labels), value in samples.items()
        if sample == name and set(labels.items()) <= set(sample_labels)
    ]
    return sum(matching) if matching else -1.0


def log_records(path: Path) -> list[dict[str, Any]]:
    """Every line of a service's log as JSON; a line that is not JSON fails with the line shown."""
    records = []
    for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise AssertionError(f"{path.name}:{number} is not a JSON log line: {line[:300]!r}") from error
        assert isinstance(record, dict) and "event" in record and "level" in record, f"{path.name}:{number}"
        records.append(record)
    return records


def assert_no_noise(name: str, records: list[dict[str, Any]]) -> None:
    """No clock-drift or missed-heartbeat lines; the superuser warning only where we really are root."""
    for record in records:
        event = str(record["event"])
        assert not any(noise in event for noise in NOISE), f"{name}: {event[:200]}"
        if SUPERUSER_WARNING in event:
            assert os.geteuid() == 0, f"{name}: the superuser warning without root: {event[:200]}"


def assert_task_lines_carry_ids(
    name: str, records: list[dict[str, Any]], *, plan_id: int, team_id: int, stages: set[str]
) -> None:
    """The plan's task lines exist and each carries team_id, stage and task_id with it."""
    ours = [r for r in records if r.get("plan_id") == plan_id and r.get("task_id")]
    assert ours, f"{name}: no line bound to plan {plan_id}"
    for record in ours:
        assert record.get("team_id") == team_id, f"{name}: {record}"
        assert record.get("stage") in stages, f"{name}: {record}"
    assert {r["stage"] for r in ours} == stages, f"{name}: stages seen {sorted({r['stage'] for r in ours})}"
