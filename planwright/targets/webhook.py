"""The run-finished webhook: a JSON POST per finished run to the target's URL, its body signed with
HMAC-SHA256 (`X-Planwright-Signature-256: sha256=<hex>`, GitHub's convention), retried with backoff.

The beat's loop calls `notify_finished_runs`: finished runs whose webhook is due are locked (`FOR
UPDATE SKIP LOCKED`, so two beats never deliver one twice), posted, and marked delivered or given
their next try. The URL is checked against the network policy again at send time (DNS may have
changed since it was saved), and redirects are not followed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from planwright.db.models import Plan, Target, TargetRun, utcnow
from planwright.db.session import session_scope
from planwright.netpolicy import current_policy
from planwright.settings import get_settings
from planwright.targets.schemas import RegressionResult, regression_counts
from planwright.targets.service import case_counts, webhook_secret_of

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Planwright-Signature-256"
EVENT = "run.finished"
# Seconds to wait after the n-th failed try; after the last one the run is given up on (with its error).
BACKOFF_S = (10, 60, 300, 1800)
MAX_ATTEMPTS = len(BACKOFF_S) + 1
RECENT = timedelta(days=1)  # a webhook added today does not announce last month's runs
TIMEOUT_S = 10.0

Poster = Callable[[str, bytes, dict[str, str]], httpx.Response]


def sign(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signature_matches(body: bytes, secret: str, header: str | None) -> bool:
    """For receivers (and tests): constant-time comparison of the header with the body's signature."""
    return header is not None and hmac.compare_digest(sign(body, secret), header)


def payload(session: Session, target: Target, run: TargetRun, plan: Plan) -> dict[str, Any]:
    base = get_settings().api_url.rstrip("/")
    results = [RegressionResult.model_validate(item) for item in run.regression or []]
    return {
        "event": EVENT,
        "target": {"id": target.id, "name": target.name, "url": target.url},
        "run": {
            "number": run.number,
            "trigger": run.trigger,
            "status": plan.status,
            "status_reason": plan.status_reason,
            "plan_id": plan.id,
            "finished_at": plan.finished_at.isoformat() if plan.finished_at else None,
            "counts": case_counts(session, plan.id).model_dump(),
            "regression": regression_counts(results),
        },
        "links": {
            "run": f"{base}/api/v1/targets/{target.id}/runs/{run.number}",
            "diff": f"{base}/api/v1/targets/{target.id}/runs/{run.number}/diff",
            "junit": f"{base}/api/v1/targets/{target.id}/runs/{run.number}/export.junit.xml",
            "page": f"{base}/targets/{target.id}",
        },
    }


def _post(url: str, body: bytes, headers: dict[str, str]) -> httpx.Response:
    return httpx.post(url, content=body, headers=headers, timeout=TIMEOUT_S, follow_redirects=False)


def deliver(url: str, body: bytes, secret: str | None, *, post: Poster = _post) -> str | None:
    """One try; None when the receiver answered 2xx, else why not (for the run's webhook_error)."""
    refusal = current_policy().refusal(url)
    if refusal:
        return refusal
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Planwright-Webhook",
        "X-Planwright-Event": EVENT,
        "X-Planwright-Delivery": str(uuid.uuid4()),
    }
    if secret:
        headers[SIGNATURE_HEADER] = sign(body, secret)
    try:
        response = post(url, body, headers)
    except httpx.HTTPError as error:
        return f"{type(error).__name__}: {error}"
    if 200 <= response.status_code < 300:
        return None
    return f"the receiver answered HTTP {response.status_code}"


def notify_finished_runs(
    database_url: str, *, now: datetime | None = None, post: Poster = _post, limit: int = 20
) -> list[tuple[int, int, str | None]]:
    """Deliver due webhooks; returns (target id, run number, error or None) for each try."""
    now = now or utcnow()
    tries: list[tuple[int, int, str | None]] = []
    with session_scope(database_url) as session:
        due = session.execute(
            select(TargetRun, Target, Plan)
            .join(Target, Target.id == TargetRun.target_id)
            .join(Plan, Plan.id == TargetRun.plan_id)
            .where(
                Target.webhook_url.is_not(None),
                TargetRun.notified_at.is_(None),
                TargetRun.webhook_attempts < MAX_ATTEMPTS,
                or_(TargetRun.webhook_next_at.is_(None), TargetRun.webhook_next_at <= now),
                Plan.status.in_(("done", "failed")),
                Plan.finished_at >= now - RECENT,
            )
            .order_by(TargetRun.id)
            .limit(limit)
            .with_for_update(of=TargetRun, skip_locked=True)
        ).all()
        for run, target, plan in due:
            assert target.webhook_url is not None
            body = json.dumps(payload(session, target, run, plan), ensure_ascii=False).encode()
            error = deliver(target.webhook_url, body, webhook_secret_of(target), post=post)
            run.webhook_attempts += 1
            run.webhook_error = error
            if error is None:
                run.notified_at = now
            elif run.webhook_attempts < MAX_ATTEMPTS:
                run.webhook_next_at = now + timedelta(seconds=BACKOFF_S[run.webhook_attempts - 1])
            tries.append((target.id, run.number, error))
            log.info(
                "targets.webhook.%s target_id=%s run=%s attempt=%s%s",
                "delivered" if error is None else "failed",
                target.id,
                run.number,
                run.webhook_attempts,
                f" error={error}" if error else "",
            )
    return tries
