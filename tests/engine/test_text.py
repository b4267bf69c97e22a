"""Incremental detokenisation, stop strings and <think> splitting (no model needed)."""

from __future__ import annotations

from collections.abc import Sequence

from planwright.engine.text import IncrementalDetokenizer, find_stop, split_thinking


def byte_decode(tokens: Sequence[int]) -> str:
    """A byte-level 'tokenizer': one token per UTF-8 byte, like BPE byte fallback."""
    return bytes(tokens).decode("utf-8", errors="replace")


def test_incremental_detokenizer_holds_back_partial_utf8() -> None:
    text = "Проверка: шаг 1 ✓"
    detok = IncrementalDetokenizer(byte_decode)
    deltas = [detok.add(b) for b in text.encode()]
    assert "".join(deltas) == text == detok.text
    assert not any("\ufffd" in d for d in deltas)


def test_incremental_detokenizer_flushes_a_truncated_character() -> None:
    detok = IncrementalDetokenizer(byte_decode)
    for b in b"ok " + "ш".encode()[:1]:
        detok.add(b)
    assert detok.text == "ok "
    detok.flush()
    assert detok.text == "ok \ufffd"


def test_find_stop_across_deltas_and_earliest_wins() -> None:
    assert find_stop("Step 1: open\nStep", 4, ["\nStep"]) == 12
    assert find_stop("abc END", 4, ["END", "c E"]) == 2  # both complete in the new text
    assert find_stop("no stop here", 4, ["STOP"]) == -1
    assert find_stop("xx", 1, [""]) == -1


def test_split_thinking() -> None:
    assert split_thinking("<think>plan it</think>\n\nStep 1: open") == ("Step 1: open", "plan it")
    # DeepSeek-R1 distills put <think> into the prompt: only the closing tag is generated
    assert split_thinking("plan it\n</think>\nStep 1") == ("Step 1", "plan it")
    # cut by max tokens while still thinking: no answer, the reasoning is kept
    assert split_thinking("<think>still thinking") == ("", "still thinking")
    assert split_thinking("  plain answer ") == ("plain answer", None)
