"""The model runner: owns the model, the tokenizer and the running batch's KV, and does one step.

    step(admitted) = prefill the admitted (one mini-batch per shared prefix) + sample their first
                     tokens + one decode step of the whole batch + sample + EOS / stop / length

It decides nothing about who runs (the scheduler does) and resolves no futures (the engine loop
does): it hands back the requests that finished or failed in the step. Only the loop thread calls
step(); the tokenizer helpers may be called from any thread.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import torch

from planwright.engine.batch import PaddedBatch, PrefillOutput, PrefixCache
from planwright.engine.loading import context_length
from planwright.engine.request_state import RequestState
from planwright.engine.text import find_stop

log = logging.getLogger("planwright.engine")

MIN_PREFIX_TOKENS = 16  # shorter shared prefixes are not worth a cache entry
MIN_TEMPERATURE = 1e-4  # below this, logits / T overflows float32
_SPLIT = "\x00planwright-split\x00"


class ModelRunner:
    """One locally loaded causal LM behind a padded, continuously re-formed batch."""

    def __init__(self, model: Any, tokenizer: Any, device: str, *, prefix_cache_entries: int) -> None:
        self.model = model
        self.tokenizer = tokenizer
        self.context_length = context_length(model.config, tokenizer)
        self.eos_token_ids = eos_token_ids(model, tokenizer)
        pad = (
            tokenizer.pad_token_id
            if tokenizer.pad_token_id is not None
            else min(self.eos_token_ids, default=0)
        )
        self.prefix_cache = PrefixCache(max_entries=prefix_cache_entries)
        self.batch = PaddedBatch(model, device, pad, self.prefix_cache)
        # Fast tokenizers are Rust objects that raise "Already borrowed" if two threads touch one while
        # its settings change; callers' threads encode while the loop decodes, so they take turns.
        self._tok_lock = threading.Lock()
        self._finished: list[RequestState] = []
        self.counters = {"steps": 0, "prefills": 0, "prefill_tokens": 0, "prefix_cached_tokens": 0}
        self.seconds = {"prefill": 0.0, "decode": 0.0, "sample_and_detok": 0.0, "reform": 0.0}

    # ------------------------------------------------------------------ tokenizer (any thread)

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

    def count_tokens(self, text: str) -> int:
        """Plain-text size with this model's tokenizer."""
        with self._tok_lock:
            ids: list[int] = self.tokenizer(text, add_special_tokens=False)["input_ids"]
        return len(ids)

    def decode_text(self, ids: Any) -> str:
        """Token ids to text as the model wrote them (special tokens and spacing kept)."""
        with self._tok_lock:
            text: str = self.tokenizer.decode(
                ids, skip_special_tokens=False, clean_up_tokenization_spaces=False
            )
        return text

    # ------------------------------------------------------------------ one step (loop thread)

    def __len__(self) -> int:
        return len(self.batch)

    def step(self, admitted: list[RequestState]) -> list[RequestState]:
        """Prefill the admitted and decode the batch once; the requests that finished or failed in
        this step (finish_reason or error set, finished_at stamped) come back, already out of the batch."""
        if admitted:
            self._prefill(admitted)
        if len(self.batch):
            self._decode()
        return self.take_finished()

    def take_finished(self) -> list[RequestState]:
        """Finished requests not handed back yet (after a step that raised, the loop collects them)."""
        done, self._finished = self._finished, []
        return done

    def reset(self) -> None:
        """Drop every running row and its KV (the loop fails their requests)."""
        self.batch.keep([])

    def _prefill(self, seqs: list[RequestState]) -> None:
        """Prefill newcomers, one mini-batch per shared prefix, sample their first tokens, merge them."""
        groups: dict[tuple[int, ...], list[RequestState]] = {}
        for s in seqs:
            groups.setdefault(tuple(s.prompt_ids[: s.prefix_len]), []).append(s)
        for prefix, group in groups.items():
            self._prefill_group(group, len(prefix))

    def _prefill_group(self, seqs: list[RequestState], prefix_len: int) -> None:
        started = time.perf_counter()
        try:
            prefilled: PrefillOutput = self.batch.prefill([s.prompt_ids for s in seqs], prefix_len)
        except Exception as exc:  # the newcomers fail; the running batch was not touched
            log.exception("engine.prefill.failed")
            for s in seqs:
                self._fail(s, f"prefill failed: {type(exc).__name__}: {exc}")
            return
        now = time.perf_counter()
        self.seconds["prefill"] += now - started
        self.counters["prefills"] += 1
        self.counters["prefill_tokens"] += sum(len(s.prompt_ids) - prefix_len for s in seqs)
        self.counters["prefix_cached_tokens"] += prefix_len * len(seqs)
        tokens, ok = self._sample(seqs, prefilled.logits)
        for s in seqs:
            s.first_token_at = now
        if not all(ok):
            keep = [i for i, good in enumerate(ok) if good]
            if not keep:
                return
            prefilled, seqs = prefilled.select(keep), [seqs[i] for i in keep]
            tokens = tokens.index_select(0, torch.tensor(keep, dtype=torch.long, device=tokens.device))
        first = len(self.batch)
        reform_started = time.perf_counter()
        self.batch.merge(seqs, prefilled, tokens)
        self.seconds["reform"] += time.perf_counter() - reform_started
        self._after_sampling(first, tokens.tolist())

    def _decode(self) -> None:
        rows: list[RequestState] = list(self.batch.rows)
        started = time.perf_counter()
        try:
            logits = self.batch.decode()
        except Exception as exc:
            log.exception("engine.decode.failed batch=%d", len(rows))
            for s in rows:
                self._fail(s, f"decode step failed: {type(exc).__name__}: {exc}")
            self.batch.keep([])
            return
        self.counters["steps"] += 1
        self.seconds["decode"] += time.perf_counter() - started
        tokens, ok = self._sample(rows, logits)
        self.batch.set_next_tokens(tokens)
        self._after_sampling(0, tokens.tolist(), ok)

    def _sample(self, seqs: list[RequestState], logits: torch.Tensor) -> tuple[torch.Tensor, list[bool]]:
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
                self._fail(s, f"sampling failed: {type(exc).__name__}: {exc}")
        return tokens, ok

    def _after_sampling(self, start: int, tokens: list[int], ok: list[bool] | None = None) -> None:
        """Record each row's new token, detect finishes and drop them from the batch."""
        started = time.perf_counter()
        rows: list[RequestState] = self.batch.rows
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
                self._fail(s, f"token handling failed: {type(exc).__name__}: {exc}")
                continue
            if s.finish_reason is not None:
                self._finish(s)
            else:
                keep.append(i)
        reform_started = time.perf_counter()
        self.seconds["sample_and_detok"] += reform_started - started
        self.batch.keep(keep)
        self.seconds["reform"] += time.perf_counter() - reform_started

    def _record_token(self, s: RequestState, token: int) -> None:
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

    def _finish(self, s: RequestState) -> None:
        if s.stop_at == -1:
            s.detok.flush()  # text held back for an incomplete character
        s.finished_at = time.perf_counter()
        self._finished.append(s)

    def _fail(self, s: RequestState, error: str) -> None:
        s.error = error
        s.finished_at = time.perf_counter()
        self._finished.append(s)


def eos_token_ids(model: Any, tokenizer: Any) -> set[int]:
    """Every id that ends an answer: the generation config's, the model config's and the tokenizer's."""
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
