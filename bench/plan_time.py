"""Plan-time benchmark (issue 13 item 5): whole plans, stage by stage, with the model warm.

Each plan is the embedded command's (`planwright generate`): `cli.run_plan` on a SQLite file, one
engine started once for the whole run and one Chromium, so the figures are the plan's own, not the
model's load. Sequential: crawl, then generation, then verification, then export. Pipelined: each
page's prompts go to the model as soon as the page is crawled (generate.EarlyAsks). Both orders run
in the same run, interleaved per round (the machine is shared), and each figure is the median over
rounds. Prints a table with the ratio sequential ÷ pipelined and writes JSON to
bench/results/plan_time-*.json.

    .venv/bin/python -m bench.plan_time                      # fixture site + todo app, both orders, 1 round
    .venv/bin/python -m bench.plan_time --rounds 2 --apps fixture
    .venv/bin/python -m bench.plan_time --sequential         # one order only
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from concurrent.futures import Future
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.engine import RESULTS_DIR, _cpu_name
from bench.quality_apps import APPS

STAGES = ("crawl", "generation", "verification", "export")


def load_average() -> str:
    return " ".join(f"{value:.1f}" for value in os.getloadavg())


def one_plan(
    url: str, mode: str, *, holder: Any, engine: Future[Any], work_dir: Path, max_pages: int
) -> dict:
    """One whole plan of `url` in `mode`; its stage seconds, end-to-end seconds and what it found."""
    from planwright.cli import migrate, run_plan, write_exports
    from planwright.db import plans_store
    from planwright.db.models import Plan
    from planwright.db.session import session_scope
    from planwright.plans import create_plan
    from planwright.settings import get_settings

    database_url = f"sqlite:///{work_dir / 'planwright.db'}"
    migrate(database_url)
    with session_scope(database_url) as session:
        plan_id = create_plan(
            session, team_id=1, url=url + "/", language="en", max_pages=max_pages, max_depth=2, verify=True
        ).id
    started = time.perf_counter()
    run = run_plan(
        database_url,
        plan_id,
        holder=holder,
        engine=engine,
        settings=get_settings(),
        pipelined=mode == "pipelined",
    )
    timings = run.timings
    with session_scope(database_url) as session:
        plan = session.get(Plan, plan_id)
        assert plan is not None
        status, reason = plan.status, plan.status_reason
        export = plans_store.plan_export(session, plan) if status == "done" else None
        pages = len(plans_store.load_crawl(session, plan).pages) if plan.crawl_seconds is not None else 0
    if export is not None:
        export_started = time.perf_counter()
        write_exports(export, work_dir, kind="ui")
        timings["export"] = time.perf_counter() - export_started
    total = time.perf_counter() - started
    cases = export.cases if export is not None else []
    return {
        "mode": mode,
        "status": status,
        "reason": reason,
        "seconds": {name: round(timings.get(name, 0.0), 2) for name in STAGES},
        "total_s": round(total, 2),
        "pages": pages,
        "sent_during_crawl": run.sent_during_crawl,
        "answered_during_crawl": run.answered_during_crawl,
        "answers_used": run.answers_used,
        "cases": len(cases),
        "from_model": sum(case.source == "model" for case in cases),
        "verified": sum(case.verification.status == "verified" for case in cases),
        "load": load_average(),
    }


def summarize(runs: list[dict]) -> dict[str, Any]:
    """Medians over rounds of one app in one order."""
    return {
        "rounds": len(runs),
        "all_done": all(run["status"] == "done" for run in runs),
        **{name: statistics.median(run["seconds"][name] for run in runs) for name in STAGES},
        "total_s": statistics.median(run["total_s"] for run in runs),
        "pages": statistics.median(run["pages"] for run in runs),
        "sent_during_crawl": statistics.median(run["sent_during_crawl"] for run in runs),
        "answered_during_crawl": statistics.median(run["answered_during_crawl"] for run in runs),
        "crawl_plus_generation": statistics.median(
            run["seconds"]["crawl"] + run["seconds"]["generation"] for run in runs
        ),
        "cases": statistics.median(run["cases"] for run in runs),
        "from_model": statistics.median(run["from_model"] for run in runs),
        "verified": statistics.median(run["verified"] for run in runs),
    }


def print_table(summary: dict[str, dict[str, dict[str, Any]]]) -> None:
    header = (
        "| app | order | pages | crawl s | generate s | verify s | export s | **total s** | "
        "cases (model / verified) | crawl+generate s | asked / answered during crawl |"
    )
    print(header)
    print("|---|---|---:|---:|---:|---:|---:|---:|---|---:|---|")
    for app, orders in summary.items():
        for mode, row in orders.items():
            print(
                f"| {app} | {mode} | {row['pages']:.0f} | {row['crawl']:.1f} | {row['generation']:.1f} | {row['verification']:.1f} | "
                f"{row['export']:.1f} | **{row['total_s']:.1f}** | {row['cases']:.0f} ({row['from_model']:.0f} / "
                f"{row['verified']:.0f}){'' if row['all_done'] else ' NOT DONE'} | {row['crawl_plus_generation']:.1f} | "
                f"{row['sent_during_crawl']:.0f} / {row['answered_during_crawl']:.0f} |"
            )
        if {"sequential", "pipelined"} <= orders.keys():
            ratio = orders["sequential"]["total_s"] / orders["pipelined"]["total_s"]
            overlap = (
                orders["sequential"]["crawl_plus_generation"] / orders["pipelined"]["crawl_plus_generation"]
            )
            print(f"| {app} | sequential ÷ pipelined | | | | | | **{ratio:.2f}×** | | {overlap:.2f}× | |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    order = parser.add_mutually_exclusive_group()
    order.add_argument("--sequential", action="store_true", help="only the sequential order")
    order.add_argument("--pipelined", action="store_true", help="only the pipelined order")
    parser.add_argument(
        "--apps", default="fixture,todo", help="apps of bench/quality_apps.py (default: fixture,todo)"
    )
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--max-pages", type=int, default=5)
    args = parser.parse_args(argv)
    modes = (
        ["sequential"]
        if args.sequential
        else ["pipelined"]
        if args.pipelined
        else ["sequential", "pipelined"]
    )
    apps = [name.strip() for name in args.apps.split(",") if name.strip()]
    unknown = [name for name in apps if name not in APPS]
    if unknown:
        parser.error(f"unknown apps: {', '.join(unknown)} (known: {', '.join(APPS)})")

    scratch = Path(tempfile.mkdtemp(prefix="plan_time-"))
    os.environ.setdefault("DATA_DIR", str(scratch / "data"))
    os.environ.setdefault("ALLOW_LOOPBACK_TARGETS", "true")
    os.environ.setdefault("CRAWL_PAGE_TIMEOUT_S", "5")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from planwright.browser.launch import BrowserHolder
    from planwright.engine import engine_from_settings
    from planwright.settings import get_settings

    get_settings.cache_clear()
    load_before = load_average()
    started = time.perf_counter()
    engine = engine_from_settings(get_settings())
    engine.start()
    warm: Future[Any] = Future()
    warm.set_result(engine)
    print(
        f"model {engine.model_id} on {engine.device} ({engine.dtype}) warm in {time.perf_counter() - started:.1f} s"
    )
    holder = BrowserHolder()
    runs: dict[str, dict[str, list[dict]]] = {app: {mode: [] for mode in modes} for app in apps}
    try:
        for round_index in range(args.rounds):
            # Alternate which order goes first, so neither always gets the quieter minute.
            ordered = modes if round_index % 2 == 0 else list(reversed(modes))
            for app in apps:
                with APPS[app]() as url:
                    for mode in ordered:
                        work_dir = scratch / f"{app}-{mode}-{round_index}"
                        work_dir.mkdir(parents=True)
                        run = one_plan(
                            url, mode, holder=holder, engine=warm, work_dir=work_dir, max_pages=args.max_pages
                        )
                        runs[app][mode].append(run)
                        print(
                            f"round {round_index + 1} {app} {mode}: {run['status']} {run['total_s']:.1f} s "
                            f"{run['seconds']} cases={run['cases']} load={run['load']}",
                            flush=True,
                        )
    finally:
        holder.close()
        engine.stop(drain=False)

    summary = {
        app: {mode: summarize(items) for mode, items in orders.items()} for app, orders in runs.items()
    }
    print(
        f"\nCPU: {_cpu_name()}; load average before {load_before}, after {load_average()}; rounds {args.rounds}"
    )
    print_table(summary)
    report = {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpu": _cpu_name(),
        "model": engine.model_id,
        "load_before": load_before,
        "load_after": load_average(),
        "args": vars(args),
        "summary": summary,
        "runs": runs,
    }
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    out = RESULTS_DIR / f"plan_time-{datetime.now(UTC):%Y%m%d-%H%M%S}.json"
    out.write_text(json.dumps(report, indent=1))
    print(f"wrote {out}")
    return 0 if all(s["all_done"] for orders in summary.values() for s in orders.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
