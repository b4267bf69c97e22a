"""Weight-only int4/int8 linears on CPU (planwright/engine/cpu_fast.py): what they compute, which
path a call takes, and that on the real model they recover the GGUF's Q4_1 weights and keep the
next-token choice."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from planwright.engine.cpu_fast import INT4_GROUP, MAX_QUANT_ROWS, HybridLinear, quantize_linears


def q4_1_linear(out_f: int, in_f: int, seed: int = 0) -> nn.Linear:
    """A bf16 linear whose weight has the GGUF Q4_1 structure: per 32 inputs, m + d * q with q in 0..15
    (every level used at least at the ends, as the GGUF quantiser does)."""
    g = torch.Generator().manual_seed(seed)
    groups = in_f // INT4_GROUP
    q = torch.randint(0, 16, (out_f, groups, INT4_GROUP), generator=g)
    q[..., 0], q[..., 1] = 0, 15
    d = torch.rand(out_f, groups, 1, generator=g) * 0.01 + 0.001
    m = -8 * d + torch.randn(out_f, groups, 1, generator=g) * 0.002
    lin = nn.Linear(in_f, out_f, bias=False)
    with torch.no_grad():
        lin.weight.copy_((m + d * q).reshape(out_f, in_f))
    return lin.to(torch.bfloat16)


def q4_step(w: torch.Tensor) -> torch.Tensor:
    """Each weight's quantisation step: its 32-group's range / 15 (what a second rounding would err by
    up to half of)."""
    g = w.reshape(w.shape[0], -1, INT4_GROUP)
    step = (g.amax(-1, keepdim=True) - g.amin(-1, keepdim=True)) / 15
    return step.expand_as(g).reshape(w.shape)


def dequantized(layer: HybridLinear) -> torch.Tensor:
    """The weight the quantised kernel multiplies by (identity input through the forced int path)."""
    layer.max_rows = 10**9
    try:
        eye = torch.eye(layer.in_features, dtype=torch.bfloat16)
        return layer(eye).float().T
    finally:
        layer.max_rows = MAX_QUANT_ROWS


@pytest.mark.parametrize("bits", [4, 8])
def test_few_rows_use_the_quantised_kernel_close_to_bf16(bits: int) -> None:
    lin = q4_1_linear(1536, 576)
    layer = HybridLinear(lin, bits)
    x = torch.randn(3, 1, 576).to(torch.bfloat16)
    exact = F.linear(x.float(), lin.weight.float())
    got = layer(x)
    assert got.shape == (3, 1, 1536) and got.dtype == torch.bfloat16
    rel = ((got.float() - exact).norm() / exact.norm()).item()
    assert rel < 0.02, rel
    assert not torch.equal(got, F.linear(x, lin.weight)), "few rows must not take the bf16 GEMM"


def test_many_rows_take_the_bf16_gemm_unchanged() -> None:
    lin = q4_1_linear(576, 1536)
    layer = HybridLinear(lin, 4)
    x = torch.randn(MAX_QUANT_ROWS + 1, 1536).to(torch.bfloat16)
    assert torch.equal(layer(x), F.linear(x, lin.weight))


def test_int4_recovers_q4_1_weights_exactly_and_int8_nearly() -> None:
    lin = q4_1_linear(192, 576, seed=3)
    w = lin.weight.float()
    err4 = (dequantized(HybridLinear(lin, 4)) - w).abs() / q4_step(w)  # in quantisation steps
    assert err4.max().item() < 0.1, f"int4 off by up to {err4.max().item():.2f} steps (bf16 scales only)"
    err8 = (dequantized(HybridLinear(lin, 8)) - w).abs()
    assert err8.max().item() < w.abs().amax(dim=1).max().item() / 127  # half a step of int8, roughly


def test_quantize_linears_swaps_every_fitting_layer_and_refuses_other_bits() -> None:
    model = nn.Sequential(q4_1_linear(64, 64), nn.ReLU(), nn.Linear(64, 8))  # last one is fp32
    assert quantize_linears(model, 4) == 1
    assert isinstance(model[0], HybridLinear) and type(model[2]) is nn.Linear
    with pytest.raises(ValueError, match="4 or 8 bits"):
        quantize_linears(model, 2)


@pytest.mark.model
def test_real_model_4bit_recovers_the_gguf_layers_and_keeps_the_next_token() -> None:
    from planwright.engine import Engine
    from planwright.settings import Settings
    from tests.engine.conftest import task_request

    plain = Engine.from_settings(Settings(model_dtype="bfloat16"))
    quant = Engine.from_settings(Settings(model_dtype="bfloat16", model_quantization="4bit"))
    hybrids = [m for m in quant.model.modules() if isinstance(m, HybridLinear)]
    assert len(hybrids) == 30 * 7 + 1  # q, k, v, o, gate, up, down per layer + lm_head
    assert quant.model.get_output_embeddings().bits == 8  # the Q8_0 embedding is not rounded to 4 bits
    q_proj = quant.model.model.layers[0].self_attn.q_proj
    w = q_proj.weight.float()
    err = (dequantized(q_proj) - w).abs() / q4_step(w)
    assert err.max().item() < 0.1, f"not the GGUF's Q4_1 grid: off by {err.max().item():.2f} steps"

    # Teacher-forced over plain's own greedy answer, every position through the int kernels.
    req = task_request("Contacts", 24)
    answer = plain.runner.batch.model.generate(
        torch.tensor([plain.format_prompt(req.messages)]), max_new_tokens=24, do_sample=False
    )
    for m in hybrids:
        m.max_rows = 10**9
    with torch.inference_mode():
        ref = plain.model(input_ids=answer).logits[0].float()
        got = quant.model(input_ids=answer).logits[0].float()
    agree = (ref.argmax(-1) == got.argmax(-1)).float().mean().item()
    assert agree >= 0.9, agree
