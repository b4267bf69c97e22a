"""The embedded engine with and without weight-only quantised linears (issue 13 item 3), one process.

bf16 (the default) against MODEL_QUANTIZATION=4bit (and 8bit with --bits 4,8) over the engine
benchmark's plan prompts, closed-loop clients, rounds interleaved with the order rotating; medians.
Besides wall-clock tok/s it reports the CPU seconds each run used (on a shared machine wall time also
counts waiting for a core) and how many requests gave the same greedy text as bf16. Peak RSS is taken
in a fresh process per variant (engine only, 16 clients).

    .venv/bin/python -m bench.quant_ab                  # 16 prompts, <= 64 tokens, 1/4/16 clients, 2 rounds
    .venv/bin/python -m bench.quant_ab --quick          # 6 prompts, <= 24 tokens, 1/4 clients, 1 round
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.engine import RESULTS_DIR, _cpu_name, _run_engine, build_workload, summarize

ROOT = Path(__file__).resolve().parent.parent


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def texts(engine: Any, items: list[Any]) -> list[str]:
    """Each prompt alone (batch of one), greedy: what the quantised variant's text is compared with."""
    from planwright.engine import GenerationRequest

    reqs = [
        GenerationRequest(it.messages, max_new_tokens=it.max_new_tokens, request_id=str(i))
        for i, it in enumerate(items)
    ]
    return [engine.submit(r).result().text for r in reqs]


def process_peak_mb(quantization: str, n: int, max_new: int) -> float:
    """Peak RSS of a fresh process that loads this variant and serves 16 clients."""
    code = (
        "import sys, threading\n"
        "from bench.engine import build_workload, _run_engine\n"
        "from planwright.engine import Engine\n"
        "from planwright.settings import Settings\n"
        f"e = Engine.from_settings(Settings(model_dtype='bfloat16', model_quantization={quantization!r}))\n"
        "e.start()\n"
        f"_run_engine(e, build_workload({n}, max_new_tokens={max_new}, min_new_tokens=16), 16)\n"
        "print(e.stats()['peak_rss_bytes'] / 2**20)\n"
        "e.stop()\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    return round(float(out.stdout.strip().splitlines()[-1]), 1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--prompts", type=int, default=16)
    parser.add_argument("--max-new-tokens", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument("--bits", default="4", help="quantised variants to compare with bf16: 4, 8 or 4,8")
    parser.add_argument("--no-memory", action="store_true", help="skip the per-variant peak RSS processes")
    args = parser.parse_args(argv)
    n, max_new = args.prompts, args.max_new_tokens
    if args.quick:
        n, max_new, args.rounds, args.clients = 6, 24, 1, [1, 4]
    from planwright.engine import Engine
    from planwright.settings import Settings

    variants = {"bf16": "none", **{f"int{b}": f"{b}bit" for b in args.bits.split(",") if b}}
    engines = {}
    for name, quantization in variants.items():
        engine = Engine.from_settings(Settings(model_dtype="bfloat16", model_quantization=quantization))  # type: ignore[arg-type]
        engine.start()
        engines[name] = engine
    items = build_workload(n, max_new_tokens=max_new, min_new_tokens=min(16, max_new))
    print(
        f"{n} prompts, answers <= {max_new} tokens, {args.rounds} round(s), variants {list(variants)}",
        flush=True,
    )

    runs: dict[tuple[str, int], list[Any]] = {}
    cpu: dict[tuple[str, int], list[float]] = {}
    names = list(engines)
    for round_no in range(args.rounds):
        for clients in args.clients:
            k = (round_no + clients) % len(names)
            for name in names[k:] + names[:k]:
                before = cpu_seconds()
                run = _run_engine(engines[name], items, clients)
                used = cpu_seconds() - before
                runs.setdefault((name, clients), []).append(run)
                cpu.setdefault((name, clients), []).append(used)
                print(
                    f"round {round_no + 1} clients {clients:>2} {name:<5} {run.completion_tokens / run.wall_s:7.1f} tok/s "
                    f"wall {run.wall_s:6.1f} s  CPU {used:6.1f} s  load {run.load_avg:.1f}",
                    flush=True,
                )
    reference = texts(engines["bf16"], items)
    same = {
        name: sum(a == b for a, b in zip(texts(e, items), reference, strict=True))
        for name, e in engines.items()
    }
    for engine in engines.values():
        engine.stop(drain=False)
    peaks = {} if args.no_memory else {name: process_peak_mb(q, n, max_new) for name, q in variants.items()}

    rows = []
    print("\n| clients | variant | tok/s (median) | × bf16 | CPU s per run (median) | CPU × bf16 | load |")
    print("|---:|---|---:|---:|---:|---:|---:|")
    for clients in args.clients:
        base = summarize("bf16", runs[("bf16", clients)], n)
        base_cpu = statistics.median(cpu[("bf16", clients)])
        for name in names:
            s = summarize(name, runs[(name, clients)], n)
            c = statistics.median(cpu[(name, clients)])
            rows.append(
                {"clients": clients, "variant": name, "result": s.__dict__, "cpu_s": cpu[(name, clients)]}
            )
            print(
                f"| {clients} | {name} | {s.tokens_per_s:.1f} | {s.tokens_per_s / base.tokens_per_s:.2f} | "
                f"{c:.1f} | {base_cpu / c:.2f} | {s.load_avg_1m:.1f} |"
            )
    print(f"\nsame greedy text as bf16 (one at a time): {same} of {n}")
    if peaks:
        print(f"peak RSS, engine-only process, 16 clients: {peaks} MB")
    report = {
        "benchmark": "quant_ab",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpu": _cpu_name(),
        "cores": os.cpu_count(),
        "prompts": n,
        "max_new_tokens": max_new,
        "rows": rows,
        "same_text_as_bf16": same,
        "peak_rss_mb": peaks,
    }
    out = RESULTS_DIR / f"quant-ab-{time.strftime('%Y%m%d-%H%M%S')}{'-quick' if args.quick else ''}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=1))
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
