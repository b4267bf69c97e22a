"""Measuring prompts for a model that runs elsewhere.

Page chunks are packed to a token budget and a prompt that would overflow the context is refused
before it is sent, so a server backend needs token counts too. In order of preference: the model's
own tokenizer when it is on this machine, the server's `/tokenize` when it has one (llama-server,
vLLM), else a stated, deliberately pessimistic estimate.
"""

from __future__ import annotations

import json
import logging
import math
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any, Protocol

import httpx

log = logging.getLogger("planwright.engine.tokens")

# Tokenizers of the models we run average 3.5-4.5 characters per token on English UI text and fewer on
# Cyrillic; counting 3 characters as one token over-counts, so budgets built on it are kept.
ESTIMATE_CHARS_PER_TOKEN = 3
# Role markers and separators of a chat template, per message, when only an estimate is possible.
ESTIMATE_TOKENS_PER_MESSAGE = 8
CACHE_ENTRIES = 4096


class TokenCounter(Protocol):
    kind: str  # "local" | "server" | "estimate": reported in stats so a reader knows how exact it is

    def count_tokens(self, text: str) -> int: ...

    def count_prompt_tokens(self, messages: list[dict[str, str]]) -> int: ...


class EstimateCounter:
    """chars / 3 (rounded up) per text, plus a fixed overhead per chat message."""

    kind = "estimate"

    def count_tokens(self, text: str) -> int:
        return math.ceil(len(text) / ESTIMATE_CHARS_PER_TOKEN)

    def count_prompt_tokens(self, messages: list[dict[str, str]]) -> int:
        return sum(self.count_tokens(m.get("content", "")) + ESTIMATE_TOKENS_PER_MESSAGE for m in messages)


class LocalCounter:
    """The model's own Hugging Face tokenizer and chat template, loaded from a local folder; counted
    the way the embedded engine builds its prompts (ModelRunner.format_prompt)."""

    kind = "local"

    def __init__(self, tokenizer: Any) -> None:
        self.tokenizer = tokenizer
        self._lock = threading.Lock()  # fast tokenizers are not safe to share between threads

    @classmethod
    def from_folder(cls, folder: Path) -> LocalCounter:
        from transformers import AutoTokenizer

        return cls(AutoTokenizer.from_pretrained(str(folder)))

    def count_tokens(self, text: str) -> int:
        with self._lock:
            return len(self.tokenizer.encode(text, add_special_tokens=False))

    def count_prompt_tokens(self, messages: list[dict[str, str]]) -> int:
        with self._lock:
            if getattr(self.tokenizer, "chat_template", None):
                text = self.tokenizer.apply_chat_template(
                    messages, add_generation_prompt=True, tokenize=False
                )
            else:
                text = "".join(f"{m['role']}: {m['content']}\n" for m in messages) + "assistant:"
            return len(self.tokenizer(text, add_special_tokens=False)["input_ids"])


class ServerCounter:
    """The server's own tokenizer over HTTP, results cached (the page packer asks about many lines).

    llama-server: POST /tokenize {"content"} and /apply-template {"messages"}; vLLM: POST /tokenize
    {"model", "prompt" | "messages"}. Which one answers is found once, by `probe`.
    """

    kind = "server"

    def __init__(self, client: httpx.Client, root_url: str, model: str, dialect: str) -> None:
        self._client, self._root, self._model, self._dialect = client, root_url.rstrip("/"), model, dialect
        self._cache: OrderedDict[str, int] = OrderedDict()
        self._lock = threading.Lock()

    @classmethod
    def probe(cls, client: httpx.Client, root_url: str, model: str) -> ServerCounter | None:
        """A counter for whichever /tokenize dialect the server speaks; None when it has none."""
        root = root_url.rstrip("/")
        attempts = (("llamacpp", {"content": "probe"}), ("vllm", {"model": model, "prompt": "probe"}))
        for dialect, body in attempts:
            try:
                response = client.post(f"{root}/tokenize", json=body, timeout=5)
            except httpx.HTTPError:
                return None
            if response.status_code == 200 and isinstance(response.json().get("tokens"), list):
                return cls(client, root, model, dialect)
        return None

    def count_tokens(self, text: str) -> int:
        with self._lock:
            if text in self._cache:
                self._cache.move_to_end(text)
                return self._cache[text]
        body: dict[str, Any] = (
            {"content": text, "add_special": False}
            if self._dialect == "llamacpp"
            else {"model": self._model, "prompt": text, "add_special_tokens": False}
        )
        count = self._tokenize(body)
        self._remember(text, count)
        return count

    def _remember(self, key: str, count: int) -> None:
        with self._lock:
            self._cache[key] = count
            if len(self._cache) > CACHE_ENTRIES:
                self._cache.popitem(last=False)

    def count_prompt_tokens(self, messages: list[dict[str, str]]) -> int:
        """Cached too: a prompt is measured where it is built (does it fit?) and again on submit."""
        key = "\x00prompt\x00" + json.dumps(messages, sort_keys=True, ensure_ascii=False)
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        if self._dialect == "vllm":
            count = self._tokenize(
                {"model": self._model, "messages": messages, "add_generation_prompt": True}
            )
        else:
            response = self._client.post(
                f"{self._root}/apply-template", json={"messages": messages}, timeout=10
            )
            response.raise_for_status()
            prompt = response.json()["prompt"]
            count = self._tokenize({"content": prompt, "add_special": True, "parse_special": True})
        self._remember(key, count)
        return count

    def _tokenize(self, body: dict[str, Any]) -> int:
        response = self._client.post(f"{self._root}/tokenize", json=body, timeout=10)
        response.raise_for_status()
        data = response.json()
        return int(data["count"]) if "count" in data else len(data["tokens"])
