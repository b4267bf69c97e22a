"""The real default model (SmolLM2-135M-Instruct, converted once from the wheel's GGUF), loaded once
per session in float32 so that batched and one-at-a-time greedy decoding can be compared exactly."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from planwright.engine import Engine, GenerationRequest, GenerationResult
from planwright.settings import Settings

# Varied prompts and lengths; they share the system prompt, so the prefix cache is exercised too.
SYSTEM = "You are a QA engineer. Answer with numbered test steps and the expected result."
TASKS = [
    ("Contacts", 20),
    ("About us", 14),
    ("Add to cart", 24),
    ("Log in", 12),
    ("Privacy policy", 18),
    ("Subscribe", 22),
]


def task_request(name: str, max_new_tokens: int, **kw: Any) -> GenerationRequest:
    return GenerationRequest(
        messages=[
            {"role": "system", "content": SYSTEM},
            {"role": "user", "content": f"Write a test for the '{name}' link on the shop's home page."},
        ],
        max_new_tokens=max_new_tokens,
        request_id=name,
        **kw,
    )


@dataclass
class Loaded:
    model: Any
    tokenizer: Any
    plan: Any
    settings: Settings
    load_seconds: float


@pytest.fixture(scope="session")
def fp32_settings() -> Settings:
    return Settings(model_dtype="float32")


@pytest.fixture(scope="session")
def loaded(fp32_settings: Settings) -> Loaded:
    engine = Engine.from_settings(fp32_settings)
    return Loaded(engine.model, engine.tokenizer, engine.plan, fp32_settings, engine.load_seconds)


def make_engine(loaded: Loaded, **kw: Any) -> Engine:
    """A fresh engine around the session's model (cheap: no load), so tests may stop it."""
    engine = Engine(loaded.model, loaded.tokenizer, loaded.plan, model_id="SmolLM2-135M-Instruct", **kw)
    engine.start()
    return engine


@pytest.fixture(scope="session")
def engine(loaded: Loaded) -> Iterator[Engine]:
    eng = make_engine(loaded)
    yield eng
    eng.stop()


@pytest.fixture(scope="session")
def solo(engine: Engine) -> dict[str, GenerationResult]:
    """Each task run alone (batch of one): the reference that batched runs must reproduce."""
    return {name: engine.generate([task_request(name, n)])[0] for name, n in TASKS}
