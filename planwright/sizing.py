"""Sizing: how much memory a local model needs and how fast it can decode, from first principles.

The study behind Planwright gives a table of models, formats, memory and speed (its Table 1). Some of
its figures do not survive arithmetic, so this module computes instead of quoting:

* weights  = parameters x bytes per parameter of the format;
* KV cache = 2 x layers x KV heads x head size x context x batch x bytes per KV element
  (DeepSeek-R1's multi-head latent attention caches one compressed 512 + 64 latent per layer
  and token instead of K and V, so its KV is layers x 576 x context x batch x bytes);
* overhead = 10 % of the weights (activations, temporary buffers, allocator slack) + 0.3 GB fixed
  (the framework's own code, CUDA/MPS context or the Python runtime);
* one decode step reads every active weight once plus every sequence's KV cache and does
  2 x active parameters + attention FLOPs per token: the step takes the longer of
  bytes / (bandwidth x efficiency) and FLOPs / (peak FLOPS x efficiency) (a roofline).

Everything is pure Python (no torch) so the API, the CLI and the tests can call it anywhere.
`compare_with_study()` shows, row by row, where the study's Table 1 and these formulas disagree and
why; `check_against_measurement()` reports the error against what was measured on this machine.
The formulas are never tuned to match either.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal

GB = 1e9  # decimal gigabytes throughout, like vendors' memory and bandwidth figures

Bound = Literal["bandwidth", "compute"]
Verdict = Literal["agrees", "disagrees", "not given"]

# ------------------------------------------------------------------------------------------- formats

#: Bits stored per weight. INT4 is 4-bit integers plus one 16-bit scale (and, in most schemes, a
#: zero point) per group of 32-64 weights, which comes to ~4.5 bits effective (GGUF Q4_0 is exactly
#: 4.5, Q4_1 5.0, GPTQ/AWQ with group 128 ~4.25). INT8's per-channel scales are negligible.
FORMAT_BITS: dict[str, float] = {
    "FP32": 32.0,
    "BF16": 16.0,
    "FP16": 16.0,
    "FP8": 8.0,
    "INT8": 8.0,
    "INT4": 4.5,
}

#: The precision the matrix multiplies run in. FP8/INT8/INT4 are treated as weight-only
#: quantisation (dequantised to 16-bit inside the kernel), which is how bitsandbytes, GPTQ/AWQ
#: kernels and llama.cpp run decode; so they use the device's 16-bit FLOPS, not its INT8 TOPS.
COMPUTE_PRECISION: dict[str, str] = {
    "FP32": "fp32",
    "BF16": "bf16",
    "FP16": "fp16",
    "FP8": "bf16",
    "INT8": "bf16",
    "INT4": "bf16",
}

OVERHEAD_FRACTION_OF_WEIGHTS = 0.10
OVERHEAD_FIXED_GB = 0.3
DEFAULT_BANDWIDTH_EFFICIENCY = 0.7  # share of peak memory bandwidth a decode step really streams
DEFAULT_COMPUTE_EFFICIENCY = 0.5  # share of peak FLOPS the small decode GEMMs really reach


def bytes_per_weight(fmt: str) -> float:
    """Bytes one parameter takes in a storage format."""
    return FORMAT_BITS[normalise_format(fmt)] / 8


def kv_bytes_per_element(fmt: str) -> int:
    """KV cache precision: FP32 models keep an FP32 cache; every other format keeps it in 16-bit."""
    return 4 if normalise_format(fmt) == "FP32" else 2


def normalise_format(fmt: str) -> str:
    """Accept `bf16`, `BF16`, `int4` ...; refuse anything else with the list of known formats."""
    key = fmt.strip().upper()
    if key not in FORMAT_BITS:
        raise UnknownNameError("format", fmt, list(FORMAT_BITS))
    return key


class UnknownNameError(ValueError):
    """An unknown model, device or format; the message lists the known names (the API shows it)."""

    def __init__(self, kind: str, name: str, known: Iterable[str]) -> None:
        self.kind = kind
        self.name = name
        self.known = list(known)
        super().__init__(f"unknown {kind} {name!r}; known {kind}s: {', '.join(self.known)}")


# -------------------------------------------------------------------------------------------- models


@dataclass(frozen=True)
class ModelSpec:
    """The shape numbers the formulas need; taken from each model's published config."""

    name: str
    display: str
    params: float
    layers: int | None
    hidden: int | None
    heads: int | None
    kv_heads: int | None
    head_dim: int | None
    vocab: int | None
    max_context: int | None
    #: MLA (DeepSeek-V3/R1): elements cached per layer and token (kv_lora_rank + rope dim).
    mla_kv_dim: int | None = None
    #: Mixture of experts: parameters in routed experts, how many experts, how many per token.
    routed_expert_params: float = 0.0
    experts: int = 0
    experts_per_token: int = 0
    notes: str = ""

    @property
    def active_params(self) -> float:
        """Parameters one token touches: all of them for a dense model, dense part + k of E experts."""
        return self.params_read_per_step(1)

    def params_read_per_step(self, batch: int) -> float:
        """Weights one decode step must stream for `batch` tokens.

        Dense: all weights once. MoE: the dense part plus every routed expert that at least one of
        the batch's tokens picks, assuming uniform, independent routing: a fraction
        1 - (1 - k/E)^batch of the experts.
        """
        if not self.experts:
            return self.params
        touched = 1 - (1 - self.experts_per_token / self.experts) ** batch
        return self.params - self.routed_expert_params + self.routed_expert_params * touched

    @property
    def kv_elements_per_token(self) -> int | None:
        """Elements cached per token across all layers (None: the shape is not known)."""
        if self.layers is None:
            return None
        if self.mla_kv_dim is not None:
            return self.layers * self.mla_kv_dim
        if self.kv_heads is None or self.head_dim is None:
            return None
        return 2 * self.layers * self.kv_heads * self.head_dim

    def attention_flops_per_token(self, context: int) -> float:
        """QK^T and AV over `context` cached tokens: 4 x layers x heads x head size x context.

        For MLA this uses the value head size and is an approximation (a few percent of the total at
        the contexts this tool is used for).
        """
        if self.layers is None or self.heads is None or self.head_dim is None:
            return 0.0
        return 4.0 * self.layers * self.heads * self.head_dim * context


MODELS: dict[str, ModelSpec] = {
    m.name: m
    for m in (
        ModelSpec(
            name="smollm2-135m-instruct",
            display="SmolLM2-135M-Instruct",
            params=134_515_008,
            layers=30, hidden=576, heads=9, kv_heads=3, head_dim=64, vocab=49_152, max_context=8192,
            notes="Planwright's default model; tied input/output embeddings.",
        ),
        ModelSpec(
            name="gpt2-large",
            display="GPT-2 Large",
            params=774_030_080,
            layers=36, hidden=1280, heads=20, kv_heads=20, head_dim=64, vocab=50_257, max_context=1024,
            notes="Plain multi-head attention (no GQA): every head has its own K and V.",
        ),
        ModelSpec(
            name="deepseek-r1-distill-qwen-1.5b",
            display="DeepSeek-R1-Distill-Qwen-1.5B",
            params=1_777_088_000,
            layers=28, hidden=1536, heads=12, kv_heads=2, head_dim=128, vocab=151_936,
            max_context=131_072,
            notes="Qwen2-1.5B shape; 1.78B counts both 233M-parameter embedding matrices (untied).",
        ),
        ModelSpec(
            name="llama-3-8b",
            display="Llama 3 8B",
            params=8_030_261_248,
            layers=32, hidden=4096, heads=32, kv_heads=8, head_dim=128, vocab=128_256, max_context=8192,
        ),
        ModelSpec(
            name="deepseek-llm-67b",
            display="DeepSeek LLM 67B",
            params=67.4e9,
            layers=95, hidden=8192, heads=64, kv_heads=8, head_dim=128, vocab=102_400, max_context=4096,
            notes="Dense; 67.4B computed from its config (hidden 8192, FFN 22016, untied embeddings).",
        ),
        ModelSpec(
            name="deepseek-r1",
            display="DeepSeek-R1",
            params=671e9,
            layers=61, hidden=7168, heads=128, kv_heads=128, head_dim=128, vocab=129_280,
            max_context=131_072,
            mla_kv_dim=512 + 64,
            routed_expert_params=58 * 256 * 3 * 7168 * 2048,  # 58 MoE layers x 256 experts x 3 matrices
            experts=256,
            experts_per_token=8,
            notes=(
                "671B mixture of experts, ~37B active per token (dense part ~17B + 8 of 256 routed "
                "experts); MLA caches a compressed 512 + 64 latent per layer and token instead of K "
                "and V; released in FP8."
            ),
        ),
    )
}

DEFAULT_MODEL = "smollm2-135m-instruct"

_MODEL_ALIASES: dict[str, str] = {
    "default": DEFAULT_MODEL,
    "smollm2": DEFAULT_MODEL,
    "smollm2-135m": DEFAULT_MODEL,
    "gpt2-l": "gpt2-large",
    "gpt-2-large": "gpt2-large",
    "deepseek-r1-distill-1.5b": "deepseek-r1-distill-qwen-1.5b",
    "llama3-8b": "llama-3-8b",
    "meta-llama-3-8b": "llama-3-8b",
    "deepseek-67b": "deepseek-llm-67b",
    "deepseek-llm-67b-base": "deepseek-llm-67b",
}


def _key(name: str) -> str:
    return name.strip().rsplit("/", 1)[-1].lower().replace("_", "-").replace(" ", "-")


def get_model(model: str | ModelSpec) -> ModelSpec:
    """A catalogue model by name (case, `_` and a hub `owner/` prefix ignored), or the spec itself."""
    if isinstance(model, ModelSpec):
        return model
    key = _key(model)
    key = _MODEL_ALIASES.get(key, key)
    if key not in MODELS:
        raise UnknownNameError("model", model, MODELS)
    return MODELS[key]


def custom_model(
    params: float,
    *,
    layers: int | None = None,
    hidden: int | None = None,
    heads: int | None = None,
    kv_heads: int | None = None,
    head_dim: int | None = None,
    vocab: int | None = None,
    max_context: int | None = None,
    name: str = "custom",
) -> ModelSpec:
    """A model given by its numbers. head size defaults to hidden / heads, KV heads to heads (no GQA).

    Without layers and a head size the KV cache cannot be computed and is left out (the result says so).
    """
    if params <= 0:
        raise ValueError("params must be positive")
    if head_dim is None and hidden and heads:
        head_dim = hidden // heads
    if kv_heads is None:
        kv_heads = heads
    return ModelSpec(
        name=name, display=name, params=float(params), layers=layers, hidden=hidden, heads=heads,
        kv_heads=kv_heads, head_dim=head_dim, vocab=vocab, max_context=max_context,
    )


# ------------------------------------------------------------------------------------------- devices


@dataclass(frozen=True)
class DeviceSpec:
    """Peak figures from vendors' data sheets (or stated assumptions); nothing here is measured."""

    name: str
    display: str
    memory_gb: float
    bandwidth_gbs: float
    #: Dense peak TFLOPS by matmul precision ("fp32", "bf16", "fp16"); empty: compute not modelled.
    tflops: dict[str, float] = field(default_factory=dict)
    #: Share of memory a model may use (the rest: OS, display, fragmentation, Metal's working-set cap).
    usable_fraction: float = 0.9
    notes: str = ""

    @property
    def usable_memory_gb(self) -> float:
        return self.memory_gb * self.usable_fraction

    def peak_tflops(self, precision: str) -> float | None:
        """Peak for a precision; a missing 16-bit entry falls back to the other 16-bit one."""
        if precision in self.tflops:
            return self.tflops[precision]
        if precision in ("bf16", "fp16"):
            other = "fp16" if precision == "bf16" else "bf16"
            return self.tflops.get(other, self.tflops.get("fp32"))
        return None


DEVICES: dict[str, DeviceSpec] = {
    d.name: d
    for d in (
        DeviceSpec(
            name="this-cpu",
            display="This machine's CPU (2 cores, Xeon with AVX-512 + AMX, 24 GiB)",
            memory_gb=25.8,
            bandwidth_gbs=20.0,
            tflops={"fp32": 0.27, "bf16": 2.15, "fp16": 0.54},
            usable_fraction=0.8,
            notes=(
                "Assumed, not measured: ~20 GB/s of DDR bandwidth for two vCPUs (override with "
                "--bandwidth-gbs). Peaks: 2 cores x 2.1 GHz x 64 FP32 FLOPs/cycle (AVX-512, 2 FMA) "
                "= 0.27 TFLOPS; AMX-BF16 1024 FLOPs/cycle/core = 2.15 TFLOPS; FP16 via AVX-512-FP16 "
                "= 0.54. The 300 MB L3 can hold a whole 135M-parameter model, which DDR-bound "
                "arithmetic does not capture."
            ),
        ),
        DeviceSpec(
            name="apple-m1-8gb",
            display="Apple M1, 8 GB unified memory",
            memory_gb=8.0,
            bandwidth_gbs=68.25,
            tflops={"fp32": 2.6, "fp16": 2.6, "bf16": 2.6},
            usable_fraction=0.67,
            notes="MPS: Metal lets one process use roughly two thirds of unified memory by default.",
        ),
        DeviceSpec(
            name="apple-m1-16gb",
            display="Apple M1, 16 GB unified memory",
            memory_gb=16.0,
            bandwidth_gbs=68.25,
            tflops={"fp32": 2.6, "fp16": 2.6, "bf16": 2.6},
            usable_fraction=0.67,
            notes="MPS: Metal lets one process use roughly two thirds of unified memory by default.",
        ),
        DeviceSpec(
            name="rtx-4090",
            display="NVIDIA RTX 4090 (24 GB)",
            memory_gb=24.0,
            bandwidth_gbs=1008.0,
            tflops={"fp32": 82.6, "bf16": 165.2, "fp16": 165.2},
            notes="165 TFLOPS dense 16-bit is the FP16-accumulate rate; FP32-accumulate is half.",
        ),
        DeviceSpec(
            name="a100-80gb",
            display="NVIDIA A100 80GB SXM",
            memory_gb=80.0,
            bandwidth_gbs=2039.0,
            tflops={"fp32": 19.5, "bf16": 312.0, "fp16": 312.0},
        ),
        DeviceSpec(
            name="h100-sxm-80gb",
            display="NVIDIA H100 80GB SXM",
            memory_gb=80.0,
            bandwidth_gbs=3350.0,
            tflops={"fp32": 67.0, "bf16": 989.0, "fp16": 989.0},
        ),
        DeviceSpec(
            name="h200",
            display="NVIDIA H200 (141 GB)",
            memory_gb=141.0,
            bandwidth_gbs=4800.0,
            tflops={"fp32": 67.0, "bf16": 989.0, "fp16": 989.0},
        ),
    )
}

DEFAULT_DEVICE = "this-cpu"

_DEVICE_ALIASES: dict[str, str] = {
    "cpu": "this-cpu",
    "m1": "apple-m1-16gb",
    "apple-m1": "apple-m1-16gb",
    "4090": "rtx-4090",
    "a100": "a100-80gb",
    "h100": "h100-sxm-80gb",
    "h100-80gb": "h100-sxm-80gb",
}


def get_device(device: str | DeviceSpec) -> DeviceSpec:
    """A catalogue device by name, or the spec itself."""
    if isinstance(device, DeviceSpec):
        return device
    key = _key(device)
    key = _DEVICE_ALIASES.get(key, key)
    if key not in DEVICES:
        raise UnknownNameError("device", device, DEVICES)
    return DEVICES[key]


def custom_device(
    memory_gb: float, bandwidth_gbs: float, tflops: float | None = None, name: str = "custom"
) -> DeviceSpec:
    """A device given by its numbers; one TFLOPS figure is used for every precision (None: not modelled)."""
    if memory_gb <= 0 or bandwidth_gbs <= 0:
        raise ValueError("memory_gb and bandwidth_gbs must be positive")
    peaks = {} if tflops is None else {"fp32": tflops, "bf16": tflops, "fp16": tflops}
    return DeviceSpec(name=name, display=name, memory_gb=memory_gb, bandwidth_gbs=bandwidth_gbs,
                      tflops=peaks, usable_fraction=1.0)


# ---------------------------------------------------------------------------------------- estimates


@dataclass(frozen=True)
class MemoryEstimate:
    """Memory to hold the weights, the KV cache for `context` x `batch`, and the runtime around them."""

    weights_gb: float
    kv_cache_gb: float
    overhead_gb: float
    total_gb: float


def kv_cache_bytes(model: str | ModelSpec, fmt: str, context: int, batch: int = 1) -> float:
    """2 x layers x KV heads x head size x context x batch x bytes (MLA: layers x latent x ...)."""
    spec = get_model(model)
    per_token = spec.kv_elements_per_token
    if per_token is None:
        return 0.0
    return float(per_token) * context * batch * kv_bytes_per_element(fmt)


def estimate_memory(model: str | ModelSpec, fmt: str, context: int, batch: int = 1) -> MemoryEstimate:
    """Weights (all parameters, MoE experts included) + KV cache + 10 % of weights + 0.3 GB."""
    _check_positive(context=context, batch=batch)
    spec = get_model(model)
    weights = spec.params * bytes_per_weight(fmt) / GB
    kv = kv_cache_bytes(spec, fmt, context, batch) / GB
    overhead = OVERHEAD_FRACTION_OF_WEIGHTS * weights + OVERHEAD_FIXED_GB
    return MemoryEstimate(weights_gb=weights, kv_cache_gb=kv, overhead_gb=overhead,
                          total_gb=weights + kv + overhead)


@dataclass(frozen=True)
class DecodeEstimate:
    """One decode step's roofline: which of memory traffic or arithmetic limits it, and the speed."""

    tokens_per_s_per_sequence: float
    tokens_per_s_aggregate: float
    bound: Bound
    step_ms: float
    bytes_per_step_gb: float
    gflops_per_step: float
    bandwidth_bound_tokens_per_s: float  # aggregate, if only bandwidth limited
    compute_bound_tokens_per_s: float | None  # aggregate, if only compute limited (None: not modelled)


def estimate_decode_speed(
    model: str | ModelSpec,
    fmt: str,
    device: str | DeviceSpec,
    batch: int = 1,
    context: int = 512,
    *,
    bandwidth_efficiency: float = DEFAULT_BANDWIDTH_EFFICIENCY,
    compute_efficiency: float = DEFAULT_COMPUTE_EFFICIENCY,
) -> DecodeEstimate:
    """Decode speed with `batch` sequences each holding `context` cached tokens (a roofline).

    Bytes per step = active weights x bytes per weight + batch x KV bytes per sequence; FLOPs per
    step = batch x (2 x active parameters + attention). The step lasts the longer of the two times;
    prefill (prompt processing) is not part of it.
    """
    _check_positive(context=context, batch=batch)
    if not 0 < bandwidth_efficiency <= 1 or not 0 < compute_efficiency <= 1:
        raise ValueError("efficiencies must be in (0, 1]")
    spec, dev = get_model(model), get_device(device)
    fmt = normalise_format(fmt)
    weight_bytes = spec.params_read_per_step(batch) * bytes_per_weight(fmt)
    step_bytes = weight_bytes + kv_cache_bytes(spec, fmt, context, batch)
    step_flops = batch * (2 * spec.active_params + spec.attention_flops_per_token(context))
    t_bandwidth = step_bytes / (dev.bandwidth_gbs * GB * bandwidth_efficiency)
    peak = dev.peak_tflops(COMPUTE_PRECISION[fmt])
    t_compute = step_flops / (peak * 1e12 * compute_efficiency) if peak else 0.0
    step = max(t_bandwidth, t_compute)
    return DecodeEstimate(
        tokens_per_s_per_sequence=1 / step,
        tokens_per_s_aggregate=batch / step,
        bound="compute" if t_compute > t_bandwidth else "bandwidth",
        step_ms=step * 1e3,
        bytes_per_step_gb=step_bytes / GB,
        gflops_per_step=step_flops / 1e9,
        bandwidth_bound_tokens_per_s=batch / t_bandwidth,
        compute_bound_tokens_per_s=batch / t_compute if t_compute else None,
    )


def _check_positive(**values: int) -> None:
    for name, value in values.items():
        if value < 1:
            raise ValueError(f"{name} must be at least 1, got {value}")


# ----------------------------------------------------------------------------- sizing & recommending


@dataclass(frozen=True)
class Recommendation:
    """A model and format that fit a device, with the speed to expect."""

    model: str
    display: str
    format: str
    total_gb: float
    tokens_per_s_per_sequence: float
    tokens_per_s_aggregate: float
    bound: Bound


RECOMMEND_FORMATS: tuple[str, ...] = ("FP32", "BF16", "INT8", "INT4")


def recommend(
    device: str | DeviceSpec,
    context: int = 2048,
    batch: int = 1,
    formats: Sequence[str] = RECOMMEND_FORMATS,
    *,
    min_tokens_per_s: float = 0.0,
    bandwidth_efficiency: float = DEFAULT_BANDWIDTH_EFFICIENCY,
    compute_efficiency: float = DEFAULT_COMPUTE_EFFICIENCY,
) -> list[Recommendation]:
    """Every catalogue model x format whose total fits the device's usable memory at this context.

    Models whose maximum context is shorter than `context`, and choices slower than
    `min_tokens_per_s` per sequence, are left out. Biggest model first, and for one model the most
    precise format first: the first row is the most capable choice that fits.
    """
    dev = get_device(device)
    rows: list[tuple[float, float, Recommendation]] = []
    for spec in MODELS.values():
        if spec.max_context is not None and context > spec.max_context:
            continue
        for fmt in formats:
            memory = estimate_memory(spec, fmt, context, batch)
            if memory.total_gb > dev.usable_memory_gb:
                continue
            speed = estimate_decode_speed(spec, fmt, dev, batch, context,
                                          bandwidth_efficiency=bandwidth_efficiency,
                                          compute_efficiency=compute_efficiency)
            if speed.tokens_per_s_per_sequence < min_tokens_per_s:
                continue
            rec = Recommendation(
                model=spec.name, display=spec.display, format=normalise_format(fmt),
                total_gb=memory.total_gb, tokens_per_s_per_sequence=speed.tokens_per_s_per_sequence,
                tokens_per_s_aggregate=speed.tokens_per_s_aggregate, bound=speed.bound,
            )
            rows.append((spec.params, bytes_per_weight(fmt), rec))
    rows.sort(key=lambda r: (-r[0], -r[1]))
    return [r[2] for r in rows]


@dataclass(frozen=True)
class SizingResult:
    """Everything the CLI and `GET /api/v1/sizing` answer for one model, format and device."""

    model: ModelSpec
    device: DeviceSpec
    format: str
    context: int
    batch: int
    memory: MemoryEstimate
    speed: DecodeEstimate
    fits: bool
    usable_memory_gb: float
    headroom_gb: float
    recommendations: list[Recommendation]
    notes: list[str]


def size(
    model: str | ModelSpec = DEFAULT_MODEL,
    fmt: str = "BF16",
    device: str | DeviceSpec = DEFAULT_DEVICE,
    context: int | None = None,
    batch: int = 1,
    *,
    bandwidth_efficiency: float = DEFAULT_BANDWIDTH_EFFICIENCY,
    compute_efficiency: float = DEFAULT_COMPUTE_EFFICIENCY,
) -> SizingResult:
    """Memory, speed, fit and what else fits: one call for the route and the CLI.

    `context` defaults to the model's maximum or 2048, whichever is smaller.
    """
    spec, dev, fmt = get_model(model), get_device(device), normalise_format(fmt)
    if context is None:
        context = min(spec.max_context or 2048, 2048)
    memory = estimate_memory(spec, fmt, context, batch)
    speed = estimate_decode_speed(spec, fmt, dev, batch, context,
                                  bandwidth_efficiency=bandwidth_efficiency,
                                  compute_efficiency=compute_efficiency)
    notes: list[str] = []
    if spec.max_context is not None and context > spec.max_context:
        notes.append(f"context {context} exceeds {spec.display}'s maximum of {spec.max_context} tokens")
    if spec.kv_elements_per_token is None:
        notes.append("KV cache not estimated: give layers and kv heads + head size (or hidden + heads)")
    if not dev.tflops:
        notes.append("no TFLOPS given: compute bound not modelled, speed is the bandwidth bound")
    if spec.mla_kv_dim is not None:
        notes.append(f"KV cache uses MLA's compressed latent ({spec.mla_kv_dim} per layer and token)")
    if spec.experts:
        notes.append(
            f"MoE: all {spec.params / 1e9:.0f}B parameters must be resident; a step reads "
            f"{spec.params_read_per_step(batch) / 1e9:.1f}B of them at batch {batch}"
        )
    if fmt == "INT4":
        notes.append("INT4 counted as 4.5 bits per weight (4-bit values + per-group scales)")
    if spec.notes:
        notes.append(spec.notes)
    if dev.notes:
        notes.append(dev.notes)
    fits = memory.total_gb <= dev.usable_memory_gb
    return SizingResult(
        model=spec, device=dev, format=fmt, context=context, batch=batch, memory=memory, speed=speed,
        fits=fits, usable_memory_gb=dev.usable_memory_gb, headroom_gb=dev.usable_memory_gb - memory.total_gb,
        recommendations=recommend(dev, context, batch, bandwidth_efficiency=bandwidth_efficiency,
                                  compute_efficiency=compute_efficiency),
        notes=notes,
    )


# ------------------------------------------------------------------------------ the study's Table 1


@dataclass(frozen=True)
class StudyRow:
    """One row of the study's Table 1 as the study states it; None where our copy gives no figure."""

    label: str
    model: str
    format: str
    study_params: str
    study_memory_gb_low: float | None
    study_memory_gb_high: float | None
    study_memory_text: str
    study_speed_text: str
    source: str


#: The rows as DESIGN.md quotes them. Only two memory figures are known to us: 80-120 GB for
#: "DeepSeek-R1 67B" in FP32 and "<4 GB" for the 1.5B distill (from the study's text); the rest are
#: marked "not given" rather than invented. The study's speed column is not quoted anywhere.
STUDY_TABLE_1: tuple[StudyRow, ...] = (
    StudyRow(
        label="GPT-2 Large", model="gpt2-large", format="FP32", study_params="774M",
        study_memory_gb_low=None, study_memory_gb_high=None, study_memory_text="not given",
        study_speed_text="not given",
        source="row named in the study; format not given, FP32 assumed (the released checkpoint's dtype)",
    ),
    StudyRow(
        label="DeepSeek-R1-Distill-Qwen-1.5B", model="deepseek-r1-distill-qwen-1.5b", format="INT4",
        study_params="1.5B", study_memory_gb_low=None, study_memory_gb_high=4.0,
        study_memory_text="<4 GB", study_speed_text="not given",
        source="'<4 GB memory for the 1.5B model' from the study's text (DESIGN.md)",
    ),
    StudyRow(
        label="Llama 3 8B", model="llama-3-8b", format="BF16", study_params="8B",
        study_memory_gb_low=None, study_memory_gb_high=None, study_memory_text="not given",
        study_speed_text="not given", source="row named in the study",
    ),
    StudyRow(
        label="DeepSeek-R1 67B", model="deepseek-llm-67b", format="FP32", study_params="67B",
        study_memory_gb_low=80.0, study_memory_gb_high=120.0, study_memory_text="80-120 GB",
        study_speed_text="not given",
        source="Table 1 as quoted in DESIGN.md; computed as the 67B dense model the row's size describes",
    ),
)

STUDY_CONTEXT_CAP = 4096  # the study gives no context per row; we use min(model maximum, 4096), batch 1


@dataclass(frozen=True)
class StudyComparison:
    """Our estimate next to the study's figure, the difference and the reason for it."""

    label: str
    model: str
    format: str
    context: int
    our_weights_gb: float
    our_kv_cache_gb: float
    our_total_gb: float
    study_memory: str
    difference_gb: float | None  # ours minus the nearest end of the study's range; 0 inside it
    verdict: Verdict
    reason: str


def _study_verdict(total: float, low: float | None, high: float | None) -> tuple[float | None, Verdict]:
    if low is None and high is None:
        return None, "not given"
    if low is not None and total < low:
        return total - low, "disagrees"
    if high is not None and total > high:
        return total - high, "disagrees"
    return 0.0, "agrees"


def _reason(row: StudyRow, spec: ModelSpec, mem: MemoryEstimate, context: int) -> str:
    bpw = bytes_per_weight(row.format)
    arithmetic = (f"{spec.params / 1e9:.2f}B x {bpw:g} B = {mem.weights_gb:.2f} GB weights + "
                  f"{mem.kv_cache_gb:.2f} GB KV at {context} tokens + {mem.overhead_gb:.2f} GB overhead")
    if row.model == "deepseek-llm-67b":
        int8 = estimate_memory(spec, "INT8", context).total_gb
        bf16 = estimate_memory(spec, "BF16", context).total_gb
        r1 = MODELS["deepseek-r1"]
        r1_fp8 = estimate_memory(r1, "FP8", context).weights_gb
        r1_fp32 = estimate_memory(r1, "FP32", context).weights_gb
        return (
            f"{arithmetic}: 67B x 4 bytes is 268 GB of weights alone ({mem.weights_gb:.0f} GB at the "
            f"config's 67.4B), 2-3x the study's figure before any KV cache. 80-120 GB lies between "
            f"this model's INT8 ({int8:.0f} GB) and BF16 ({bf16:.0f} GB) totals, so it cannot be "
            f"FP32. And DeepSeek-R1 is not a 67B model: it is a 671B mixture of experts (~37B "
            f"active per token) whose weights take {r1_fp8:.0f} GB in its native FP8 and "
            f"{r1_fp32:.0f} GB in FP32; the row mixes DeepSeek LLM 67B's size with R1's name."
        )
    if row.model == "deepseek-r1-distill-qwen-1.5b":
        bf16 = estimate_memory(spec, "BF16", context).total_gb
        return (
            f"{arithmetic} (INT4 counted as 4.5 bits); consistent with '<4 GB'. The study ran the "
            f"model through transformers, which without bitsandbytes loads 16-bit weights: BF16 "
            f"needs {bf16:.1f} GB here, so '<4 GB' holds for INT4/INT8, not for BF16 at this context."
        )
    if row.model == "gpt2-large":
        per_token = kv_cache_bytes(spec, row.format, 1)
        llama = kv_cache_bytes(MODELS["llama-3-8b"], row.format, 1)
        return (
            f"{arithmetic}. No GQA: 36 layers x 20 KV heads x 64 make its cache {per_token / 1e6:.2f} MB "
            f"per token, ~{per_token / llama:.1f}x Llama 3 8B's at the same precision; the study's "
            f"figure is not given."
        )
    return f"{arithmetic}; the study's figure is not given, so there is nothing to compare against."


def compare_with_study() -> list[StudyComparison]:
    """Each Table 1 row computed from first principles, next to the study's figure, with the reason."""
    rows: list[StudyComparison] = []
    for row in STUDY_TABLE_1:
        spec = MODELS[row.model]
        context = min(spec.max_context or STUDY_CONTEXT_CAP, STUDY_CONTEXT_CAP)
        mem = estimate_memory(spec, row.format, context)
        diff, verdict = _study_verdict(mem.total_gb, row.study_memory_gb_low, row.study_memory_gb_high)
        rows.append(StudyComparison(
            label=row.label, model=row.model, format=row.format, context=context,
            our_weights_gb=mem.weights_gb, our_kv_cache_gb=mem.kv_cache_gb, our_total_gb=mem.total_gb,
            study_memory=row.study_memory_text, difference_gb=diff, verdict=verdict,
            reason=_reason(row, spec, mem, context),
        ))
    # The row's name read literally: the real DeepSeek-R1, in FP32 as the row says and in its FP8.
    r1 = MODELS["deepseek-r1"]
    for fmt in ("FP32", "FP8"):
        mem = estimate_memory(r1, fmt, STUDY_CONTEXT_CAP)
        diff, verdict = _study_verdict(mem.total_gb, 80.0, 120.0)
        rows.append(StudyComparison(
            label=f"DeepSeek-R1 67B, read as the real DeepSeek-R1 ({fmt})", model=r1.name, format=fmt,
            context=STUDY_CONTEXT_CAP, our_weights_gb=mem.weights_gb, our_kv_cache_gb=mem.kv_cache_gb,
            our_total_gb=mem.total_gb, study_memory="80-120 GB", difference_gb=diff,
            verdict=verdict,
            reason=(
                f"671B x {bytes_per_weight(fmt):g} B = {mem.weights_gb:.0f} GB of weights: every expert "
                f"must be resident even though a token uses ~37B; MLA keeps the KV small "
                f"({mem.kv_cache_gb:.2f} GB at {STUDY_CONTEXT_CAP} tokens, latent 512 + 64 per layer)."
            ),
        ))
    return rows


# ------------------------------------------------------------------- checked against this machine


@dataclass(frozen=True)
class MeasuredPoint:
    """A figure measured on this machine (DESIGN.md, 2026-11-25) for the default model."""

    quantity: Literal["memory_gb", "tokens_per_s_per_sequence", "tokens_per_s_aggregate"]
    format: str
    batch: int
    measured: float


#: Default model on this CPU, transformers + torch, plain `generate`, 128 new tokens. The prompt
#: length is not recorded; we assume the workload's ~150-token prompt (context 278 at the end for
#: memory, 214 on average for speed). The 0.75 GB is resident memory of the whole process.
MEASURED_ON_THIS_MACHINE: tuple[MeasuredPoint, ...] = (
    MeasuredPoint("memory_gb", "BF16", 1, 0.75),
    MeasuredPoint("tokens_per_s_per_sequence", "BF16", 1, 42.0),
    MeasuredPoint("tokens_per_s_aggregate", "BF16", 16, 389.0),
    MeasuredPoint("tokens_per_s_per_sequence", "FP32", 1, 27.0),
    MeasuredPoint("tokens_per_s_aggregate", "FP32", 16, 168.0),
)
MEASURED_PROMPT_TOKENS = 150
MEASURED_NEW_TOKENS = 128


@dataclass(frozen=True)
class MeasurementCheck:
    """Estimate vs measurement: relative error = (estimated - measured) / measured."""

    quantity: str
    format: str
    batch: int
    measured: float
    estimated: float
    relative_error: float
    bound: Bound | None


def check_against_measurement(device: str | DeviceSpec = DEFAULT_DEVICE) -> list[MeasurementCheck]:
    """How far the formulas land from the default model's measured memory and speed on this CPU."""
    spec = MODELS[DEFAULT_MODEL]
    end_context = MEASURED_PROMPT_TOKENS + MEASURED_NEW_TOKENS
    mean_context = MEASURED_PROMPT_TOKENS + MEASURED_NEW_TOKENS // 2
    checks: list[MeasurementCheck] = []
    for point in MEASURED_ON_THIS_MACHINE:
        bound: Bound | None = None
        if point.quantity == "memory_gb":
            estimated = estimate_memory(spec, point.format, end_context, point.batch).total_gb
        else:
            speed = estimate_decode_speed(spec, point.format, device, point.batch, mean_context)
            bound = speed.bound
            estimated = getattr(speed, point.quantity)
        checks.append(MeasurementCheck(
            quantity=point.quantity, format=point.format, batch=point.batch, measured=point.measured,
            estimated=estimated, relative_error=(estimated - point.measured) / point.measured, bound=bound,
        ))
    return checks


# ----------------------------------------------------------------------------------------------- CLI


def format_table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """Aligned plain-text columns: numbers right-aligned, text left-aligned."""
    cells = [[_cell(v) for v in row] for row in rows]
    numeric = [all(_is_number(row[i]) for row in cells) and bool(cells) for i in range(len(headers))]
    widths = [max([len(h)] + [len(row[i]) for row in cells]) for i, h in enumerate(headers)]

    def line(values: Sequence[str]) -> str:
        return "  ".join(v.rjust(w) if num else v.ljust(w)
                         for v, w, num in zip(values, widths, numeric, strict=True)).rstrip()

    out = [line(list(headers)), line(["-" * w for w in widths])]
    out += [line(row) for row in cells]
    return "\n".join(out)


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        if math.isinf(value):
            return "inf"
        return f"{value:,.2f}" if abs(value) < 1000 else f"{value:,.0f}"
    return str(value)


def _is_number(text: str) -> bool:
    try:
        float(text.replace(",", "").rstrip("%"))
    except ValueError:
        return text == "-"
    return True


def _build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="planwright sizing",
        description="Memory and decode speed of a local model on a device, from first principles.",
    )
    m = p.add_argument_group("model (a catalogue name, or its numbers)")
    m.add_argument("--model", help=f"one of: {', '.join(MODELS)} (default {DEFAULT_MODEL})")
    m.add_argument("--params", type=float, help="parameter count, e.g. 1.5e9")
    m.add_argument("--layers", type=int)
    m.add_argument("--hidden", type=int)
    m.add_argument("--heads", type=int)
    m.add_argument("--kv-heads", type=int)
    m.add_argument("--head-dim", type=int)
    p.add_argument("--format", default="BF16", help=f"one of: {', '.join(FORMAT_BITS)} (default BF16)")
    p.add_argument("--context", type=int, help="tokens in the cache (default: model maximum or 2048)")
    p.add_argument("--batch", type=int, default=1, help="sequences decoded together (default 1)")
    d = p.add_argument_group("device (a catalogue name, or its numbers)")
    d.add_argument("--device", help=f"one of: {', '.join(DEVICES)} (default {DEFAULT_DEVICE})")
    d.add_argument("--memory-gb", type=float)
    d.add_argument("--bandwidth-gbs", type=float)
    d.add_argument("--tflops", type=float, help="peak dense TFLOPS at the format's matmul precision")
    p.add_argument("--bandwidth-efficiency", type=float, default=DEFAULT_BANDWIDTH_EFFICIENCY)
    p.add_argument("--compute-efficiency", type=float, default=DEFAULT_COMPUTE_EFFICIENCY)
    p.add_argument("--study", action="store_true",
                   help="compare with the study's Table 1 and with this machine's measurements")
    p.add_argument("--recommend", action="store_true", help="list the models and formats that fit")
    p.add_argument("--min-tokens-per-s", type=float, default=0.0,
                   help="with --recommend: leave out what decodes slower than this per sequence")
    p.add_argument("--list", action="store_true", help="list the catalogue's models and devices")
    p.add_argument("--json", action="store_true", help="print JSON instead of tables")
    return p


def _model_from_args(args: argparse.Namespace) -> ModelSpec:
    if args.params is not None:
        if args.model:
            raise ValueError("give --model or --params, not both")
        return custom_model(args.params, layers=args.layers, hidden=args.hidden, heads=args.heads,
                            kv_heads=args.kv_heads, head_dim=args.head_dim)
    return get_model(args.model or DEFAULT_MODEL)


def _device_from_args(args: argparse.Namespace) -> DeviceSpec:
    if args.memory_gb is not None or args.bandwidth_gbs is not None:
        if args.device:
            raise ValueError("give --device or --memory-gb/--bandwidth-gbs, not both")
        if args.memory_gb is None or args.bandwidth_gbs is None:
            raise ValueError("a custom device needs both --memory-gb and --bandwidth-gbs")
        return custom_device(args.memory_gb, args.bandwidth_gbs, args.tflops)
    dev = get_device(args.device or DEFAULT_DEVICE)
    if args.tflops is not None:
        dev = replace(dev, tflops=dict.fromkeys(("fp32", "bf16", "fp16"), args.tflops))
    return dev


def _recommendation_table(recs: Sequence[Recommendation]) -> str:
    return format_table(
        ["model", "format", "total GB", "tok/s per seq", "tok/s total", "bound"],
        [(r.display, r.format, r.total_gb, r.tokens_per_s_per_sequence, r.tokens_per_s_aggregate, r.bound)
         for r in recs],
    )


def _study_text() -> str:
    rows = compare_with_study()
    table = format_table(
        ["study row", "format", "ctx", "weights GB", "KV GB", "our total GB", "study", "diff GB", "verdict"],
        [(r.label, r.format, r.context, r.our_weights_gb, r.our_kv_cache_gb, r.our_total_gb,
          r.study_memory, r.difference_gb, r.verdict) for r in rows],
    )
    reasons = "\n".join(f"- {r.label}: {r.reason}" for r in rows)
    checks = check_against_measurement()
    measured = format_table(
        ["quantity", "format", "batch", "measured", "estimated", "error", "bound"],
        [(c.quantity, c.format, c.batch, c.measured, c.estimated, f"{c.relative_error:+.0%}", c.bound)
         for c in checks],
    )
    return (f"Study Table 1 vs first principles (batch 1)\n{table}\n\nWhy\n{reasons}\n\n"
            f"Default model on this machine ({DEVICES[DEFAULT_DEVICE].display}): measured vs estimated\n"
            f"{measured}")


def _sizing_text(result: SizingResult) -> str:
    mem, speed = result.memory, result.speed
    head = (f"{result.model.display}  {result.format}  context {result.context}  batch {result.batch}  "
            f"on {result.device.display}")
    memory = format_table(
        ["weights GB", "KV cache GB", "overhead GB", "total GB", "usable GB", "fits"],
        [(mem.weights_gb, mem.kv_cache_gb, mem.overhead_gb, mem.total_gb, result.usable_memory_gb,
          "yes" if result.fits else "NO")],
    )
    decode = format_table(
        ["tok/s per seq", "tok/s total", "bound", "step ms", "GB read/step", "GFLOP/step",
         "bw-bound tok/s", "compute-bound tok/s"],
        [(speed.tokens_per_s_per_sequence, speed.tokens_per_s_aggregate, speed.bound, speed.step_ms,
          speed.bytes_per_step_gb, speed.gflops_per_step, speed.bandwidth_bound_tokens_per_s,
          speed.compute_bound_tokens_per_s)],
    )
    text = f"{head}\n\nMemory\n{memory}\n\nDecode (roofline)\n{decode}"
    if result.notes:
        text += "\n\nNotes\n" + "\n".join(f"- {n}" for n in result.notes)
    return text


def _list_text() -> str:
    models = format_table(
        ["model", "params B", "active B", "layers", "KV heads", "head dim", "max ctx"],
        [(m.name, m.params / 1e9, m.active_params / 1e9, m.layers, m.kv_heads, m.head_dim, m.max_context)
         for m in MODELS.values()],
    )
    devices = format_table(
        ["device", "memory GB", "bandwidth GB/s", "bf16 TFLOPS", "fp32 TFLOPS"],
        [(d.name, d.memory_gb, d.bandwidth_gbs, d.peak_tflops("bf16"), d.peak_tflops("fp32"))
         for d in DEVICES.values()],
    )
    return f"Models\n{models}\n\nDevices\n{devices}"


def main(argv: list[str] | None = None) -> int:
    """`planwright sizing`: print memory, speed, fit, recommendations or the study comparison."""
    parser = _build_parser()
    args = parser.parse_args(argv)
    try:
        if args.list:
            payload: Any = {"models": [asdict(m) for m in MODELS.values()],
                            "devices": [asdict(d) for d in DEVICES.values()]}
            text = _list_text()
        elif args.study:
            payload = {"study": [asdict(r) for r in compare_with_study()],
                       "measurement": [asdict(c) for c in check_against_measurement()]}
            text = _study_text()
        elif args.recommend:
            device = _device_from_args(args)
            context = args.context or 2048
            recs = recommend(device, context, args.batch, min_tokens_per_s=args.min_tokens_per_s,
                             bandwidth_efficiency=args.bandwidth_efficiency,
                             compute_efficiency=args.compute_efficiency)
            payload = {"device": asdict(device), "context": context, "batch": args.batch,
                       "recommendations": [asdict(r) for r in recs]}
            text = (f"Fits {device.display} ({device.usable_memory_gb:.1f} GB usable) at context "
                    f"{context}, batch {args.batch}, at least {args.min_tokens_per_s:g} tok/s per sequence\n"
                    + (_recommendation_table(recs) if recs else "nothing fits"))
        else:
            result = size(_model_from_args(args), args.format, _device_from_args(args), args.context,
                          args.batch, bandwidth_efficiency=args.bandwidth_efficiency,
                          compute_efficiency=args.compute_efficiency)
            payload = asdict(result)
            text = _sizing_text(result)
    except ValueError as exc:  # UnknownNameError included: a usage error, not a crash
        print(f"planwright sizing: error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(payload, indent=2, ensure_ascii=False) if args.json else text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
