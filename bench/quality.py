"""Quality benchmark: run whole plans against the project's fixture apps and measure what a QA team
would judge them by — reference scenarios covered, steps grounded in crawled elements, cases verified,
model-written vs skeleton cases, and time per stage.

Why through the stage functions: the numbers must describe the product, so each plan goes through the
same `crawl_stage` → `generate_stage` → `verify_stage` as `planwright generate` (an embedded SQLite file,
Alembic migrations, one Chromium, one model engine started once for all apps). Coverage is judged by
`bench/quality_rules.py` (rules in its docstring) against hand-written reference scenarios kept in
`tests/fixture_apps/scenarios.json` (or `bench/scenarios/*.json`).

    .venv/bin/python bench/quality.py                      # all apps, default model, CPU
    .venv/bin/python bench/quality.py --quick --apps todo  # small crawl, same table
    .venv/bin/python bench/quality.py --apps real          # the 14 real-world-idiom apps (issue 10)
    .venv/bin/python bench/quality.py --apps todo shop bmi # names and groups, see bench/quality_apps.py
    MODEL_PATH=/models/qwen .venv/bin/python bench/quality.py --json out.json
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

ROOT = Path(__file__).resolve().parent.parent
if __package__ in (None, ""):  # run as a script: make `bench`, `planwright` and `tests` importable
    sys.path.insert(0, str(ROOT))

from bench.quality_apps import APPS, GROUPS, expand_apps  # noqa: E402
from bench.quality_rules import (  # noqa: E402
    KnownElements,
    Scenario,
    case_covers,
    case_grounded,
    evaluate_scenario,
    load_scenarios,
    normalize,
    ungrounded_steps,
)

if TYPE_CHECKING:
    from planwright.engine import ModelBackend
    from planwright.schemas import PageSnapshot, TestCaseData
    from planwright.settings import Settings

RESULTS_DIR = ROOT / "bench" / "results"
SCENARIO_FILES = [ROOT / "tests" / "fixture_apps" / "scenarios.json"]
SCENARIO_DIR = ROOT / "bench" / "scenarios"
STAGES = ("crawl", "generate", "verify")


@dataclass
class AppResult:
    """One app's plan, measured."""

    app: str
    url: str
    status: str = "not run"
    status_reason: str | None = None
    pages: int = 0
    explored_behaviours: int = 0
    scenarios_total: int | None = None  # None: the app has no reference scenarios (coverage n/a)
    scenarios_covered: int = 0
    scenarios_covered_verified: int = 0  # covered by a case that also verified
    scenarios_destructive: int = 0  # need a deny-listed action (Delete, Remove): not explored by default
    scenarios_covered_destructive: int = 0
    # Diagnostic funnel: scenarios the crawl's grounded skeletons (page-load and explored behaviours,
    # before the model and before verification) would cover. Far above `scenarios_covered` means the
    # loss is after the crawl (cases not built from behaviours, or rewritten away), not in exploration.
    scenarios_covered_by_skeletons: int | None = None
    explored_skeletons: int = 0  # cases explored_cases.py builds from the stored behaviours
    cases: int = 0
    grounded_cases: int = 0
    steps: int = 0
    ungrounded_steps: int = 0
    verified: int = 0
    failed: int = 0
    not_executable: int = 0
    pending: int = 0
    from_model: int = 0
    from_skeleton: int = 0
    explored_cases: int = 0  # cases from explored behaviours (tag "explored")
    edge_proposed: int = 0  # grounded edge cases the model proposed (pages' proposals)
    edge_kept: int = 0  # ...that ran and showed something checkable: cases tagged model-proposed
    duplicate_titles: int = (
        0  # cases whose title another case of the plan also has (a reader cannot tell them apart)
    )
    model_answers: int = 0
    model_completion_tokens: int = 0
    model_rejections: dict[str, int] = field(default_factory=dict)  # reason -> count
    seconds: dict[str, float] = field(default_factory=dict)  # crawl, generate, verify, total
    uncovered: list[dict[str, Any]] = field(default_factory=list)
    covered: list[dict[str, Any]] = field(default_factory=list)
    failures: list[dict[str, Any]] = field(default_factory=list)  # failed / not executable cases
    ungrounded: list[dict[str, Any]] = field(default_factory=list)
    case_kinds: dict[str, int] = field(default_factory=dict)  # tag-based kind -> count


# ---------------------------------------------------------------- scenarios


def read_scenarios() -> tuple[dict[str, list[Scenario]], list[str]]:
    """Reference scenarios per app, and the files they came from."""
    apps: dict[str, list[Scenario]] = {}
    sources: list[str] = []
    files = [path for path in SCENARIO_FILES if path.is_file()]
    if SCENARIO_DIR.is_dir():
        files += sorted(SCENARIO_DIR.glob("*.json"))
    for path in files:
        data = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(data, list):  # bench/scenarios/<app>.json: a bare list
            data = {path.stem: data}
        for app, scenarios in load_scenarios(data).items():
            apps.setdefault(app, []).extend(scenarios)
        sources.append(str(path.relative_to(ROOT)))
    return apps, sources


# ---------------------------------------------------------------- one plan


def known_elements(pages: list[PageSnapshot]) -> KnownElements:
    """Every element the crawler recorded, on the page or in an explored state of it."""
    known: set[tuple[str, str, str]] = set()
    for page in pages:
        for element in page.elements:
            known.add((page.url, element.key, element.name))
        for behaviour in page.behaviours:
            for element in behaviour.new_elements:
                known.add((page.url, element.key, element.name))
    return known


def case_kind(case: TestCaseData) -> str:
    """A short label for reports: the explored kind, or the skeleton's first tag."""
    if "explored" in case.tags and len(case.tags) > 1:
        return f"explored:{case.tags[1]}"
    return case.tags[0] if case.tags else "?"


def step_summary(case: TestCaseData) -> str:
    parts = []
    for step in case.steps[1:]:
        name = step.target.name if step.target else ""
        data = f"={step.data}" if step.data and step.action in ("fill", "select", "press") else ""
        parts.append(f"{step.action} “{name}”{data}" if name else f"{step.action}{data}")
    return ", ".join(parts) or "open only"


def measure(
    result: AppResult,
    cases: list[TestCaseData],
    pages: list[PageSnapshot],
    scenarios: list[Scenario] | None,
    rejections: Counter[str],
    answers: int,
    completion_tokens: int = 0,
) -> None:
    """Fill the result's counts from the finished plan (pure: no database, no browser)."""
    known = known_elements(pages)
    result.pages = len(pages)
    result.explored_behaviours = sum(len(page.behaviours) for page in pages)
    result.cases = len(cases)
    result.steps = sum(len(case.steps) for case in cases)
    for case in cases:
        bad = ungrounded_steps(case, known)
        result.ungrounded_steps += len(bad)
        if bad:
            result.ungrounded.append(
                {
                    "title": case.title,
                    "steps": [f"{s.n} {s.action} {s.target.name if s.target else '-'}" for s in bad],
                }
            )
    result.grounded_cases = sum(case_grounded(case, known) for case in cases)
    statuses = Counter(case.verification.status for case in cases)
    result.verified = statuses["verified"]
    result.failed = statuses["failed"]
    result.not_executable = statuses["not_executable"]
    result.pending = statuses["pending"]
    result.from_model = sum(case.source == "model" for case in cases)
    result.from_skeleton = result.cases - result.from_model
    result.explored_cases = sum("explored" in case.tags for case in cases)
    result.edge_proposed = sum(len(page.proposals) for page in pages)
    result.edge_kept = sum("model-proposed" in case.tags for case in cases)
    titles = Counter(normalize(case.title) for case in cases)
    result.duplicate_titles = sum(count for count in titles.values() if count > 1)
    result.case_kinds = dict(Counter(case_kind(case) for case in cases).most_common())
    result.model_answers = answers
    result.model_completion_tokens = completion_tokens
    result.model_rejections = dict(rejections.most_common())
    for case in cases:
        if case.verification.status in ("failed", "not_executable"):
            result.failures.append(
                {
                    "title": case.title,
                    "status": case.verification.status,
                    "detail": case.verification.detail,
                    "kind": case_kind(case),
                    "source": case.source,
                    "page": case.page_url,
                    "steps": step_summary(case),
                }
            )
    if scenarios is None:
        return
    result.scenarios_total = len(scenarios)
    result.scenarios_destructive = sum(scenario.destructive for scenario in scenarios)
    for scenario in scenarios:
        verdict = evaluate_scenario(scenario, cases)
        row: dict[str, Any] = {
            "id": scenario.id,
            "title": scenario.title,
            "page": scenario.page,
            "destructive": scenario.destructive,
        }
        if verdict.case_index is not None:
            closest = cases[verdict.case_index]
            row |= {
                "case": closest.title,
                "case_steps": step_summary(closest),
                "case_status": closest.verification.status,
            }
        if verdict.covered:
            result.scenarios_covered += 1
            result.scenarios_covered_verified += bool(verdict.verified)
            result.scenarios_covered_destructive += scenario.destructive
            result.covered.append(row)
        else:
            row["missing"] = verdict.missing
            result.uncovered.append(row)


def skeleton_candidates(pages: list[PageSnapshot], url: str) -> tuple[list[TestCaseData], int]:
    """Every grounded skeleton the stored crawl yields — page-load ones and explored ones — and how many
    came from explored behaviours. Read-only use of the pipeline's own builders, for the funnel."""
    from planwright.pipeline.skeleton import build_behaviours
    from planwright.schemas import CrawlResult

    crawl = CrawlResult(start_url=url, pages=pages)
    cases = [behaviour.case for behaviour in build_behaviours(crawl, "en")]
    explored = sum("explored" in case.tags for case in cases)
    if explored == 0:  # the generate stage does not build explored cases (yet): build them here
        try:
            from planwright.pipeline.explored_cases import explored_behaviours
        except ImportError:
            return cases, 0
        extra = [behaviour.case for page in pages for behaviour in explored_behaviours(page, "en")]
        cases += extra
        explored = len(extra)
    return cases, explored


def rejection_reason(error: str | None) -> str:
    """Group the model's rejected answers by the first reason, without the case-specific tail."""
    reason = (error or "no reason").split(";")[0].strip().split(":")[0]
    return _detail_shape(reason)[:80]


def run_plan(
    app: str,
    url: str,
    *,
    database_url: str,
    settings: Settings,
    browser_holder: Any,
    engine: Callable[[], ModelBackend],
    max_pages: int,
    max_depth: int,
    scenarios: list[Scenario] | None,
) -> AppResult:
    """One plan through the embedded path's stage functions, timed stage by stage."""
    from sqlalchemy import select

    from planwright.db import plans_store
    from planwright.db.models import Generation, Plan
    from planwright.db.session import session_scope
    from planwright.pipeline import stages
    from planwright.plans import create_plan

    result = AppResult(app=app, url=url)
    with session_scope(database_url) as session:
        plan_id = create_plan(
            session, team_id=1, url=url, language="en", max_pages=max_pages, max_depth=max_depth, verify=True
        ).id
    started = time.perf_counter()
    try:
        stage_started = time.perf_counter()
        crawled = stages.crawl_stage(database_url, plan_id, browser=browser_holder.browser, settings=settings)
        result.seconds["crawl"] = time.perf_counter() - stage_started
        if crawled:
            generator = engine()  # waits for the model only the first time; not counted in any stage
            stage_started = time.perf_counter()
            stages.generate_stage(
                database_url,
                plan_id,
                generator=generator,
                max_new_tokens=settings.model_max_new_tokens,
                seed=settings.model_seed,
            )
            result.seconds["generate"] = time.perf_counter() - stage_started
            stage_started = time.perf_counter()
            stages.verify_stage(
                database_url, plan_id, browser=lambda: browser_holder.browser, settings=settings
            )
            result.seconds["verify"] = time.perf_counter() - stage_started
    except Exception as error:
        stages.fail_plan(database_url, plan_id, f"Internal error: {type(error).__name__}: {error}")
        raise
    result.seconds["total"] = sum(result.seconds.get(stage, 0.0) for stage in STAGES)
    result.seconds["wall"] = time.perf_counter() - started

    with session_scope(database_url) as session:
        plan = session.get(Plan, plan_id)
        assert plan is not None
        result.status, result.status_reason = plan.status, plan.status_reason
        cases = plans_store.plan_export(session, plan).cases
        pages = plans_store.load_crawl(session, plan).pages
        errors = session.scalars(
            select(Generation.error).where(Generation.plan_id == plan_id, Generation.accepted.is_(False))
        ).all()
        tokens = session.scalars(
            select(Generation.completion_tokens).where(Generation.plan_id == plan_id)
        ).all()
    measure(
        result,
        cases,
        pages,
        scenarios,
        Counter(rejection_reason(e) for e in errors),
        len(tokens),
        sum(tokens),
    )
    candidates, result.explored_skeletons = skeleton_candidates(pages, url)
    if scenarios is not None:
        result.scenarios_covered_by_skeletons = sum(
            any(case_covers(scenario, case) for case in candidates) for scenario in scenarios
        )
    return result


# ---------------------------------------------------------------- the table


def pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "n/a"


def totals(results: list[AppResult]) -> AppResult:
    total = AppResult(app="total", url="", status="")
    with_scenarios = [r for r in results if r.scenarios_total is not None]
    total.scenarios_total = sum(r.scenarios_total or 0 for r in with_scenarios) if with_scenarios else None
    for name in (
        "pages",
        "explored_behaviours",
        "scenarios_covered",
        "scenarios_covered_verified",
        "scenarios_destructive",
        "scenarios_covered_destructive",
        "cases",
        "grounded_cases",
        "steps",
        "ungrounded_steps",
        "verified",
        "failed",
        "not_executable",
        "pending",
        "from_model",
        "from_skeleton",
        "explored_cases",
        "edge_proposed",
        "edge_kept",
        "duplicate_titles",
        "model_answers",
        "model_completion_tokens",
    ):
        setattr(total, name, sum(getattr(r, name) for r in results))
    for stage in (*STAGES, "total", "wall"):
        total.seconds[stage] = sum(r.seconds.get(stage, 0.0) for r in results)
    return total


def table_rows(result: AppResult) -> list[tuple[str, str]]:
    r = result
    scenarios = (
        f"{r.scenarios_covered}/{r.scenarios_total} ({pct(r.scenarios_covered, r.scenarios_total)})"
        if r.scenarios_total is not None
        else "n/a"
    )
    seconds = r.seconds
    if r.scenarios_total is not None:
        explorable = r.scenarios_total - r.scenarios_destructive
        covered = r.scenarios_covered - r.scenarios_covered_destructive
        excluding = f"{covered}/{explorable} ({pct(covered, explorable)})"
    else:
        excluding = "n/a"
    generate_s = seconds.get("generate", 0.0)
    speed = f"{r.model_completion_tokens / generate_s:.0f}" if generate_s > 0 else "n/a"
    return [
        ("pages crawled", str(r.pages)),
        ("explored behaviours", str(r.explored_behaviours)),
        ("scenarios covered", scenarios),
        ("  excl. destructive", excluding),
        (
            "  …by a verified case",
            str(r.scenarios_covered_verified) if r.scenarios_total is not None else "n/a",
        ),
        ("cases", str(r.cases)),
        ("  from explored behaviours", str(r.explored_cases)),
        ("  model's edge cases kept / proposed", f"{r.edge_kept} / {r.edge_proposed}"),
        ("grounded cases", f"{r.grounded_cases} ({pct(r.grounded_cases, r.cases)})"),
        ("ungrounded steps", f"{r.ungrounded_steps} of {r.steps}"),
        ("verified", f"{r.verified} ({pct(r.verified, r.cases)})"),
        ("failed", f"{r.failed} ({pct(r.failed, r.cases)})"),
        ("not executable", f"{r.not_executable} ({pct(r.not_executable, r.cases)})"),
        ("from model / skeleton", f"{r.from_model} / {r.from_skeleton}"),
        ("cases with a duplicate title", str(r.duplicate_titles)),
        ("model tokens/s (aggregate)", speed),
        ("time crawl", f"{seconds.get('crawl', 0):.1f} s"),
        ("time generate", f"{seconds.get('generate', 0):.1f} s"),
        ("time verify", f"{seconds.get('verify', 0):.1f} s"),
        ("time total", f"{seconds.get('total', 0):.1f} s"),
    ]


def render_table(results: list[AppResult]) -> str:
    """One column per app and a total column, as Markdown (reads fine in a terminal too)."""
    columns = [*results, totals(results)] if len(results) > 1 else results
    rows = [table_rows(result) for result in columns]
    header = ["metric", *(result.app for result in columns)]
    lines = [header, ["---"] * len(header)]
    for index, (label, _) in enumerate(rows[0]):
        lines.append([label, *(row[index][1] for row in rows)])
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    out = []
    for line in lines:
        if line[0] == "---":
            out.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
        else:
            out.append("| " + " | ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)) + " |")
    return "\n".join(out)


def render_details(result: AppResult, top: int = 5) -> str:
    lines = [f"## {result.app} ({result.url}) — plan {result.status}"]
    if result.status_reason:
        lines.append(f"reason: {result.status_reason}")
    lines.append("case kinds: " + ", ".join(f"{k} {v}" for k, v in result.case_kinds.items()))
    if result.scenarios_covered_by_skeletons is not None:
        lines.append(
            f"funnel: {result.explored_behaviours} explored behaviours → {result.explored_skeletons} explored "
            f"skeletons; the crawl's skeletons would cover {result.scenarios_covered_by_skeletons}/"
            f"{result.scenarios_total} scenarios, the plan covers {result.scenarios_covered} "
            f"({result.scenarios_covered_verified} by a verified case)"
        )
    if result.scenarios_total is not None:
        lines.append(f"scenarios NOT covered ({len(result.uncovered)}):")
        for row in result.uncovered:
            closest = f"; closest case “{row['case']}” [{row['case_steps']}]" if row.get("case") else ""
            flag = " [destructive]" if row.get("destructive") else ""
            lines.append(
                f"  - {row['id']}{flag}: {row['title']} — missing {', '.join(row['missing'])}{closest}"
            )
    lines.append(f"failed / not executable cases ({len(result.failures)}), top {top}:")
    for row in result.failures[:top]:
        lines.append(f"  - [{row['status']}, {row['kind']}, {row['source']}] {row['title']}: {row['detail']}")
    if result.failures:
        details = Counter(_detail_shape(row["detail"]) for row in result.failures)
        lines.append(
            "  failure details by shape: " + "; ".join(f"{n}× {d}" for d, n in details.most_common(5))
        )
    if result.ungrounded:
        lines.append(f"ungrounded steps: {result.ungrounded[:5]}")
    if result.model_rejections:
        lines.append(
            f"model answers rejected ({sum(result.model_rejections.values())} of {result.model_answers}): "
            + "; ".join(f"{n}× {reason}" for reason, n in list(result.model_rejections.items())[:3])
        )
    return "\n".join(lines)


def _detail_shape(detail: str | None) -> str:
    """A failure detail without its quoted specifics, so alike failures group together."""
    import re

    text = re.sub(r"“[^”]*”|\"[^\"]*\"|'[^']*'", "…", detail or "")
    return re.sub(r"\d+", "#", text)[:90]


# ---------------------------------------------------------------- main


def code_version() -> str:
    """The commit measured, and whether the pipeline's code had uncommitted changes (others' work)."""
    import subprocess

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)
        return done.stdout.strip()

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    dirty = git("status", "--porcelain", "--", "planwright", "tests/fixture_apps", "tests/fixture_site")
    return f"{commit}{' + uncommitted changes in planwright/ or the fixture apps' if dirty else ''}"


@contextlib.contextmanager
def engine_loader(settings: Settings) -> Iterator[Callable[[], ModelBackend]]:
    """Start the model on another thread while the first app crawls (as `planwright generate` does);
    yield a getter that waits for it. Stopped at the end."""
    from planwright.engine import engine_from_settings

    def start() -> ModelBackend:
        engine = engine_from_settings(settings)
        engine.start()
        return engine

    pool = ThreadPoolExecutor(max_workers=1)
    future: Future[ModelBackend] = pool.submit(start)
    try:
        yield future.result
    finally:
        if future.done() and future.exception() is None:
            future.result().stop(drain=False)
        pool.shutdown(wait=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small crawl (max 3 pages, depth 1)")
    parser.add_argument(
        "--apps",
        nargs="+",
        default=["todo,shop,fixture"],
        help=f"names or groups ({', '.join(GROUPS)}), space- or comma-separated, from {', '.join(APPS)}",
    )
    parser.add_argument(
        "--model-path", help="a local Hugging Face model directory (else MODEL_PATH / default)"
    )
    parser.add_argument("--max-pages", type=int, help="default 10 (3 with --quick)")
    parser.add_argument("--max-depth", type=int, help="default 2 (1 with --quick)")
    parser.add_argument(
        "--json", dest="json_out", help="write results here (default bench/results/quality-<date>.json)"
    )
    args = parser.parse_args(argv)

    apps, unknown = expand_apps(args.apps)
    if unknown:
        parser.error(f"unknown app(s) {', '.join(unknown)}; choose from {', '.join(APPS)}")
    max_pages = args.max_pages or (3 if args.quick else 10)
    max_depth = args.max_depth if args.max_depth is not None else (1 if args.quick else 2)
    scenarios, scenario_sources = read_scenarios()

    workdir = Path(tempfile.mkdtemp(prefix="planwright-quality-"))
    database_url = f"sqlite:///{workdir / 'quality.db'}"
    os.environ["DATABASE_URL"] = database_url
    os.environ["DATA_DIR"] = str(workdir / "data")
    os.environ["ALLOW_LOOPBACK_TARGETS"] = "true"  # the benchmark's apps are served on 127.0.0.1
    if args.model_path:
        os.environ["MODEL_PATH"] = args.model_path

    from planwright.browser.launch import BrowserHolder
    from planwright.cli import migrate
    from planwright.settings import get_settings

    get_settings.cache_clear()
    settings = get_settings()
    migrate(database_url)
    version = code_version()
    print(
        f"quality benchmark ({version}): apps {', '.join(apps)}; max_pages {max_pages}, depth {max_depth}; "
        f"model {settings.model_path or 'default (SmolLM2-135M)'}; scenarios from {', '.join(scenario_sources) or 'nowhere'}",
        flush=True,
    )

    results: list[AppResult] = []
    model: dict[str, Any] = {}
    holder = BrowserHolder()
    started = time.perf_counter()
    try:
        with engine_loader(settings) as get_engine:
            waited = [0.0]

            def engine() -> ModelBackend:
                wait_started = time.perf_counter()
                ready = get_engine()
                waited[0] += time.perf_counter() - wait_started
                model.update(
                    model_id=ready.model_id,
                    device=ready.device,
                    dtype=ready.dtype,
                    ready_s=ready.ready_seconds,
                )
                return ready

            for app in apps:
                print(f"{app}: starting", flush=True)
                with APPS[app]() as url:
                    result = run_plan(
                        app,
                        url + "/",
                        database_url=database_url,
                        settings=settings,
                        browser_holder=holder,
                        engine=engine,
                        max_pages=max_pages,
                        max_depth=max_depth,
                        scenarios=scenarios.get(app),
                    )
                results.append(result)
                print(
                    f"{app}: {result.status}, {result.cases} cases, {result.verified} verified, "
                    f"{result.seconds.get('total', 0):.1f} s",
                    flush=True,
                )
            model["waited_s"] = waited[0]
    finally:
        holder.close()
    wall = time.perf_counter() - started

    print()
    print(render_table(results))
    print()
    print(
        f"model {model.get('model_id')} on {model.get('device')} ({model.get('dtype')}), "
        f"ready in {model.get('ready_s') or 0:.1f} s (benchmark waited {model.get('waited_s', 0):.1f} s for it); "
        f"wall {wall:.1f} s"
    )
    for result in results:
        print()
        print(render_details(result))

    out = (
        Path(args.json_out) if args.json_out else RESULTS_DIR / f"quality-{dt.date.today().isoformat()}.json"
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    report = {
        "date": dt.datetime.now().isoformat(timespec="seconds"),
        "mode": "quick" if args.quick else "full",
        "max_pages": max_pages,
        "max_depth": max_depth,
        "code": version,
        "machine": {"cpus": os.cpu_count(), "platform": sys.platform},
        "model": model,
        "scenario_sources": scenario_sources,
        "wall_s": wall,
        "apps": [asdict(result) for result in results],
        "total": asdict(totals(results)),
    }
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\nwrote {out} (plans kept in {database_url})")
    return 0 if all(result.status == "done" for result in results) else 1


if __name__ == "__main__":
    sys.exit(main())
