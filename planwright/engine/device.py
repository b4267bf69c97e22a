"""Device and dtype choice. `auto` prefers CUDA (bf16) > MPS (fp16) > CPU; on CPU it is bf16 when the
processor has native bf16 matrix units (AMX / AVX512-BF16), where bench/engine.py measured it faster
than fp32 (bench/RESULTS.md), else fp32, where bf16 is emulated and slow."""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DTYPE_NAMES = {
    "float32": "float32",
    "fp32": "float32",
    "bfloat16": "bfloat16",
    "bf16": "bfloat16",
    "float16": "float16",
    "fp16": "float16",
}


@dataclass(frozen=True)
class DevicePlan:
    """Where and how the model runs; `quantization` is "none", "8bit" or "4bit": bitsandbytes on
    CUDA, torch's weight-only int8/int4 kernels on CPU (planwright/engine/cpu_fast.py)."""

    device: str  # "cuda" | "cuda:N" | "mps" | "cpu"
    dtype: str  # "float32" | "bfloat16" | "float16"
    quantization: str = "none"

    def torch_dtype(self) -> Any:
        import torch

        return getattr(torch, self.dtype)


def cpu_has_native_bf16() -> bool:
    """True when the CPU advertises bf16 matrix instructions (x86 AMX/AVX512-BF16, Arm BF16)."""
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return any(f in flags for f in (" amx_bf16", " avx512_bf16", " bf16"))


def resolve_device(device: str = "auto", dtype: str = "auto", quantization: str = "none") -> DevicePlan:
    """Turn settings into a concrete plan; raises ValueError with the reason when a choice can't work."""
    import torch

    if device == "auto":
        if torch.cuda.is_available():
            device = "cuda"
        elif getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
            device = "mps"
        else:
            device = "cpu"
    kind = device.split(":", 1)[0]
    if kind == "cuda" and not torch.cuda.is_available():
        raise ValueError("model_device=cuda but torch sees no CUDA device")
    if kind == "mps" and not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()):
        raise ValueError("model_device=mps but MPS is not available")
    if kind not in ("cuda", "mps", "cpu"):
        raise ValueError(f"unknown model_device {device!r}")

    if dtype == "auto":
        if kind == "cuda":
            dtype = "bfloat16" if torch.cuda.is_bf16_supported() else "float16"
        elif kind == "mps":
            dtype = "float16"
        else:
            dtype = "bfloat16" if cpu_has_native_bf16() else "float32"
    if dtype not in DTYPE_NAMES:
        raise ValueError(f"unknown model_dtype {dtype!r}")
    dtype = DTYPE_NAMES[dtype]

    if quantization not in ("none", "8bit", "4bit"):
        raise ValueError(f"unknown model_quantization {quantization!r}")
    if quantization != "none":
        if kind == "cpu":
            if dtype != "bfloat16":
                raise ValueError(
                    f"model_quantization={quantization} on CPU needs model_dtype=bfloat16 "
                    f"(torch's weight-only kernels take bf16 activations); dtype is {dtype}"
                )
            return DevicePlan(device=device, dtype=dtype, quantization=quantization)
        if kind != "cuda":
            raise ValueError(
                f"model_quantization={quantization} needs CUDA (bitsandbytes) or the CPU; device is {device}"
            )
        if importlib.util.find_spec("bitsandbytes") is None:
            raise ValueError(
                f"model_quantization={quantization} needs the bitsandbytes package: pip install bitsandbytes"
            )
    return DevicePlan(device=device, dtype=dtype, quantization=quantization)


def quantization_config(plan: DevicePlan) -> Any | None:
    """The transformers BitsAndBytesConfig for the plan, or None (also on CPU: cpu_fast does it)."""
    if plan.quantization == "none" or plan.device == "cpu":
        return None
    from transformers import BitsAndBytesConfig

    if plan.quantization == "8bit":
        return BitsAndBytesConfig(load_in_8bit=True)
    return BitsAndBytesConfig(
        load_in_4bit=True, bnb_4bit_compute_dtype=plan.torch_dtype(), bnb_4bit_quant_type="nf4"
    )
