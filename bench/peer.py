"""Peer benchmark (issue 13): the engine benchmark's plan prompts through the embedded engine and through
llama.cpp's llama-server on the same GGUF (MODEL_BACKEND=llamacpp, so through the same OpenAI-backend
code a deployment uses), side by side in one run.

Closed-loop clients (1, 4, 16), greedy, EOS allowed, answer limits 16-128 tokens; modes interleaved in
rounds (the machine is shared) and each figure is the median over rounds. Prints a table with the
ratio engine ÷ server and writes JSON to bench/results/peer-*.json. Needs scripts/build-llama.sh.

    .venv/bin/python -m bench.peer            # 32 prompts, 2 rounds, 1/4/16 clients
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


def start_backends(dtype: str, threads: int | None, slots: int) -> tuple[Any, Any, dict[str, float]]:
    """The embedded engine and a supervised llama-server, both warm; their start times."""
    from planwright.engine import engine_from_settings
    from planwright.settings import Settings

    common: dict[str, Any] = {"model_threads": threads, "model_max_batch_size": slots}
    started = time.perf_counter()
    engine = engine_from_settings(Settings(model_dtype=dtype, **common))  # type: ignore[arg-type]
    engine.start()
    engine_s = time.perf_counter() - started
    started = time.perf_counter()
    server = engine_from_settings(
        Settings(model_backend="llamacpp", model_max_concurrency=slots, llama_server_context=8192, **common)
    )
    server.start()
    server_s = time.perf_counter() - started
    return engine, server, {"engine_ready_s": round(engine_s, 2), "server_ready_s": round(server_s, 2)}


def print_table(rows: list[dict[str, Any]]) -> None:
    print(
        "\n| clients | engine tok/s | llama-server tok/s | engine ÷ server | p50 latency engine / server |"
        "\n|---|---:|---:|---:|---|"
    )
    for row in rows:
        e, s = row["engine"], row["server"]
        ratio = e["tokens_per_s"] / s["tokens_per_s"] if s["tokens_per_s"] else float("nan")
        print(
            f"| {row['clients']} | {e['tokens_per_s']:.1f} | {s['tokens_per_s']:.1f} | **{ratio:.2f}** | "
            f"{e['latency_p50_s']:.2f} s / {s['latency_p50_s']:.2f} s |"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--prompts", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument("--dtype", default="auto", help="the embedded engine's MODEL_DTYPE")
    parser.add_argument("--threads", type=int, default=None, help="both: torch threads / llama-server -t")
    args = parser.parse_args(argv)
    max_new, n = 128, args.prompts
    if args.quick:
        n, max_new, args.rounds, args.clients = 8, 32, 1, [1, 4]
    items = build_workload(n, max_new_tokens=max_new, min_new_tokens=min(16, max_new))
    engine, server, ready = start_backends(args.dtype, args.threads, max(args.clients))
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
                for name, backend in order if (round_no + clients) % 2 == 0 else order[::-1]:
                    run = _run_engine(backend, items, clients)
                    runs.setdefault((name, clients), []).append(run)
                    print(
                        f"round {round_no + 1} clients {clients:>2} {name:<6} "
                        f"{run.completion_tokens / run.wall_s:7.1f} tok/s  wall {run.wall_s:6.1f} s  "
                        f"load {run.load_avg:.1f}",
                        flush=True,
                    )
        server_peak = server.stats().get("peak_rss_bytes") or 0
        engine_stats = engine.stats()
    finally:
        server.stop()
        engine.stop(drain=False)
    rows = []
    for clients in args.clients:
        e: ModeResult = summarize(f"engine x{clients}", runs[("engine", clients)], n)
        s: ModeResult = summarize(f"llama-server x{clients}", runs[("server", clients)], n)
        rows.append({"clients": clients, "engine": asdict(e), "server": asdict(s)})
    print_table(rows)
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
        "engine_peak_rss_bytes": engine_stats.get("peak_rss_bytes"),
        "server_peak_rss_bytes": server_peak,
        **ready,
        "rows": rows,
    }
    out = RESULTS_DIR / f"peer-{datetime.now(UTC).strftime('%Y%m%dT%H%M%S')}{'-quick' if args.quick else ''}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=1))
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
