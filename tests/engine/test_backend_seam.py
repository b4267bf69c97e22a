"""The backend seam without a model server: the factory's choices and refusals, the token estimate, a
server that is not there at all (error results in seconds, with what to do), and /readyz's verdict."""

from __future__ import annotations

import time

import pytest

from planwright.engine import GenerationRequest, ModelBackend, engine_from_settings
from planwright.engine.llama_server import LlamaServerMissing, free_port
from planwright.engine.openai_backend import OpenAIBackend
from planwright.engine.token_count import EstimateCounter
from planwright.settings import Settings
from services.api.routes.health import model_worker_check

ASK = GenerationRequest(messages=[{"role": "user", "content": "Write one test step."}], max_new_tokens=8)


def test_the_factory_refuses_what_cannot_work() -> None:
    with pytest.raises(ValueError, match="MODEL_BASE_URL"):
        engine_from_settings(Settings(model_backend="openai"))
    with pytest.raises(LlamaServerMissing, match="not an executable"):
        engine_from_settings(Settings(model_backend="llamacpp", llama_server_path="/nonexistent/llama-server"))


def test_the_factory_builds_an_openai_backend_from_the_settings() -> None:
    settings = Settings(
        model_backend="openai",
        model_base_url="http://127.0.0.1:9/v1/",
        model_name="qwen2.5:1.5b",
        model_api_key="k",  # type: ignore[arg-type]
        model_max_concurrency=3,
        model_request_timeout_s=7,
    )
    backend = engine_from_settings(settings)
    assert isinstance(backend, OpenAIBackend) and isinstance(backend, ModelBackend)
    assert backend.base_url == "http://127.0.0.1:9/v1" and backend.root_url == "http://127.0.0.1:9"
    assert backend.model_id == "qwen2.5:1.5b" and backend.max_concurrency == 3
    assert backend.request_timeout_s == 7 and backend.api_key == "k"


def test_the_estimate_is_stated_and_pessimistic() -> None:
    counter = EstimateCounter()
    assert counter.count_tokens("abcdefg") == 3  # ceil(7 / 3)
    assert counter.count_prompt_tokens([{"role": "user", "content": "abc"}]) == 1 + 8


def test_a_server_that_is_not_there_fails_requests_quickly_with_a_reason() -> None:
    url = f"http://127.0.0.1:{free_port()}/v1"  # nothing listens there
    backend = OpenAIBackend(url, max_retries=2, backoff_s=0.05, request_timeout_s=20)
    backend.start()
    try:
        assert backend.health()["ok"] is False and "unreachable" in backend.health()["error"]
        assert backend.token_counter_kind == "estimate"
        started = time.perf_counter()
        results = backend.generate([ASK, ASK])
        took = time.perf_counter() - started
        stats = backend.stats()
    finally:
        backend.stop()
    assert took < 5, took
    for result in results:
        assert result.finish_reason == "error" and result.unavailable
        assert result.error is not None and "unreachable" in result.error and "MODEL_BASE_URL" in result.error
    assert stats["requests_failed"] == 2 and stats["retries"] >= 2
    with pytest.raises(RuntimeError, match="not running"):
        backend.submit(ASK)


def test_readiness_needs_a_worker_whose_model_answers() -> None:
    assert model_worker_check([])["ok"] is False
    embedded = {"model_id": "m"}  # a worker of before this field: its engine is in-process
    assert model_worker_check([embedded]) | {"workers": None} == {
        "ok": True,
        "backends": ["embedded"],
        "workers": None,
    }
    down = {"backend": "openai", "health": {"ok": False, "error": "model server unreachable: ConnectError"}}
    verdict = model_worker_check([down])
    assert verdict["ok"] is False and "unreachable" in verdict["error"] and verdict["backends"] == ["openai"]
    up = {"backend": "llamacpp", "health": {"ok": True}}
    assert model_worker_check([down, up])["ok"] is True
