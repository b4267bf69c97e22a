"""Engine benchmark (issue 4): the same plan prompts through

  (a) plain `model.generate`, one request at a time (the baseline every ratio is taken against),
  (b) static batches of 16 through `model.generate` (a batch ends when its longest request ends),
  (c) the Planwright engine with 1, 4 and 16 concurrent closed-loop clients.

64 prompts of ~150 tokens (a shared instruction block + a per-element part, like the pipeline's
prompts), answers of mixed length up to 128 tokens, greedy. Reports aggregate completion tokens/s,
per-request latency p50/p95, time to first token, peak RSS, ratio to (a); all in one process, one run,
the same model object and dtype. The machine is shared, so modes are interleaved in rounds and each
figure is the median over rounds (`--rounds`), and the 1-minute load average is recorded per mode.

    .venv/bin/python -m bench.engine            # full (~15-25 min on the 2-core CPU)
    .venv/bin/python -m bench.engine --quick    # ~1 minute, same table, fewer/shorter requests
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil

RESULTS_DIR = Path(__file__).resolve().parent / "results"

SYSTEM_PROMPT = (
    "You are a senior QA engineer. Write one UI test case for the element described below. "
    "Use only the facts given: the page, the element's locator and the outcome the crawler observed "
    "when it activated the element. Answer in this shape: a title line, then numbered steps "
    "('Step N: action'), then 'Expected:' lines that can be checked automatically (URL, heading, "
    "visible text). Do not invent elements, data or pages."
)
PAGES = ["/", "/catalog", "/cart", "/login", "/account", "/contacts", "/about", "/checkout"]
ELEMENTS = [
    ("link", "Contacts", "navigation to /contacts, heading 'Contacts'"),
    ("link", "About us", "navigation to /about, heading 'About the company'"),
    ("button", "Add to cart", "same page, cart badge shows '1'"),
    ("button", "Log in", "validation: 'Email is required', 'Password is required'"),
    ("link", "Catalog", "navigation to /catalog, heading 'All products'"),
    ("button", "Subscribe", "dialog: 'Thanks for subscribing!'"),
    ("link", "Privacy policy", "navigation to /privacy, heading 'Privacy policy'"),
    ("button", "Checkout", "navigation to /checkout, heading 'Delivery details'"),
]
DETAILS = [
    "The page title is '{title}'. The header has a logo, a search box and the main menu.",
    "The element is in the footer next to the social links; it is visible without scrolling on desktop.",
    "The crawler reached the page from the home page in one click; the page loaded with status 200.",
    "Other elements on the page: a search box labelled 'Search', a language switcher and a cookie banner.",
]


@dataclass
class WorkItem:
    messages: list[dict[str, str]]
    max_new_tokens: int


def build_workload(
    n: int, max_new_tokens: int = 128, min_new_tokens: int = 16, seed: int = 7
) -> list[WorkItem]:
    """n plan prompts (~150 tokens with SmolLM2's template) with mixed answer lengths, deterministic."""
    rng = random.Random(seed)
    items = []
    for i in range(n):
        page = PAGES[i % len(PAGES)]
        role, name, outcome = ELEMENTS[(i // len(PAGES) + i) % len(ELEMENTS)]
        detail = DETAILS[i % len(DETAILS)].format(title=f"Shop {page.strip('/') or 'home'}")
        user = (
            f"Page: https://shop.example{page} (case {i + 1}).\n"
            f"Element: {role} named '{name}', locator get_by_role('{role}', name='{name}').\n"
            f"Observed outcome: {outcome}.\n{detail}"
        )
        items.append(
            WorkItem(
                messages=[{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": user}],
                max_new_tokens=rng.randint(min_new_tokens, max_new_tokens),
            )
        )
    return items


@dataclass
class ModeResult:
    mode: str
    requests: int
    completion_tokens: int
    wall_s: float
    tokens_per_s: float
    latency_p50_s: float
    latency_p95_s: float
    ttft_p50_s: float
    ttft_p95_s: float
    peak_rss_mb: float
    load_avg_1m: float
    rounds: list[dict[str, float]] = field(default_factory=list)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


class RssSampler:
    """Peak resident memory of this process while a mode runs (sampled every 20 ms)."""

    def __init__(self) -> None:
        self._proc = psutil.Process()
        self.peak = self._proc.memory_info().rss
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, self._proc.memory_info().rss)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._proc.memory_info().rss)


@dataclass
class Run:
    """One mode over the whole workload once."""

    wall_s: float
    completion_tokens: int
    latencies: list[float]
    ttfts: list[float]
    peak_rss: int
    load_avg: float


@contextmanager
def measured() -> Iterator[dict[str, Any]]:
    out: dict[str, Any] = {}
    with RssSampler() as rss:
        start = time.perf_counter()
        yield out
        out["wall_s"] = time.perf_counter() - start
    out["peak_rss"] = rss.peak
    out["load_avg"] = os.getloadavg()[0]


def _first_token_timer() -> tuple[Any, list[float]]:
    """A logits processor that notes when generate asks for the first token's scores (= TTFT)."""
    from transformers import LogitsProcessor

    stamps: list[float] = []

    class FirstCall(LogitsProcessor):
        def __call__(self, input_ids: Any, scores: Any) -> Any:
            if not stamps:
                stamps.append(time.perf_counter())
            return scores

    return FirstCall(), stamps


def _eos_ids(engine: Any) -> set[int]:
    return set(engine.eos_token_ids)


def _useful_tokens(row: list[int], limit: int, eos: set[int], pad: int | None) -> int:
    """Tokens a request really got: up to its own limit and before its EOS (static batches run on)."""
    n = 0
    for t in row[:limit]:
        if t in eos:
            break
        n += 1
    return n


def run_plain(engine: Any, items: list[WorkItem]) -> Run:
    """(a) one request at a time through model.generate, each with its own max_new_tokens."""
    import torch
    from transformers import LogitsProcessorList

    model, eos = engine.model, _eos_ids(engine)
    latencies, ttfts, tokens = [], [], 0
    with measured() as m, torch.inference_mode():
        for item in items:
            ids = torch.tensor([engine.format_prompt(item.messages)], device=model.device)
            timer, stamps = _first_token_timer()
            start = time.perf_counter()
            out = model.generate(
                ids,
                attention_mask=torch.ones_like(ids),
                max_new_tokens=item.max_new_tokens,
                do_sample=False,
                logits_processor=LogitsProcessorList([timer]),
                pad_token_id=engine.tokenizer.pad_token_id,
            )
            latencies.append(time.perf_counter() - start)
            ttfts.append(stamps[0] - start if stamps else latencies[-1])
            tokens += _useful_tokens(out[0, ids.shape[1] :].tolist(), item.max_new_tokens, eos, None)
    return Run(m["wall_s"], tokens, latencies, ttfts, m["peak_rss"], m["load_avg"])


def run_static(engine: Any, items: list[WorkItem], batch_size: int = 16) -> Run:
    """(b) static batches through model.generate: left-padded, the batch runs to its longest request."""
    import torch
    from transformers import LogitsProcessorList

    model, tok, eos = engine.model, engine.tokenizer, _eos_ids(engine)
    pad = tok.pad_token_id if tok.pad_token_id is not None else min(eos)
    latencies, ttfts, tokens = [], [], 0
    with measured() as m, torch.inference_mode():
        for b in range(0, len(items), batch_size):
            chunk = items[b : b + batch_size]
            prompts = [engine.format_prompt(it.messages) for it in chunk]
            width = max(len(p) for p in prompts)
            ids = torch.full((len(chunk), width), pad, dtype=torch.long)
            mask = torch.zeros_like(ids)
            for i, p in enumerate(prompts):
                ids[i, width - len(p) :] = torch.tensor(p)
                mask[i, width - len(p) :] = 1
            timer, stamps = _first_token_timer()
            start = time.perf_counter()
            out = model.generate(
                ids.to(model.device),
                attention_mask=mask.to(model.device),
                max_new_tokens=max(it.max_new_tokens for it in chunk),
                do_sample=False,
                logits_processor=LogitsProcessorList([timer]),
                pad_token_id=pad,
            )
            elapsed = time.perf_counter() - start
            for i, it in enumerate(chunk):
                tokens += _useful_tokens(out[i, width:].tolist(), it.max_new_tokens, eos, pad)
                latencies.append(elapsed)
                ttfts.append(stamps[0] - start if stamps else elapsed)
    return Run(m["wall_s"], tokens, latencies, ttfts, m["peak_rss"], m["load_avg"])


def run_engine(engine: Any, items: list[WorkItem], clients: int, prefix_cache: bool = True) -> Run:
    """(c) `clients` closed-loop threads, each submitting its next prompt when the last one returns."""
    entries = engine.prefix_cache.max_entries
    if not prefix_cache:
        engine.prefix_cache.max_entries = 0  # shared_prefix_len() is 0 from now: whole prompts prefilled
    try:
        return _run_engine(engine, items, clients)
    finally:
        engine.prefix_cache.max_entries = entries


def _run_engine(engine: Any, items: list[WorkItem], clients: int) -> Run:
    from planwright.engine import GenerationRequest

    queue = list(enumerate(items))
    lock = threading.Lock()
    results: list[Any] = [None] * len(items)

    def client() -> None:
        while True:
            with lock:
                if not queue:
                    return
                i, item = queue.pop(0)
            req = GenerationRequest(item.messages, max_new_tokens=item.max_new_tokens, request_id=str(i))
            results[i] = engine.submit(req).result()

    with measured() as m:
        threads = [threading.Thread(target=client) for _ in range(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    errors = [r.error for r in results if r.error]
    if errors:
        raise RuntimeError(f"engine errors: {errors[:3]}")
    return Run(
        m["wall_s"],
        sum(r.completion_tokens for r in results),
        [r.latency_s for r in results],
        [r.ttft_s for r in results],
        m["peak_rss"],
        m["load_avg"],
    )


def design_check(engine: Any, items: list[WorkItem], steps: int = 8, batch: int = 16) -> dict[str, float]:
    """Why one padded batch: decode tokens/s of `batch` sequences stepped together (one forward per
    step, the engine's way) versus each with its own KV cache and its own forward (a per-sequence
    cache without a paged/varlen kernel, which transformers does not offer on CPU)."""
    import torch

    from planwright.engine.batch import PaddedBatch

    prompts = [engine.format_prompt(it.messages) for it in (items * batch)[:batch]]
    padded = PaddedBatch(engine.model, engine.device, engine.tokenizer.pad_token_id or 0)
    with torch.inference_mode():
        out = padded.prefill(prompts)
        padded.merge(list(range(batch)), out, out.logits.argmax(-1))
        padded.set_next_tokens(padded.decode().argmax(-1))  # warm
        start = time.perf_counter()
        for _ in range(steps):
            padded.set_next_tokens(padded.decode().argmax(-1))
        batched = batch * steps / (time.perf_counter() - start)
        singles = []
        for p in prompts:
            one = PaddedBatch(engine.model, engine.device, engine.tokenizer.pad_token_id or 0)
            o = one.prefill([p])
            one.merge([0], o, o.logits.argmax(-1))
            singles.append(one)
        start = time.perf_counter()
        for _ in range(steps):
            for one in singles:
                one.set_next_tokens(one.decode().argmax(-1))
        per_seq = batch * steps / (time.perf_counter() - start)
    return {"batched_tok_s": round(batched, 1), "per_sequence_tok_s": round(per_seq, 1), "batch": batch}


def summarize(mode: str, runs: list[Run], n: int) -> ModeResult:
    """Median over rounds of each figure (the machine is shared; the median resists bursts)."""
    best = sorted(runs, key=lambda r: r.completion_tokens / r.wall_s)[len(runs) // 2]
    return ModeResult(
        mode=mode,
        requests=n,
        completion_tokens=best.completion_tokens,
        wall_s=round(best.wall_s, 2),
        tokens_per_s=round(statistics.median(r.completion_tokens / r.wall_s for r in runs), 2),
        latency_p50_s=round(statistics.median(percentile(r.latencies, 0.5) for r in runs), 3),
        latency_p95_s=round(statistics.median(percentile(r.latencies, 0.95) for r in runs), 3),
        ttft_p50_s=round(statistics.median(percentile(r.ttfts, 0.5) for r in runs), 3),
        ttft_p95_s=round(statistics.median(percentile(r.ttfts, 0.95) for r in runs), 3),
        peak_rss_mb=round(max(r.peak_rss for r in runs) / 2**20, 1),
        load_avg_1m=round(statistics.median(r.load_avg for r in runs), 2),
        rounds=[
            {
                "tokens_per_s": round(r.completion_tokens / r.wall_s, 2),
                "wall_s": round(r.wall_s, 2),
                "load_avg_1m": round(r.load_avg, 2),
            }
            for r in runs
        ],
    )


def cold_start(dtype: str, repeats: int) -> dict[str, Any]:
    """Process start → engine ready, in fresh interpreters (the conversion cache already exists)."""
    code = (
        "import time; t0 = time.perf_counter()\n"
        "import json\n"
        "from planwright.engine import Engine\n"
        "from planwright.settings import Settings\n"
        f"e = Engine.from_settings(Settings(model_dtype={dtype!r})); e.start()\n"
        "t1 = time.perf_counter(); s = e.stats()\n"
        "print(json.dumps({'in_process_s': t1 - t0, 'load_seconds': e.load_seconds,"
        " 'process_ready_seconds': e.process_ready_seconds,"
        " 'ready_seconds': e.ready_seconds, 'peak_rss_mb': s['peak_rss_bytes'] / 2**20}))\n"
    )
    samples = []
    for _ in range(repeats):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        sample = json.loads(out.stdout.strip().splitlines()[-1])
        sample["process_wall_s"] = wall  # interpreter start to exit (includes shutting down)
        # CPU seconds the start consumed: on a shared machine, wall time also counts waiting for a core
        sample["process_cpu_s"] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        samples.append(sample)
    best = sorted(samples, key=lambda s: s["process_ready_seconds"])[len(samples) // 2]
    return {"median": best, "samples": samples, "load_avg_1m": os.getloadavg()[0]}


def engine_process_peak(dtype: str, n: int, max_new: int) -> dict[str, Any]:
    """Peak RSS of a process that only runs the engine (16 clients, this workload): the modes above
    share one process with `generate`'s own allocations, so their RSS column is an upper bound."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "peak.json"
        cmd = [
            sys.executable,
            "-m",
            "bench.engine",
            "--modes",
            "engine",
            "--clients",
            "16",
            "--no-cold-start",
            "--no-process-peak",
            "--dtype",
            dtype,
            "--prompts",
            str(n),
            "--max-new-tokens",
            str(max_new),
            "--json",
            str(out),
        ]
        subprocess.run(
            cmd, capture_output=True, text=True, check=True, cwd=Path(__file__).resolve().parent.parent
        )
        report = json.loads(out.read_text())
    stats = report["engine_stats"]
    return {
        "peak_rss_mb": round(stats["peak_rss_bytes"] / 2**20, 1),
        "tokens_per_s": report["results"][0]["tokens_per_s"],
    }


def print_table(results: list[ModeResult]) -> None:
    base = results[0].tokens_per_s
    head = (
        f"{'mode':<33}{'req':>4}{'tokens':>7}{'wall s':>8}{'tok/s':>8}{'x (a)':>7}{'lat p50':>8}"
        f"{'lat p95':>8}{'ttft p50':>9}{'ttft p95':>9}{'RSS MB':>8}{'load':>6}"
    )
    print(head)
    print("-" * len(head))
    for r in results:
        print(
            f"{r.mode:<33}{r.requests:>4}{r.completion_tokens:>7}{r.wall_s:>8.1f}{r.tokens_per_s:>8.1f}"
            f"{r.tokens_per_s / base:>7.2f}{r.latency_p50_s:>8.2f}{r.latency_p95_s:>8.2f}"
            f"{r.ttft_p50_s:>9.3f}{r.ttft_p95_s:>9.3f}{r.peak_rss_mb:>8.0f}{r.load_avg_1m:>6.1f}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="~1 minute: 8 prompts, answers up to 24 tokens")
    parser.add_argument("--prompts", type=int, help="number of prompts (default 64, quick 8)")
    parser.add_argument("--max-new-tokens", type=int, help="longest answer (default 128, quick 24)")
    parser.add_argument("--rounds", type=int, help="interleaved repetitions, median reported (default 1)")
    parser.add_argument("--clients", default="1,4,16", help="engine client counts")
    parser.add_argument("--dtype", default="auto", help="auto | float32 | bfloat16")
    parser.add_argument(
        "--modes",
        default="plain,static,engine,engine-noprefix",
        help="which of plain,static,engine,engine-noprefix (16 clients with the prefix cache off)",
    )
    parser.add_argument("--no-cold-start", action="store_true")
    parser.add_argument("--no-process-peak", action="store_true", help="skip the engine-only process run")
    parser.add_argument("--json", type=Path, help="output file (default bench/results/engine-<ts>.json)")
    args = parser.parse_args(argv)
    n = args.prompts or (8 if args.quick else 64)
    max_new = args.max_new_tokens or (24 if args.quick else 128)
    rounds = args.rounds or 1
    clients = [int(c) for c in args.clients.split(",") if c]
    modes = args.modes.split(",")

    from planwright.engine import Engine
    from planwright.settings import get_settings

    settings = get_settings().model_copy(update={"model_dtype": args.dtype})
    engine = Engine.from_settings(settings)
    engine.start()
    items = build_workload(n, max_new_tokens=max_new, min_new_tokens=min(16, max_new))
    prompt_lens = [engine.count_prompt_tokens(it.messages) for it in items]
    print(
        f"model {engine.model_id} on {engine.device} {engine.dtype}, {n} prompts of "
        f"{min(prompt_lens)}-{max(prompt_lens)} tokens (mean {statistics.mean(prompt_lens):.0f}), "
        f"answers {min(i.max_new_tokens for i in items)}-{max(i.max_new_tokens for i in items)} tokens, "
        f"{rounds} round(s); ready in {engine.ready_seconds:.2f} s",
        flush=True,
    )

    plan: list[tuple[str, Callable[[], Run]]] = []
    if "plain" in modes:
        plan.append(("(a) generate, 1 at a time", lambda: run_plain(engine, items)))
    if "static" in modes:
        plan.append(("(b) generate, static x16", lambda: run_static(engine, items, 16)))
    if "engine" in modes:
        for c in clients:
            plan.append(
                (f"(c) engine, {c} client{'s' if c > 1 else ''}", lambda c=c: run_engine(engine, items, c))
            )
    if "engine-noprefix" in modes:
        plan.append(
            ("(c) engine, 16, no prefix cache", lambda: run_engine(engine, items, 16, prefix_cache=False))
        )
    runs: dict[str, list[Run]] = {name: [] for name, _ in plan}
    for r in range(rounds):
        order = plan[r % len(plan) :] + plan[: r % len(plan)]  # rotate so no mode always runs first
        for name, fn in order:
            run = fn()
            runs[name].append(run)
            print(
                f"  round {r + 1}: {name}: {run.completion_tokens / run.wall_s:.1f} tok/s "
                f"({run.wall_s:.1f} s, load {run.load_avg:.1f})",
                flush=True,
            )
    results = [summarize(name, runs[name], n) for name, _ in plan]
    design = None if args.quick else design_check(engine, items)
    stats = engine.stats()
    engine.stop()

    print()
    print_table(results)
    if design:
        print(
            f"\ndesign check, decode of 16 sequences: one padded batch {design['batched_tok_s']} tok/s, "
            f"a cache and a forward per sequence {design['per_sequence_tok_s']} tok/s"
        )
    cold = None
    if not args.no_cold_start:
        try:
            cold = cold_start(args.dtype, 1 if args.quick else 3)
        except subprocess.CalledProcessError as error:  # keep the measured table even if this fails
            cold = {"error": f"exit {error.returncode}: {error.stderr.strip().splitlines()[-1:]}"}
    if cold and "error" in cold:
        print(f"\ncold start failed: {cold['error']}")
    elif cold:
        c = cold["median"]
        print(
            f"\ncold start (conversion cached): process start -> ready {c['process_ready_seconds']:.2f} s "
            f"(to exit {c['process_wall_s']:.2f} s, using {c['process_cpu_s']:.2f} s of CPU) "
            f"(in-process {c['in_process_s']:.2f} s: model loaded {c['load_seconds']:.2f} s, "
            f"warm {c['ready_seconds']:.2f} s), peak RSS {c['peak_rss_mb']:.0f} MB"
        )
    peak = None
    if not (args.quick or args.no_process_peak):
        try:
            peak = engine_process_peak(args.dtype, n, max_new)
            print(
                f"engine-only process, 16 clients: peak RSS {peak['peak_rss_mb']:.0f} MB "
                f"({peak['tokens_per_s']:.1f} tok/s)"
            )
        except subprocess.CalledProcessError as error:
            peak = {"error": f"exit {error.returncode}"}
    report = {
        "benchmark": "engine",
        "quick": args.quick,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "cpu": _cpu_name(),
            "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        },
        "model_id": engine.model_id,
        "device": engine.device,
        "dtype": engine.dtype,
        "prompts": n,
        "prompt_tokens": prompt_lens,
        "max_new_tokens": [i.max_new_tokens for i in items],
        "rounds": rounds,
        "results": [asdict(r) for r in results],
        "ratios_to_a": {r.mode: round(r.tokens_per_s / results[0].tokens_per_s, 2) for r in results},
        "engine_stats": stats,
        "cold_start": cold,
        "design_check": design,
        "engine_process_peak": peak,
    }
    out = (
        args.json
        or RESULTS_DIR / f"engine-{'quick-' if args.quick else ''}{time.strftime('%Y%m%d-%H%M%S')}.json"
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=1))
    print(f"\nwrote {out}")
    return 0


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


if __name__ == "__main__":
    sys.exit(main())
