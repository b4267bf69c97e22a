"""Engine behaviour on the real default model (float32, greedy unless stated)."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
import torch

from planwright.engine import Engine, GenerationRequest, GenerationResult, PromptTooLong
from tests.engine.conftest import TASKS, Loaded, make_engine, task_request

pytestmark = pytest.mark.model

LOGIT_TOLERANCE = 5e-3  # float32 logits differ ~1e-5 between batch shapes; a flip needs a near tie


def assert_same_or_near_tie(
    engine: Engine, req: GenerationRequest, a: GenerationResult, b: GenerationResult
) -> None:
    """Same tokens, or, where they part, the two chosen tokens were a near tie in the reference logits
    (batching changes float summation order, which may legitimately flip an exact-ish tie)."""
    if a.token_ids == b.token_ids:
        assert a.text == b.text
        return
    j = next(i for i, (x, y) in enumerate(zip(a.token_ids, b.token_ids, strict=False)) if x != y)
    ids = torch.tensor([engine.format_prompt(req.messages) + a.token_ids[:j]], device=engine.model.device)
    with torch.inference_mode():
        logits = engine.model(input_ids=ids).logits[0, -1].float()
    gap = abs(float(logits[a.token_ids[j]] - logits[b.token_ids[j]]))
    print(f"{req.request_id}: token {j} differs, logit gap {gap:.2e}")
    assert gap < LOGIT_TOLERANCE, f"{req.request_id}: tokens differ at {j} with logit gap {gap}"


def test_batch_of_one_matches_plain_generate(engine: Engine, solo: dict[str, GenerationResult]) -> None:
    name, n = TASKS[0]
    req = task_request(name, n)
    ids = torch.tensor([engine.format_prompt(req.messages)])
    with torch.inference_mode():
        out = engine.model.generate(
            ids, attention_mask=torch.ones_like(ids), max_new_tokens=n, do_sample=False
        )
    assert out[0, ids.shape[1] :].tolist()[: len(solo[name].token_ids)] == solo[name].token_ids


def test_concurrent_greedy_requests_match_one_at_a_time(
    engine: Engine, solo: dict[str, GenerationResult]
) -> None:
    requests = [task_request(name, n) for name, n in TASKS]
    results: list[GenerationResult | None] = [None] * len(requests)

    def client(i: int) -> None:
        results[i] = engine.submit(requests[i]).result(timeout=300)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(len(requests))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for req, res in zip(requests, results, strict=True):
        assert res is not None and res.error is None
        assert res.request_id == req.request_id
        assert_same_or_near_tie(engine, req, solo[req.request_id], res)
    assert engine.stats()["prefix_cache_hits"] > 0


def test_long_suffix_after_a_cached_prefix(engine: Engine) -> None:
    """A user message longer than the KV layers' spare columns, after the shared (cached) system
    prompt, next to a short one: the same tokens as plain generate on the whole prompt."""
    detail = " ".join(f"Field {i} is labelled 'Name {i}' and is required." for i in range(12))
    long_req = task_request("Sign up", 12)
    long_req.messages[1]["content"] += " " + detail
    short_req = task_request("Log in", 12)
    prompt = engine.format_prompt(long_req.messages)
    prefix = engine.shared_prefix_len(long_req.messages, prompt)
    assert prefix > 0 and len(prompt) - prefix > 100
    both = engine.generate([long_req, short_req])
    for req, res in zip([long_req, short_req], both, strict=True):
        assert res.error is None and res.completion_tokens > 0, res.error
        ids = torch.tensor([engine.format_prompt(req.messages)])
        with torch.inference_mode():
            out = engine.model.generate(
                ids, attention_mask=torch.ones_like(ids), max_new_tokens=12, do_sample=False
            )
        reference = out[0, ids.shape[1] :].tolist()[: len(res.token_ids)]
        if reference != res.token_ids:
            ref = engine.generate([req])[0]  # alone, then compare with the near-tie rule
            assert_same_or_near_tie(engine, req, ref, res)


def test_max_new_tokens_and_result_fields(engine: Engine, solo: dict[str, GenerationResult]) -> None:
    lengths = dict(TASKS)
    assert any(r.finish_reason == "length" for r in solo.values())
    for name, r in solo.items():
        assert r.finish_reason in ("length", "stop")
        if r.finish_reason == "length":
            assert r.completion_tokens == lengths[name] == len(r.token_ids)
        assert r.completion_tokens <= lengths[name]
        assert r.prompt_tokens == engine.count_prompt_tokens(task_request(name, 1).messages)
        assert r.text == r.raw_text.strip() and r.thinking is None
        assert 0 < r.ttft_s <= r.latency_s
        assert (r.model_id, r.device, r.dtype) == ("SmolLM2-135M-Instruct", "cpu", "float32")


def test_stop_string_cuts_the_text(engine: Engine, solo: dict[str, GenerationResult]) -> None:
    name, n = max(TASKS, key=lambda t: len(solo[t[0]].raw_text))
    raw = solo[name].raw_text
    assert len(raw) > 30
    stop = raw[18:23]  # five characters from the middle, likely spanning a token boundary
    cut = raw.find(stop)
    res = engine.generate([task_request(name, n, stop=["<never>", stop])])[0]
    assert res.finish_reason == "stop"
    assert res.raw_text == raw[:cut]
    assert res.completion_tokens <= solo[name].completion_tokens


def test_seeded_sampling_is_reproducible_alone_and_in_a_batch(engine: Engine) -> None:
    def sampled(seed: int) -> GenerationRequest:
        return task_request("Contacts", 16, temperature=0.9, seed=seed)

    alone = engine.generate([sampled(5)])[0]
    batch = engine.generate([task_request("Log in", 12), sampled(5), sampled(6), sampled(7)])
    assert batch[1].text == alone.text and batch[1].seed == 5
    assert len({alone.text, batch[2].text, batch[3].text}) >= 2


def test_prompt_too_long_is_refused_not_cut(engine: Engine) -> None:
    huge = [{"role": "user", "content": "click the button " * 3000}]
    n = engine.count_prompt_tokens(huge)
    assert n > engine.context_length == 8192
    with pytest.raises(PromptTooLong) as err:
        engine.submit(GenerationRequest(huge))
    assert err.value.prompt_tokens == n
    fits = [{"role": "user", "content": "click the button " * 2000}]
    m = engine.count_prompt_tokens(fits)
    assert m < engine.context_length
    with pytest.raises(PromptTooLong):
        engine.generate([task_request("Contacts", 4), GenerationRequest(fits, max_new_tokens=8192 - m + 1)])


def test_a_failing_request_does_not_take_the_others_down(
    loaded: Loaded, solo: dict[str, GenerationResult], monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = make_engine(loaded)
    try:
        real = engine.runner._record_token

        def poisoned(s: Any, token: int) -> None:
            if s.request.request_id == "poison" and len(s.completion_ids) >= 3:
                raise RuntimeError("boom")
            real(s, token)

        monkeypatch.setattr(engine.runner, "_record_token", poisoned)
        bad_input = engine.submit(GenerationRequest(messages=[{"role": "user"}]))  # no content
        with pytest.raises(ValueError):
            bad_input.result(timeout=5)
        requests = [task_request(n, k) for n, k in TASKS[:3]]
        poison = GenerationRequest(requests[0].messages, max_new_tokens=20, request_id="poison")
        results = engine.generate([requests[0], poison, GenerationRequest([{"role": "user"}]), *requests[1:]])
        assert results[1].finish_reason == "error" and "boom" in (results[1].error or "")
        assert results[2].finish_reason == "error" and "content" in (results[2].error or "")
        for req, res in zip(requests, [results[0], *results[3:]], strict=True):
            assert res.error is None
            assert_same_or_near_tie(engine, req, solo[req.request_id], res)
        assert engine.stats()["requests_failed"] == 1  # the poisoned one; bad input never got queued
        assert engine.generate([task_request("Log in", 4)])[0].error is None  # the loop lives on
    finally:
        engine.stop()


def test_stop_drains_running_and_queued_then_refuses(loaded: Loaded) -> None:
    engine = make_engine(loaded, scheduler_config=None)
    futures = [engine.submit(task_request(name, 10)) for name, _ in TASKS]
    engine.stop(drain=True, timeout=300)
    results = [f.result(timeout=0) for f in futures]
    assert all(r.error is None and r.completion_tokens > 0 for r in results)
    with pytest.raises(RuntimeError, match="engine is stopping"):
        engine.submit(task_request("Contacts", 4))
    assert engine.stats()["accepting"] is False and not engine.ready.is_set()


def test_stop_without_drain_fails_what_is_left(loaded: Loaded) -> None:
    engine = make_engine(loaded)
    futures = [engine.submit(task_request(name, 200)) for name, _ in TASKS]
    time.sleep(0.2)
    engine.stop(drain=False, timeout=60)
    results = [f.result(timeout=0) for f in futures]
    assert all(r.finish_reason == "error" and "stopped" in (r.error or "") for r in results)


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_a_crashed_loop_fails_every_request_in_flight(
    loaded: Loaded, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A step that raises past the runner's own handling ends the loop; no caller is left waiting."""
    engine = make_engine(loaded)
    real_step = engine.runner.step
    steps = 0

    def crashing(admitted: Any) -> Any:
        nonlocal steps
        steps += 1
        if steps == 3:
            raise RuntimeError("kaboom")
        return real_step(admitted)

    monkeypatch.setattr(engine.runner, "step", crashing)
    futures = [engine.submit(task_request(name, 50)) for name, _ in TASKS]
    results = [f.result(timeout=300) for f in futures]
    assert all(r.finish_reason == "error" and "loop crashed" in (r.error or "") for r in results)
    assert engine.stats()["requests_failed"] == len(TASKS)
    assert not engine.ready.is_set()
    with pytest.raises(RuntimeError, match="engine is stopping"):
        engine.submit(task_request("Contacts", 4))
    engine.stop()


def test_stats_and_timings(engine: Engine, loaded: Loaded) -> None:
    stats = engine.stats()
    assert stats["requests_finished"] >= len(TASKS)
    assert stats["completion_tokens"] > 0 and stats["steps"] > 0
    assert stats["queue_depth"] == 0 and stats["running_batch_size"] == 0
    assert 0 < stats["peak_rss_bytes"] < 2 * 2**30
    assert engine.ready.is_set() and engine.ready_seconds is not None
    assert loaded.load_seconds > 0
