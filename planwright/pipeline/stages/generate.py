"""The generate stage: the stored crawl becomes cases, skeletons from what was observed and text from
the model, with the model's edge-case proposals stored for the verify stage. Runs in the model worker
(and the embedded command) next to the engine; it never imports the browser side (Playwright)."""

from __future__ import annotations

import json
import logging
import threading
import time
from concurrent.futures import Future, as_completed
from typing import Protocol

from planwright.crawl.urls import DEFAULT_DENY_NAMES, is_denied
from planwright.db import plans_store
from planwright.db.models import Generation, Plan
from planwright.db.session import session_scope
from planwright.engine import GenerationRequest, GenerationResult, PromptTooLong
from planwright.lifecycle import PlanStatus
from planwright.pipeline import edge_cases
from planwright.pipeline.parsing import Acceptance, apply_answer
from planwright.pipeline.prompts import STOP_STRINGS, build_messages, render_prompt
from planwright.pipeline.skeleton import Behaviour, build_behaviours
from planwright.pipeline.stages.api import is_api_plan, write_titles_stage
from planwright.pipeline.stages.common import begin_stage, fail_plan, hand_on, held_plan, lease, update_plan
from planwright.schemas import CrawlResult, EdgeProposal, Language, PageSnapshot, TestCaseData
from planwright.settings import get_settings

log = logging.getLogger("planwright.pipeline.stages")


class TextGenerator(Protocol):
    """What the generate stage needs from a model: the engine, or anything shaped like it."""

    model_id: str
    device: str
    dtype: str
    context_length: int

    def submit(self, request: GenerationRequest) -> Future[GenerationResult]: ...

    def count_prompt_tokens(self, messages: list[dict[str, str]]) -> int: ...

    def count_tokens(self, text: str) -> int: ...


RequestKey = tuple[str, int, tuple[str, ...], int | None, float]


def _key(request: GenerationRequest) -> RequestKey:
    """What makes two requests the same question (their ids aside): same key, same greedy answer."""
    return (
        json.dumps(request.messages, ensure_ascii=False, sort_keys=True),
        request.max_new_tokens,
        tuple(request.stop),
        request.seed,
        request.temperature,
    )


class EarlyAsks:
    """A plan's model requests sent while its crawl goes on: the embedded command hands each page on
    as soon as it is crawled (the browser on the main thread, the engine answering on its own).

    The generate stage still builds every request from the stored crawl and takes from here only the
    answer to the very same request, so ordering and text are those of the sequential order; a page
    the crawl changed after handing it on is simply asked again. Nothing here writes to the database
    (the crawl stage holds the plan meanwhile), so leases and fences stay the stages' own.
    """

    def __init__(
        self, plan_id: int, language: Language, *, max_new_tokens: int, seed: int, edge_cases: bool
    ) -> None:
        self.plan_id, self.language, self.edge_cases = plan_id, language, edge_cases
        self.max_new_tokens, self.seed = max_new_tokens, seed
        self._lock = threading.Lock()
        self._pages: list[PageSnapshot] = []
        self._generator: TextGenerator | None = None
        self._sent: dict[RequestKey, Future[GenerationResult] | BaseException] = {}
        self.sent_count = self.taken_count = 0

    def attach(self, generator: TextGenerator) -> None:
        """The model is ready: send what the pages handed on so far ask."""
        with self._lock:
            self._generator = generator
            self._send()

    def add_page(self, page: PageSnapshot) -> None:
        """A crawled page (crawl_site's on_page): its requests go out now if the model is ready."""
        with self._lock:
            self._pages.append(page)
            if self._generator is not None:
                self._send()

    def _send(self) -> None:
        # The pages so far, in crawl order: the same dedupe (a nav link once, a page template once)
        # as the stage's over the whole crawl, so a prefix of its requests goes out, not extra ones.
        generator = self._generator
        assert generator is not None
        pages = list(self._pages)
        behaviours = build_behaviours(CrawlResult(start_url="", pages=pages), self.language)
        edge_requests = _edge_requests(pages, generator) if self.edge_cases else []
        for request in _requests(
            self.plan_id, behaviours, edge_requests, self.language, self.max_new_tokens, self.seed
        ):
            key = _key(request)
            if key in self._sent:
                continue
            request.request_id = f"plan{self.plan_id}-early{len(self._sent)}"
            try:
                self._sent[key] = generator.submit(request)
            except PromptTooLong as error:
                self._sent[key] = error
            except RuntimeError as error:  # the engine is stopping: the stage will say so itself
                log.warning("generate.early.refused plan_id=%s error=%s", self.plan_id, error)
                return
            self.sent_count += 1

    def answered_count(self) -> int:
        """How many of the requests sent early have their answer already."""
        with self._lock:
            return sum(isinstance(sent, Future) and sent.done() for sent in self._sent.values())

    def take(self, request: GenerationRequest) -> Future[GenerationResult] | BaseException | None:
        """The answer (pending or not) to this very request, once; None when it was not sent early."""
        with self._lock:
            sent = self._sent.pop(_key(request), None)
            self.taken_count += sent is not None
            return sent

    def log_use(self, plan_id: int) -> None:
        """How much of the early work the stage used (the rest was asked again or not needed)."""
        log.info(
            "generate.early.used plan_id=%s sent=%s taken=%s unused=%s",
            plan_id,
            self.sent_count,
            self.taken_count,
            len(self._sent),
        )


def generate_stage(
    database_url: str,
    plan_id: int,
    *,
    generator: TextGenerator,
    max_new_tokens: int = 64,
    seed: int = 0,
    verify_next: bool | None = None,
    early: EarlyAsks | None = None,
) -> bool:
    """Turn the stored crawl into cases: skeletons from observations, text from the model. `early`:
    the answers to requests sent while the crawl went on (the embedded command), used where the
    stored crawl asks the very same thing."""
    if is_api_plan(database_url, plan_id):  # an api plan's cases exist: the model writes their titles
        return write_titles_stage(
            database_url, plan_id, generator=generator, seed=seed, verify_next=verify_next
        )
    plan = begin_stage(database_url, plan_id, PlanStatus.GENERATING, "generate")
    with lease(database_url, plan):
        return _generate(
            database_url,
            plan,
            generator=generator,
            max_new_tokens=max_new_tokens,
            seed=seed,
            verify_next=verify_next,
            early=early,
        )


def _generate(
    database_url: str,
    plan: Plan,
    *,
    generator: TextGenerator,
    max_new_tokens: int,
    seed: int,
    verify_next: bool | None,
    early: EarlyAsks | None = None,
) -> bool:
    """The stage's work on the plan it holds (`plan.attempt_token` fences every write)."""
    plan_id, token = plan.id, plan.attempt_token
    deadline_s = get_settings().plan_generation_timeout_s
    with session_scope(database_url) as session:
        row = session.get(Plan, plan_id)
        assert row is not None
        crawl = plans_store.load_crawl(session, row)
    behaviours = build_behaviours(crawl, plan.language)  # type: ignore[arg-type]
    verify = plan.verify if verify_next is None else verify_next
    # Edge cases are kept only when the verify stage can execute them: no verification, no proposals.
    edge_requests = _edge_requests(crawl.pages, generator) if verify and get_settings().edge_cases else []
    total = len(behaviours) + len(edge_requests)
    update_plan(database_url, plan_id, token=token, progress_total=total)
    started = time.perf_counter()

    futures: dict[Future[GenerationResult], int] = {}
    messages_by_index: dict[int, list[dict[str, str]]] = {}
    results: dict[int, GenerationResult | BaseException] = {}
    requests = _requests(plan_id, behaviours, edge_requests, plan.language, max_new_tokens, seed)  # type: ignore[arg-type]
    for index, request in enumerate(requests):
        messages_by_index[index] = request.messages
        sent = early.take(request) if early is not None else None  # asked while the crawl went on
        if isinstance(sent, Future):
            futures[sent] = index
            continue
        if sent is not None:
            results[index] = sent
            continue
        try:
            futures[generator.submit(request)] = index
        except PromptTooLong as error:
            results[index] = error
    if early is not None:
        early.log_use(plan_id)
    done = len(results)
    try:
        _collect(
            futures, results, done, total, database_url, plan, deadline_s - (time.perf_counter() - started)
        )
    except TimeoutError:
        finished = sum(future.done() for future in futures)
        reason = (
            f"Generation ran past its deadline of {deadline_s:.0f} s (PLAN_GENERATION_TIMEOUT_S) with "
            f"{finished + len(results)} of {total} answers in: the model is too slow for this plan. Ask for "
            "fewer pages, or give the model worker a faster device or a larger deadline."
        )
        fail_plan(database_url, plan_id, reason, token=token)
        return False
    unreachable = _model_unreachable(results)
    if unreachable is not None:
        fail_plan(database_url, plan_id, f"The model could not be reached: {unreachable}", token=token)
        return False

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
                f"plan{plan_id}-case{index}",
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

    with held_plan(database_url, plan_id, token) as (session, row):
        plans_store.replace_cases(session, row, cases)
        plans_store.save_proposals(session, row, proposals)
        plans_store.delete_generations(session, row)
        session.add_all(generations)
        row.model_id = generator.model_id
        row.device = f"{generator.device} ({generator.dtype})"
        row.generate_seconds = time.perf_counter() - started
        row.progress_done = total
        hand_on(row, PlanStatus.VERIFYING if verify else PlanStatus.DONE)
    from_model = sum(case.source == "model" for case in cases)
    log.info(
        "generate.plan.completed plan_id=%s cases=%s from_model=%s edge_proposals=%s",
        plan_id,
        len(cases),
        from_model,
        sum(len(items) for items in proposals.values()),
    )
    return True


def _requests(
    plan_id: int,
    behaviours: list[Behaviour],
    edge_requests: list[tuple[edge_cases.PageRequests, list[dict[str, str]]]],
    language: Language,
    max_new_tokens: int,
    seed: int,
) -> list[GenerationRequest]:
    """The plan's requests, cases then edge cases, in one queue so that the engine batches them."""
    asks = [
        (build_messages(b, language), max_new_tokens, STOP_STRINGS, f"case{i}")
        for i, b in enumerate(behaviours)
    ] + [
        (messages, edge_cases.EDGE_MAX_NEW_TOKENS, edge_cases.STOP_STRINGS, f"edge{i}")
        for i, (_, messages) in enumerate(edge_requests)
    ]
    return [
        GenerationRequest(
            messages=messages,
            max_new_tokens=max_tokens,
            stop=stop,
            seed=seed,
            request_id=f"plan{plan_id}-{name}",
        )
        for messages, max_tokens, stop, name in asks
    ]


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


def _model_unreachable(results: dict[int, GenerationResult | BaseException]) -> str | None:
    """The reason, when no request reached a model at all (its server is gone): skeletons alone would
    look like a plan, so the plan fails with what a person can fix instead."""
    outcomes = list(results.values())
    if not outcomes or not all(getattr(o, "unavailable", False) for o in outcomes):
        return None
    return str(getattr(outcomes[0], "error", "") or "no answer")


def _collect(
    futures: dict[Future[GenerationResult], int],
    results: dict[int, GenerationResult | BaseException],
    done: int,
    total: int,
    database_url: str,
    plan: Plan,
    timeout_s: float,
) -> None:
    """Gather the answers as they come (TimeoutError past the stage's deadline), reporting progress."""
    for future in as_completed(futures, timeout=max(0.0, timeout_s)):
        index = futures[future]
        try:
            results[index] = future.result()
        except Exception as error:  # one bad request must not sink the plan: its skeleton stands
            results[index] = error
        done += 1
        if done % 4 == 0 or done == total:
            update_plan(database_url, plan.id, token=plan.attempt_token, progress_done=done)
