"""Weight-only quantised linear layers for the CPU engine (issue 13 item 3; bench/RESULTS.md).

A decode step at 1-4 rows is weight traffic and per-op overhead, not arithmetic. Weight-only int4 /
int8 linear layers (`torch._weight_int4pack_mm_for_cpu`, `torch._weight_int8pack_mm`, both in the
pinned torch) read a quarter / half of the bf16 weight bytes per step. Those kernels are
matrix-vector shaped and lose to bf16 GEMM from 5-6 rows up, so each layer keeps its bf16 weight and
picks per call by row count (prefill and big batches stay bf16). Group-wise asymmetric int4 with
groups of 32 along the input is the GGUF's own Q4_1 layout, so for the default model it recovers
the GGUF's weights rather than rounding them a second time.

It changes the floating-point order of operations, hence greedy text (not its quality, checked on
the quality benchmark), so it is off unless asked for: MODEL_QUANTIZATION=4bit|8bit on CPU.
"""

from __future__ import annotations

import logging

import torch
import torch.nn.functional as F
from torch import nn

log = logging.getLogger("planwright.engine")

INT4_GROUP = 32  # GGUF Q4_0/Q4_1 block size along the input dimension
MAX_QUANT_ROWS = 4  # from 5-6 rows per call up bf16 GEMM beats the int4/int8 kernels here (RESULTS.md)


def _int4_pack(weight: torch.Tensor, group: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Asymmetric per-group int4 of an [out, in] weight in the layout the CPU kernel wants:
    w ≈ (q - 8) * scale + zero with q in 0..15, scales_and_zeros [in/group, out, 2]."""
    out_f, in_f = weight.shape
    w = weight.detach().float().reshape(out_f, in_f // group, group)
    lo, hi = w.amin(dim=-1), w.amax(dim=-1)
    scale = ((hi - lo) / 15).clamp(min=1e-10)
    q = ((w - lo[..., None]) / scale[..., None]).round().clamp(0, 15).to(torch.int32).reshape(out_f, in_f)
    zero = lo + 8 * scale
    scales_zeros = torch.stack([scale, zero], dim=-1).transpose(0, 1).contiguous().to(weight.dtype)
    return torch._convert_weight_to_int4pack_for_cpu(q, 1), scales_zeros


def _int8_pack(weight: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Symmetric per-output-channel int8: w ≈ q * scale."""
    w = weight.detach().float()
    scale = (w.abs().amax(dim=1) / 127).clamp(min=1e-10)
    q = (w / scale[:, None]).round().clamp(-128, 127).to(torch.int8)
    return q, scale.to(weight.dtype)


class HybridLinear(nn.Module):
    """A linear layer with its bf16 weight and a weight-only quantised copy; calls with few rows
    (decode at small batch) use the quantised kernel, the rest the bf16 GEMM."""

    def __init__(self, linear: nn.Linear, bits: int, max_rows: int = MAX_QUANT_ROWS) -> None:
        super().__init__()
        self.in_features, self.out_features = linear.in_features, linear.out_features
        self.weight = linear.weight  # shared, not copied (the lm_head is tied to the embedding)
        self.bias = linear.bias
        self.bits, self.max_rows = bits, max_rows
        if bits == 4:
            packed, extra = _int4_pack(linear.weight, INT4_GROUP)
        else:
            packed, extra = _int8_pack(linear.weight)
        self.register_buffer("qweight", packed, persistent=False)
        self.register_buffer("qparams", extra, persistent=False)

    @staticmethod
    def fits(linear: nn.Linear, bits: int) -> bool:
        """Whether the kernels take this layer's shape and dtype (bf16 activations, int4 groups)."""
        if linear.weight.dtype != torch.bfloat16 or linear.weight.device.type != "cpu":
            return False
        return bits == 8 or linear.in_features % INT4_GROUP == 0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        rows = x.numel() // self.in_features
        if rows > self.max_rows or x.dtype != torch.bfloat16:
            return F.linear(x, self.weight, self.bias)
        flat = x.reshape(rows, self.in_features).contiguous()  # the lm_head gets a strided last position
        if self.bits == 4:
            y = torch._weight_int4pack_mm_for_cpu(flat, self.qweight, INT4_GROUP, self.qparams)
        else:
            y = torch._weight_int8pack_mm(flat, self.qweight, self.qparams)
        if self.bias is not None:
            y = y + self.bias
        return y.view(*x.shape[:-1], self.out_features)


def quantize_linears(model: nn.Module, bits: int) -> int:
    """Swap every fitting nn.Linear (attention, MLP, lm_head) for a HybridLinear; returns how many.
    With 4 bits the output layer keeps 8: the GGUF stores it (the tied embedding) as Q8_0, and int4
    would round it a second time where a flipped near-tie changes the chosen token."""
    if bits not in (4, 8):
        raise ValueError(f"weight-only quantisation is 4 or 8 bits, not {bits}")
    get_head = getattr(model, "get_output_embeddings", None)
    head = get_head() if callable(get_head) else None
    swaps: list[tuple[nn.Module, str, nn.Linear, int]] = []
    for parent in model.modules():
        for name, child in parent.named_children():
            layer_bits = 8 if child is head else bits
            if type(child) is nn.Linear and HybridLinear.fits(child, layer_bits):
                swaps.append((parent, name, child, layer_bits))
    with torch.no_grad():
        for parent, name, child, layer_bits in swaps:
            setattr(parent, name, HybridLinear(child, layer_bits))
    return len(swaps)


def apply_weight_only_quantization(model: nn.Module, bits: int) -> int:
    """MODEL_QUANTIZATION=4bit|8bit on CPU: hybrid quantised linears; logs and returns how many."""
    swapped = quantize_linears(model, bits)
    log.info("engine.cpu_quantized bits=%d linears=%d max_rows=%d", bits, swapped, MAX_QUANT_ROWS)
    return swapped
