"""Celery beat's scheduler with jobs of its own: start due targets' runs, tell webhooks about finished
runs, and apply retention.

Both run inside beat's loop (no worker and no tick message needed); a database or Redis that is away
is logged and tried again at the next tick, never the end of the beat process.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from celery.beat import Scheduler

from planwright.settings import get_settings
from planwright.targets.retention import apply_retention
from planwright.targets.runs import tick
from planwright.targets.webhook import notify_finished_runs

log = logging.getLogger("planwright.beat")


class Periodic:
    """A job due every `interval_s` seconds by the monotonic clock; the first run is at start."""

    def __init__(self, name: str, interval_s: float, job: Callable[[], Any]) -> None:
        self.name, self.interval_s, self.job = name, interval_s, job
        self.due_at = 0.0

    def run_if_due(self, now: float) -> float:
        """Runs the job when due; returns the seconds until it is due again."""
        if now >= self.due_at:
            self.due_at = now + self.interval_s
            try:
                self.job()
            except Exception:  # Postgres or Redis away: the next tick tries again
                log.exception("beat.%s.failed", self.name)
        return max(0.0, self.due_at - time.monotonic())


class TargetScheduler(Scheduler):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        settings = get_settings()
        self.periodic = [
            Periodic("targets.tick", settings.targets_tick_interval_s, lambda: tick(settings.database_url)),
            Periodic(
                "targets.webhooks",
                settings.targets_tick_interval_s,
                lambda: notify_finished_runs(settings.database_url),
            ),
            Periodic(
                "targets.retention",
                settings.retention_interval_s,
                lambda: apply_retention(settings.database_url, keep=settings.target_keep_runs),
            ),
        ]
        log.info(
            "beat.started tick_interval_s=%s retention_interval_s=%s",
            settings.targets_tick_interval_s,
            settings.retention_interval_s,
        )

    def tick(self, *args: Any, **kwargs: Any) -> float:
        now = time.monotonic()
        waits = [job.run_if_due(now) for job in self.periodic]
        return min([super().tick(*args, **kwargs), *waits])
