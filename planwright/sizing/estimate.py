"""The formulas: memory (weights + KV cache + overhead), the decode roofline, fit and recommendations.

Pure arithmetic over the specs (no torch), so the API, the CLI and the tests can call it anywhere.
Every function accepts a catalogue name or a spec, so callers never resolve names themselves.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from planwright.sizing.catalogue import DEFAULT_DEVICE, DEFAULT_MODEL, MODELS, get_device, get_model
from planwright.sizing.specs import (
    COMPUTE_PRECISION,
    DEFAULT_BANDWIDTH_EFFICIENCY,
    DEFAULT_COMPUTE_EFFICIENCY,
    GB,
    OVERHEAD_FIXED_GB,
    OVERHEAD_FRACTION_OF_WEIGHTS,
    Bound,
    DeviceSpec,
    ModelSpec,
    bytes_per_weight,
    kv_bytes_per_element,
    normalise_format,
)


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
