"""The model engine: one loop thread owns the model and the running batch (vLLM/TGI shape).

    while running: take_new_requests(); prefill admitted; one decode step; publish finished

Any thread may `submit()`; results come back through `concurrent.futures.Future`s. A failure in one
request's input or sampling fails that request only; a failure of a whole forward pass fails the rows
in it and the loop carries on with an empty batch.
"""

from __future__ import annotations

import atexit
import ctypes
import itertools
import logging
import math
import threading
import time
from collections import deque
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import psutil
import torch

from planwright.engine.batch import PaddedBatch, PrefillOutput, PrefixCache
from planwright.engine.device import DevicePlan, resolve_device
from planwright.engine.loading import ModelSource, context_length, load_model, resolve_model
from planwright.engine.scheduler import Scheduler, SchedulerConfig, SeqBudget
from planwright.engine.text import IncrementalDetokenizer, find_stop, split_thinking
from planwright.engine.types import GenerationRequest, GenerationResult, PromptTooLong

if TYPE_CHECKING:
    from planwright.settings import Settings

log = logging.getLogger("planwright.engine")

# Not in Settings yet (see the engine's report): KV budget of the running batch, prefill per step.
DEFAULT_MAX_BATCH_TOKENS = 16384
DEFAULT_MAX_PREFILL_TOKENS = 2048
DEFAULT_PREFIX_CACHE_ENTRIES = 16  # shared prompt prefixes kept (0 disables prefix caching)
MIN_PREFIX_TOKENS = 16  # shorter shared prefixes are not worth a cache entry
_SPLIT = "\x00planwright-split\x00"
MIN_TEMPERATURE = 1e-4  # below this, logits / T overflows float32
WARMUP_MESSAGES = [{"role": "user", "content": "Write one test step for a login button."}]


@dataclass(eq=False)
class _Sequence:
    """A request in flight; touched only by the loop thread after submit() hands it over."""

    seq_id: int
    request: GenerationRequest
    future: Future[GenerationResult]
    prompt_ids: list[int]
    seed: int | None
    submitted_at: float
    detok: IncrementalDetokenizer
    generator: torch.Generator | None = None
    first_token_at: float | None = None
    finish_reason: str | None = None
    stop_at: int = -1  # char index where a stop string begins
    error: str | None = None
    completion_ids: list[int] = field(default_factory=list)
    prefix_len: int = 0  # leading prompt tokens shared with other requests (prefix cache)

    @property
    def budget(self) -> SeqBudget:
        return SeqBudget(self.seq_id, len(self.prompt_ids), self.request.max_new_tokens)


class Engine:
    """Continuous-batching text generation over one locally loaded causal LM."""

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
        self.model = model
        self.tokenizer = tokenizer
        self.plan = plan
        self.source = source
        self.model_id = model_id
        self.device = plan.device
        self.dtype = plan.dtype
        self.context_length = context_length(model.config, tokenizer)
        self.scheduler_config = scheduler_config or SchedulerConfig()
        self.max_batch_wait_s = max(0.0, max_batch_wait_ms) / 1000.0
        self.default_seed = default_seed
        self.eos_token_ids = _eos_token_ids(model, tokenizer)
        pad = (
            tokenizer.pad_token_id
            if tokenizer.pad_token_id is not None
            else min(self.eos_token_ids, default=0)
        )
        self.prefix_cache = PrefixCache(max_entries=prefix_cache_entries)
        self._batch = PaddedBatch(model, plan.device, pad, self.prefix_cache)
        self._scheduler = Scheduler(self.scheduler_config)
        self._inbox: deque[_Sequence] = deque()
        self._waiting: dict[int, _Sequence] = {}
        self._wakeup = threading.Condition()
        # Fast tokenizers are Rust objects that raise "Already borrowed" if two threads touch one while
        # its settings change; callers' threads encode while the loop decodes, so they take turns.
        self._tok_lock = threading.Lock()
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
            "steps": 0,
            "prefills": 0,
            "prefill_tokens": 0,
            "prefix_cached_tokens": 0,
        }
        self._seconds = {"prefill": 0.0, "decode": 0.0, "sample_and_detok": 0.0, "reform": 0.0}
        self._peak_rss = 0
        self._trim_when_idle = False
        self._last_rss_check = 0.0
        self._proc = psutil.Process()
        self._sample_rss(force=True)

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
        warm = [GenerationRequest(messages=WARMUP_MESSAGES, max_new_tokens=4, request_id="warmup")] * 2
        for future in [self._submit(r, count=False) for r in warm]:
            result = future.result()
            if result.error is not None:
                raise RuntimeError(f"engine warm-up failed: {result.error}")
        self.ready_seconds = time.perf_counter() - self._created_at
        self.process_ready_seconds = time.time() - self._proc.create_time()
        self.ready.set()
        log.info(
            "engine.ready ready_s=%.2f process_start_to_ready_s=%.2f",
            self.ready_seconds,
            self.process_ready_seconds,
        )

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
        if not isinstance(messages, list) or not messages:
            raise ValueError("messages must be a non-empty list of {'role', 'content'} dicts")
        for m in messages:
            if (
                not isinstance(m, dict)
                or not isinstance(m.get("role"), str)
                or not isinstance(m.get("content"), str)
            ):
                raise ValueError(f"bad chat message {m!r}: needs string 'role' and 'content'")
        with self._tok_lock:
            if getattr(self.tokenizer, "chat_template", None):
                text = self.tokenizer.apply_chat_template(
                    messages, add_generation_prompt=True, tokenize=False
                )
            else:
                text = "".join(f"{m['role']}: {m['content']}\n" for m in messages) + "assistant:"
            ids: list[int] = self.tokenizer(text, add_special_tokens=False)["input_ids"]
        return ids

    def shared_prefix_len(self, messages: list[dict[str, str]], prompt_ids: list[int]) -> int:
        """How many leading prompt tokens come before the last message's content (system prompt,
        instructions, template header): the part that requests of one kind share and the prefix
        cache computes once. 0 when too short or when caching is off."""
        if not self.prefix_cache.enabled or not getattr(self.tokenizer, "chat_template", None):
            return 0
        probe = [*messages[:-1], {**messages[-1], "content": _SPLIT}]
        with self._tok_lock:
            text = self.tokenizer.apply_chat_template(probe, add_generation_prompt=True, tokenize=False)
            if _SPLIT not in text:
                return 0
            head: list[int] = self.tokenizer(text.split(_SPLIT, 1)[0], add_special_tokens=False)["input_ids"]
        n = 0
        for a, b in zip(head, prompt_ids[:-1], strict=False):  # keep at least one token to prefill
            if a != b:
                break
            n += 1
        return n if n >= MIN_PREFIX_TOKENS else 0

    def count_prompt_tokens(self, messages: list[dict[str, str]]) -> int:
        """Prompt size with this model's tokenizer and chat template, for the caller's context budget."""
        return len(self.format_prompt(messages))

    def count_tokens(self, text: str) -> int:
        """Plain-text size with this model's tokenizer, for budgets on text that goes into a prompt."""
        with self._tok_lock:
            ids: list[int] = self.tokenizer(text, add_special_tokens=False)["input_ids"]
        return len(ids)

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
            _validate(request)
            prompt_ids = self.format_prompt(request.messages)
            prefix_len = self.shared_prefix_len(request.messages, prompt_ids)
        except Exception as exc:  # bad input: this request's Future only
            future.set_exception(exc)
            return future
        if len(prompt_ids) + request.max_new_tokens > self.context_length:
            raise PromptTooLong(len(prompt_ids), request.max_new_tokens, self.context_length)
        seed = request.seed if request.seed is not None else self.default_seed
        seq = _Sequence(
            seq_id=next(self._ids),
            request=request,
            future=future,
            prompt_ids=prompt_ids,
            seed=seed,
            submitted_at=submitted_at,
            detok=IncrementalDetokenizer(self._decode_text),
            prefix_len=prefix_len,
        )
        if not count:
            seq.seq_id = -seq.seq_id  # warm-up: kept out of the served counters
        future.set_running_or_notify_cancel()
        with self._wakeup:
            if not self._accepting:
                raise RuntimeError("engine is stopping")
            self._inbox.append(seq)
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
        futures = [self.submit(r) for r in requests]
        results = []
        for r, f in zip(requests, futures, strict=True):
            try:
                results.append(f.result())
            except Exception as exc:
                results.append(self._error_result(r, f"{type(exc).__name__}: {exc}"))
        return results

    def stats(self) -> dict[str, Any]:
        """Counters for /readyz, metrics and benchmarks (read without locking; eventually consistent)."""
        self._sample_rss(force=True)
        return {
            **self._counters,
            "queue_depth": len(self._inbox) + self._scheduler.num_waiting,
            "running_batch_size": len(self._batch),
            "batch_width_tokens": self._batch.width,
            "prefix_cache_hits": self.prefix_cache.hits,
            "prefix_cache_misses": self.prefix_cache.misses,
            "seconds": {k: round(v, 3) for k, v in self._seconds.items()},
            "peak_rss_bytes": self._peak_rss,
            "rss_bytes": self._proc.memory_info().rss,
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

    # ------------------------------------------------------------------ the loop

    def _loop(self) -> None:
        torch.set_grad_enabled(False)
        try:
            with torch.inference_mode():
                while True:
                    if not self._take_new_requests():
                        break
                    self._step()
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
                    _release_free_memory()
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
            seq = self._inbox.popleft()
            self._waiting[seq.seq_id] = seq
            self._scheduler.add(seq.budget)

    def _step(self) -> None:
        self._trim_when_idle = True
        admitted = [self._waiting.pop(b.seq_id) for b in self._scheduler.schedule()]
        if admitted:
            self._prefill(admitted)
        if len(self._batch):
            self._decode()
        self._sample_rss()

    def _prefill(self, seqs: list[_Sequence]) -> None:
        """Prefill newcomers, one mini-batch per shared prefix, sample their first tokens, merge them."""
        groups: dict[tuple[int, ...], list[_Sequence]] = {}
        for s in seqs:
            groups.setdefault(tuple(s.prompt_ids[: s.prefix_len]), []).append(s)
        for prefix, group in groups.items():
            self._prefill_group(group, len(prefix))

    def _prefill_group(self, seqs: list[_Sequence], prefix_len: int) -> None:
        started = time.perf_counter()
        try:
            prefilled: PrefillOutput = self._batch.prefill([s.prompt_ids for s in seqs], prefix_len)
        except Exception as exc:  # the newcomers fail; the running batch was not touched
            log.exception("engine.prefill.failed")
            for s in seqs:
                self._finish_error(s, f"prefill failed: {type(exc).__name__}: {exc}")
            return
        now = time.perf_counter()
        self._seconds["prefill"] += now - started
        self._counters["prefills"] += 1
        self._counters["prefill_tokens"] += sum(len(s.prompt_ids) - prefix_len for s in seqs)
        self._counters["prefix_cached_tokens"] += prefix_len * len(seqs)
        tokens, ok = self._sample(seqs, prefilled.logits)
        for s in seqs:
            s.first_token_at = now
        if not all(ok):
            keep = [i for i, good in enumerate(ok) if good]
            if not keep:
                return
            prefilled, seqs = prefilled.select(keep), [seqs[i] for i in keep]
            tokens = tokens.index_select(0, torch.tensor(keep, dtype=torch.long, device=tokens.device))
        first = len(self._batch)
        reform_started = time.perf_counter()
        self._batch.merge(seqs, prefilled, tokens)
        self._seconds["reform"] += time.perf_counter() - reform_started
        self._after_sampling(first, tokens.tolist())

    def _decode(self) -> None:
        rows = list(self._batch.rows)
        started = time.perf_counter()
        try:
            logits = self._batch.decode()
        except Exception as exc:
            log.exception("engine.decode.failed batch=%d", len(rows))
            for s in rows:
                self._finish_error(s, f"decode step failed: {type(exc).__name__}: {exc}")
            self._batch.keep([])
            return
        self._counters["steps"] += 1
        self._seconds["decode"] += time.perf_counter() - started
        tokens, ok = self._sample(rows, logits)
        self._batch.set_next_tokens(tokens)
        self._after_sampling(0, tokens.tolist(), ok)

    def _sample(self, seqs: list[_Sequence], logits: torch.Tensor) -> tuple[torch.Tensor, list[bool]]:
        """Greedy rows by one argmax; sampled rows each with their own seeded generator, so a
        request's sample does not depend on what else is in the batch."""
        tokens = logits.argmax(dim=-1)
        ok = [True] * len(seqs)
        for i, s in enumerate(seqs):
            temperature = s.request.temperature
            if temperature <= 0:
                continue
            try:
                if s.generator is None:
                    s.generator = torch.Generator(device=logits.device)
                    s.generator.manual_seed(s.seed if s.seed is not None else 0)
                probs = torch.softmax(logits[i] / max(temperature, MIN_TEMPERATURE), dim=-1)
                tokens[i] = torch.multinomial(probs, 1, generator=s.generator)[0]
            except Exception as exc:
                ok[i] = False
                self._finish_error(s, f"sampling failed: {type(exc).__name__}: {exc}")
        return tokens, ok

    def _after_sampling(self, start: int, tokens: list[int], ok: list[bool] | None = None) -> None:
        """Record each row's new token, detect finishes, publish them and drop them from the batch."""
        started = time.perf_counter()
        rows = self._batch.rows
        keep: list[int] = list(range(start))
        for j, token in enumerate(tokens):
            i = start + j
            s = rows[i]
            if ok is not None and not ok[j]:
                continue  # already failed in _sample
            try:
                self._record_token(s, token)
            except Exception as exc:  # e.g. detokenisation: this request fails, the batch goes on
                log.exception("engine.token.failed request_id=%s", s.request.request_id)
                self._finish_error(s, f"token handling failed: {type(exc).__name__}: {exc}")
                continue
            if s.finish_reason is not None:
                self._finish(s)
            else:
                keep.append(i)
        reform_started = time.perf_counter()
        self._seconds["sample_and_detok"] += reform_started - started
        self._batch.keep(keep)
        self._seconds["reform"] += time.perf_counter() - reform_started

    def _record_token(self, s: _Sequence, token: int) -> None:
        """Append one sampled token; set finish_reason on EOS, a stop string or the token limit."""
        if s.first_token_at is None:
            s.first_token_at = time.perf_counter()
        if token in self.eos_token_ids:
            s.finish_reason = "stop"
            return
        s.completion_ids.append(token)
        delta = s.detok.add(token)
        if delta and s.request.stop:
            s.stop_at = find_stop(s.detok.text, len(delta), s.request.stop)
            if s.stop_at != -1:
                s.finish_reason = "stop"
                return
        if len(s.completion_ids) >= s.request.max_new_tokens:
            s.finish_reason = "length"

    # ------------------------------------------------------------------ results

    def _finish(self, s: _Sequence) -> None:
        self._scheduler.finish(s.seq_id)
        if s.stop_at == -1:
            s.detok.flush()
        raw = s.detok.text if s.stop_at == -1 else s.detok.text[: s.stop_at]
        text, thinking = split_thinking(raw)
        now = time.perf_counter()
        first = s.first_token_at if s.first_token_at is not None else now
        result = GenerationResult(
            request_id=s.request.request_id,
            text=text,
            raw_text=raw,
            thinking=thinking,
            prompt_tokens=len(s.prompt_ids),
            completion_tokens=len(s.completion_ids),
            latency_s=now - s.submitted_at,
            ttft_s=first - s.submitted_at,
            finish_reason=s.finish_reason or "stop",
            error=None,
            model_id=self.model_id,
            device=self.device,
            dtype=self.dtype,
            seed=s.seed,
            token_ids=list(s.completion_ids),
        )
        if s.seq_id > 0:
            self._counters["requests_finished"] += 1
            self._counters["prompt_tokens"] += len(s.prompt_ids)
            self._counters["completion_tokens"] += len(s.completion_ids)
        if not s.future.done():
            s.future.set_result(result)

    def _finish_error(self, s: _Sequence, error: str) -> None:
        self._scheduler.finish(s.seq_id)
        if s.seq_id > 0:
            self._counters["requests_failed"] += 1
        result = self._error_result(
            s.request,
            error,
            prompt_tokens=len(s.prompt_ids),
            completion_tokens=len(s.completion_ids),
            seed=s.seed,
            latency_s=time.perf_counter() - s.submitted_at,
        )
        if not s.future.done():
            s.future.set_result(result)

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
        for s in list(self._batch.rows):
            self._finish_error(s, error)
        self._batch.keep([])
        for s in list(self._waiting.values()):
            self._scheduler.drop_waiting(s.seq_id)
            self._finish_error(s, error)
        self._waiting.clear()
        while self._inbox:
            self._finish_error(self._inbox.popleft(), error)

    # ------------------------------------------------------------------ helpers

    def _decode_text(self, ids: Any) -> str:
        with self._tok_lock:
            text: str = self.tokenizer.decode(
                ids, skip_special_tokens=False, clean_up_tokenization_spaces=False
            )
        return text

    def _sample_rss(self, force: bool = False) -> None:
        now = time.perf_counter()
        if not force and now - self._last_rss_check < 0.25:
            return
        self._last_rss_check = now
        self._peak_rss = max(self._peak_rss, self._proc.memory_info().rss, _high_water_rss())


def _release_free_memory() -> None:
    """Give freed heap back to the OS when the loop goes idle (glibc keeps it after a burst: a worker
    that served 16 clients otherwise stays ~0.3 GB larger while idle). No-op off glibc."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def _high_water_rss() -> int:
    """This process's peak RSS from the kernel (Linux VmHWM), so short peaks between samples count.
    Not ru_maxrss: Linux carries that across fork+exec, so a worker spawned by a big parent would
    report the parent's peak."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _validate(request: GenerationRequest) -> None:
    if not isinstance(request.max_new_tokens, int) or request.max_new_tokens < 1:
        raise ValueError(f"max_new_tokens must be a positive int, got {request.max_new_tokens!r}")
    if (
        not isinstance(request.temperature, int | float)
        or not math.isfinite(request.temperature)
        or (request.temperature < 0)
    ):
        raise ValueError(f"temperature must be a finite number >= 0, got {request.temperature!r}")
    if not isinstance(request.stop, list) or not all(isinstance(s, str) for s in request.stop):
        raise ValueError("stop must be a list of strings")


def _eos_token_ids(model: Any, tokenizer: Any) -> set[int]:
    ids: set[int] = set()
    gen = getattr(model, "generation_config", None)
    for value in (
        getattr(gen, "eos_token_id", None),
        getattr(model.config, "eos_token_id", None),
        tokenizer.eos_token_id,
    ):
        if isinstance(value, int):
            ids.add(value)
        elif isinstance(value, list | tuple):
            ids.update(v for v in value if isinstance(v, int))
    return ids
