"""Which MODEL_BACKEND to pick on which hardware, from what bench/peer.py measured (bench/RESULTS.md).

The roofline in `estimate` says what a device could do; this says which of Planwright's backends gets
closest to it there, and quotes the measured table it is based on, so the advice can be checked and
is replaced when the benchmark is rerun. Pure data and one function (no torch, no HTTP).
"""

from __future__ import annotations

from dataclasses import dataclass

from planwright.sizing.specs import DeviceSpec


@dataclass(frozen=True)
class PeerRow:
    """One row of bench/peer.py: aggregate completion tokens/s with closed-loop clients."""

    clients: int
    engine_tok_s: float  # embedded engine, default settings (bf16 on this CPU)
    engine_4bit_tok_s: float | None  # embedded engine, MODEL_QUANTIZATION=4bit
    server_tok_s: float  # llama-server on the same GGUF (MODEL_BACKEND=llamacpp)


#: bench/peer.py: 32 plan prompts, greedy, 2 interleaved rounds, medians (bench/RESULTS.md).
PEER_MACHINE = "2-core AMD EPYC without AVX-512 (engine in fp32), issue 13's run"
PEER_TABLE: tuple[PeerRow, ...] = (
    PeerRow(1, 12.4, None, 61.3),
    PeerRow(4, 19.7, None, 72.5),
    PeerRow(16, 45.2, None, 86.7),
)


@dataclass(frozen=True)
class BackendAdvice:
    """The backend to set, the settings that go with it, and why (with the measured numbers)."""

    backend: str
    settings: str
    why: str
    alternative: str


def device_kind(device: DeviceSpec) -> str:
    """"cpu", "apple" or "gpu" from the catalogue name; a custom device counts as a CPU when it has
    no 16-bit peak above 5 TFLOPS (no server CPU has, every data-centre GPU does)."""
    if device.name == "this-cpu" or device.name.endswith("-cpu"):
        return "cpu"
    if device.name.startswith("apple-"):
        return "apple"
    if device.name == "custom":
        peak = device.peak_tflops("bf16") or 0.0
        return "cpu" if peak <= 5 else "gpu"
    return "gpu"


def best_engine_tok_s(row: PeerRow) -> float:
    return max(row.engine_tok_s, row.engine_4bit_tok_s or 0.0)


def server_wins_on_cpu() -> bool:
    """llama-server faster than the best embedded variant at most of the measured client counts."""
    wins = sum(row.server_tok_s > best_engine_tok_s(row) for row in PEER_TABLE)
    return wins * 2 > len(PEER_TABLE)


def _peer_summary() -> str:
    parts = []
    for row in PEER_TABLE:
        quant = f", 4-bit {row.engine_4bit_tok_s:.0f}" if row.engine_4bit_tok_s is not None else ""
        parts.append(
            f"{row.clients} client{'s' if row.clients > 1 else ''}: llama-server {row.server_tok_s:.0f} tok/s, "
            f"engine {row.engine_tok_s:.0f}{quant} ({row.engine_tok_s / row.server_tok_s:.2f}x)"
        )
    return "; ".join(parts)


def advise_backend(device: DeviceSpec) -> BackendAdvice:
    """The backend for this device, from the measured peer table (CPU) or what each server is for."""
    kind = device_kind(device)
    if kind == "cpu" and not server_wins_on_cpu():
        return BackendAdvice(
            backend="embedded",
            settings="MODEL_BACKEND=embedded MODEL_QUANTIZATION=4bit",
            why=f"the embedded engine kept up with llama-server here: {_peer_summary()} [{PEER_MACHINE}]",
            alternative="MODEL_BACKEND=llamacpp (scripts/build-llama.sh) for the smallest memory",
        )
    if kind == "cpu":
        return BackendAdvice(
            backend="llamacpp",
            settings="MODEL_BACKEND=llamacpp (once: scripts/build-llama.sh)",
            why=(
                f"on a CPU llama.cpp's kernels beat the transformers engine at every client count: "
                f"{_peer_summary()} [{PEER_MACHINE}; bench/RESULTS.md]"
            ),
            alternative=(
                "no build possible: MODEL_BACKEND=embedded (pip only) with MODEL_QUANTIZATION=4bit where "
                "the CPU has AVX512-BF16/AMX (faster at 1-4 concurrent prompts; greedy text differs slightly)"
            ),
        )
    if kind == "apple":
        return BackendAdvice(
            backend="openai",
            settings="MODEL_BACKEND=openai MODEL_BASE_URL=http://localhost:11434/v1 MODEL_NAME=<model> (Ollama)",
            why=(
                "Ollama / llama-server run GGUF models on Metal with quantised kernels; the embedded "
                "engine runs fp16 on MPS without them (not measured here: no Apple machine)"
            ),
            alternative="MODEL_BACKEND=embedded (MODEL_DEVICE=auto picks MPS, fp16)",
        )
    return BackendAdvice(
        backend="openai",
        settings="MODEL_BACKEND=openai MODEL_BASE_URL=http://vllm:8000/v1 MODEL_NAME=<model> (vLLM)",
        why=(
            "vLLM's paged attention and CUDA kernels batch many plans' prompts; the embedded engine "
            "runs bf16 on CUDA too but pads its batch (not measured here: no GPU in these runs)"
        ),
        alternative="MODEL_BACKEND=embedded (MODEL_DEVICE=auto picks CUDA, bf16) for one team's load",
    )
