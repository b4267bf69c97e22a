"""The engine's batching and prefix-cache knobs come from the environment, and bad values fail at start."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from planwright.engine import Engine
from planwright.settings import Settings

KNOBS = {
    "MODEL_MAX_BATCH_TOKENS": "4096",
    "MODEL_MAX_PREFILL_TOKENS": "512",
    "MODEL_PREFIX_CACHE_ENTRIES": "3",
}


def set_env(monkeypatch: pytest.MonkeyPatch, values: dict[str, str]) -> None:
    for name, value in values.items():
        monkeypatch.setenv(name, value)


def test_defaults_match_the_engine_constants() -> None:
    from planwright.engine import engine as engine_module

    settings = Settings()
    assert settings.model_max_batch_tokens == engine_module.DEFAULT_MAX_BATCH_TOKENS
    assert settings.model_max_prefill_tokens == engine_module.DEFAULT_MAX_PREFILL_TOKENS
    assert settings.model_prefix_cache_entries == engine_module.DEFAULT_PREFIX_CACHE_ENTRIES
    assert settings.model_page_tokens == 384
    assert settings.edge_cases is True


def test_knobs_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    set_env(monkeypatch, {**KNOBS, "MODEL_PAGE_TOKENS": "1024", "EDGE_CASES": "false"})
    settings = Settings()
    assert settings.model_max_batch_tokens == 4096
    assert settings.model_max_prefill_tokens == 512
    assert settings.model_prefix_cache_entries == 3
    assert settings.model_page_tokens == 1024
    assert settings.edge_cases is False


def test_prefix_cache_may_be_disabled(monkeypatch: pytest.MonkeyPatch) -> None:
    set_env(monkeypatch, {"MODEL_PREFIX_CACHE_ENTRIES": "0"})
    assert Settings().model_prefix_cache_entries == 0


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("MODEL_MAX_BATCH_TOKENS", "0"),
        ("MODEL_MAX_PREFILL_TOKENS", "-1"),
        ("MODEL_PREFIX_CACHE_ENTRIES", "-1"),
        ("MODEL_PAGE_TOKENS", "63"),
        ("MODEL_PAGE_TOKENS", "4097"),
        ("MODEL_MAX_BATCH_TOKENS", "lots"),
        ("EDGE_CASES", "maybe"),
    ],
)
def test_bad_values_fail_naming_the_setting(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    set_env(monkeypatch, {name: value})
    with pytest.raises(ValidationError) as excinfo:
        Settings()
    assert name.lower() in str(excinfo.value)


@pytest.mark.model
def test_knobs_reach_the_loaded_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    set_env(monkeypatch, {**KNOBS, "MODEL_DTYPE": "float32"})  # float32: the session's cached conversion
    engine = Engine.from_settings(Settings())
    assert engine.scheduler_config.max_batch_tokens == 4096
    assert engine.scheduler_config.max_prefill_tokens == 512
    assert engine._scheduler.config is engine.scheduler_config
    assert engine.prefix_cache.max_entries == 3
    assert engine.prefix_cache.enabled
