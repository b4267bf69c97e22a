"""The running batch as one left-padded tensor batch whose KV cache is re-formed between steps.

Every row's tokens end at the same (last) column, so one decode step feeds one token per row with a
2D attention mask marking the left padding. Finished rows are dropped by indexing the cache's batch
dimension; newcomers are prefilled as their own left-padded mini-batch, then both caches are padded
on the left to a common length and concatenated. Leading columns that no row uses any more are
trimmed, so a long-finished long prompt does not keep costing attention. bench/RESULTS.md compares
this with running each sequence with its own cache (one forward per sequence per step).
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any

import torch


def cache_kwarg_name(model: Any) -> str:
    """transformers 5 renamed `past_key_values` to `cache`; accept either."""
    params = inspect.signature(model.forward).parameters
    return "cache" if "cache" in params else "past_key_values"


def _layers_kv(cache: Any) -> list[Any]:
    layers = getattr(cache, "layers", None)
    if layers is None:
        raise RuntimeError("this transformers version's cache has no `.layers`; transformers>=5 is required")
    return list(layers)


@dataclass
class PrefillOutput:
    """A prefilled mini-batch, not yet merged: its logits are sampled first, then it joins the batch."""

    logits: torch.Tensor  # [k, vocab] float32, last prompt position
    cache: Any
    mask: torch.Tensor  # [k, Lp]
    lengths: torch.Tensor  # [k] real tokens per row


class PaddedBatch:
    """Tensor state of the running rows; row i of every tensor belongs to `rows[i]` (owned by the loop)."""

    def __init__(self, model: Any, device: str, pad_token_id: int) -> None:
        self.model = model
        self.device = torch.device(device)
        self.pad_token_id = pad_token_id
        self.cache_kwarg = cache_kwarg_name(model)
        self.rows: list[Any] = []
        self.cache: Any = None
        self.mask: torch.Tensor | None = None  # [B, L] 1 = real token in the cache, 0 = padding
        self.lengths: torch.Tensor | None = None  # [B] real tokens in the cache = next position id
        self.next_tokens: torch.Tensor | None = None  # [B] sampled, not yet in the cache

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def width(self) -> int:
        return 0 if self.mask is None else int(self.mask.shape[1])

    def _new_cache(self) -> Any:
        from transformers import DynamicCache

        # No config: every layer a plain full-length DynamicLayer, which is what re-forming relies on.
        return DynamicCache()

    def prefill(self, prompts: list[list[int]]) -> PrefillOutput:
        """Run the prompts as one left-padded mini-batch; nothing in the running batch changes."""
        k = len(prompts)
        width = max(len(p) for p in prompts)
        ids = torch.full((k, width), self.pad_token_id, dtype=torch.long)
        mask = torch.zeros((k, width), dtype=torch.long)
        for i, prompt in enumerate(prompts):
            ids[i, width - len(prompt) :] = torch.tensor(prompt, dtype=torch.long)
            mask[i, width - len(prompt) :] = 1
        positions = (mask.cumsum(-1) - 1).clamp(min=0)
        ids, mask, positions = ids.to(self.device), mask.to(self.device), positions.to(self.device)
        cache = self._new_cache()
        out = self.model(
            input_ids=ids,
            attention_mask=mask,
            position_ids=positions,
            use_cache=True,
            logits_to_keep=1,
            **{self.cache_kwarg: cache},
        )
        lengths = mask.sum(-1)
        return PrefillOutput(logits=out.logits[:, -1, :].float(), cache=cache, mask=mask, lengths=lengths)

    def merge(self, rows: list[Any], prefilled: PrefillOutput, first_tokens: torch.Tensor) -> None:
        """Add prefilled rows (whose first token is sampled) to the running batch."""
        if not self.rows:
            self.rows = list(rows)
            self.cache, self.mask, self.lengths = prefilled.cache, prefilled.mask, prefilled.lengths
            self.next_tokens = first_tokens
            return
        assert self.mask is not None and self.lengths is not None and self.next_tokens is not None
        old_w, new_w = self.width, int(prefilled.mask.shape[1])
        width = max(old_w, new_w)
        for old_layer, new_layer in zip(_layers_kv(self.cache), _layers_kv(prefilled.cache), strict=True):
            old_layer.keys = torch.cat([_pad_left(old_layer.keys, width), _pad_left(new_layer.keys, width)])
            old_layer.values = torch.cat(
                [_pad_left(old_layer.values, width), _pad_left(new_layer.values, width)]
            )
        self.mask = torch.cat([_pad_left(self.mask, width, dim=1), _pad_left(prefilled.mask, width, dim=1)])
        self.lengths = torch.cat([self.lengths, prefilled.lengths])
        self.next_tokens = torch.cat([self.next_tokens, first_tokens])
        self.rows.extend(rows)

    def decode(self) -> torch.Tensor:
        """One step: feed every row's pending token; return next-token logits [B, vocab] float32."""
        assert self.mask is not None and self.lengths is not None and self.next_tokens is not None
        batch = len(self.rows)
        mask = torch.cat([self.mask, torch.ones((batch, 1), dtype=self.mask.dtype, device=self.device)], 1)
        out = self.model(
            input_ids=self.next_tokens.view(batch, 1),
            attention_mask=mask,
            position_ids=self.lengths.view(batch, 1),
            use_cache=True,
            logits_to_keep=1,
            **{self.cache_kwarg: self.cache},
        )
        self.mask = mask
        self.lengths = self.lengths + 1
        return out.logits[:, -1, :].float()

    def set_next_tokens(self, tokens: torch.Tensor) -> None:
        self.next_tokens = tokens

    def keep(self, keep_idx: list[int]) -> None:
        """Keep only these rows (in this order); trim columns no remaining row uses."""
        if len(keep_idx) == len(self.rows):
            return
        if not keep_idx:
            self.rows, self.cache, self.mask, self.lengths, self.next_tokens = [], None, None, None, None
            return
        assert self.mask is not None and self.lengths is not None and self.next_tokens is not None
        idx = torch.tensor(keep_idx, dtype=torch.long, device=self.device)
        self.rows = [self.rows[i] for i in keep_idx]
        self.lengths = self.lengths.index_select(0, idx)
        self.next_tokens = self.next_tokens.index_select(0, idx)
        mask = self.mask.index_select(0, idx)
        start = self.width - int(self.lengths.max())  # leading columns that are padding in every row
        self.mask = mask[:, start:]
        for layer in _layers_kv(self.cache):
            layer.keys = layer.keys.index_select(0, idx)[:, :, start:]
            layer.values = layer.values.index_select(0, idx)[:, :, start:]


def _pad_left(t: torch.Tensor, width: int, dim: int = 2) -> torch.Tensor:
    """Zero-pad `t` on the left of `dim` up to `width` (mask: 0 = padding; KV: never attended)."""
    missing = width - t.shape[dim]
    if missing <= 0:
        return t
    shape = list(t.shape)
    shape[dim] = missing
    return torch.cat([t.new_zeros(shape), t], dim=dim)
