"""One request in flight, shared by the loop (futures, budget) and the runner (tokens, sampling).

A plain record without torch at run time, so the engine loop and the model runner can both hold it
without importing each other.
"""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from planwright.engine.scheduler import SeqBudget
from planwright.engine.text import IncrementalDetokenizer
from planwright.engine.types import GenerationRequest, GenerationResult

if TYPE_CHECKING:
    import torch


@dataclass(eq=False)
class RequestState:
    """Made by submit(); after it is handed over, only the loop thread (and the runner it calls) touch it."""

    seq_id: int  # negative for warm-up requests, which stay out of the served counters
    request: GenerationRequest
    future: Future[GenerationResult]
    prompt_ids: list[int]
    seed: int | None
    submitted_at: float
    detok: IncrementalDetokenizer
    prefix_len: int = 0  # leading prompt tokens shared with other requests (prefix cache)
    generator: torch.Generator | None = None  # sampled rows only, seeded on first use
    first_token_at: float | None = None
    finished_at: float | None = None
    finish_reason: str | None = None
    stop_at: int = -1  # char index where a stop string begins
    error: str | None = None
    completion_ids: list[int] = field(default_factory=list)

    @property
    def budget(self) -> SeqBudget:
        return SeqBudget(self.seq_id, len(self.prompt_ids), self.request.max_new_tokens)

    @property
    def counted(self) -> bool:
        """Served requests count in stats(); the warm-up's do not."""
        return self.seq_id > 0

    @property
    def raw_text(self) -> str:
        """Everything decoded so far, cut where a stop string began."""
        text = self.detok.text
        return text if self.stop_at == -1 else text[: self.stop_at]
