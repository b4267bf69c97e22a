"""Runs the reconciler inside the api process every RECONCILE_INTERVAL_S; a Redis lock makes one api
replica do it at a time."""

from __future__ import annotations

import logging
import threading

import redis

from planwright.dispatch import dispatch_waiting
from planwright.pipeline.reconcile import reconcile
from planwright.queue import plan_ids_in_broker
from planwright.settings import Settings, get_settings

log = logging.getLogger(__name__)
LOCK_KEY = "planwright:reconciler:lock"


class ReconcilerThread(threading.Thread):
    def __init__(self, settings: Settings) -> None:
        super().__init__(name="reconciler", daemon=True)
        self.settings = settings
        self.stopped = threading.Event()

    def run(self) -> None:
        client = redis.Redis.from_url(self.settings.redis_url, socket_timeout=5)
        interval = self.settings.reconcile_interval_s
        while not self.stopped.wait(interval):
            try:
                if client.set(LOCK_KEY, "1", nx=True, ex=max(1, int(interval * 0.9))):
                    reconcile(
                        self.settings.database_url,
                        stale_after_s=self.settings.plan_stale_after_s,
                        max_attempts=self.settings.plan_max_attempts,
                        in_broker=lambda: plan_ids_in_broker(client),
                        deadline_s=self.settings.stage_deadline_s,
                    )
                    # Read each round: the window is the one submissions use (get_settings, cached).
                    dispatch_waiting(self.settings.database_url, window=get_settings().team_dispatch_window)
            except Exception:  # Redis or Postgres away: try again next round
                log.exception("reconciler.round.failed")

    def stop(self) -> None:
        self.stopped.set()
