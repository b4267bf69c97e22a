"""Architecture coverage with tiny random models (Llama and Qwen2 configs, random weights, the SmolLM2
tokenizer): loading from MODEL_PATH, batched == one-at-a-time, context limit from the config."""

from __future__ import annotations

from pathlib import Path

import pytest

from planwright.engine import Engine, GenerationRequest, PromptTooLong
from planwright.engine.loading import resolve_model
from planwright.settings import Settings
from tests.engine.conftest import Loaded
from tests.engine.test_engine_model import assert_same_or_near_tie
from tests.engine.tiny_models import tiny_model

pytestmark = pytest.mark.model


@pytest.mark.parametrize("arch", ["llama", "qwen2"])
def test_tiny_random_model_through_the_engine(arch: str, tmp_path: Path, loaded: Loaded) -> None:
    folder = tiny_model(
        tmp_path / f"tiny-{arch}", arch, resolve_model(loaded.settings).path, max_positions=256
    )
    engine = Engine.from_settings(
        Settings(model_path=str(folder), model_dtype="float32", model_cache_dir=tmp_path)
    )
    assert engine.model.config.model_type == arch
    assert engine.context_length == 256 and engine.model_id == f"tiny-{arch}"
    engine.start()
    try:
        requests = [
            GenerationRequest(
                [{"role": "user", "content": f"Test the {w} button." * (i + 1)}],
                max_new_tokens=8 + 3 * i,
                request_id=w,
            )
            for i, w in enumerate(["Save", "Cancel", "Delete", "Search"])
        ]
        alone = [engine.generate([r])[0] for r in requests]
        together = engine.generate(requests)
        for req, a, b in zip(requests, alone, together, strict=True):
            assert a.error is None and b.error is None
            assert_same_or_near_tie(engine, req, a, b)
        long = [{"role": "user", "content": "word " * 240}]
        with pytest.raises(PromptTooLong):
            engine.submit(GenerationRequest(long, max_new_tokens=16))
    finally:
        engine.stop()
