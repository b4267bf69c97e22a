"""MODEL_BACKEND=openai and llamacpp against a real llama-server: limits, usage, seeds, concurrency, and
a server that dies mid-run (error results inside the deadline, never a hang)."""

from __future__ import annotations

import os
import signal
import time

import pytest

from planwright.engine import GenerationRequest
from planwright.engine.llama_server import LlamaCppBackend, LlamaServer
from planwright.engine.openai_backend import OpenAIBackend
from planwright.settings import Settings
from tests.engine.llama_fixtures import SLOTS, backend, llama_server, llama_server_binary, start_server

__all__ = ["backend", "llama_server"]  # fixtures, imported for pytest

pytestmark = pytest.mark.timeout(300)

SYSTEM = "You are a QA engineer. Answer with numbered test steps and the expected result."


def ask(name: str, max_new_tokens: int = 24, **kw: object) -> GenerationRequest:
    return GenerationRequest(
        messages=[
            {"role": "system", "content": SYSTEM},
            {"role": "user", "content": f"Write a test for the '{name}' link on the shop's home page."},
        ],
        max_new_tokens=max_new_tokens,
        request_id=name,
        **kw,  # type: ignore[arg-type]
    )


def test_max_tokens_stop_strings_and_usage_are_the_servers(backend: OpenAIBackend) -> None:
    capped = backend.submit(ask("Contacts", max_new_tokens=5)).result(timeout=60)
    assert capped.error is None, capped.error
    assert capped.finish_reason == "length" and capped.completion_tokens == 5
    assert capped.prompt_tokens == backend.count_prompt_tokens(ask("Contacts").messages)
    assert capped.model_id and capped.model_id != "unknown" and capped.latency_s > 0
    assert 0 < capped.ttft_s <= capped.latency_s

    free = backend.submit(ask("Contacts", max_new_tokens=64)).result(timeout=60)
    assert "\n" in free.raw_text, "the prompt is chosen so the model writes several lines"
    stopped = backend.submit(ask("Contacts", max_new_tokens=64, stop=["\n"])).result(timeout=60)
    assert stopped.error is None and "\n" not in stopped.raw_text
    assert free.raw_text.startswith(stopped.raw_text)  # greedy: the same text, cut at the stop string
    assert stopped.completion_tokens < free.completion_tokens

    stats = backend.stats()
    assert stats["backend"] == "openai" and stats["token_counter"] == "server"
    assert stats["requests_finished"] == 3 and stats["completion_tokens"] >= 5 + stopped.completion_tokens
    assert backend.health()["ok"] is True


def test_each_prompt_is_measured_once_and_recorded_as_the_server_counted_it(backend: OpenAIBackend) -> None:
    """generate() checks every prompt against the context and submit() checks it again; with the
    server's /tokenize that was two template + tokenize round trips per prompt. The records and the
    counters carry the server's usage, once per request."""
    calls: list[str] = []
    client = backend._client
    assert client is not None
    client.event_hooks["request"].append(lambda request: calls.append(request.url.path))
    before = backend.stats()["prompt_tokens"]
    requests = [ask(f"Once {i}", max_new_tokens=4) for i in range(3)]
    results = backend.generate(requests)
    assert all(r.error is None for r in results), [r.error for r in results]
    assert calls.count("/v1/chat/completions") == 3
    assert calls.count("/apply-template") == 3, calls  # one measurement per prompt, not two
    for request, result in zip(requests, results, strict=True):
        assert result.prompt_tokens == backend.count_prompt_tokens(request.messages)
    assert backend.stats()["prompt_tokens"] - before == sum(r.prompt_tokens for r in results)


def test_a_seed_makes_sampling_repeatable(backend: OpenAIBackend) -> None:
    sampled = [
        backend.submit(ask("About us", max_new_tokens=24, temperature=0.9, seed=seed)).result(timeout=60)
        for seed in (7, 7, 8)
    ]
    assert all(r.error is None for r in sampled), [r.error for r in sampled]
    assert sampled[0].text == sampled[1].text and sampled[0].seed == 7
    assert sampled[2].seed == 8


def test_concurrent_requests_all_come_back_in_order(backend: OpenAIBackend) -> None:
    names = [f"Link {i}" for i in range(2 * SLOTS)]
    started = time.perf_counter()
    results = backend.generate([ask(name, max_new_tokens=16) for name in names])
    wall = time.perf_counter() - started
    assert [r.request_id for r in results] == names
    assert all(r.error is None and r.completion_tokens > 0 for r in results), [r.error for r in results]
    # Requests overlapped in the server's slots: the batch took less than the requests' latencies summed.
    assert wall < sum(r.latency_s for r in results)


def test_time_queued_behind_other_requests_is_not_the_request_timeout(llama_server: LlamaServer) -> None:
    """A plan queues all its prompts at once; MODEL_REQUEST_TIMEOUT_S bounds each request's own time
    in the server, so the fifth of five one-at-a-time requests is not failed for waiting its turn."""
    url = f"{llama_server.url}/v1"
    probe = OpenAIBackend(url, max_concurrency=1)
    probe.start()
    try:
        one = probe.submit(ask("Timing", max_new_tokens=48)).result(timeout=120)
    finally:
        probe.stop()
    assert one.error is None, one.error
    timeout = 3 * one.latency_s
    client = OpenAIBackend(url, max_concurrency=1, request_timeout_s=timeout, max_retries=0)
    client.start()
    try:
        results = client.generate([ask("Timing", max_new_tokens=48) for _ in range(5)])
    finally:
        client.stop(drain=False)
    assert all(r.error is None for r in results), [r.error for r in results]
    assert results[-1].latency_s > timeout  # it waited longer than the timeout in all, and still ran


def test_requests_wait_here_for_the_servers_slots(llama_server: LlamaServer) -> None:
    """MODEL_MAX_CONCURRENCY 16 at a 4-slot llama-server: at most 4 are in the server at once (its
    /props says so), the rest wait here with their deadline not yet running."""
    client = OpenAIBackend(f"{llama_server.url}/v1", max_concurrency=16)
    client.start()
    peak = 0
    try:
        assert client.stats()["server_slots"] == SLOTS
        futures = [client.submit(ask(f"Slot {i}", max_new_tokens=16)) for i in range(3 * SLOTS)]
        while not all(f.done() for f in futures):
            peak = max(peak, client.stats()["running"])
            time.sleep(0.01)
        results = [f.result() for f in futures]
    finally:
        client.stop(drain=False)
    assert all(r.error is None for r in results), [r.error for r in results]
    assert 1 <= peak <= SLOTS


def test_page_text_is_measured_with_the_servers_tokenizer(backend: OpenAIBackend) -> None:
    text = 'button "Add to cart" [ref=e12]\nlink "Контакты" [ref=e13]'
    counted = backend.count_tokens(text)
    assert 0 < counted <= len(text)
    assert backend.count_tokens(text) == counted  # cached, same answer


def test_a_server_killed_mid_run_gives_error_results_not_a_hang() -> None:
    server = start_server(max_restarts=0)
    client = OpenAIBackend(f"{server.url}/v1", max_concurrency=SLOTS, request_timeout_s=30, max_retries=2)
    client.start()
    try:
        futures = [client.submit(ask(f"Page {i}", max_new_tokens=400)) for i in range(2 * SLOTS)]
        time.sleep(0.5)
        assert server.process is not None
        os.kill(server.process.pid, signal.SIGKILL)
        killed_at = time.perf_counter()
        results = [f.result(timeout=40) for f in futures]
        waited = time.perf_counter() - killed_at
    finally:
        client.stop(drain=False)
        server.stop()
    failed = [r for r in results if r.error]
    assert failed, "the server died before it could finish 8 answers of 400 tokens"
    assert all(r.unavailable and "unreachable" in r.error for r in failed), [r.error for r in failed]  # type: ignore[operator]
    assert all("MODEL_BASE_URL" in r.error for r in failed)  # type: ignore[operator]
    assert waited < 30, f"error results took {waited:.1f} s"


def test_llamacpp_backend_starts_supervises_and_stops_its_server() -> None:
    binary = llama_server_binary()
    settings = Settings(
        model_backend="llamacpp",
        llama_server_path=str(binary),
        model_max_concurrency=2,
        llama_server_context=2048,
    )
    engine = LlamaCppBackend.from_settings(settings)
    server: LlamaServer = engine.server
    engine.start()
    try:
        assert engine.health()["ok"] and engine.token_counter_kind == "local"
        first = engine.submit(ask("Log in", max_new_tokens=8)).result(timeout=60)
        assert first.error is None and first.completion_tokens == 8
        # The local tokenizer counts the prompt exactly as the server tokenised it.
        assert first.prompt_tokens == engine.count_prompt_tokens(ask("Log in").messages)
        assert first.device == "cpu (llama.cpp)" and first.dtype == "Q4_1"
        assert engine.context_length == 2048  # the unified KV cache: every slot may use all of it
        assert server.process is not None
        old_pid = server.process.pid
        os.kill(old_pid, signal.SIGKILL)
        deadline = time.perf_counter() + 60
        while not (server.restarts == 1 and server.alive()) and time.perf_counter() < deadline:
            time.sleep(0.2)
        assert server.restarts == 1 and server.process.pid != old_pid
        again = engine.submit(ask("Log in", max_new_tokens=8)).result(timeout=60)
        assert again.error is None and again.text == first.text
        assert engine.stats()["server_restarts"] == 1 and (engine.stats()["peak_rss_bytes"] or 0) > 0
    finally:
        engine.stop()
    assert not server.alive()
    assert server.process is not None and server.process.returncode is not None
