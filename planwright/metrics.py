"""Every Prometheus series Planwright exports, defined once; code paths import these and observe.

Counters and histograms are observed where the work happens (one line each in the stages, the browser
layer and the engines). Gauges that describe shared state — queue depth, plans by status, the engine's
running batch and memory — are read when Prometheus scrapes (collectors below), so no code path has to
keep them up to date. Multiprocess-safe: with PROMETHEUS_MULTIPROC_DIR set (before this module is
imported) counters and histograms live in files that every process of a service writes, and
`exposition_registry` merges them; the collectors are read by the serving process itself.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Protocol

# prometheus_client turns multiprocess mode on when the variable merely exists: set but empty, it
# writes its counter_*.db files into the current directory. Empty means "single process" here.
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)

import redis
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
    start_http_server,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from planwright.db.models import Plan
from planwright.db.session import session_scope
from planwright.lifecycle import PlanStatus

__all__ = ["CONTENT_TYPE_LATEST", "render_latest"]

# ---------------------------------------------------------------- observed where the work happens

STAGE_SECONDS = Histogram(
    "planwright_stage_duration_seconds",
    "Wall time of one pipeline stage task (crawl, generate, verify, regress), by stage",
    ["stage"],
    buckets=(0.5, 1, 2.5, 5, 10, 20, 40, 60, 120, 300, 600, 900, 1800),
)
CRAWL_PAGES = Counter("planwright_crawl_pages_total", "Pages the crawler loaded, extracted and stored")
BROWSER_ACTIONS = Counter(
    "planwright_browser_actions_total",
    "Acts the browser layer performed (goto, click, fill, ...) in crawl, exploration and verification",
    ["kind"],
)
VERIFICATIONS = Counter(
    "planwright_verifications_total", "Cases the verifier executed, by outcome", ["status"]
)
ENGINE_BATCH_SIZE = Histogram(
    "planwright_engine_batch_size",
    "Sequences in the running batch at each engine step (server backends: requests in flight)",
    buckets=(1, 2, 4, 8, 12, 16, 24, 32, 48, 64),
)
ENGINE_QUEUE_WAIT = Histogram(
    "planwright_engine_queue_wait_seconds",
    "Time a generation request waited between submission and joining the batch (or getting a slot)",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
HTTP_REQUESTS = Counter(
    "planwright_http_requests_total",
    "API requests answered, by method, route template and status",
    ["method", "route", "status"],
)
HTTP_SECONDS = Histogram(
    "planwright_http_request_duration_seconds",
    "API request latency by method and route template",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)

QUEUES = ("crawl", "generate")  # planwright.queue's queue names (Celery's Redis lists)


def observe_verifications(verifications: Iterable[Any]) -> None:
    """Count a verify stage's outcomes (objects with a `.status`: verified, failed, not_executable)."""
    for verification in verifications:
        VERIFICATIONS.labels(str(verification.status)).inc()


def observe_admitted(submitted_at: Iterable[float]) -> None:
    """Queue wait of the requests an engine step admitted (perf_counter times of their submission)."""
    now = time.perf_counter()
    for started in submitted_at:
        ENGINE_QUEUE_WAIT.observe(max(0.0, now - started))


# ---------------------------------------------------------------- read at scrape time


class StatsSource(Protocol):
    """What the engine collector reads: every ModelBackend's `stats()` (engine/backend.py)."""

    def stats(self) -> dict[str, Any]: ...


class EngineCollector(Collector):
    """The model worker's engine as Prometheus sees it, from `stats()` at scrape time: tokens generated
    (rate() = tokens per second), requests, the running batch, KV tokens held and memory in use."""

    def __init__(self, engine: StatsSource) -> None:
        self.engine = engine

    def describe(self) -> Iterator[Metric]:
        """Nothing: registering must not read the engine (the registry would call collect())."""
        return iter(())

    def collect(self) -> Iterator[Metric]:
        stats = self.engine.stats()
        tokens = CounterMetricFamily(
            "planwright_generation_tokens", "Tokens the model worker's backend processed", labels=["kind"]
        )
        tokens.add_metric(["prompt"], float(stats.get("prompt_tokens", 0)))
        tokens.add_metric(["completion"], float(stats.get("completion_tokens", 0)))
        yield tokens
        requests = CounterMetricFamily(
            "planwright_generation_requests", "Generation requests finished, by outcome", labels=["outcome"]
        )
        requests.add_metric(["finished"], float(stats.get("requests_finished", 0)))
        requests.add_metric(["failed"], float(stats.get("requests_failed", 0)))
        yield requests
        running = float(stats.get("running_batch_size", stats.get("running", 0)))
        yield GaugeMetricFamily(
            "planwright_engine_running_batch", "Sequences generating right now", value=running
        )
        yield GaugeMetricFamily(
            "planwright_engine_queue_depth",
            "Requests submitted to the engine and not yet in the batch",
            value=float(stats.get("queue_depth", 0)),
        )
        # Embedded engine: the batch's KV cache is one padded block, sequences x width.
        kv = running * float(stats.get("batch_width_tokens", 0))
        yield GaugeMetricFamily(
            "planwright_engine_kv_tokens_in_use", "KV-cache token slots the running batch holds", value=kv
        )
        memory = GaugeMetricFamily(
            "planwright_model_memory_bytes", "Memory the model worker holds, by kind", labels=["kind"]
        )
        if "rss_bytes" in stats:
            memory.add_metric(["rss"], float(stats["rss_bytes"]))
        if "peak_rss_bytes" in stats:
            memory.add_metric(["peak_rss"], float(stats["peak_rss_bytes"]))
        accelerator = accelerator_memory_bytes()
        if accelerator is not None:
            memory.add_metric(["accelerator"], float(accelerator))
        yield memory


def accelerator_memory_bytes() -> int | None:
    """CUDA memory the engine allocated, when torch is already loaded here and a GPU is in use."""
    torch = sys.modules.get("torch")  # never import torch for a metric: the api and crawler lack it
    try:
        if torch is not None and torch.cuda.is_available() and torch.cuda.is_initialized():
            return int(torch.cuda.memory_allocated())
    except Exception:  # a broken driver must not break the scrape
        return None
    return None


class BacklogCollector(Collector):
    """Queue depth per queue (Redis list length: what KEDA scales the crawlers on) and plans by status
    (Postgres), read at most every `max_age_s` so many api replicas and scrapers stay cheap."""

    def __init__(self, read: Callable[[], tuple[dict[str, int], dict[str, int]]], max_age_s: float = 5.0):
        self.read = read
        self.max_age_s = max_age_s
        self._lock = threading.Lock()
        self._cached: tuple[float, dict[str, int], dict[str, int]] | None = None
        self._errors = 0

    def describe(self) -> Iterator[Metric]:
        """Nothing: registering must not touch Redis or Postgres (the registry would call collect())."""
        return iter(())

    def collect(self) -> Iterator[Metric]:
        with self._lock:
            now = time.monotonic()
            if self._cached is None or now - self._cached[0] > self.max_age_s:
                try:
                    queues, statuses = self.read()
                    self._cached = (now, queues, statuses)
                except Exception:  # Postgres or Redis down: say so, keep the last values out
                    self._errors += 1
                    self._cached = None
            cached, errors = self._cached, self._errors
        yield CounterMetricFamily(
            "planwright_backlog_read_errors", "Scrapes that could not read Redis or Postgres", value=errors
        )
        if cached is None:
            return
        _, queues, statuses = cached
        depth = GaugeMetricFamily("planwright_queue_depth", "Jobs waiting in each queue", labels=["queue"])
        for queue, length in sorted(queues.items()):
            depth.add_metric([queue], float(length))
        yield depth
        plans = GaugeMetricFamily("planwright_plans", "Plans by status", labels=["status"])
        for status, count in sorted(statuses.items()):
            plans.add_metric([status], float(count))
        yield plans


def backlog_reader(database_url: str, redis_url: str) -> Callable[[], tuple[dict[str, int], dict[str, int]]]:
    """LLEN of each queue and `SELECT status, count(*) FROM plans GROUP BY status`, every status shown."""

    def read() -> tuple[dict[str, int], dict[str, int]]:
        client = redis.Redis.from_url(redis_url, socket_timeout=2, socket_connect_timeout=2)
        try:
            queues = {queue: int(client.llen(queue)) for queue in QUEUES}
        finally:
            client.close()
        statuses = {str(status.value): 0 for status in PlanStatus}
        with session_scope(database_url) as session:
            for status, count in session.execute(select(Plan.status, func.count()).group_by(Plan.status)):
                statuses[str(status)] = int(count)
        return queues, statuses

    return read


# ---------------------------------------------------------------- exposition


_extra_collectors: list[Collector] = []


def register(collector: Collector) -> None:
    """Add a scrape-time collector to what this process exposes (both single- and multiprocess mode);
    one per kind: a second app or engine in the same process (tests) replaces the first."""
    for old in [c for c in _extra_collectors if type(c) is type(collector)]:
        _extra_collectors.remove(old)
        if not multiprocess_dir():
            REGISTRY.unregister(old)
    _extra_collectors.append(collector)
    if not multiprocess_dir():
        REGISTRY.register(collector)


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def exposition_registry() -> CollectorRegistry:
    """The default registry, or (multiprocess mode) every process's files merged plus our collectors."""
    if not multiprocess_dir():
        return REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    for collector in _extra_collectors:
        registry.register(collector)
    return registry


def render_latest() -> bytes:
    """The text exposition format of everything this process exposes (the api's /metrics route)."""
    return generate_latest(exposition_registry())


def serve(port: int | None, *, addr: str = "0.0.0.0") -> bool:
    """Serve /metrics on `port` in a background thread (workers); False when METRICS_PORT is unset."""
    if port is None:
        return False
    start_http_server(port, addr=addr, registry=exposition_registry())
    return True
