"""The engine's request/result records: plain dataclasses so callers need no torch to build them."""

from __future__ import annotations

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
