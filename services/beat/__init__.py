"""The beat service: `celery -A services.beat beat`. Celery beat with the targets' schedules stored in
Postgres: its scheduler (`TargetScheduler`) looks for due targets every TARGETS_TICK_INTERVAL_S and
starts their runs; retention runs every RETENTION_INTERVAL_S.

Why a due-target scan rather than a scheduler package: the target row *is* the schedule (cron, time
zone, paused, next_run_at), so an edit or a pause takes effect at the next tick with nothing to sync;
the compare-and-set on next_run_at makes any number of beats fire a run once, with no lock to expire;
and a run missed while beat was down fires once, because the next run is counted from now.
"""

from __future__ import annotations

from planwright.queue import celery_app
from planwright.worker_signals import install

app = celery_app
install("beat", serve_metrics=False)  # JSON logs like every process
# Kept in code, not on disk: the schedule's record is Postgres, so beat needs no celerybeat-schedule file.
app.conf.beat_scheduler = "services.beat.scheduler:TargetScheduler"
