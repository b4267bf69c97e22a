"""Text handling around decoding, kept free of torch: incremental detokenisation, stop strings and
reasoning (<think>) splitting. Stop strings are matched on decoded text, not tokens, because a stop
string can span token boundaries."""

from __future__ import annotations

from collections.abc import Callable, Sequence

THINK_OPEN = "<think>"
THINK_CLOSE = "</think>"


class IncrementalDetokenizer:
    """Decodes a growing token list piece by piece (TGI's prefix/read offsets): decoding a short window
    instead of the whole sequence each step, and holding back pieces that end in an incomplete UTF-8
    character (U+FFFD) until the next token completes them."""

    def __init__(self, decode: Callable[[Sequence[int]], str]) -> None:
        self._decode = decode
        self.tokens: list[int] = []
        self._prefix_offset = 0
        self._read_offset = 0
        self.text = ""

    def add(self, token: int) -> str:
        """Append one token; return the newly readable text (may be empty)."""
        self.tokens.append(token)
        prefix_text = self._decode(self.tokens[self._prefix_offset : self._read_offset])
        new_text = self._decode(self.tokens[self._prefix_offset :])
        if len(new_text) > len(prefix_text) and not new_text.endswith("\ufffd"):
            delta = new_text[len(prefix_text) :]
            self._prefix_offset = self._read_offset
            self._read_offset = len(self.tokens)
            self.text += delta
            return delta
        return ""

    def flush(self) -> str:
        """Text still held back at the end (e.g. a truncated multi-byte character)."""
        rest = self._decode(self.tokens[self._prefix_offset :])
        prefix_text = self._decode(self.tokens[self._prefix_offset : self._read_offset])
        delta = rest[len(prefix_text) :]
        self.text += delta
        self._prefix_offset = self._read_offset = len(self.tokens)
        return delta


def find_stop(text: str, new_len: int, stops: Sequence[str]) -> int:
    """Index where the earliest stop string starts, looking only where the last `new_len` characters
    could complete one; -1 if none."""
    best = -1
    for stop in stops:
        if not stop:
            continue
        start = max(0, len(text) - new_len - len(stop) + 1)
        idx = text.find(stop, start)
        if idx != -1 and (best == -1 or idx < best):
            best = idx
    return best


def split_thinking(raw: str) -> tuple[str, str | None]:
    """Separate a reasoning model's <think>…</think> from the answer. An unclosed <think> means the
    whole output was reasoning (cut by max tokens): the answer is empty, the reasoning is kept."""
    open_idx = raw.find(THINK_OPEN)
    close_idx = raw.find(THINK_CLOSE)
    if close_idx != -1 and (open_idx == -1 or open_idx < close_idx):
        # Some templates (DeepSeek-R1 distills) put <think> into the prompt, so only </think> appears.
        start = open_idx + len(THINK_OPEN) if open_idx != -1 else 0
        thinking = raw[start:close_idx].strip()
        answer = raw[: max(open_idx, 0)] + raw[close_idx + len(THINK_CLOSE) :]
        return answer.strip(), thinking
    if open_idx != -1:
        return raw[:open_idx].strip(), raw[open_idx + len(THINK_OPEN) :].strip()
    return raw.strip(), None
