"""The engine on the prompts plans really send: a long shared prefix (system + one-shot example) and
suffixes longer than a KV layer's spare room. This once failed every prefill (prefix cache regrow)."""

from __future__ import annotations

import pytest

from planwright.engine import Engine, GenerationRequest
from planwright.pipeline.prompts import STOP_STRINGS, build_messages
from planwright.pipeline.skeleton import build_behaviours
from tests.pipeline.test_cases_from_crawl import fixture_crawl

pytestmark = pytest.mark.model


def test_plan_prompts_with_a_shared_prefix_all_generate(engine: Engine) -> None:
    behaviours = build_behaviours(fixture_crawl(), "en") * 2
    requests = [
        GenerationRequest(
            messages=build_messages(b, "en"), max_new_tokens=24, stop=STOP_STRINGS, request_id=str(i)
        )
        for i, b in enumerate(behaviours)
    ]
    results = engine.generate(requests)
    assert [r.finish_reason for r in results if r.finish_reason not in ("stop", "length")] == []
    assert all(r.error is None and r.completion_tokens > 0 for r in results)
    # Same prompt, same greedy answer: the second copy of each behaviour matches the first.
    half = len(results) // 2
    assert [r.text for r in results[:half]] == [r.text for r in results[half:]]
