"""The study's Table 2 with our own numbers: latency of one 150-token prompt with a 64-token answer,
per device and dtype that exists here (CPU fp32/bf16; CUDA bf16/fp16 and MPS fp16 when present),
through the engine (and plain `generate` for reference), with memory use and cold start.

Each row runs in a fresh subprocess, so its peak memory and cold start are its own. The study's own
figures are printed under ours for comparison (they were measured on other hardware and model).

    .venv/bin/python -m bench.latency_table            # all rows, 5 runs each, + random 1.5B row
    .venv/bin/python -m bench.latency_table --quick    # ~1 minute: CPU rows of the default model, 2 runs
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

RESULTS_DIR = Path(__file__).resolve().parent / "results"
PROMPT_TOKENS = 150
ANSWER_TOKENS = 64
CONCURRENT = 16

STUDY_TABLE_2 = [  # (mode, latency for a 150-token prompt, note) as the study reports them
    ("M1 (MPS), DeepSeek-R1-Distill-Qwen-1.5B", "~1.1 s", "study"),
    ("desktop CUDA GPU, same model", "~0.4 s", "study"),
    ("hosted API", "~3.2 s", "study"),
    ("cold start", "up to 30 s", "study"),
    ("memory, 1.5B model", "< 4 GB", "study"),
]

# DeepSeek-R1-Distill-Qwen-1.5B's architecture (Qwen2), for a random-weight model: no hub here.
R1_DISTILL_1P5B = {
    "vocab_size": 151936,
    "hidden_size": 1536,
    "intermediate_size": 8960,
    "num_hidden_layers": 28,
    "num_attention_heads": 12,
    "num_key_value_heads": 2,
    "max_position_embeddings": 131072,
    "rope_theta": 10000.0,
    "rms_norm_eps": 1e-6,
    "tie_word_embeddings": False,
    "use_sliding_window": False,
    "bos_token_id": 1,
    "eos_token_id": 2,
}


def available_rows(quick: bool) -> list[dict[str, str]]:
    import torch

    rows = [
        {"device": "cpu", "dtype": "float32", "model": "default"},
        {"device": "cpu", "dtype": "bfloat16", "model": "default"},
    ]
    if torch.cuda.is_available():
        rows += [
            {"device": "cuda", "dtype": "bfloat16", "model": "default"},
            {"device": "cuda", "dtype": "float16", "model": "default"},
            {"device": "cuda", "dtype": "bfloat16", "model": "r1-1.5b-random"},
        ]
    elif getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        rows += [{"device": "mps", "dtype": "float16", "model": "default"}]
    if not quick and not torch.cuda.is_available():
        rows.append({"device": "cpu", "dtype": "bfloat16", "model": "r1-1.5b-random"})
    return rows


def prompt_of(engine: Any, tokens: int) -> list[dict[str, str]]:
    """A plan prompt whose chat-templated form is exactly `tokens` tokens (or as close as words allow)."""
    from bench.engine import build_workload

    base = build_workload(1)[0].messages
    words = (base[1]["content"] + " " + " ".join(["The page also shows a footer with links."] * 20)).split()
    lo, hi = 1, len(words)
    while lo < hi:  # longest user text that still fits
        mid = (lo + hi + 1) // 2
        msgs = [base[0], {"role": "user", "content": " ".join(words[:mid])}]
        if engine.count_prompt_tokens(msgs) <= tokens:
            lo = mid
        else:
            hi = mid - 1
    return [base[0], {"role": "user", "content": " ".join(words[:lo])}]


def build_engine(row: dict[str, str]) -> tuple[Any, float]:
    """The row's engine, started; returns (engine, seconds from process start to ready)."""
    from planwright.engine import Engine
    from planwright.settings import get_settings

    if row["model"] == "default":
        settings = get_settings().model_copy(
            update={"model_device": row["device"], "model_dtype": row["dtype"]}
        )
        engine = Engine.from_settings(settings)
    else:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer, Qwen2Config

        from planwright.engine.device import resolve_device
        from planwright.engine.loading import resolve_model

        plan = resolve_device(row["device"], row["dtype"])
        tokenizer = AutoTokenizer.from_pretrained(str(resolve_model(get_settings()).path))
        torch.manual_seed(0)
        with torch.device(plan.device):
            model = AutoModelForCausalLM.from_config(Qwen2Config(**R1_DISTILL_1P5B), dtype=plan.torch_dtype())
        engine = Engine(
            model.eval(),
            tokenizer,
            plan,
            model_id="DeepSeek-R1-Distill-Qwen-1.5B (random weights)",
            prefix_cache_entries=0,
        )
    engine.start()
    import psutil

    return engine, time.time() - psutil.Process().create_time()


def worker(row: dict[str, str], runs: int) -> dict[str, Any]:
    """Measure one row in this (fresh) process and return it as a dict."""
    import psutil
    import torch

    from planwright.engine import GenerationRequest

    engine, cold = build_engine(row)
    messages = prompt_of(engine, PROMPT_TOKENS)
    prompt_tokens = engine.count_prompt_tokens(messages)
    engine.prefix_cache.max_entries = 0  # each run pays the whole prompt, like a new plan would
    results = []
    for _ in range(runs):
        results.append(engine.generate([GenerationRequest(messages, max_new_tokens=ANSWER_TOKENS)])[0])
    # the same prompt from 16 clients at once: what batching makes of this device and dtype
    started = time.perf_counter()
    batch = engine.generate([GenerationRequest(messages, max_new_tokens=ANSWER_TOKENS)] * CONCURRENT)
    batch_tok_s = sum(r.completion_tokens for r in batch) / (time.perf_counter() - started)
    ids = torch.tensor([engine.format_prompt(messages)], device=engine.model.device)
    plain = []
    with torch.inference_mode():
        for _ in range(max(1, runs // 2)):
            if engine.device.startswith("cuda"):
                torch.cuda.synchronize()
            start = time.perf_counter()
            engine.model.generate(
                ids,
                attention_mask=torch.ones_like(ids),
                max_new_tokens=ANSWER_TOKENS,
                min_new_tokens=ANSWER_TOKENS,
                do_sample=False,
            )
            if engine.device.startswith("cuda"):
                torch.cuda.synchronize()
            plain.append(time.perf_counter() - start)
    stats = engine.stats()
    engine.stop()
    gpu_mb = torch.cuda.max_memory_allocated() / 2**20 if engine.device.startswith("cuda") else None
    return {
        **row,
        "model_id": engine.model_id,
        "params_m": round(sum(p.numel() for p in engine.model.parameters()) / 1e6, 1),
        "prompt_tokens": prompt_tokens,
        "answer_tokens": [r.completion_tokens for r in results],
        "latency_mean_s": round(statistics.mean(r.latency_s for r in results), 3),
        "latency_median_s": round(statistics.median(r.latency_s for r in results), 3),
        "ttft_median_s": round(statistics.median(r.ttft_s for r in results), 3),
        "decode_tok_s": round(
            statistics.median((r.completion_tokens - 1) / max(r.latency_s - r.ttft_s, 1e-9) for r in results),
            1,
        ),
        "concurrent_16_tok_s": round(batch_tok_s, 1),
        "plain_generate_median_s": round(statistics.median(plain), 3),
        "cold_start_s": round(cold, 2) if row["model"] == "default" else None,
        "peak_rss_mb": round(max(stats["peak_rss_bytes"], psutil.Process().memory_info().rss) / 2**20),
        "gpu_peak_mb": None if gpu_mb is None else round(gpu_mb),
        "load_avg_1m": round(os.getloadavg()[0], 2),
        "runs": runs,
    }


def run_row(row: dict[str, str], runs: int) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "bench.latency_table", "--worker", json.dumps(row), "--runs", str(runs)]
    out = subprocess.run(cmd, capture_output=True, text=True, cwd=Path(__file__).resolve().parent.parent)
    if out.returncode != 0:
        return {**row, "error": out.stderr.strip().splitlines()[-1] if out.stderr.strip() else "failed"}
    return json.loads(out.stdout.strip().splitlines()[-1])


def print_table(rows: list[dict[str, Any]]) -> None:
    head = (
        f"{'device':<7}{'dtype':<10}{'model':<46}{'prompt':>7}{'answer':>7}{'latency s':>10}"
        f"{'ttft s':>8}{'tok/s':>7}{'x16 tok/s':>10}{'generate s':>11}{'cold s':>7}{'RSS MB':>7}{'GPU MB':>7}"
    )
    print(head)
    print("-" * len(head))
    for r in rows:
        if "error" in r:
            print(f"{r['device']:<7}{r['dtype']:<10}{r['model']:<46} error: {r['error']}")
            continue
        answer = statistics.median(r["answer_tokens"])
        cold = "-" if r["cold_start_s"] is None else f"{r['cold_start_s']:.1f}"
        gpu = "-" if r["gpu_peak_mb"] is None else str(r["gpu_peak_mb"])
        print(
            f"{r['device']:<7}{r['dtype']:<10}{r['model_id'][:45]:<46}{r['prompt_tokens']:>7}{answer:>7.0f}"
            f"{r['latency_mean_s']:>10.2f}{r['ttft_median_s']:>8.3f}{r['decode_tok_s']:>7.1f}"
            f"{r['concurrent_16_tok_s']:>10.1f}"
            f"{r['plain_generate_median_s']:>11.2f}{cold:>7}{r['peak_rss_mb']:>7}{gpu:>7}"
        )
    print("\nthe study (other hardware, DeepSeek-R1-Distill-Qwen-1.5B):")
    for mode, value, _ in STUDY_TABLE_2:
        print(f"  {mode:<44}{value}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="~1 minute: default model rows, 2 runs each")
    parser.add_argument("--runs", type=int, help="runs per row (default 5, quick 2)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--json", type=Path, help="output file (default bench/results/latency-<ts>.json)")
    args = parser.parse_args(argv)
    runs = args.runs or (2 if args.quick else 5)
    if args.worker:
        import planwright.engine  # noqa: F401  (sets the OpenMP wait policy before torch loads)

        print(json.dumps(worker(json.loads(args.worker), runs)))
        return 0
    import planwright.engine  # noqa: F401

    rows = []
    for row in available_rows(args.quick):
        result = run_row(row, 1 if row["model"] != "default" and row["device"] == "cpu" else runs)
        rows.append(result)
        print(f"  {row}: {result.get('latency_mean_s', result.get('error'))}", flush=True)
    print()
    print_table(rows)
    report = {
        "benchmark": "latency_table",
        "quick": args.quick,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "prompt_tokens": PROMPT_TOKENS,
        "answer_tokens": ANSWER_TOKENS,
        "rows": rows,
        "study": [{"mode": m, "value": v} for m, v, _ in STUDY_TABLE_2],
    }
    out = (
        args.json
        or RESULTS_DIR / f"latency-{'quick-' if args.quick else ''}{time.strftime('%Y%m%d-%H%M%S')}.json"
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=1))
    print(f"\nwrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
