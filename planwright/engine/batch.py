"""The running batch as one padded tensor batch whose KV cache is re-formed between steps.

Every row's newest token sits in the same (last) column, so one decode step feeds one token per row,
with a 2D attention mask marking the columns a row does not use. Finished rows are dropped by
indexing the cache's batch dimension; newcomers are prefilled as their own mini-batch, then both
caches are padded on the left to a common width and concatenated. Leading columns no row uses any
more are trimmed, so a long prompt that finished stops costing attention. bench/RESULTS.md compares
this with one forward per sequence per step (a KV cache per sequence without a batched kernel).

Shared prompt prefixes (the pipeline's instruction block) are computed once and kept in a small LRU
(`PrefixCache`): a newcomer's row is [cached prefix | padding | its own suffix], which the mask and
explicit position ids make exactly equivalent to its unpadded prompt.
"""

from __future__ import annotations

import inspect
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import torch


def cache_kwarg_name(model: Any) -> str:
    """transformers 5 renamed `past_key_values` to `cache`; accept either."""
    params = inspect.signature(model.forward).parameters
    return "cache" if "cache" in params else "past_key_values"


def _layers(cache: Any) -> list[Any]:
    layers = getattr(cache, "layers", None)
    if layers is None:
        raise RuntimeError("this transformers version's cache has no `.layers`; transformers>=5 is required")
    return list(layers)


def _growing_layer_class() -> type:
    from transformers.cache_utils import DynamicLayer

    class GrowingLayer(DynamicLayer):  # type: ignore[misc]
        """A full-length cache layer whose keys/values are views into buffers with spare columns: a
        decode step writes its column in place. DynamicLayer's torch.cat copies the whole layer every
        step, which was ~20% of a 16-row decode step here (bench/RESULTS.md)."""

        spare = 64

        def lazy_initialization(self, key_states: torch.Tensor, value_states: torch.Tensor) -> None:
            super().lazy_initialization(key_states, value_states)
            self._kbuf: torch.Tensor | None = None
            self._vbuf: torch.Tensor | None = None
            self._len = 0

        def set(self, keys: torch.Tensor, values: torch.Tensor, room: int = 0) -> None:
            """Replace the contents (re-formed batch); one copy into fresh buffers with spare room
            (at least `room` columns: a prompt suffix after a cached prefix can be longer than `spare`)."""
            if not self.is_initialized:
                self.lazy_initialization(keys, values)
            b, h, n, d = keys.shape
            extra = max(self.spare, room)
            kbuf = keys.new_empty((b, h, n + extra, d))
            vbuf = values.new_empty((b, h, n + extra, values.shape[-1]))
            kbuf[:, :, :n] = keys
            vbuf[:, :, :n] = values
            self._kbuf, self._vbuf, self._len = kbuf, vbuf, n
            self.keys, self.values = kbuf[:, :, :n], vbuf[:, :, :n]

        def update(
            self, key_states: torch.Tensor, value_states: torch.Tensor, *args: Any, **kwargs: Any
        ) -> tuple[torch.Tensor, torch.Tensor]:
            if not self.is_initialized or self._kbuf is None or self.keys is None or self.values is None:
                self.set(key_states, value_states)
                return key_states, value_states
            n = self._len + key_states.shape[-2]
            if n > self._kbuf.shape[-2]:
                self.set(self.keys, self.values, room=key_states.shape[-2])  # regrow with room enough
            kbuf, vbuf = self._kbuf, self._vbuf
            assert kbuf is not None and vbuf is not None
            kbuf[:, :, self._len : n] = key_states
            vbuf[:, :, self._len : n] = value_states
            self._len = n
            keys, values = kbuf[:, :, :n], vbuf[:, :, :n]
            self.keys, self.values = keys, values
            return keys, values

        def get_seq_length(self) -> int:
            return self._len if self.is_initialized and self._kbuf is not None else 0

    return GrowingLayer


_GROWING_LAYER: type | None = None


def new_cache(kv: list[tuple[torch.Tensor, torch.Tensor]] | None = None) -> Any:
    """A cache of full-length growing layers (never sliding-window ones, which re-forming by column
    would break), optionally pre-filled with per-layer (keys, values)."""
    global _GROWING_LAYER
    from transformers import DynamicCache

    if _GROWING_LAYER is None:
        _GROWING_LAYER = _growing_layer_class()
    cache = DynamicCache()
    cache.layer_class_to_replicate = _GROWING_LAYER
    if kv:
        for i, (k, v) in enumerate(kv):
            cache.update(k, v, i)
    return cache


def _set_kv(layer: Any, keys: torch.Tensor, values: torch.Tensor) -> None:
    if hasattr(layer, "set"):
        layer.set(keys, values)
    else:
        layer.keys, layer.values = keys, values


@dataclass
class PrefillOutput:
    """A prefilled mini-batch, not yet merged: its logits are sampled first, then it joins the batch."""

    logits: torch.Tensor  # [k, vocab] float32, last prompt position
    cache: Any
    mask: torch.Tensor  # [k, width]
    lengths: torch.Tensor  # [k] real tokens per row = next position id

    def select(self, idx: list[int]) -> PrefillOutput:
        """Only these rows (the others failed at sampling)."""
        t = torch.tensor(idx, dtype=torch.long, device=self.mask.device)
        for layer in _layers(self.cache):
            _set_kv(layer, layer.keys.index_select(0, t), layer.values.index_select(0, t))
        return PrefillOutput(
            self.logits.index_select(0, t),
            self.cache,
            self.mask.index_select(0, t),
            self.lengths.index_select(0, t),
        )


class PrefixCache:
    """LRU of computed KV for shared prompt prefixes, keyed by their token ids."""

    def __init__(self, max_entries: int = 16, max_tokens: int = 16384) -> None:
        self.max_entries = max_entries
        self.max_tokens = max_tokens
        self._entries: OrderedDict[tuple[int, ...], list[tuple[torch.Tensor, torch.Tensor]]] = OrderedDict()
        self.hits = 0
        self.misses = 0

    @property
    def enabled(self) -> bool:
        return self.max_entries > 0

    def get(self, key: tuple[int, ...]) -> list[tuple[torch.Tensor, torch.Tensor]] | None:
        kv = self._entries.get(key)
        if kv is not None:
            self._entries.move_to_end(key)
            self.hits += 1
        else:
            self.misses += 1
        return kv

    def put(self, key: tuple[int, ...], kv: list[tuple[torch.Tensor, torch.Tensor]]) -> None:
        self._entries[key] = kv
        self._entries.move_to_end(key)
        while self._entries and (
            len(self._entries) > self.max_entries or sum(len(k) for k in self._entries) > self.max_tokens
        ):
            self._entries.popitem(last=False)


class PaddedBatch:
    """Tensor state of the running rows; row i of every tensor belongs to `rows[i]` (owned by the loop)."""

    def __init__(self, model: Any, device: str, pad_token_id: int, prefix_cache: PrefixCache | None = None):
        self.model = model
        self.device = torch.device(device)
        self.pad_token_id = pad_token_id
        self.cache_kwarg = cache_kwarg_name(model)
        self.prefix_cache = prefix_cache or PrefixCache(max_entries=0)
        self.rows: list[Any] = []
        self.cache: Any = None
        self.mask: torch.Tensor | None = None  # [B, W] 1 = the row's token is in this cache column
        self.lengths: torch.Tensor | None = None  # [B] real tokens in the cache = next position id
        self.next_tokens: torch.Tensor | None = None  # [B] sampled, not yet in the cache

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def width(self) -> int:
        return 0 if self.mask is None else int(self.mask.shape[1])

    def _forward(self, ids: torch.Tensor, mask: torch.Tensor, positions: torch.Tensor, cache: Any) -> Any:
        return self.model(
            input_ids=ids,
            attention_mask=mask,
            position_ids=positions,
            use_cache=True,
            logits_to_keep=1,
            **{self.cache_kwarg: cache},
        )

    def _prefix_kv(self, prefix: tuple[int, ...]) -> list[tuple[torch.Tensor, torch.Tensor]]:
        kv = self.prefix_cache.get(prefix)
        if kv is None:
            cache = new_cache()
            ids = torch.tensor([prefix], dtype=torch.long, device=self.device)
            self._forward(
                ids, torch.ones_like(ids), torch.arange(len(prefix), device=self.device)[None], cache
            )
            kv = [(layer.keys, layer.values) for layer in _layers(cache)]
            self.prefix_cache.put(prefix, kv)
        return kv

    def prefill(self, prompts: list[list[int]], prefix_len: int = 0) -> PrefillOutput:
        """Prefill prompts as one mini-batch; with prefix_len > 0 all prompts share their first
        prefix_len tokens, whose KV comes from (or goes into) the prefix cache. The running batch is
        not touched."""
        k = len(prompts)
        prefix = tuple(prompts[0][:prefix_len])
        suffixes = [p[prefix_len:] for p in prompts]
        width = max(len(s) for s in suffixes)
        ids = torch.full((k, width), self.pad_token_id, dtype=torch.long)
        mask = torch.zeros((k, width), dtype=torch.long)
        for i, suffix in enumerate(suffixes):
            ids[i, width - len(suffix) :] = torch.tensor(suffix, dtype=torch.long)
            mask[i, width - len(suffix) :] = 1
        positions = (mask.cumsum(-1) - 1).clamp(min=0) + prefix_len
        if prefix_len:
            kv = self._prefix_kv(prefix)
            cache = new_cache([(kk.expand(k, -1, -1, -1), vv.expand(k, -1, -1, -1)) for kk, vv in kv])
            mask = torch.cat([torch.ones((k, prefix_len), dtype=torch.long), mask], dim=1)
        else:
            cache = new_cache()
        ids, mask, positions = ids.to(self.device), mask.to(self.device), positions.to(self.device)
        out = self._forward(ids, mask, positions, cache)
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
        width = max(self.width, int(prefilled.mask.shape[1]))
        for old, new in zip(_layers(self.cache), _layers(prefilled.cache), strict=True):
            _set_kv(
                old,
                torch.cat([_pad_left(old.keys, width), _pad_left(new.keys, width)]),
                torch.cat([_pad_left(old.values, width), _pad_left(new.values, width)]),
            )
        self.mask = torch.cat([_pad_left(self.mask, width, dim=1), _pad_left(prefilled.mask, width, dim=1)])
        self.lengths = torch.cat([self.lengths, prefilled.lengths])
        self.next_tokens = torch.cat([self.next_tokens, first_tokens])
        self.rows.extend(rows)

    def decode(self) -> torch.Tensor:
        """One step: feed every row's pending token; return next-token logits [B, vocab] float32."""
        assert self.mask is not None and self.lengths is not None and self.next_tokens is not None
        batch = len(self.rows)
        mask = torch.cat([self.mask, self.mask.new_ones((batch, 1))], dim=1)
        out = self._forward(self.next_tokens.view(batch, 1), mask, self.lengths.view(batch, 1), self.cache)
        self.mask = mask
        self.lengths = self.lengths + 1
        return out.logits[:, -1, :].float()

    def set_next_tokens(self, tokens: torch.Tensor) -> None:
        self.next_tokens = tokens

    def keep(self, keep_idx: list[int]) -> None:
        """Keep only these rows (in this order); trim leading columns no remaining row uses."""
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
        start = int(mask.any(dim=0).int().argmax())  # first column some remaining row uses
        self.mask = mask[:, start:]
        for layer in _layers(self.cache):
            _set_kv(
                layer,
                layer.keys[:, :, start:].index_select(0, idx),
                layer.values[:, :, start:].index_select(0, idx),
            )


def _pad_left(t: torch.Tensor, width: int, dim: int = 2) -> torch.Tensor:
    """Zero-pad `t` on the left of `dim` up to `width` (mask: 0 = padding; KV: never attended)."""
    missing = width - t.shape[dim]
    if missing <= 0:
        return t
    shape = list(t.shape)
    shape[dim] = missing
    return torch.cat([t.new_zeros(shape), t], dim=dim)
