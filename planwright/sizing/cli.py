"""`planwright sizing`: flags in, aligned text tables (or JSON) out.

Only parsing and printing live here; which model and device the flags mean is the shared chooser's
decision, so the command line and `GET /api/v1/sizing` cannot drift apart.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Iterable, Sequence
from dataclasses import asdict
from typing import Any

from planwright.sizing.backends import advise_backend
from planwright.sizing.catalogue import DEFAULT_DEVICE, DEFAULT_MODEL, DEVICES, MODELS
from planwright.sizing.choose import as_cli_flag, choose_device, choose_model
from planwright.sizing.estimate import Recommendation, SizingResult, recommend, size
from planwright.sizing.specs import (
    DEFAULT_BANDWIDTH_EFFICIENCY,
    DEFAULT_COMPUTE_EFFICIENCY,
    FORMAT_BITS,
    DeviceSpec,
    ModelSpec,
)
from planwright.sizing.study import check_against_measurement, compare_with_study


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
    return choose_model(args.model, params=args.params, layers=args.layers, hidden=args.hidden,
                        heads=args.heads, kv_heads=args.kv_heads, head_dim=args.head_dim,
                        spell=as_cli_flag)


def _device_from_args(args: argparse.Namespace) -> DeviceSpec:
    return choose_device(args.device, memory_gb=args.memory_gb, bandwidth_gbs=args.bandwidth_gbs,
                         tflops=args.tflops, spell=as_cli_flag)


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
    advice = advise_backend(result.device)
    text += (f"\n\nBackend\n- {advice.settings}\n- why: {advice.why}\n- else: {advice.alternative}")
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
            payload = {**asdict(result), "backend": asdict(advise_backend(result.device))}
            text = _sizing_text(result)
    except ValueError as exc:  # UnknownNameError included: a usage error, not a crash
        print(f"planwright sizing: error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(payload, indent=2, ensure_ascii=False) if args.json else text)
    return 0
