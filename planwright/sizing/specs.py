"""The vocabulary of sizing: storage formats, and the model and device shapes the formulas read.

Kept apart from the catalogue's rows and from the formulas so that the catalogue, the chooser and the
formulas can all name these types without importing one another.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

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


# ------------------------------------------------------------------------------ model and device shapes


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
