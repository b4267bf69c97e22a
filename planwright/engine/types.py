"""The engine's request/result records: plain dataclasses so callers need no torch to build them."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field


@dataclass
class GenerationRequest:
    """One chat completion; the engine applies the tokenizer's chat template with a generation prompt."""

    messages: list[dict[str, str]]
    max_new_tokens: int = 128
    stop: list[str] = field(default_factory=list)
    temperature: float = 0.0  # 0 = greedy
    seed: int | None = None  # None: the engine's default seed (settings.model_seed)
    request_id: str = ""  # free-form, echoed back


@dataclass
class GenerationResult:
    """What came back, with enough timing and provenance to audit a generated plan later."""

    request_id: str
    text: str  # <think>…</think> stripped, stop string removed, surrounding whitespace stripped
    raw_text: str  # everything the model produced (stop string removed)
    thinking: str | None
    prompt_tokens: int
    completion_tokens: int
    latency_s: float  # submit → finished
    ttft_s: float  # submit → first token sampled
    finish_reason: str  # "stop" | "length" | "error"
    error: str | None
    model_id: str
    device: str
    dtype: str
    seed: int | None
    token_ids: list[int] = field(default_factory=list)  # completion tokens (EOS excluded), for audits/tests
    # True when no model could be reached at all (a server backend that is down): the plan then fails
    # with this result's error instead of quietly keeping skeletons.
    unavailable: bool = False


class PromptTooLong(ValueError):
    """Prompt tokens + max_new_tokens exceed the context: the caller cuts by its own rules, never the engine."""

    def __init__(self, prompt_tokens: int, max_new_tokens: int, context_length: int) -> None:
        self.prompt_tokens = prompt_tokens
        self.max_new_tokens = max_new_tokens
        self.context_length = context_length
        super().__init__(
            f"prompt has {prompt_tokens} tokens + max_new_tokens {max_new_tokens} "
            f"> context length {context_length}"
        )


def validate_request(request: GenerationRequest) -> None:
    """Refuse a malformed request before it costs any model time (every backend checks the same)."""
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


def results_in_order(
    requests: Sequence[GenerationRequest],
    futures: Sequence[Future[GenerationResult]],
    error_result: Callable[[GenerationRequest, str], GenerationResult],
) -> list[GenerationResult]:
    """Wait for every future in request order; a future that raised becomes that request's error result,
    so one bad request never hides the others' answers (every backend's `generate` ends here)."""
    results = []
    for request, future in zip(requests, futures, strict=True):
        try:
            results.append(future.result())
        except Exception as exc:
            results.append(error_result(request, f"{type(exc).__name__}: {exc}"))
    return results
