"""Regression first, for an api target: the previous run's verified cases are sent again over HTTP to
the base URL (the api plan's own executor, `ApiRunner`), each ending `still_passes`, `now_fails` (the
observed status, a body excerpt and the schema rule that broke, in the executor's words) or
`not_executable` (an unsafe method the target does not allow, a URL the policy refuses, an id an
earlier step no longer answers). Nothing is healed: a request has no locator to re-ground.

The same rules as the api plan's execution: only safe methods unless the target allows unsafe ones,
every URL judged by the network policy, bounded time per request and per run, rate-limited.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from planwright.api_plans.execute import ApiRunner, RateLimiter
from planwright.api_plans.models import ApiAuth, ApiPlanOptions
from planwright.logs import register_secret
from planwright.netpolicy import current_policy
from planwright.schemas import TestCaseData
from planwright.settings import Settings
from planwright.targets.diff import case_key
from planwright.targets.schemas import RegressionResult, RegressionStatus

NO_BASE_URL = "no base URL: the target names none and the previous run resolved none"
# The executor's verdict on a case that was verified before → what it is now.
OUTCOMES: dict[str, RegressionStatus] = {"verified": "still_passes", "failed": "now_fails"}


def regression_base_url(
    options: dict[str, Any] | None, previous_options: dict[str, Any] | None
) -> str | None:
    """The target's base URL as this run's plan has it, else the one the previous run's cases were
    executed against (the document's server that run resolved)."""
    own = ApiPlanOptions.model_validate(options or {})
    before = ApiPlanOptions.model_validate(previous_options or {})
    return own.base_url or before.resolved_base_url or before.base_url


def api_auth_of(stored: dict[str, Any] | None) -> ApiAuth | None:
    """The run plan's opened `auth` ({"api": …}); its secrets are cut out of whatever is logged."""
    if not stored or not stored.get("api"):
        return None
    auth = ApiAuth.model_validate(stored["api"])
    for secret in (auth.bearer_token, auth.api_key, auth.basic_password):
        if secret:
            register_secret(secret)
    return auth


def regress_api_cases(
    cases: list[TestCaseData],
    *,
    base_url: str | None,
    auth: ApiAuth | None,
    allow_unsafe: bool,
    settings: Settings,
    on_progress: Callable[[int, int], None] | None = None,
) -> list[RegressionResult]:
    """The previous run's verified cases, one after another (a failure in one never stops the rest)."""
    verified = [case for case in cases if case.verification.status == "verified"]
    policy = current_policy()
    runner = ApiRunner(
        base_url or "", auth=auth, allow_unsafe=allow_unsafe, check_url=policy.refusal,
        timeout_s=settings.api_request_timeout_s, plan_deadline=time.monotonic() + settings.api_plan_timeout_s,
        limiter=RateLimiter(settings.api_requests_per_second),
    )  # fmt: skip
    results = []
    try:
        for index, case in enumerate(verified, start=1):
            status: RegressionStatus
            detail: str | None
            if base_url is None:
                status, detail = "not_executable", NO_BASE_URL
            else:
                outcome = runner.run_case(case)
                status, detail = OUTCOMES.get(outcome.status, "not_executable"), outcome.detail
            results.append(
                RegressionResult(
                    key=case_key(case, {}),
                    title=case.title,
                    page_url=case.page_url,
                    status=status,
                    detail=detail,
                )
            )
            if on_progress is not None:
                on_progress(index, len(verified))
    finally:
        runner.close()
    return results
