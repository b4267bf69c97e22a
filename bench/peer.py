"""Peer benchmark (issue 13): the engine benchmark's plan prompts through the embedded engine and through
llama.cpp's llama-server on the same GGUF (MODEL_BACKEND=llamacpp, so through the same OpenAI-backend
code a deployment uses), side by side in one run.

Closed-loop clients (1, 4, 16), greedy, EOS allowed, answer limits 16-128 tokens; modes interleaved in
rounds (the machine is shared) and each figure is the median over rounds. Prints a table with the
ratio engine ÷ server and writes JSON to bench/results/peer-*.json. Needs scripts/build-llama.sh.

    .venv/bin/python -m bench.peer            # 32 prompts, 2 rounds, 1/4/16 clients (+ 4-bit engine at 1/4)
    .venv/bin/python -m bench.peer --quick    # 8 prompts of <= 32 tokens, 1 round, 1/4 clients
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from bench.engine import RESULTS_DIR, ModeResult, Run, _cpu_name, _run_engine, build_workload, summarize


def start_backends(
    dtype: str, threads: int | None, slots: int, quantization: str | None
) -> tuple[Any, Any, Any, dict[str, float]]:
    """The embedded engine (and, with `quantization`, a second one with MODEL_QUANTIZATION) and a
    supervised llama-server, all warm; their start times."""
    from planwright.engine import engine_from_settings
    from planwright.settings import Settings

    common: dict[str, Any] = {"model_threads": threads, "model_max_batch_size": slots}
    started = time.perf_counter()
    engine = engine_from_settings(Settings(model_dtype=dtype, **common))  # type: ignore[arg-type]
    engine.start()
    engine_s = time.perf_counter() - started
    quantized = None
    if quantization:
        quantized = engine_from_settings(
            Settings(model_dtype="bfloat16", model_quantization=quantization, **common)  # type: ignore[arg-type]
        )
        quantized.start()
    started = time.perf_counter()
    server = engine_from_settings(
        Settings(model_backend="llamacpp", model_max_concurrency=slots, llama_server_context=8192, **common)
    )
    server.start()
    server_s = time.perf_counter() - started
    ready = {"engine_ready_s": round(engine_s, 2), "server_ready_s": round(server_s, 2)}
    return engine, quantized, server, ready


def cpu_flags() -> list[str]:
    """The flags that decide the engine's dtype and kernels here (bench/RESULTS.md names them)."""
    try:
        flags = next(l for l in open("/proc/cpuinfo") if l.startswith("flags")).split()  # noqa: E741
    except (OSError, StopIteration):
        return []
    return [f for f in ("avx2", "avx512f", "avx512_bf16", "avx512_vnni", "amx_bf16") if f in flags]


def print_table(rows: list[dict[str, Any]], quantization: str | None) -> None:
    q = quantization or ""
    print(
        "\n| clients | engine tok/s | llama-server tok/s | engine ÷ server | p50 latency engine / server |"
        + (f" engine {q} tok/s | {q} ÷ server | p50 latency {q} |" if q else "")
        + "\n|---|---:|---:|---:|---|"
        + ("---:|---:|---:|" if q else "")
    )
    for row in rows:
        e, s = row["engine"], row["server"]
        ratio = e["tokens_per_s"] / s["tokens_per_s"] if s["tokens_per_s"] else float("nan")
        line = (
            f"| {row['clients']} | {e['tokens_per_s']:.1f} | {s['tokens_per_s']:.1f} | **{ratio:.2f}** | "
            f"{e['latency_p50_s']:.2f} s / {s['latency_p50_s']:.2f} s |"
        )
        if q:
            qe = row.get("quantized")
            line += (
                f" {qe['tokens_per_s']:.1f} | **{qe['tokens_per_s'] / s['tokens_per_s']:.2f}** | "
                f"{qe['latency_p50_s']:.2f} s |"
                if qe
                else " – | – | – |"
            )
        print(line)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--prompts", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--max-new-tokens", type=int, default=128, help="longest answer (limits 16..this)")
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument("--dtype", default="auto", help="the embedded engine's MODEL_DTYPE")
    parser.add_argument("--threads", type=int, default=None, help="both: torch threads / llama-server -t")
    parser.add_argument(
        "--quantization", default="4bit", help="also an engine with this MODEL_QUANTIZATION ('' for none)"
    )
    parser.add_argument(
        "--quantized-clients", type=int, nargs="+", default=[1, 4], help="client counts for that engine"
    )
    args = parser.parse_args(argv)
    max_new, n = args.max_new_tokens, args.prompts
    if args.quick:
        n, max_new, args.rounds, args.clients = 8, 32, 1, [1, 4]
    items = build_workload(n, max_new_tokens=max_new, min_new_tokens=min(16, max_new))
    engine, quantized, server, ready = start_backends(
        args.dtype, args.threads, max(args.clients), args.quantization or None
    )
    print(
        f"engine {engine.model_id} {engine.device} ({engine.dtype}) ready in {ready['engine_ready_s']} s; "
        f"llama-server ({server.dtype}) ready in {ready['server_ready_s']} s; {n} prompts, {args.rounds} rounds"
    )
    runs: dict[tuple[str, int], list[Run]] = {}
    try:
        for round_no in range(args.rounds):
            for clients in args.clients:
                # Alternate which goes first, so neither always meets the other's leftovers (caches, load).
                order = [("engine", engine), ("server", server)]
                if quantized is not None and clients in args.quantized_clients:
                    order.insert(1, ("quantized", quantized))
                for name, backend in order if (round_no + clients) % 2 == 0 else order[::-1]:
                    run = _run_engine(backend, items, clients)
                    runs.setdefault((name, clients), []).append(run)
                    print(
                        f"round {round_no + 1} clients {clients:>2} {name:<9} "
                        f"{run.completion_tokens / run.wall_s:7.1f} tok/s  wall {run.wall_s:6.1f} s  "
                        f"load {run.load_avg:.1f}",
                        flush=True,
                    )
        server_peak = server.stats().get("peak_rss_bytes") or 0
        engine_stats = engine.stats()
    finally:
        server.stop()
        engine.stop(drain=False)
        if quantized is not None:
            quantized.stop(drain=False)
    rows = []
    for clients in args.clients:
        e: ModeResult = summarize(f"engine x{clients}", runs[("engine", clients)], n)
        s: ModeResult = summarize(f"llama-server x{clients}", runs[("server", clients)], n)
        row = {"clients": clients, "engine": asdict(e), "server": asdict(s)}
        if ("quantized", clients) in runs:
            row["quantized"] = asdict(
                summarize(f"engine {args.quantization} x{clients}", runs[("quantized", clients)], n)
            )
        rows.append(row)
    print_table(rows, args.quantization or None)
    print(
        f"\nengine peak RSS {engine_stats.get('peak_rss_bytes', 0) / 2**30:.2f} GB (this process); "
        f"llama-server peak RSS {server_peak / 2**30:.2f} GB; CPU {_cpu_name()}, {os.cpu_count()} cores, "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    report = {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpu": _cpu_name(),
        "cores": os.cpu_count(),
        "prompts": n,
        "rounds": args.rounds,
        "engine": {"model_id": engine.model_id, "device": engine.device, "dtype": engine.dtype},
        "quantization": args.quantization or None,
        "cpu_flags": cpu_flags(),
        "load_avg_end": os.getloadavg(),
        "engine_peak_rss_bytes": engine_stats.get("peak_rss_bytes"),
        "server_peak_rss_bytes": server_peak,
        **ready,
        "rows": rows,
    }
    out = (
        RESULTS_DIR
        / f"peer-{datetime.now(UTC).strftime('%Y%m%dT%H%M%S')}{'-quick' if args.quick else ''}.json"
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=1))
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
