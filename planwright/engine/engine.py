"""The model engine: one loop thread owns the mutable state (vLLM v1 / TGI shape).

    while running: take_new_requests(); step(); publish_results()

`Scheduler` (pure, no torch) decides who joins the running batch; `ModelRunner` owns the model and
tokenizer and does one step (prefill, decode, sample, EOS); this module holds the inbox, the
waiting and running requests, their futures, the counters, the warm-up and the drain. Any thread
may `submit()`; results come back through `concurrent.futures.Future`s. A failure in one request's
input or sampling fails that request only; a failure of a whole forward pass fails the rows in it
and the loop carries on with an empty batch.
"""

from __future__ import annotations

import atexit
import itertools
import logging
import threading
import time
from collections import deque
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any

import torch

from planwright import metrics
from planwright.engine.batch import PrefixCache
from planwright.engine.device import DevicePlan, resolve_device
from planwright.engine.loading import ModelSource, load_model, resolve_model
from planwright.engine.memory import RssMonitor, release_free_memory
from planwright.engine.request_state import RequestState
from planwright.engine.runner import ModelRunner
from planwright.engine.scheduler import Scheduler, SchedulerConfig
from planwright.engine.text import IncrementalDetokenizer, split_thinking
from planwright.engine.types import (
    GenerationRequest,
    GenerationResult,
    PromptTooLong,
    results_in_order,
    validate_request,
)

if TYPE_CHECKING:
    from planwright.settings import Settings

log = logging.getLogger("planwright.engine")

# The defaults of the settings of the same names (tests/engine/test_settings_knobs.py keeps them equal).
DEFAULT_MAX_BATCH_TOKENS = 16384  # KV budget of the running batch
DEFAULT_MAX_PREFILL_TOKENS = 2048  # prompt tokens prefilled per step
DEFAULT_PREFIX_CACHE_ENTRIES = 16  # shared prompt prefixes kept (0 disables prefix caching)
WARMUP_MESSAGES = [{"role": "user", "content": "Write one test step for a login button."}]


class Engine:
    """Continuous-batching text generation over one locally loaded causal LM."""

    backend = "embedded"

    def __init__(
        self,
        model: Any,
        tokenizer: Any,
        plan: DevicePlan,
        *,
        model_id: str,
        scheduler_config: SchedulerConfig | None = None,
        max_batch_wait_ms: float = 20.0,
        default_seed: int | None = 0,
        prefix_cache_entries: int = DEFAULT_PREFIX_CACHE_ENTRIES,
        created_at: float | None = None,
        source: ModelSource | None = None,
    ) -> None:
        self._created_at = time.perf_counter() if created_at is None else created_at
        self.runner = ModelRunner(model, tokenizer, plan.device, prefix_cache_entries=prefix_cache_entries)
        self.model = model
        self.tokenizer = tokenizer
        self.plan = plan
        self.source = source
        self.model_id = model_id
        self.device = plan.device
        self.dtype = plan.dtype
        self.context_length: int = self.runner.context_length
        self.eos_token_ids: set[int] = self.runner.eos_token_ids
        self.prefix_cache: PrefixCache = self.runner.prefix_cache
        self.scheduler_config = scheduler_config or SchedulerConfig()
        self.max_batch_wait_s = max(0.0, max_batch_wait_ms) / 1000.0
        self.default_seed = default_seed
        self._scheduler = Scheduler(self.scheduler_config)
        # Every request in flight is in exactly one of these (the runner holds the running ones' KV).
        self._inbox: deque[RequestState] = deque()  # submitted, guarded by _wakeup
        self._waiting: dict[int, RequestState] = {}  # in the scheduler's queue
        self._admitted: dict[int, RequestState] = {}  # handed to the runner
        self._wakeup = threading.Condition()
        self._ids = itertools.count(1)
        self._accepting = True
        self._running = False
        self._abort = False
        self._thread: threading.Thread | None = None
        self.ready = threading.Event()
        self.load_seconds: float = time.perf_counter() - self._created_at
        self.ready_seconds: float | None = None
        self.process_ready_seconds: float | None = None  # OS process start → ready (what /readyz reports)
        self._counters = {
            "requests_finished": 0,
            "requests_failed": 0,
            "prompt_tokens": 0,
            "completion_tokens": 0,
        }
        self._trim_when_idle = False
        self._memory = RssMonitor()

    # ------------------------------------------------------------------ construction

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> Engine:
        """Resolve (and convert once, if GGUF) and load the configured model; the loop is not started."""
        created_at = time.perf_counter()
        if settings is None:
            from planwright.settings import get_settings

            settings = get_settings()
        if settings.model_threads:
            torch.set_num_threads(settings.model_threads)
        plan = resolve_device(settings.model_device, settings.model_dtype, settings.model_quantization)
        source = resolve_model(settings)
        model, tokenizer = load_model(source, plan)
        scheduler_config = SchedulerConfig(
            max_batch_size=settings.model_max_batch_size,
            max_batch_tokens=settings.model_max_batch_tokens,
            max_prefill_tokens=settings.model_max_prefill_tokens,
        )
        engine = cls(
            model,
            tokenizer,
            plan,
            model_id=source.model_id,
            scheduler_config=scheduler_config,
            max_batch_wait_ms=settings.model_max_batch_wait_ms,
            default_seed=settings.model_seed,
            prefix_cache_entries=settings.model_prefix_cache_entries,
            created_at=created_at,
            source=source,
        )
        log.info(
            "engine.loaded model=%s device=%s dtype=%s load_s=%.2f converted_now=%s",
            engine.model_id,
            engine.device,
            engine.dtype,
            engine.load_seconds,
            source.converted_now,
        )
        return engine

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> None:
        """Warm up (first kernels, allocator) through the real code path, then start the loop thread."""
        if self._thread is not None:
            return
        self._running = True
        self._thread = threading.Thread(target=self._loop, name="planwright-engine", daemon=True)
        self._thread.start()
        # A loop thread still alive when the interpreter tears down can abort the process ("terminate
        # called without an active exception", seen here ~1 exit in 4); stop it first if nobody did.
        atexit.register(self._stop_at_exit)
        self._warm_up()
        self.ready_seconds = time.perf_counter() - self._created_at
        self.process_ready_seconds = time.time() - self._memory.process_started_at
        self.ready.set()
        log.info(
            "engine.ready ready_s=%.2f process_start_to_ready_s=%.2f",
            self.ready_seconds,
            self.process_ready_seconds,
        )

    def _warm_up(self) -> None:
        """Two short requests through the loop (TGI's Warmup): the first kernels, the allocator and a
        batch of two are paid for before the engine reports ready, not by the first caller."""
        warm = [GenerationRequest(messages=WARMUP_MESSAGES, max_new_tokens=4, request_id="warmup")] * 2
        for future in [self._submit(r, count=False) for r in warm]:
            result = future.result()
            if result.error is not None:
                raise RuntimeError(f"engine warm-up failed: {result.error}")

    def _stop_at_exit(self) -> None:
        self.stop(drain=False, timeout=10)

    def stop(self, drain: bool = True, timeout: float = 60) -> None:
        """Refuse new requests; with drain, finish running and queued ones first, else fail them."""
        atexit.unregister(self._stop_at_exit)
        with self._wakeup:
            self._accepting = False
            if not drain:
                self._abort = True
            self._running = False
            self._wakeup.notify_all()
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                log.warning("engine.stop.timeout timeout_s=%s", timeout)
            else:
                self._thread = None
        self.ready.clear()

    # ------------------------------------------------------------------ requests

    def format_prompt(self, messages: list[dict[str, str]]) -> list[int]:
        """Token ids of the chat-templated prompt, ready for the assistant's answer."""
        return self.runner.format_prompt(messages)

    def shared_prefix_len(self, messages: list[dict[str, str]], prompt_ids: list[int]) -> int:
        """Leading prompt tokens that requests of one kind share (the prefix cache's unit); 0 if none."""
        return self.runner.shared_prefix_len(messages, prompt_ids)

    def count_prompt_tokens(self, messages: list[dict[str, str]]) -> int:
        """Prompt size with this model's tokenizer and chat template, for the caller's context budget."""
        return len(self.format_prompt(messages))

    def count_tokens(self, text: str) -> int:
        """Plain-text size with this model's tokenizer, for budgets on text that goes into a prompt."""
        return self.runner.count_tokens(text)

    def submit(self, request: GenerationRequest) -> Future[GenerationResult]:
        """Queue a request from any thread. Raises PromptTooLong (nothing queued) and RuntimeError after
        stop(); any other bad input fails only the returned Future."""
        return self._submit(request, count=True)

    def _submit(self, request: GenerationRequest, *, count: bool) -> Future[GenerationResult]:
        future: Future[GenerationResult] = Future()
        if not self._accepting:
            raise RuntimeError("engine is stopping")
        submitted_at = time.perf_counter()
        try:
            validate_request(request)
            prompt_ids = self.format_prompt(request.messages)
            prefix_len = self.shared_prefix_len(request.messages, prompt_ids)
        except Exception as exc:  # bad input: this request's Future only
            future.set_exception(exc)
            return future
        if len(prompt_ids) + request.max_new_tokens > self.context_length:
            raise PromptTooLong(len(prompt_ids), request.max_new_tokens, self.context_length)
        seed = request.seed if request.seed is not None else self.default_seed
        seq_id = next(self._ids)
        state = RequestState(
            seq_id=seq_id if count else -seq_id,  # warm-up: kept out of the served counters
            request=request,
            future=future,
            prompt_ids=prompt_ids,
            seed=seed,
            submitted_at=submitted_at,
            detok=IncrementalDetokenizer(self.runner.decode_text),
            prefix_len=prefix_len,
        )
        future.set_running_or_notify_cancel()
        with self._wakeup:
            if not self._accepting:
                raise RuntimeError("engine is stopping")
            self._inbox.append(state)
            self._wakeup.notify()
        return future

    def generate(self, requests: list[GenerationRequest]) -> list[GenerationResult]:
        """Submit all, wait, return in order. A request whose Future failed comes back as an error
        result; PromptTooLong is raised before anything is queued."""
        for r in requests:
            try:
                n = self.count_prompt_tokens(r.messages)
                too_long = n + r.max_new_tokens > self.context_length
            except Exception:
                continue  # bad input: reported through its Future below
            if too_long:
                raise PromptTooLong(n, r.max_new_tokens, self.context_length)
        return results_in_order(requests, [self.submit(r) for r in requests], self._error_result)

    def stats(self) -> dict[str, Any]:
        """Counters for /readyz, metrics and benchmarks (read without locking; eventually consistent)."""
        self._memory.sample(force=True)
        return {
            **self._counters,
            **self.runner.counters,
            "queue_depth": len(self._inbox) + self._scheduler.num_waiting,
            "running_batch_size": len(self.runner),
            "batch_width_tokens": self.runner.batch.width,
            "prefix_cache_hits": self.prefix_cache.hits,
            "prefix_cache_misses": self.prefix_cache.misses,
            "seconds": {k: round(v, 3) for k, v in self.runner.seconds.items()},
            "peak_rss_bytes": self._memory.peak_bytes,
            "rss_bytes": self._memory.current_bytes(),
            "model_id": self.model_id,
            "device": self.device,
            "dtype": self.dtype,
            "context_length": self.context_length,
            "load_seconds": round(self.load_seconds, 3),
            "ready_seconds": None if self.ready_seconds is None else round(self.ready_seconds, 3),
            "process_ready_seconds": None
            if self.process_ready_seconds is None
            else round(self.process_ready_seconds, 3),
            "ready": self.ready.is_set(),
            "accepting": self._accepting,
        }

    def health(self) -> dict[str, Any]:
        """Whether this engine answers now: for /readyz, beside the server backends' probe."""
        alive = self._thread is not None and self._thread.is_alive()
        ok = alive and self.ready.is_set() and self._accepting
        health: dict[str, Any] = {"backend": self.backend, "ok": ok, "model_id": self.model_id}
        if not ok:
            health["error"] = "the engine's loop is not running" if not alive else "the engine is not ready"
        return health

    # ------------------------------------------------------------------ the loop

    def _loop(self) -> None:
        torch.set_grad_enabled(False)
        try:
            with torch.inference_mode():
                while self._take_new_requests():
                    self._publish_results(self._step())
        except BaseException as exc:  # the loop itself broke: fail everything rather than hang callers
            log.exception("engine.loop.crashed")
            with self._wakeup:
                self._accepting = False
            self.ready.clear()
            self._fail_all(f"engine loop crashed: {type(exc).__name__}: {exc}")
            raise

    def _take_new_requests(self) -> bool:
        """Move submitted requests into the scheduler; block while idle. False: time to exit."""
        with self._wakeup:
            while True:
                if self._abort:
                    self._inbox_to_scheduler()
                    self._fail_all("engine stopped before this request finished")
                    return False
                if self._inbox or self._scheduler.has_work():
                    break
                if not self._running:
                    return False
                if self._trim_when_idle:
                    self._trim_when_idle = False
                    release_free_memory()
                self._wakeup.wait()
            if not self._scheduler.has_work() and self.max_batch_wait_s > 0:
                # Idle → first arrival: wait briefly for companions so they share one prefill.
                deadline = time.perf_counter() + self.max_batch_wait_s
                while len(self._inbox) < self.scheduler_config.max_batch_size and self._running:
                    left = deadline - time.perf_counter()
                    if left <= 0:
                        break
                    self._wakeup.wait(left)
            self._inbox_to_scheduler()
        return True

    def _inbox_to_scheduler(self) -> None:
        while self._inbox:
            state = self._inbox.popleft()
            self._waiting[state.seq_id] = state
            self._scheduler.add(state.budget)

    def _step(self) -> list[RequestState]:
        """Admit what the scheduler allows and let the runner do one step; returns who finished."""
        self._trim_when_idle = True
        admitted = [self._waiting.pop(b.seq_id) for b in self._scheduler.schedule()]
        for state in admitted:
            self._admitted[state.seq_id] = state
        metrics.observe_admitted(s.submitted_at for s in admitted)
        metrics.ENGINE_BATCH_SIZE.observe(len(self.runner) + len(admitted))
        done = self.runner.step(admitted)
        self._memory.sample()
        return done

    # ------------------------------------------------------------------ results

    def _publish_results(self, done: list[RequestState]) -> None:
        """Release the finished requests' budgets, count them and resolve their futures."""
        for state in done:
            self._admitted.pop(state.seq_id, None)
            self._scheduler.finish(state.seq_id)
            result = self._result(state) if state.error is None else self._failed_result(state)
            if state.counted:
                if state.error is None:
                    self._counters["requests_finished"] += 1
                    self._counters["prompt_tokens"] += len(state.prompt_ids)
                    self._counters["completion_tokens"] += len(state.completion_ids)
                else:
                    self._counters["requests_failed"] += 1
            if not state.future.done():
                state.future.set_result(result)

    def _result(self, s: RequestState) -> GenerationResult:
        raw = s.raw_text
        text, thinking = split_thinking(raw)
        end = s.finished_at if s.finished_at is not None else time.perf_counter()
        first = s.first_token_at if s.first_token_at is not None else end
        return GenerationResult(
            request_id=s.request.request_id,
            text=text,
            raw_text=raw,
            thinking=thinking,
            prompt_tokens=len(s.prompt_ids),
            completion_tokens=len(s.completion_ids),
            latency_s=end - s.submitted_at,
            ttft_s=first - s.submitted_at,
            finish_reason=s.finish_reason or "stop",
            error=None,
            model_id=self.model_id,
            device=self.device,
            dtype=self.dtype,
            seed=s.seed,
            token_ids=list(s.completion_ids),
        )

    def _failed_result(self, s: RequestState) -> GenerationResult:
        end = s.finished_at if s.finished_at is not None else time.perf_counter()
        return self._error_result(
            s.request,
            s.error or "failed",
            prompt_tokens=len(s.prompt_ids),
            completion_tokens=len(s.completion_ids),
            seed=s.seed,
            latency_s=end - s.submitted_at,
        )

    def _error_result(
        self,
        request: GenerationRequest,
        error: str,
        *,
        prompt_tokens: int = 0,
        completion_tokens: int = 0,
        seed: int | None = None,
        latency_s: float = 0.0,
    ) -> GenerationResult:
        return GenerationResult(
            request_id=request.request_id,
            text="",
            raw_text="",
            thinking=None,
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            latency_s=latency_s,
            ttft_s=latency_s,
            finish_reason="error",
            error=error,
            model_id=self.model_id,
            device=self.device,
            dtype=self.dtype,
            seed=seed if seed is not None else request.seed,
        )

    def _fail_all(self, error: str) -> None:
        """Stop without drain, or the loop crashed: every request still in flight fails with `error`
        (those the runner finished before a crash get their results)."""
        self._publish_results(self.runner.take_finished())
        self.runner.reset()
        unfinished = [*self._admitted.values(), *self._waiting.values(), *self._inbox]
        for state in self._waiting.values():
            self._scheduler.drop_waiting(state.seq_id)
        self._waiting.clear()
        self._inbox.clear()
        for state in unfinished:
            state.error = error
            state.finished_at = time.perf_counter()
        self._publish_results(unfinished)
