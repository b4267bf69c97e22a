"""Crawler worker: `celery -A services.crawler.worker worker --queues crawl --pool solo`.

One Chromium per worker process, kept open across jobs; every job gets a fresh browser context.
Tasks are thin: run the stage, then enqueue whatever `planwright.lifecycle.next_task` says follows.
"""

from __future__ import annotations

import atexit
import logging

from sqlalchemy.exc import DBAPIError

from planwright.browser.launch import BrowserHolder
from planwright.dispatch import dispatch_waiting
from planwright.pipeline.stages.common import StageSkipped, fail_plan, left_to_reconciler
from planwright.pipeline.stages.crawl import crawl_stage
from planwright.pipeline.stages.verify import verify_stage
from planwright.queue import CRAWL_TASK, VERIFY_TASK, celery_app, enqueue_next
from planwright.settings import Settings, get_settings
from planwright.targets.regress_stage import regression_stage
from planwright.targets.runs import REGRESS_TASK
from planwright.worker_signals import install

app = celery_app
install("crawler", serve_metrics=True)  # JSON logs, ids bound per task, /metrics on METRICS_PORT
log = logging.getLogger("planwright.crawler")
_browser = BrowserHolder()
atexit.register(_browser.close)


@app.task(name=CRAWL_TASK)
def crawl_plan(plan_id: int) -> None:
    settings = get_settings()
    try:
        crawl_stage(settings.database_url, plan_id, browser=_browser.browser, settings=settings)
        enqueue_next(settings.database_url, plan_id, after=CRAWL_TASK)
    except StageSkipped as skipped:
        log.info("crawl.plan.skipped %s", skipped)
    except DBAPIError as error:
        left_to_reconciler(settings.database_url, plan_id, error)
    except Exception as error:  # the plan must end with a reason, whatever broke
        log.exception("crawl.plan.crashed plan_id=%s", plan_id)
        fail_plan(
            settings.database_url, plan_id, f"Internal error while crawling: {type(error).__name__}: {error}"
        )
        _browser.close()  # a broken browser is started afresh by the next job
    finally:
        _send_waiting(settings)


def _send_waiting(settings: Settings) -> None:
    """A crawl slot freed: the next waiting plans (round-robin across teams) are sent."""
    try:
        dispatch_waiting(settings.database_url, window=settings.team_dispatch_window)
    except Exception:  # the reconciler's next round dispatches too
        log.exception("crawl.dispatch.failed")


@app.task(name=REGRESS_TASK)
def regress_run(plan_id: int) -> None:
    """A target's run: the previous run's verified cases first, then the crawl, whatever they showed."""
    settings = get_settings()
    try:
        regression_stage(settings.database_url, plan_id, browser=lambda: _browser.browser, settings=settings)
    except Exception:  # a regression that could not run must not cost the night's plan
        log.exception("regress.run.crashed plan_id=%s", plan_id)
        _browser.close()
    enqueue_next(settings.database_url, plan_id, after=REGRESS_TASK)  # the crawl, as for any queued plan


@app.task(name=VERIFY_TASK)
def verify_plan(plan_id: int) -> None:
    settings = get_settings()
    try:
        verify_stage(settings.database_url, plan_id, browser=lambda: _browser.browser, settings=settings)
        enqueue_next(settings.database_url, plan_id, after=VERIFY_TASK)  # nothing today: verify ends a plan
    except StageSkipped as skipped:
        log.info("verify.plan.skipped %s", skipped)
    except DBAPIError as error:
        left_to_reconciler(settings.database_url, plan_id, error)
    except Exception as error:
        log.exception("verify.plan.crashed plan_id=%s", plan_id)
        fail_plan(
            settings.database_url, plan_id, f"Internal error while verifying: {type(error).__name__}: {error}"
        )
        _browser.close()  # a broken browser is started afresh by the next job
