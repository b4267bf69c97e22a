"""The plan's stages as plain functions: crawl → generate → verify. Celery tasks and the embedded command
are thin shells around these, so the deployed path and the one-command path cannot drift apart.

Each stage is idempotent (it replaces what an earlier, interrupted run of it wrote) and reports
progress through short sessions of its own, so a reader sees it while the stage runs.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, as_completed
from typing import TYPE_CHECKING, Any, Protocol

from planwright.db.models import Generation, Plan, utcnow
from planwright.db.session import session_scope
from planwright.pipeline import edge_cases, store
from planwright.pipeline.parsing import Acceptance, apply_answer
from planwright.pipeline.prompts import STOP_STRINGS, build_messages, render_prompt
from planwright.pipeline.skeleton import build_behaviours
from planwright.schemas import (
    AuthSpec,
    CrawlOptions,
    EdgeProposal,
    PageSnapshot,
    TestCaseData,
    Verification,
)
from planwright.sealing import SealError, seal, unseal
from planwright.settings import Settings, get_settings, secret_of

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext

    from planwright.engine import GenerationRequest, GenerationResult

log = logging.getLogger(__name__)

TERMINAL_STATUSES = ("done", "failed")


class TextGenerator(Protocol):
    """What the generate stage needs from a model: the engine, or anything shaped like it."""

    model_id: str
    device: str
    dtype: str
    context_length: int

    def submit(self, request: GenerationRequest) -> Future[GenerationResult]: ...

    def count_prompt_tokens(self, messages: list[dict[str, str]]) -> int: ...

    def count_tokens(self, text: str) -> int: ...


class Lease(threading.Thread):
    """While a stage runs, it touches its plan's row so the reconciler knows the job is alive.

    The reconciler re-queues a plan whose row has not moved for PLAN_STALE_AFTER_S; a stage that
    works quietly for long (exploring, generating) must not look dead. The embedded command has no
    reconciler and SQLite one writer, so there the lease does nothing.
    """

    def __init__(self, database_url: str, plan_id: int, interval_s: float) -> None:
        super().__init__(name=f"lease-plan-{plan_id}", daemon=True)
        self.database_url, self.plan_id, self.interval_s = database_url, plan_id, interval_s
        self.stopped = threading.Event()

    def __enter__(self) -> Lease:
        if not self.database_url.startswith("sqlite"):
            self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stopped.set()

    def run(self) -> None:
        while not self.stopped.wait(self.interval_s):
            try:
                update_plan(self.database_url, self.plan_id, updated_at=utcnow())
            except Exception:  # the database is away: the stage itself will notice
                log.warning("plan.lease.renew_failed plan_id=%s", self.plan_id)


def lease(database_url: str, plan_id: int) -> Lease:
    return Lease(database_url, plan_id, max(1.0, get_settings().plan_stale_after_s / 3))


def plan_auth(plan: Plan, settings: Settings) -> AuthSpec | None:
    """The plan's login, opened with SECRET_KEY when it was sealed (raises SealError when it cannot be)."""
    stored = unseal(plan.auth, secret_of(settings))
    return AuthSpec.model_validate(stored) if stored else None


class StageSkipped(Exception):
    """The plan is already finished (a redelivered task): nothing to do."""


def update_plan(database_url: str, plan_id: int, **fields: Any) -> None:
    with session_scope(database_url) as session:
        plan = session.get(Plan, plan_id)
        if plan is None:
            return
        for name, value in fields.items():
            setattr(plan, name, value)
        if fields.get("status") in TERMINAL_STATUSES:
            plan.finished_at = utcnow()


def fail_plan(database_url: str, plan_id: int, reason: str) -> None:
    log.warning("plan.failed plan_id=%s reason=%s", plan_id, reason)
    update_plan(database_url, plan_id, status="failed", status_reason=reason, stage=None)


def _begin(database_url: str, plan_id: int, status: str, stage: str) -> Plan:
    with session_scope(database_url) as session:
        plan = session.get(Plan, plan_id)
        if plan is None:
            raise StageSkipped(f"plan {plan_id} does not exist")
        if plan.status in TERMINAL_STATUSES:
            raise StageSkipped(f"plan {plan_id} is already {plan.status}")
        plan.status = status
        plan.stage = stage
        plan.progress_done = 0
        plan.progress_total = 0
        session.flush()
        session.expunge(plan)
        return plan


def crawl_stage(database_url: str, plan_id: int, *, browser: Browser, settings: Settings) -> bool:
    """Crawl the plan's site and store what was seen. False when the plan ended here (failed)."""
    from planwright.browser.auth import LoginError, resolve_auth
    from planwright.crawl.crawler import CrawlError, crawl_site

    plan = _begin(database_url, plan_id, "crawling", "crawl")
    options = CrawlOptions(
        max_pages=min(plan.max_pages, settings.crawl_max_pages_limit),
        max_depth=min(plan.max_depth, settings.crawl_max_depth_limit),
        page_timeout_s=settings.crawl_page_timeout_s,
        total_timeout_s=settings.crawl_total_timeout_s,
        screenshot_dir=str(settings.data_dir / "screenshots" / str(plan_id)),
    )
    last_report = [0.0]

    def on_progress(done: int, total: int, url: str) -> None:
        now = time.monotonic()
        if now - last_report[0] > 0.5 or done >= total:
            last_report[0] = now
            update_plan(
                database_url, plan_id, progress_done=done, progress_total=total, stage=f"crawl {url}"[:40]
            )

    started = time.perf_counter()
    try:
        auth = resolve_auth(browser, plan_auth(plan, settings))
    except (LoginError, SealError) as error:
        fail_plan(database_url, plan_id, f"Login failed: {error}")
        return False
    if auth is not None:  # a login becomes a session every later context (and verification) reuses
        update_plan(database_url, plan_id, auth=seal(auth.model_dump(), secret_of(settings)))
        options.auth = auth
    try:
        with lease(database_url, plan_id):
            crawl = crawl_site(plan.url, options, browser=browser, on_progress=on_progress)
    except CrawlError as error:
        fail_plan(database_url, plan_id, str(error))
        return False
    if not crawl.pages:
        fail_plan(
            database_url, plan_id, f"No page of {plan.url} could be crawled: {'; '.join(crawl.warnings)}"
        )
        return False
    with session_scope(database_url) as session:
        row = session.get(Plan, plan_id)
        assert row is not None
        store.save_crawl(session, row, crawl)
        row.crawl_seconds = time.perf_counter() - started
        row.status = "generating"
        row.stage = "queued for the model"
        row.progress_done = 0
        row.progress_total = 0
    log.info("crawl.plan.completed plan_id=%s pages=%s", plan_id, len(crawl.pages))
    return True


def generate_stage(
    database_url: str,
    plan_id: int,
    *,
    generator: TextGenerator,
    max_new_tokens: int = 64,
    seed: int = 0,
    verify_next: bool | None = None,
) -> bool:
    """Turn the stored crawl into cases: skeletons from observations, text from the model."""
    from planwright.engine import GenerationRequest, PromptTooLong

    plan = _begin(database_url, plan_id, "generating", "generate")
    with session_scope(database_url) as session:
        row = session.get(Plan, plan_id)
        assert row is not None
        crawl = store.load_crawl(session, row)
    behaviours = build_behaviours(crawl, plan.language)  # type: ignore[arg-type]
    verify = plan.verify if verify_next is None else verify_next
    # Edge cases are kept only when the verify stage can execute them: no verification, no proposals.
    edge_requests = _edge_requests(crawl.pages, generator) if verify and get_settings().edge_cases else []
    total = len(behaviours) + len(edge_requests)
    update_plan(database_url, plan_id, progress_total=total)
    started = time.perf_counter()

    futures: dict[Future[GenerationResult], int] = {}
    messages_by_index: dict[int, list[dict[str, str]]] = {}
    results: dict[int, GenerationResult | BaseException] = {}
    # One queue for both kinds of request, so that the engine batches them together.
    asks = [
        (build_messages(b, plan.language), max_new_tokens, STOP_STRINGS, f"case{i}")  # type: ignore[arg-type]
        for i, b in enumerate(behaviours)
    ] + [
        (messages, edge_cases.EDGE_MAX_NEW_TOKENS, edge_cases.STOP_STRINGS, f"edge{i}")
        for i, (_, messages) in enumerate(edge_requests)
    ]
    for index, (messages, max_tokens, stop, name) in enumerate(asks):
        messages_by_index[index] = messages
        request = GenerationRequest(
            messages=messages,
            max_new_tokens=max_tokens,
            stop=stop,
            seed=seed,
            request_id=f"plan{plan_id}-{name}",
        )
        try:
            futures[generator.submit(request)] = index
        except PromptTooLong as error:
            results[index] = error
    done = len(results)
    with lease(database_url, plan_id):
        _collect(futures, results, done, total, database_url, plan_id)

    cases: list[TestCaseData] = []
    generations: list[Generation] = []
    model_titles: set[str] = set()
    for index, behaviour in enumerate(behaviours):
        outcome = results.get(index)
        prompt_text = render_prompt(messages_by_index[index])
        if isinstance(outcome, BaseException) or outcome is None:
            cases.append(behaviour.case)
            generations.append(
                _generation_row(plan_id, f"plan{plan_id}-case{index}", prompt_text, outcome, generator, seed)
            )
            continue
        acceptance = apply_answer(behaviour.case, outcome.text, truncated=outcome.finish_reason == "length")
        title_key = acceptance.case.title.casefold()
        if acceptance.accepted and title_key in model_titles:
            # Small models give many cases one title ("Add to cart to order" ×5): keep the skeleton's.
            acceptance = Acceptance(
                behaviour.case.model_copy(update={"source": "skeleton"}),
                False,
                ["title repeats another case's title"],
            )
        elif acceptance.accepted:
            model_titles.add(title_key)
        cases.append(acceptance.case)
        generations.append(
            _generation_row(
                plan_id,
                outcome.request_id,
                prompt_text,
                outcome,
                generator,
                seed,
                accepted=acceptance.accepted,
                reasons=acceptance.reasons,
            )
        )

    proposals: dict[str, list[EdgeProposal]] = {}
    for offset, (page_requests, _) in enumerate(edge_requests):
        index = len(behaviours) + offset
        outcome = results.get(index)
        prompt_text = render_prompt(messages_by_index[index])
        request_id = f"plan{plan_id}-edge{offset}"
        if isinstance(outcome, BaseException) or outcome is None:
            generations.append(_generation_row(plan_id, request_id, prompt_text, outcome, generator, seed))
            continue
        found, refused = edge_cases.parse_proposals(outcome.text, page_requests)
        page_proposals = proposals.setdefault(page_requests.page.url, [])
        known = {(p.kind, p.element_key) for p in page_proposals}
        page_proposals += [p for p in found if (p.kind, p.element_key) not in known]
        generations.append(
            _generation_row(
                plan_id,
                request_id,
                prompt_text,
                outcome,
                generator,
                seed,
                accepted=bool(found),
                reasons=refused,
            )
        )

    with session_scope(database_url) as session:
        row = session.get(Plan, plan_id)
        assert row is not None
        store.replace_cases(session, row, cases)
        store.save_proposals(session, row, proposals)
        store.delete_generations(session, row)
        session.add_all(generations)
        row.model_id = generator.model_id
        row.device = f"{generator.device} ({generator.dtype})"
        row.generate_seconds = time.perf_counter() - started
        row.progress_done = total
        if verify:
            row.status, row.stage = "verifying", "queued for verification"
        else:
            row.status, row.stage, row.finished_at = "done", None, utcnow()
    from_model = sum(case.source == "model" for case in cases)
    log.info(
        "generate.plan.completed plan_id=%s cases=%s from_model=%s edge_proposals=%s",
        plan_id,
        len(cases),
        from_model,
        sum(len(items) for items in proposals.values()),
    )
    return True


def _generation_row(
    plan_id: int,
    request_id: str,
    prompt_text: str,
    outcome: GenerationResult | BaseException | None,
    generator: TextGenerator,
    seed: int,
    *,
    accepted: bool = False,
    reasons: list[str] | None = None,
) -> Generation:
    """The generations-log row of one request: what was asked, what came back, why it was refused."""
    if isinstance(outcome, BaseException) or outcome is None:
        return Generation(
            plan_id=plan_id,
            request_id=request_id,
            prompt=prompt_text,
            error=str(outcome) or type(outcome).__name__,
            model_id=generator.model_id,
            device=generator.device,
            dtype=generator.dtype,
            seed=seed,
        )
    return Generation(
        plan_id=plan_id,
        request_id=request_id,
        prompt=prompt_text,
        output=outcome.raw_text,
        thinking=outcome.thinking,
        prompt_tokens=outcome.prompt_tokens,
        completion_tokens=outcome.completion_tokens,
        latency_s=outcome.latency_s,
        ttft_s=outcome.ttft_s,
        finish_reason=outcome.finish_reason,
        error=outcome.error or ("; ".join(reasons or []) or None),
        accepted=accepted,
        model_id=outcome.model_id,
        device=outcome.device,
        dtype=outcome.dtype,
        seed=outcome.seed,
    )


def _edge_requests(
    pages: list[PageSnapshot], generator: TextGenerator
) -> list[tuple[edge_cases.PageRequests, list[dict[str, str]]]]:
    """One model request per page chunk that names a field or button (see edge_cases.py)."""
    from planwright.crawl.urls import DEFAULT_DENY_NAMES, is_denied

    budget = get_settings().model_page_tokens
    requests = []
    templates: set[frozenset[tuple[str, str, str]]] = set()
    for page in pages:
        # Pages with the same controls (one product page per product) would get the same edge cases.
        template = frozenset(
            (e.kind, e.name, e.locator.describe()) for e in page.elements if e.kind != "link"
        )
        if template in templates:
            continue
        templates.add(template)
        planned = edge_cases.plan_requests(
            page, generator.count_tokens, budget, lambda e: is_denied(e.name, e.href, DEFAULT_DENY_NAMES)
        )
        if planned is None:
            continue
        for chunk, kind, names in planned.asks():
            requests.append((planned, edge_cases.build_messages(page, chunk, kind, names)))
    return requests


def _collect(
    futures: dict[Future[GenerationResult], int],
    results: dict[int, GenerationResult | BaseException],
    done: int,
    total: int,
    database_url: str,
    plan_id: int,
) -> None:
    for future in as_completed(futures):
        index = futures[future]
        try:
            results[index] = future.result()
        except Exception as error:  # one bad request must not sink the plan: its skeleton stands
            results[index] = error
        done += 1
        if done % 4 == 0 or done == total:
            update_plan(database_url, plan_id, progress_done=done)


def verify_stage(
    database_url: str,
    plan_id: int,
    *,
    browser: Browser | Callable[[], Browser],
    settings: Settings | None = None,
    timeout_s: float = 10.0,
) -> None:
    """Execute every case from a fresh browser context and record verified / failed / not executable."""
    from planwright.verify.runner import verify_cases

    plan = _begin(database_url, plan_id, "verifying", "verify")
    settings = settings or get_settings()
    try:
        auth = plan_auth(plan, settings)
    except SealError as error:
        fail_plan(database_url, plan_id, f"Could not verify: {error}")
        return
    started = time.perf_counter()
    with lease(database_url, plan_id):
        execute_edge_proposals(
            database_url, plan_id, browser=browser, settings=settings, auth=auth, language=plan.language
        )
    with session_scope(database_url) as session:
        row = session.get(Plan, plan_id)
        assert row is not None
        cases = store.plan_export(session, row).cases
    update_plan(database_url, plan_id, progress_total=len(cases))

    def progress(done: int, total: int, *_: object) -> None:
        update_plan(database_url, plan_id, progress_done=done, progress_total=total)

    with lease(database_url, plan_id):
        verifications: list[Verification] = verify_cases(
            cases, browser, timeout_s=timeout_s, on_progress=progress, auth=auth
        )
    with session_scope(database_url) as session:
        row = session.get(Plan, plan_id)
        assert row is not None
        for case_row in row.cases:
            for case, verification in zip(cases, verifications, strict=True):
                if case.id == case_row.id:
                    case_row.verification_status = verification.status
                    case_row.verification_detail = verification.detail
        row.verify_seconds = time.perf_counter() - started
        row.status, row.stage, row.finished_at = "done", None, utcnow()
        row.progress_done = len(cases)


MODEL_PROPOSED_TAG = "model-proposed"


def execute_edge_proposals(
    database_url: str,
    plan_id: int,
    *,
    browser: Browser | Callable[[], Browser],
    settings: Settings,
    auth: AuthSpec | None,
    language: str,
) -> None:
    """Run the model's edge proposals in the browser; the ones that ran and showed something
    checkable become cases (expected results = what was observed), appended to the plan.

    Idempotent: cases added by an earlier, interrupted run of this step are replaced.
    """
    from planwright.browser.contexts import new_context as new_auth_context
    from planwright.browser.watchdog import Watchdog
    from planwright.crawl.crawler import WATCHDOG_GRACE_S
    from planwright.crawl.explore import Explorer

    with session_scope(database_url) as session:
        row = session.get(Plan, plan_id)
        assert row is not None
        crawl = store.load_crawl(session, row)
        existing = [c for c in store.plan_export(session, row).cases if MODEL_PROPOSED_TAG not in c.tags]
    pages = [page for page in crawl.pages if page.proposals]
    if not pages:
        return
    update_plan(database_url, plan_id, stage="verify: edge cases")

    current = browser() if callable(browser) else browser  # one browser for the whole step

    def new_context() -> BrowserContext:
        return new_auth_context(current, auth, accept_downloads=False)

    options = CrawlOptions(
        page_timeout_s=settings.crawl_page_timeout_s,
        total_timeout_s=settings.crawl_total_timeout_s,
        auth=auth,
    )
    explorer = Explorer(new_context, options)
    explorer.learn_pages(crawl.pages)
    added: list[TestCaseData] = []
    results: dict[str, list[EdgeProposal]] = {page.url: list(page.proposals) for page in crawl.pages}
    with Watchdog(current, settings.crawl_total_timeout_s + WATCHDOG_GRACE_S):
        for page in pages:
            results[page.url] = _run_page_proposals(explorer, page, language, existing, added)
    with session_scope(database_url) as session:
        row = session.get(Plan, plan_id)
        assert row is not None
        for case_row in list(row.cases):
            if MODEL_PROPOSED_TAG in (case_row.tags or []):
                session.delete(case_row)
        session.flush()
        store.add_cases(session, row, added, start=len(existing))
        store.save_proposals(session, row, results)
    log.info(
        "verify.edge_cases plan_id=%s proposed=%s kept=%s",
        plan_id,
        sum(len(page.proposals) for page in pages),
        len(added),
    )


def _run_page_proposals(
    explorer: Any, page: PageSnapshot, language: str, existing: list[TestCaseData], added: list[TestCaseData]
) -> list[EdgeProposal]:
    """One page's proposals executed; new cases go to `added`; each proposal comes back with its result."""
    from planwright.pipeline.explored_cases import explored_behaviour

    settled: list[EdgeProposal] = []
    for proposal, observed in explorer.run_proposals(page, page.proposals):
        if observed is not None:
            behaviour = explored_behaviour(page, observed, language)  # type: ignore[arg-type]
            if behaviour is None:
                proposal = proposal.model_copy(update={"result": "nothing a verifier could check"})
            elif (twin := _same_check(behaviour.case, existing + added)) is not None:
                proposal = proposal.model_copy(update={"result": f"duplicate of “{twin.title}”"})
            else:
                added.append(behaviour.case)
        settled.append(proposal)
    return settled


def _same_check(case: TestCaseData, others: list[TestCaseData]) -> TestCaseData | None:
    """Another case of the page with the same steps and the same expected results. Typing "" into a
    field that is empty at load does nothing, so such steps do not count; typed values do (only spaces
    and an empty field are different tests even when the application answers both alike)."""

    def steps(item: TestCaseData) -> list[tuple[str, str | None, str | None]]:
        return [
            (s.action, s.target.element_key if s.target else None, s.data)
            for s in item.steps
            if s.action != "open" and not (s.action == "fill" and not s.data)
        ]

    def checks(item: TestCaseData) -> set[tuple[str, str]]:
        return {(x.kind, x.value) for x in item.expected}

    for other in others:
        if other.page_url == case.page_url and steps(other) == steps(case) and checks(other) == checks(case):
            return other
    return None
