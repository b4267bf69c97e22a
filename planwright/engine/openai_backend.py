"""MODEL_BACKEND=openai: the model runs in an OpenAI-compatible server (vLLM, Ollama, llama-server, TGI).

Same surface as the embedded engine (`ModelBackend`): `submit()` returns a Future that always resolves
to a GenerationResult, never hangs past MODEL_REQUEST_TIMEOUT_S and never raises for a server that is
slow, busy or gone; such a request comes back as an error result saying what to do. Requests run on a
bounded pool (MODEL_MAX_CONCURRENCY), so a plan of 200 prompts keeps at most that many in the server.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_futures
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx

from planwright import metrics
from planwright.engine.text import split_thinking
from planwright.engine.token_count import EstimateCounter, LocalCounter, ServerCounter, TokenCounter
from planwright.engine.types import (
    GenerationRequest,
    GenerationResult,
    PromptTooLong,
    results_in_order,
    validate_request,
)

if TYPE_CHECKING:
    from planwright.settings import Settings

log = logging.getLogger("planwright.engine.openai")

RETRY_STATUSES = frozenset({408, 409, 425, 429, 500, 502, 503, 504})
FALLBACK_CONTEXT = 2048  # a server that does not say its context (Ollama's /v1) gets Ollama's default
CONNECT_TIMEOUT_S = 5.0
MAX_BACKOFF_S = 8.0
REDESCRIBE_AFTER_S = 10.0  # a server that did not answer at start is asked about itself again after this


class OpenAIBackend:
    """Chat completions over HTTP with retries, backoff, a deadline per request and bounded concurrency."""

    backend = "openai"

    def __init__(
        self,
        base_url: str,
        *,
        model_name: str | None = None,
        api_key: str | None = None,
        max_concurrency: int = 16,
        request_timeout_s: float = 120.0,
        max_retries: int = 3,
        backoff_s: float = 0.5,
        default_seed: int | None = 0,
        token_counter: TokenCounter | None = None,
        context_length: int | None = None,
    ) -> None:
        self._created_at = time.perf_counter()
        self.base_url = base_url.rstrip("/")
        self.model_name = model_name
        self.model_id = model_name or "unknown"
        self.api_key = api_key
        self.max_concurrency = max(1, max_concurrency)
        self.request_timeout_s = request_timeout_s
        self.max_retries = max(0, max_retries)
        self.backoff_s = backoff_s
        self.default_seed = default_seed
        self.context_length = context_length or FALLBACK_CONTEXT
        self._context_known = context_length is not None
        self._counter: TokenCounter | None = token_counter
        self.device = f"server {urlsplit(self.base_url).netloc or self.base_url}"
        self.dtype = "server"
        self.load_seconds = 0.0
        self.ready_seconds: float | None = None
        self.ready = threading.Event()
        self._client: httpx.Client | None = None
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()
        self._pending: dict[Future[GenerationResult], GenerationRequest] = {}
        self._accepting = False
        self._abort = False
        self._server_answers = True  # False after a connection error, until a request succeeds
        self._described = False
        self._described_tried_at = time.monotonic()
        # Requests in the server at once: MODEL_MAX_CONCURRENCY, or fewer where the server says it has
        # fewer slots (llama-server's /props). Beyond its slots a server queues requests while their
        # deadline runs; here they wait with the clock stopped.
        self.server_slots: int | None = None
        self._in_server = threading.BoundedSemaphore(self.max_concurrency)
        self._counters = {
            "requests_finished": 0,
            "requests_failed": 0,
            "prompt_tokens": 0,
            "completion_tokens": 0,
            "retries": 0,
            "running": 0,
        }

    @classmethod
    def from_settings(cls, settings: Settings) -> OpenAIBackend:
        """MODEL_BASE_URL and friends; the model's own tokenizer when MODEL_PATH points at it."""
        if not settings.model_base_url:
            raise ValueError("MODEL_BACKEND=openai needs MODEL_BASE_URL (e.g. http://vllm:8000/v1)")
        counter: TokenCounter | None = None
        if settings.model_path:
            from planwright.engine.loading import resolve_model

            counter = LocalCounter.from_folder(resolve_model(settings).path)
        return cls(settings.model_base_url, token_counter=counter, **_server_options(settings))

    # ------------------------------------------------------------------ lifecycle

    @property
    def root_url(self) -> str:
        """The server's root (where /health and /tokenize live): the API root without its /v1."""
        return self.base_url[: -len("/v1")] if self.base_url.endswith("/v1") else self.base_url

    def start(self) -> None:
        """Open the connection pool and learn the model, context and tokenizer from the server. A server
        that is not up yet is not fatal: requests fail with a clear reason until it answers."""
        if self._client is not None:
            return
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        limits = httpx.Limits(
            max_connections=self.max_concurrency + 4, max_keepalive_connections=self.max_concurrency
        )
        self._client = httpx.Client(headers=headers, limits=limits, timeout=self.request_timeout_s)
        self._pool = ThreadPoolExecutor(
            max_workers=self.max_concurrency, thread_name_prefix=f"{self.backend}-req"
        )
        self._accepting, self._abort = True, False
        if not self._describe_server():
            log.warning(
                "%s.server.unreachable base_url=%s (requests fail until it answers)",
                self.backend,
                self.base_url,
            )
        self.ready_seconds = time.perf_counter() - self._created_at
        self.ready.set()
        log.info(
            "%s.ready base_url=%s model=%s context=%s tokens=%s",
            self.backend,
            self.base_url,
            self.model_id,
            self.context_length,
            self.token_counter_kind,
        )

    def stop(self, drain: bool = True, timeout: float = 60) -> None:
        """Refuse new requests; with drain, wait (up to `timeout`) for those in flight, else fail them."""
        with self._lock:
            self._accepting = False
            self._abort = not drain
            pending = dict(self._pending)
        if drain and pending:
            wait_futures(list(pending), timeout=timeout)
        for future, request in pending.items():
            _resolve(future, self._error_result(request, "backend stopped before this request finished"))
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
        if self._client is not None:
            self._client.close()
            self._client = None
        self.ready.clear()

    def _describe_server(self) -> bool:
        """Model id, context length and the best token counter, from what the server says about itself."""
        client = self._require_client()
        try:
            listing = client.get(f"{self.base_url}/models", timeout=CONNECT_TIMEOUT_S)
            listing.raise_for_status()
        except httpx.HTTPError:
            return False
        models = listing.json().get("data") or []
        chosen = next((m for m in models if m.get("id") == self.model_name), models[0] if models else {})
        if not self.model_name and chosen.get("id"):
            self.model_id = str(chosen["id"])
        props = self._props()
        if not self._context_known:
            # vLLM lists it with the model; llama-server in /props
            context = chosen.get("max_model_len") or (props.get("default_generation_settings") or {}).get(
                "n_ctx"
            )
            if isinstance(context, int) and context > 0:
                self.context_length, self._context_known = context, True
        slots = props.get("total_slots")
        if isinstance(slots, int) and 0 < slots < self.max_concurrency and slots != self.server_slots:
            self.server_slots = slots
            self._in_server = threading.BoundedSemaphore(slots)
        if self._counter is None:
            self._counter = ServerCounter.probe(client, self.root_url, self.model_id)
        self._described = True
        return True

    def _props(self) -> dict[str, Any]:
        """llama-server's /props (context, slots); {} from servers without it."""
        try:
            props = self._require_client().get(f"{self.root_url}/props", timeout=CONNECT_TIMEOUT_S)
        except httpx.HTTPError:
            return {}
        if props.status_code != 200:
            return {}
        try:
            data = props.json()
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}

    def _require_client(self) -> httpx.Client:
        if self._client is None:
            raise RuntimeError(f"{self.backend} backend is not started")
        return self._client

    # ------------------------------------------------------------------ tokens

    @property
    def token_counter_kind(self) -> str:
        return self._counter.kind if self._counter is not None else EstimateCounter.kind

    def _token_counter(self) -> TokenCounter:
        now = time.monotonic()
        if self._counter is None and not self._described and self._client is not None:
            if now - self._described_tried_at > REDESCRIBE_AFTER_S:  # an unroutable host costs 5 s a try
                self._described_tried_at = now
                self._describe_server()  # the server came up after start()
        return self._counter or EstimateCounter()

    def count_tokens(self, text: str) -> int:
        """Plain-text size: the model's tokenizer where we can reach it, else chars/3 (pessimistic)."""
        try:
            return self._token_counter().count_tokens(text)
        except httpx.HTTPError:
            return EstimateCounter().count_tokens(text)

    def count_prompt_tokens(self, messages: list[dict[str, str]]) -> int:
        """Chat-templated prompt size, for the context check before a request is sent."""
        try:
            return self._token_counter().count_prompt_tokens(messages)
        except httpx.HTTPError:
            return EstimateCounter().count_prompt_tokens(messages)

    def _exact_prompt_tokens(self, messages: list[dict[str, str]]) -> int | None:
        """A count good enough to refuse a request on; None when only an estimate is possible."""
        counter = self._token_counter()
        if counter.kind == EstimateCounter.kind or not self._context_known:
            return None
        try:
            return counter.count_prompt_tokens(messages)
        except httpx.HTTPError:
            return None

    # ------------------------------------------------------------------ requests

    def submit(self, request: GenerationRequest) -> Future[GenerationResult]:
        """Queue a request from any thread. Raises PromptTooLong (nothing sent) and RuntimeError after
        stop(); any other problem, the server's included, resolves the Future with an error result."""
        if not self._accepting or self._pool is None:
            raise RuntimeError(f"{self.backend} backend is not running")
        future: Future[GenerationResult] = Future()
        future.set_running_or_notify_cancel()
        submitted_at = time.perf_counter()
        try:
            validate_request(request)
        except Exception as exc:  # bad input: this request's Future only
            future.set_exception(exc)
            return future
        prompt_tokens = self._exact_prompt_tokens(request.messages)
        if prompt_tokens is not None and prompt_tokens + request.max_new_tokens > self.context_length:
            raise PromptTooLong(prompt_tokens, request.max_new_tokens, self.context_length)
        with self._lock:
            if not self._accepting:
                raise RuntimeError(f"{self.backend} backend is stopping")
            self._pending[future] = request
            self._pool.submit(self._run, request, future, submitted_at)
        return future

    def generate(self, requests: list[GenerationRequest]) -> list[GenerationResult]:
        """Submit all, wait, return in order; PromptTooLong is raised before anything is sent."""
        for r in requests:
            n = self._exact_prompt_tokens(r.messages)
            if n is not None and n + r.max_new_tokens > self.context_length:
                raise PromptTooLong(n, r.max_new_tokens, self.context_length)
        return results_in_order(requests, [self.submit(r) for r in requests], self._error_result)

    def _run(self, request: GenerationRequest, future: Future[GenerationResult], submitted_at: float) -> None:
        slots = self._in_server  # replaced when the server tells its slots: release the one taken
        with slots:
            if self._abort:  # also after waiting for a slot: stop() came meanwhile
                result = self._error_result(request, "backend stopped before this request finished")
            else:
                with self._lock:
                    self._counters["running"] += 1
                    metrics.ENGINE_BATCH_SIZE.observe(self._counters["running"])
                metrics.ENGINE_QUEUE_WAIT.observe(time.perf_counter() - submitted_at)
                try:
                    result = self._complete(request, submitted_at)
                except Exception as exc:  # a bug here must still resolve the caller's Future
                    log.exception("%s.request.crashed", self.backend)
                    result = self._error_result(request, f"{type(exc).__name__}: {exc}")
                finally:
                    with self._lock:
                        self._counters["running"] -= 1
        with self._lock:
            self._pending.pop(future, None)
            key = "requests_failed" if result.error else "requests_finished"
            self._counters[key] += 1
            self._counters["prompt_tokens"] += result.prompt_tokens
            self._counters["completion_tokens"] += result.completion_tokens
        _resolve(future, result)

    def _complete(self, request: GenerationRequest, submitted_at: float) -> GenerationResult:
        """One chat completion with retries and backoff, inside the request's deadline. The deadline
        starts when the request is sent, not when it was queued behind this backend's other requests
        (a plan queues 20-200 at once; the plan's own deadline bounds the whole)."""
        seed = request.seed if request.seed is not None else self.default_seed
        body: dict[str, Any] = {
            "model": self.model_name or self.model_id,
            "messages": request.messages,
            "max_tokens": request.max_new_tokens,
            "temperature": request.temperature,
        }
        if seed is not None:
            body["seed"] = seed
        if request.stop:
            body["stop"] = request.stop
        deadline = time.perf_counter() + self.request_timeout_s
        retries = self.max_retries if self._server_answers else min(1, self.max_retries)
        attempt, problem, unreachable = 0, "", False
        while True:
            left = deadline - time.perf_counter()
            if left <= 0:
                return self._error_result(
                    request,
                    f"{problem or 'no answer'}; gave up after {self.request_timeout_s:.0f} s "
                    f"(MODEL_REQUEST_TIMEOUT_S){self._hint() if unreachable else ''}",
                    seed=seed,
                    latency_s=time.perf_counter() - submitted_at,
                    unavailable=unreachable,
                )
            retry_after: float | None = None
            try:
                response = self._require_client().post(
                    f"{self.base_url}/chat/completions",
                    json=body,
                    timeout=httpx.Timeout(left, connect=min(CONNECT_TIMEOUT_S, left)),
                )
            except httpx.TimeoutException as exc:
                problem, unreachable = f"model server timed out: {type(exc).__name__}", False
            except (httpx.TransportError, RuntimeError) as exc:  # refused, reset, closed mid-answer
                problem, unreachable = (
                    f"model server {self.base_url} unreachable: {type(exc).__name__}: {exc}",
                    True,
                )
                self._server_answers = False
            else:
                if response.status_code == 200:
                    self._server_answers = True
                    return self._parse(request, response.json(), seed, submitted_at)
                problem = f"model server answered HTTP {response.status_code}: {response.text[:300]}"
                unreachable = False
                if response.status_code not in RETRY_STATUSES:
                    return self._error_result(
                        request, problem, seed=seed, latency_s=time.perf_counter() - submitted_at
                    )
                retry_after = _retry_after(response)
            if attempt >= retries:
                return self._error_result(
                    request,
                    f"{problem} (after {attempt + 1} tries){self._hint() if unreachable else ''}",
                    seed=seed,
                    latency_s=time.perf_counter() - submitted_at,
                    unavailable=unreachable,
                )
            pause = (
                retry_after if retry_after is not None else min(self.backoff_s * 2**attempt, MAX_BACKOFF_S)
            )
            time.sleep(max(0.0, min(pause, deadline - time.perf_counter())))
            attempt += 1
            with self._lock:
                self._counters["retries"] += 1

    def _hint(self) -> str:
        return ". Start the model server, or set MODEL_BASE_URL to where it listens"

    def _parse(
        self, request: GenerationRequest, data: dict[str, Any], seed: int | None, submitted_at: float
    ) -> GenerationResult:
        latency = time.perf_counter() - submitted_at
        choice = (data.get("choices") or [{}])[0]
        message = choice.get("message") or {}
        raw = message.get("content") or ""
        text, thinking = split_thinking(raw)
        # vLLM's reasoning parsers and Ollama hand the reasoning back beside the answer, not inside it.
        reasoning = message.get("reasoning_content") or message.get("reasoning")
        if thinking is None and isinstance(reasoning, str) and reasoning.strip():
            thinking = reasoning.strip()
        usage = data.get("usage") or {}
        timings = data.get("timings") or {}  # llama-server: how long decoding took, so TTFT is known
        decode_s = float(timings.get("predicted_ms", 0.0)) / 1000.0
        return GenerationResult(
            request_id=request.request_id,
            text=text,
            raw_text=raw,
            thinking=thinking,
            prompt_tokens=int(usage.get("prompt_tokens") or 0),
            completion_tokens=int(usage.get("completion_tokens") or 0),
            latency_s=latency,
            ttft_s=max(0.0, latency - decode_s) if decode_s else latency,
            finish_reason="length" if choice.get("finish_reason") == "length" else "stop",
            error=None,
            model_id=str(data.get("model") or self.model_id),
            device=self.device,
            dtype=self.dtype,
            seed=seed,
        )

    def _error_result(
        self,
        request: GenerationRequest,
        error: str,
        *,
        seed: int | None = None,
        latency_s: float = 0.0,
        unavailable: bool = False,
    ) -> GenerationResult:
        return GenerationResult(
            request_id=request.request_id,
            text="",
            raw_text="",
            thinking=None,
            prompt_tokens=0,
            completion_tokens=0,
            latency_s=latency_s,
            ttft_s=latency_s,
            finish_reason="error",
            error=error,
            model_id=self.model_id,
            device=self.device,
            dtype=self.dtype,
            seed=seed if seed is not None else request.seed,
            unavailable=unavailable,
        )

    # ------------------------------------------------------------------ reporting

    def stats(self) -> dict[str, Any]:
        """Counters for /readyz, metrics and benchmarks, shaped like the embedded engine's."""
        with self._lock:
            counters = dict(self._counters)
            queued = len(self._pending) - counters["running"]
        return {
            **counters,
            "queue_depth": max(0, queued),
            "backend": self.backend,
            "base_url": self.base_url,
            "model_id": self.model_id,
            "device": self.device,
            "dtype": self.dtype,
            "context_length": self.context_length,
            "token_counter": self.token_counter_kind,
            "max_concurrency": self.max_concurrency,
            "server_slots": self.server_slots,
            "load_seconds": round(self.load_seconds, 3),
            "ready_seconds": None if self.ready_seconds is None else round(self.ready_seconds, 3),
            "ready": self.ready.is_set(),
            "accepting": self._accepting,
        }

    def health(self) -> dict[str, Any]:
        """Does the server answer now? /health (llama-server, vLLM, TGI), else the model list (Ollama)."""
        report: dict[str, Any] = {
            "backend": self.backend,
            "base_url": self.base_url,
            "model_id": self.model_id,
        }
        if self._client is None:
            return {**report, "ok": False, "error": f"{self.backend} backend is not started"}
        try:
            response = self._client.get(f"{self.root_url}/health", timeout=2)
            if response.status_code == 404:
                response = self._client.get(f"{self.base_url}/models", timeout=2)
        except httpx.HTTPError as exc:
            return {
                **report,
                "ok": False,
                "error": f"model server unreachable: {type(exc).__name__}: {exc}"[:300],
            }
        if response.status_code != 200:
            return {**report, "ok": False, "error": f"model server answered HTTP {response.status_code}"}
        if not self._described:
            self._describe_server()
        return {**report, "ok": True}


def _server_options(settings: Settings) -> dict[str, Any]:
    """The constructor arguments every server backend takes from the settings."""
    return {
        "model_name": settings.model_name,
        "api_key": settings.model_api_key.get_secret_value() if settings.model_api_key else None,
        "max_concurrency": settings.model_max_concurrency,
        "request_timeout_s": settings.model_request_timeout_s,
        "max_retries": settings.model_max_retries,
        "default_seed": settings.model_seed,
    }


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    try:
        return min(float(value), MAX_BACKOFF_S) if value is not None else None
    except ValueError:
        return None


def _resolve(future: Future[GenerationResult], result: GenerationResult) -> None:
    """Set the result unless stop() already failed this request (first answer wins)."""
    try:
        future.set_result(result)
    except Exception:  # InvalidStateError: already resolved
        pass
