"""Sizing: how much memory a local model needs and how fast it can decode, from first principles.

The study behind Planwright gives a table of models, formats, memory and speed (its Table 1). Some of
its figures do not survive arithmetic, so this package computes instead of quoting:

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

Layout: `specs` (formats, the model and device types), `catalogue` (the named models and devices),
`choose` (the one chooser: a name or custom numbers -> a spec, for the CLI and the API alike),
`estimate` (memory, decode speed, fit, recommendations), `study` (Table 1 and the measured points),
`cli` (`planwright sizing`). This module re-exports what callers use, so `from planwright import
sizing` keeps working.
"""

from planwright.sizing.catalogue import (
    DEFAULT_DEVICE,
    DEFAULT_MODEL,
    DEVICES,
    MODELS,
    get_device,
    get_model,
)
from planwright.sizing.choose import choose_device, choose_model, custom_device, custom_model
from planwright.sizing.cli import format_table, main
from planwright.sizing.estimate import (
    RECOMMEND_FORMATS,
    DecodeEstimate,
    MemoryEstimate,
    Recommendation,
    SizingResult,
    estimate_decode_speed,
    estimate_memory,
    kv_cache_bytes,
    recommend,
    size,
)
from planwright.sizing.specs import (
    COMPUTE_PRECISION,
    DEFAULT_BANDWIDTH_EFFICIENCY,
    DEFAULT_COMPUTE_EFFICIENCY,
    FORMAT_BITS,
    GB,
    OVERHEAD_FIXED_GB,
    OVERHEAD_FRACTION_OF_WEIGHTS,
    Bound,
    DeviceSpec,
    ModelSpec,
    UnknownNameError,
    Verdict,
    bytes_per_weight,
    kv_bytes_per_element,
    normalise_format,
)
from planwright.sizing.study import (
    MEASURED_NEW_TOKENS,
    MEASURED_ON_THIS_MACHINE,
    MEASURED_PROMPT_TOKENS,
    STUDY_CONTEXT_CAP,
    STUDY_TABLE_1,
    MeasuredPoint,
    MeasurementCheck,
    StudyComparison,
    StudyRow,
    check_against_measurement,
    compare_with_study,
)

__all__ = [
    "COMPUTE_PRECISION",
    "DEFAULT_BANDWIDTH_EFFICIENCY",
    "DEFAULT_COMPUTE_EFFICIENCY",
    "DEFAULT_DEVICE",
    "DEFAULT_MODEL",
    "DEVICES",
    "FORMAT_BITS",
    "GB",
    "MEASURED_NEW_TOKENS",
    "MEASURED_ON_THIS_MACHINE",
    "MEASURED_PROMPT_TOKENS",
    "MODELS",
    "OVERHEAD_FIXED_GB",
    "OVERHEAD_FRACTION_OF_WEIGHTS",
    "RECOMMEND_FORMATS",
    "STUDY_CONTEXT_CAP",
    "STUDY_TABLE_1",
    "Bound",
    "DecodeEstimate",
    "DeviceSpec",
    "MeasuredPoint",
    "MeasurementCheck",
    "MemoryEstimate",
    "ModelSpec",
    "Recommendation",
    "SizingResult",
    "StudyComparison",
    "StudyRow",
    "UnknownNameError",
    "Verdict",
    "bytes_per_weight",
    "check_against_measurement",
    "choose_device",
    "choose_model",
    "compare_with_study",
    "custom_device",
    "custom_model",
    "estimate_decode_speed",
    "estimate_memory",
    "format_table",
    "get_device",
    "get_model",
    "kv_bytes_per_element",
    "kv_cache_bytes",
    "main",
    "normalise_format",
    "recommend",
    "size",
]
