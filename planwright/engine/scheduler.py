"""Pure scheduling policy for the engine loop: who joins the running batch before the next step.

No torch here (vLLM's scheduler/engine split), so the policy is unit-tested without a model.
Policy: strict FIFO admission. The head of the queue is admitted when the batch has a free slot,
its worst-case tokens (prompt + max_new_tokens) fit the KV token budget, and its prompt fits this
step's prefill budget. Nobody overtakes a waiting request, so nothing starves. A prompt larger than the
prefill budget is prefilled alone in its step; a request larger than the KV budget runs when the
batch is empty, so every request that fits the model's context eventually runs.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True)
class SchedulerConfig:
    max_batch_size: int = 16
    max_batch_tokens: int = 16384  # worst-case KV tokens reserved by the running batch
    max_prefill_tokens: int = 2048  # prompt tokens prefilled between two decode steps

    def __post_init__(self) -> None:
        if self.max_batch_size < 1 or self.max_batch_tokens < 1 or self.max_prefill_tokens < 1:
            raise ValueError(f"scheduler limits must be positive: {self}")


@dataclass(frozen=True)
class SeqBudget:
    """What the scheduler knows about a sequence: its id and size, nothing model-specific."""

    seq_id: int
    prompt_tokens: int
    max_new_tokens: int

    @property
    def reserved_tokens(self) -> int:
        return self.prompt_tokens + self.max_new_tokens


class Scheduler:
    """Holds the waiting queue and the running set's budget; the loop asks it what to admit each step."""

    def __init__(self, config: SchedulerConfig) -> None:
        self.config = config
        self._waiting: deque[SeqBudget] = deque()
        self._running: dict[int, SeqBudget] = {}

    @property
    def num_waiting(self) -> int:
        return len(self._waiting)

    @property
    def num_running(self) -> int:
        return len(self._running)

    @property
    def reserved_tokens(self) -> int:
        return sum(s.reserved_tokens for s in self._running.values())

    def has_work(self) -> bool:
        return bool(self._waiting or self._running)

    def add(self, seq: SeqBudget) -> None:
        """Queue a sequence at the back (arrival order is admission order)."""
        self._waiting.append(seq)

    def schedule(self) -> list[SeqBudget]:
        """Admit from the head of the queue while everything fits; the admitted move to running."""
        cfg = self.config
        admitted: list[SeqBudget] = []
        reserved = self.reserved_tokens
        prefill = 0
        while self._waiting and len(self._running) < cfg.max_batch_size:
            head = self._waiting[0]
            first_in_step = not admitted
            fits_kv = reserved + head.reserved_tokens <= cfg.max_batch_tokens or (
                first_in_step and not self._running
            )
            fits_prefill = first_in_step or prefill + head.prompt_tokens <= cfg.max_prefill_tokens
            if not (fits_kv and fits_prefill):
                break  # strict FIFO: wait for room rather than let smaller requests overtake
            self._waiting.popleft()
            self._running[head.seq_id] = head
            admitted.append(head)
            reserved += head.reserved_tokens
            prefill += head.prompt_tokens
        return admitted

    def finish(self, seq_id: int) -> None:
        """Release a running sequence's budget (finished, stopped or failed)."""
        self._running.pop(seq_id, None)

    def drop_waiting(self, seq_id: int) -> bool:
        """Remove a queued sequence that will never run (e.g. cancelled); True if it was queued."""
        for i, seq in enumerate(self._waiting):
            if seq.seq_id == seq_id:
                del self._waiting[i]
                return True
        return False
