"""The catalogue: models from their published configs, devices from vendors' data sheets, by name.

Names are forgiving (case, `_`, a hub `owner/` prefix and a few aliases) because people type what
they saw on a model card; an unknown name lists the known ones.
"""

from __future__ import annotations

from planwright.sizing.specs import DeviceSpec, ModelSpec, UnknownNameError

# -------------------------------------------------------------------------------------------- models

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


# ------------------------------------------------------------------------------------------- devices


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
