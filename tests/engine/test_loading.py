"""Model resolution, the one-time GGUF conversion cache, and device/dtype choice."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest
import torch

from planwright.engine import loading
from planwright.engine.device import resolve_device
from planwright.engine.loading import (
    CONVERSION_MARKER,
    ModelNotFound,
    cast_conversion,
    convert_gguf,
    converted_dir,
    resolve_model,
)
from planwright.settings import Settings
from tests.engine.conftest import Loaded
from tests.engine.tiny_models import tiny_model


@pytest.mark.model
def test_default_model_conversion_is_reused(loaded: Loaded) -> None:
    started = time.perf_counter()
    source = resolve_model(loaded.settings)  # the session fixture already converted (or found) it
    assert time.perf_counter() - started < 2.0
    assert not source.converted_now
    assert source.model_id == "SmolLM2-135M-Instruct"
    assert source.gguf_file is not None and source.gguf_file.name == loading.DEFAULT_GGUF_FILE
    assert (source.path / CONVERSION_MARKER).is_file()
    assert (source.path / "model.safetensors").is_file()
    assert not [p for p in source.path.parent.iterdir() if ".tmp-" in p.name]


@pytest.mark.model
def test_dtype_copy_is_an_exact_cast(loaded: Loaded) -> None:
    from safetensors import safe_open

    source = resolve_model(loaded.settings)
    bf16 = cast_conversion(source.path, "bfloat16")
    assert bf16 != source.path and (bf16 / CONVERSION_MARKER).is_file()
    assert cast_conversion(source.path, "float32") == source.path
    with (
        safe_open(str(source.path / "model.safetensors"), "pt") as a,
        safe_open(str(bf16 / "model.safetensors"), "pt") as b,
    ):
        key = "model.layers.0.mlp.up_proj.weight"
        assert torch.equal(a.get_tensor(key).to(torch.bfloat16), b.get_tensor(key))


class FakeGgufLoader:
    """Stands in for transformers' (slow) GGUF loading: returns a tiny model marked as GGUF-quantised."""

    def __init__(self, model_dir: Path) -> None:
        self.model_dir = model_dir
        self.model_calls = 0
        self.fail_tokenizer_save = False

    def model(self, *args: Any, **kwargs: Any) -> Any:
        from transformers import AutoModelForCausalLM

        self.model_calls += 1
        model = AutoModelForCausalLM.from_pretrained(str(self.model_dir))
        model.hf_quantizer = object()  # what save_pretrained refuses, as after a real GGUF load
        model.config.quantization_config = {"quant_method": "gguf"}
        return model

    def tokenizer(self, *args: Any, **kwargs: Any) -> Any:
        from transformers import AutoTokenizer

        tok = AutoTokenizer.from_pretrained(str(self.model_dir))
        if self.fail_tokenizer_save:

            def broken(*a: Any, **k: Any) -> None:
                raise OSError("disk full")

            tok.save_pretrained = broken
        return tok


@pytest.fixture
def fake_gguf(tmp_path: Path, loaded: Loaded, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, FakeGgufLoader]:
    """A fake .gguf whose (patched) GGUF load yields a tiny model; non-GGUF loads stay real."""
    import transformers

    model_dir = tiny_model(tmp_path / "tiny", "llama", resolve_model(loaded.settings).path)
    fake = FakeGgufLoader(model_dir)
    for cls, fake_load in (
        (transformers.AutoModelForCausalLM, fake.model),
        (transformers.AutoTokenizer, fake.tokenizer),
    ):
        real_load = cls.from_pretrained

        def load(*args: Any, _real: Any = real_load, _fake: Any = fake_load, **kwargs: Any) -> Any:
            return _fake(*args, **kwargs) if "gguf_file" in kwargs else _real(*args, **kwargs)

        monkeypatch.setattr(cls, "from_pretrained", load)
    gguf = tmp_path / "weights" / "tiny.Q4_0.gguf"
    gguf.parent.mkdir()
    gguf.write_bytes(b"GGUF fake")
    return gguf, fake


@pytest.mark.model
def test_conversion_writes_atomically_and_is_reused(tmp_path: Path, fake_gguf: Any) -> None:
    gguf, fake = fake_gguf
    cache = tmp_path / "cache"
    folder = convert_gguf(gguf, cache)
    assert folder == converted_dir(gguf, cache) and (folder / CONVERSION_MARKER).is_file()
    assert (folder / "model.safetensors").is_file() and (folder / "tokenizer.json").is_file()
    assert "quantization_config" not in (folder / "config.json").read_text()
    assert [p.name for p in cache.iterdir()] == [folder.name]  # no temp folder left behind
    assert convert_gguf(gguf, cache) == folder and fake.model_calls == 1  # reused, not reconverted
    settings = Settings(model_path=str(gguf.parent), model_cache_dir=cache)
    source = resolve_model(settings)
    assert source.path == folder and not source.converted_now and source.model_id == "tiny.Q4_0"
    # a replaced GGUF (new mtime) gets a new conversion
    os.utime(gguf, ns=(time.time_ns(), time.time_ns() + 10**9))
    assert convert_gguf(gguf, cache) != folder and fake.model_calls == 2


@pytest.mark.model
def test_failed_conversion_leaves_nothing_that_looks_complete(tmp_path: Path, fake_gguf: Any) -> None:
    gguf, fake = fake_gguf
    fake.fail_tokenizer_save = True
    cache = tmp_path / "cache"
    with pytest.raises(OSError, match="disk full"):
        convert_gguf(gguf, cache)
    assert list(cache.iterdir()) == []  # neither the destination nor the temp folder
    fake.fail_tokenizer_save = False
    assert (convert_gguf(gguf, cache) / CONVERSION_MARKER).is_file()


def test_model_path_errors_are_clear(tmp_path: Path) -> None:
    with pytest.raises(ModelNotFound, match="neither"):
        resolve_model(Settings(model_path=str(tmp_path / "missing"), model_cache_dir=tmp_path))
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelNotFound, match="no config.json"):
        resolve_model(Settings(model_path=str(tmp_path / "empty"), model_cache_dir=tmp_path))


def test_device_and_dtype_choice() -> None:
    plan = resolve_device("cpu", "float32")
    assert (plan.device, plan.dtype, plan.quantization) == ("cpu", "float32", "none")
    assert resolve_device("cpu", "bf16").dtype == "bfloat16"
    auto = resolve_device("auto", "auto")
    if not torch.cuda.is_available():
        assert auto.device in ("cpu", "mps")
        with pytest.raises(ValueError, match="CUDA"):
            resolve_device("cuda")
    if auto.device == "cpu":
        from planwright.engine.device import cpu_has_native_bf16

        assert auto.dtype == ("bfloat16" if cpu_has_native_bf16() else "float32")
    assert resolve_device("cpu", "bfloat16", "4bit").quantization == "4bit"  # torch's CPU kernels
    with pytest.raises(ValueError, match="needs model_dtype=bfloat16"):
        resolve_device("cpu", "float32", "8bit")
    with pytest.raises(ValueError, match="unknown model_dtype"):
        resolve_device("cpu", "int3")
