"""Model worker: `python -m services.model_worker`.

One long-lived process: the engine loads the model once and keeps it warm; a Celery worker with a
thread pool takes `generate` jobs, and every job's prompts go into the same engine, so prompts of
concurrent plans are batched together. SIGTERM: Celery finishes running jobs, then the engine drains.
With MODEL_BACKEND=openai the "engine" is a client of a model server, with llamacpp also the
supervisor of a local llama-server; the heartbeat carries the backend's own health probe.
"""

from __future__ import annotations

import logging
import os
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from sqlalchemy.exc import DBAPIError  # noqa: E402

from planwright import metrics  # noqa: E402
from planwright.engine import ModelBackend, engine_from_settings  # noqa: E402
from planwright.pipeline.stages.common import StageSkipped, fail_plan, left_to_reconciler  # noqa: E402
from planwright.pipeline.stages.generate import generate_stage  # noqa: E402
from planwright.queue import GENERATE_QUEUE, GENERATE_TASK, celery_app, enqueue_next  # noqa: E402
from planwright.settings import get_settings  # noqa: E402
from planwright.worker_signals import install  # noqa: E402
from services.model_worker.heartbeat import Heartbeat  # noqa: E402

log = logging.getLogger("planwright.model_worker")
_engine: ModelBackend | None = None


@celery_app.task(name=GENERATE_TASK)
def generate_plan(plan_id: int) -> None:
    settings = get_settings()
    assert _engine is not None, "the engine starts before the worker takes jobs"
    try:
        generate_stage(
            settings.database_url,
            plan_id,
            generator=_engine,
            max_new_tokens=settings.model_max_new_tokens,
            seed=settings.model_seed,
        )
    except StageSkipped as skipped:
        log.info("generate.plan.skipped %s", skipped)
        return
    except DBAPIError as error:
        left_to_reconciler(settings.database_url, plan_id, error)
        return
    except Exception as error:  # the plan must end with a reason, whatever broke
        log.exception("generate.plan.crashed plan_id=%s", plan_id)
        fail_plan(
            settings.database_url,
            plan_id,
            f"Internal error while generating: {type(error).__name__}: {error}",
        )
        return
    enqueue_next(settings.database_url, plan_id, after=GENERATE_TASK)  # verify, unless the plan is done


def main() -> None:
    global _engine
    settings = install("model_worker", serve_metrics=True)  # JSON logs; /metrics once the worker starts
    started = time.perf_counter()
    _engine = engine_from_settings(settings)
    _engine.start()
    ready_s = time.perf_counter() - started
    log.info(
        "model_worker.ready backend=%s model=%s device=%s dtype=%s load_s=%.2f ready_s=%.2f",
        _engine.backend,
        _engine.model_id,
        _engine.device,
        _engine.dtype,
        _engine.load_seconds,
        ready_s,
    )
    engine = _engine
    metrics.register(metrics.EngineCollector(engine))

    def describe() -> dict[str, object]:
        return {
            "backend": engine.backend,
            "health": engine.health(),
            "model_id": engine.model_id,
            "device": engine.device,
            "dtype": engine.dtype,
            "load_seconds": engine.load_seconds,
            "ready_seconds": ready_s,
            "pid": os.getpid(),
            "stats": engine.stats(),
        }

    heartbeat = Heartbeat(settings.redis_url, settings.model_heartbeat_ttl_s, describe)
    heartbeat.start()
    try:
        celery_app.worker_main(
            [
                "--quiet",  # no banner: every line this process writes is a JSON log line
                "worker",
                # No worker-to-worker chatter: nothing here uses gossip, mingle or event heartbeats, and
                # they only produced clock-drift and missed-heartbeat warnings.
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--queues",
                GENERATE_QUEUE,
                "--pool",
                "threads",
                "--concurrency",
                str(max(4, settings.model_max_batch_size)),
                "--hostname",
                "model@%h",
                "--loglevel",
                "INFO",
            ]
        )
    finally:
        heartbeat.stop()
        engine.stop(drain=True)
        log.info("model_worker.stopped")


if __name__ == "__main__":
    main()
