"""An api plan's stages, in the same statuses and tasks as a ui plan's (planwright.lifecycle):

    crawling   = read the document: fetch, validate, build the cases operation by operation
    generating = the model writes the cases' titles, one operation per request
    verifying  = every case is executed over HTTP against the base URL

The crawl, generate and verify stages hand an api plan to these functions, so the Celery workers and
`planwright generate --openapi` run them unchanged. No browser and no model imports here.

Fenced like a ui plan's stages (`lifecycle.py`): every write names the attempt token `begin_stage`
gave, so a worker whose lease lapsed (its plan re-queued and taken by another) writes nothing more
and stops with StageFenced; a long batch (cases executed, titles generated) checks the token under
the row's lock just before it commits, so the lock is held for the commit, not for the batch.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from planwright.api_plans.cases import CaseBuilder, OperationIndex
from planwright.api_plans.execute import ApiRunner, RateLimiter
from planwright.api_plans.models import ApiAuth, ApiPlanOptions
from planwright.api_plans.operations import base_urls, count_operations, iter_operations
from planwright.api_plans.spec import SpecError, http_fetcher, load_spec
from planwright.api_plans.texts import apply_titles, build_messages, chunks, fits, max_new_tokens
from planwright.db import plans_store
from planwright.db.models import Generation, Page, Plan, TestCase
from planwright.db.session import session_scope
from planwright.lifecycle import PlanStatus
from planwright.logs import register_secret
from planwright.netpolicy import current_policy
from planwright.pipeline.stages.common import (
    StageFenced,
    begin_stage,
    fail_plan,
    hand_on,
    held_plan,
    lease,
    update_plan,
)
from planwright.sealing import SealError, unseal
from planwright.settings import Settings, get_settings, secret_of

if TYPE_CHECKING:
    from planwright.engine import GenerationRequest, GenerationResult


class TextGenerator(Protocol):
    """What writing titles needs from a model (the generate stage's TextGenerator, narrowed)."""

    model_id: str
    device: str
    dtype: str
    context_length: int

    def submit(self, request: GenerationRequest) -> Future[GenerationResult]: ...

    def count_prompt_tokens(self, messages: list[dict[str, str]]) -> int: ...

log = logging.getLogger("planwright.pipeline.stages")
SAVE_EVERY = 25  # operations per transaction while reading a large document
EXECUTE_BATCH = 50  # cases read and written per transaction while executing


def is_api_plan(database_url: str, plan_id: int) -> bool:
    with session_scope(database_url) as session:
        return session.scalar(select(Plan.kind).where(Plan.id == plan_id)) == "api"


def _options(plan: Plan) -> ApiPlanOptions:
    return ApiPlanOptions.model_validate(plan.options or {})


def _policy_refusal(url: str) -> str | None:
    return current_policy().refusal(url)


def _still_held(session: Session, plan_id: int, token: str | None) -> None:
    """Before a batch's commit: lock the plan's row and check this worker still holds it, so the
    batch commits only while it does (a token changes only under that lock). StageFenced otherwise."""
    held = session.scalar(select(Plan.attempt_token).where(Plan.id == plan_id).with_for_update())
    if held is None or held != token:
        raise StageFenced(f"plan {plan_id} is no longer held by this worker")


def read_spec_stage(database_url: str, plan_id: int, *, settings: Settings | None = None) -> bool:
    """Read and validate the document, then store one page per operation with its cases."""
    settings = settings or get_settings()
    plan = begin_stage(database_url, plan_id, PlanStatus.CRAWLING, "read the OpenAPI document")
    token = plan.attempt_token
    options = _options(plan)
    started = time.perf_counter()
    fetch = http_fetcher(_policy_refusal, timeout_s=settings.api_request_timeout_s * 2)
    document = options.document
    try:
        with lease(database_url, plan):
            spec = load_spec(
                text=document if isinstance(document, str) else None,
                document=document if isinstance(document, dict) else None,
                url=options.spec_url,
                fetch=fetch,
                remote_refs_allowed=settings.api_remote_refs,
            )
            total = count_operations(spec)
            update_plan(database_url, plan_id, token=token, progress_total=total, stage="index the operations")
            index = OperationIndex.build(spec)
            builder = CaseBuilder(spec, index, plan.language)
            _store_operations(database_url, plan_id, token, builder, spec, total)
    except SpecError as error:
        fail_plan(database_url, plan_id, str(error), token=token)
        return False
    if index.operations == 0:
        fail_plan(
            database_url,
            plan_id,
            "The OpenAPI document has no operations under `paths`: nothing to test.",
            token=token,
        )
        return False
    base_url = options.base_url or next(iter(base_urls(spec)), None)
    notes = list(options.notes)
    if base_url is None:
        notes.append(
            "No base URL: the document names no absolute server; give base_url to execute the cases."
        )
    counts = ", ".join(f"{kind} {n}" for kind, n in builder.counts.items())
    notes.append(f"{spec.title}: {index.operations} operations; cases by kind: {counts}")
    with held_plan(database_url, plan_id, token) as (session, row):
        row.options = options.model_copy(update={"resolved_base_url": base_url, "notes": notes}).model_dump(
            exclude_none=True
        )
        if row.url == "openapi:uploaded" and base_url:
            row.url = base_url
        row.crawl_seconds = time.perf_counter() - started
        hand_on(row, PlanStatus.GENERATING)
        row.progress_done, row.progress_total = 0, 0
    log.info(
        "api.spec.read plan_id=%s operations=%s cases=%s",
        plan_id,
        index.operations,
        sum(builder.counts.values()),
    )
    return True


def _store_operations(
    database_url: str, plan_id: int, token: str | None, builder: CaseBuilder, spec: Any, total: int
) -> None:
    """Operation by operation, in transactions of SAVE_EVERY operations: a large document is never held
    as cases in memory. Idempotent: a rerun replaces what an interrupted one stored; fenced: a worker
    that no longer holds the plan neither replaces nor adds anything."""
    with held_plan(database_url, plan_id, token) as (session, row):
        plans_store.replace_cases(session, row, [])
        for page in list(row.pages):
            session.delete(page)
    position, done = 0, 0
    batch: list[tuple[Any, list[Any]]] = []

    def flush() -> None:
        nonlocal position
        with held_plan(database_url, plan_id, token) as (session, row):
            for operation, cases in batch:
                session.add(Page(plan_id=plan_id, url=operation.key, title=operation.summary, depth=0))
                plans_store.add_cases(session, row, cases, start=position)
                position += len(cases)
        batch.clear()
        update_plan(
            database_url, plan_id, token=token, progress_done=done, stage=f"cases of {done}/{total} operations"
        )

    for operation in iter_operations(spec):
        batch.append((operation, builder.cases_for(operation)))
        done += 1
        if len(batch) >= SAVE_EVERY:
            flush()
    flush()


def write_titles_stage(
    database_url: str,
    plan_id: int,
    *,
    generator: TextGenerator,
    seed: int = 0,
    verify_next: bool | None = None,
) -> bool:
    """Ask the model for clearer titles, operation by operation; the skeleton's title stays where the
    model's is refused or the model is not reachable."""
    plan = begin_stage(database_url, plan_id, PlanStatus.GENERATING, "write titles")
    token = plan.attempt_token
    started = time.perf_counter()
    with session_scope(database_url) as session:
        summaries = dict(session.execute(select(Page.url, Page.title).where(Page.plan_id == plan_id)).all())
        row = session.get(Plan, plan_id)
        assert row is not None
        case_ids = list(
            session.scalars(
                select(TestCase.id).where(TestCase.plan_id == plan_id).order_by(TestCase.position)
            )
        )
    update_plan(database_url, plan_id, token=token, progress_total=len(summaries))
    taken: set[str] = set()
    reached = asked = 0
    with lease(database_url, plan):
        for start in range(0, len(case_ids), EXECUTE_BATCH * 4):
            with session_scope(database_url) as session:
                rows = list(
                    session.scalars(
                        select(TestCase)
                        .where(TestCase.id.in_(case_ids[start : start + EXECUTE_BATCH * 4]))
                        .order_by(TestCase.position)
                    )
                )
                by_operation: dict[str, list[tuple[TestCase, Any]]] = {}
                for case_row in rows:
                    by_operation.setdefault(case_row.page_url, []).append(
                        (case_row, plans_store.case_data(case_row))
                    )
                asks: list[
                    tuple[Future[GenerationResult], list[tuple[TestCase, Any]], list[dict[str, str]]]
                ] = []
                for operation, pairs in by_operation.items():
                    for part in chunks([case for _, case in pairs]):
                        messages = build_messages(
                            operation, summaries.get(operation, ""), part, plan.language
                        )
                        new_tokens = max_new_tokens(part)
                        if not fits(
                            messages, new_tokens, generator.count_prompt_tokens, generator.context_length
                        ):
                            continue  # this operation's words stay the skeleton's; its checks are whole
                        future = _submit(
                            generator, messages, new_tokens, seed, f"plan{plan_id}-api{len(asks) + start}"
                        )
                        pairs_part = [pair for pair in pairs if pair[1] in part]
                        asks.append((future, pairs_part, messages))
                for future, pairs_part, messages in asks:
                    asked += 1
                    generation, ok = _apply(future, pairs_part, messages, taken, generator, plan_id, seed)
                    reached += ok
                    session.add(generation)
                _still_held(session, plan_id, token)
            update_plan(database_url, plan_id, token=token, progress_done=min(len(summaries), start + len(rows)))
    if asked and not reached:
        fail_plan(
            database_url,
            plan_id,
            "The model could not be reached for any operation; check the model worker.",
            token=token,
        )
        return False
    verify = plan.verify if verify_next is None else verify_next
    with held_plan(database_url, plan_id, token) as (session, row):
        row.model_id = generator.model_id
        row.device = f"{generator.device} ({generator.dtype})"
        row.generate_seconds = time.perf_counter() - started
        hand_on(row, PlanStatus.VERIFYING if verify else PlanStatus.DONE)
    return True


def _submit(
    generator: TextGenerator, messages: list[dict[str, str]], new_tokens: int, seed: int, request_id: str
) -> Future[GenerationResult]:
    from planwright.api_plans.texts import STOP_STRINGS
    from planwright.engine import GenerationRequest

    request = GenerationRequest(
        messages=messages, max_new_tokens=new_tokens, stop=STOP_STRINGS, seed=seed, request_id=request_id
    )
    try:
        return generator.submit(request)
    except Exception as error:  # PromptTooLong and friends: the skeleton's titles stand
        failed: Future[GenerationResult] = Future()
        failed.set_exception(error)
        return failed


def _apply(
    future: Future[GenerationResult],
    pairs: list[tuple[TestCase, Any]],
    messages: list[dict[str, str]],
    taken: set[str],
    generator: TextGenerator,
    plan_id: int,
    seed: int,
) -> tuple[Generation, bool]:
    from planwright.pipeline.prompts import render_prompt

    prompt = render_prompt(messages)
    base = {
        "plan_id": plan_id,
        "prompt": prompt,
        "model_id": generator.model_id,
        "device": generator.device,
        "dtype": generator.dtype,
        "seed": seed,
    }
    try:
        outcome = future.result()
    except Exception as error:
        return Generation(**base, error=str(error) or type(error).__name__), False
    if getattr(outcome, "unavailable", False):
        return Generation(**base, request_id=outcome.request_id, error=outcome.error), False
    cases = [case for _, case in pairs]
    kept, reasons = apply_titles(cases, outcome.text, taken)
    for (case_row, _), case in zip(pairs, cases, strict=True):
        case_row.title, case_row.source = case.title, case.source
    return Generation(
        **base, request_id=outcome.request_id, output=outcome.raw_text, thinking=outcome.thinking,
        prompt_tokens=outcome.prompt_tokens, completion_tokens=outcome.completion_tokens,
        latency_s=outcome.latency_s, ttft_s=outcome.ttft_s, finish_reason=outcome.finish_reason,
        error=outcome.error or ("; ".join(reasons) or None), accepted=kept > 0,
    ), True  # fmt: skip


def api_auth(plan: Plan, settings: Settings) -> ApiAuth | None:
    """The plan's credentials for the service, opened with SECRET_KEY (SealError when they cannot be)."""
    stored = unseal(plan.auth, secret_of(settings))
    if not stored or not stored.get("api"):
        return None
    auth = ApiAuth.model_validate(stored["api"])
    for secret in (auth.bearer_token, auth.api_key, auth.basic_password):
        if secret:
            register_secret(secret)  # whatever the stage logs, the service's credentials are cut out
    return auth


def execute_stage(database_url: str, plan_id: int, *, settings: Settings | None = None) -> None:
    """Run every case against the base URL and record verified / failed / not executable."""
    settings = settings or get_settings()
    plan = begin_stage(database_url, plan_id, PlanStatus.VERIFYING, "execute")
    token = plan.attempt_token
    options = _options(plan)
    try:
        auth = api_auth(plan, settings)
    except SealError as error:
        fail_plan(database_url, plan_id, f"Could not execute: {error}", token=token)
        return
    started = time.perf_counter()
    base_url = options.resolved_base_url
    refusal = _policy_refusal(base_url) if base_url else None
    runner = ApiRunner(
        base_url or "", auth=auth, allow_unsafe=options.allow_unsafe, check_url=_policy_refusal,
        timeout_s=settings.api_request_timeout_s, plan_deadline=time.monotonic() + settings.api_plan_timeout_s,
        limiter=RateLimiter(settings.api_requests_per_second),
    )  # fmt: skip
    with session_scope(database_url) as session:
        case_ids = list(
            session.scalars(
                select(TestCase.id).where(TestCase.plan_id == plan_id).order_by(TestCase.position)
            )
        )
    update_plan(database_url, plan_id, token=token, progress_total=len(case_ids))
    tally: dict[str, int] = {}
    skipped: dict[str, int] = {}
    try:
        with lease(database_url, plan):
            for start in range(0, len(case_ids), EXECUTE_BATCH):
                with session_scope(database_url) as session:
                    rows = session.scalars(
                        select(TestCase).where(TestCase.id.in_(case_ids[start : start + EXECUTE_BATCH]))
                    )
                    for case_row in rows:
                        if base_url is None:
                            status, detail = (
                                "not_executable",
                                "no base URL: give base_url (the document names no absolute server)",
                            )
                        elif refusal is not None:
                            status, detail = "not_executable", f"{base_url}: {refusal}"
                        else:
                            result = runner.run_case(plans_store.case_data(case_row))
                            status, detail = result.status, result.detail
                        case_row.verification_status, case_row.verification_detail = status, detail
                        tally[status] = tally.get(status, 0) + 1
                        if status == "not_executable" and detail:
                            reason = detail.split(": ", 1)[-1] if detail.startswith("step ") else detail
                            skipped[reason[:90]] = skipped.get(reason[:90], 0) + 1
                    _still_held(session, plan_id, token)
                update_plan(
                    database_url, plan_id, token=token, progress_done=min(len(case_ids), start + EXECUTE_BATCH)
                )
    finally:
        runner.close()
    summary = f"executed against {base_url or '(no base URL)'}: " + ", ".join(
        f"{n} {s}" for s, n in sorted(tally.items())
    )
    with held_plan(database_url, plan_id, token) as (session, row):
        notes = [*(row.options or {}).get("notes", []), summary]
        notes += [
            f"not executed ({n}): {reason}"
            for reason, n in sorted(skipped.items(), key=lambda item: -item[1])
        ]
        row.options = {**(row.options or {}), "notes": notes}
        if skipped:
            row.status_reason = (
                f"{sum(skipped.values())} cases were not executed; see each case's detail. "
                + "; ".join(
                    f"{n}× {reason}" for reason, n in sorted(skipped.items(), key=lambda item: -item[1])[:3]
                )
            )
        row.verify_seconds = time.perf_counter() - started
        hand_on(row, PlanStatus.DONE)
        row.progress_done = len(case_ids)
    log.info("api.plan.executed plan_id=%s %s", plan_id, summary)
