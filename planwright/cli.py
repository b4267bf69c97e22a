"""`planwright generate URL --out DIR`: the whole pipeline in one process, no services (SQLite, no Redis).

It calls the same stage functions as the Celery workers, so both paths produce the same plan.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import ValidationError

from planwright.lifecycle import CRAWL_TASK, GENERATE_TASK, VERIFY_TASK, next_task

if TYPE_CHECKING:
    from planwright.browser.launch import BrowserHolder
    from planwright.engine import ModelBackend
    from planwright.schemas import PageSnapshot, PlanExport
    from planwright.settings import Settings

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def migrate(database_url: str) -> None:
    """Alembic owns the schema here too: the SQLite file is built by the same migration."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["database_url"] = database_url
    config.attributes["configure_logger"] = False
    command.upgrade(config, "head")


class ProgressPrinter(threading.Thread):
    """Prints the plan's stage and progress as the stages record it."""

    def __init__(self, database_url: str, plan_id: int) -> None:
        super().__init__(daemon=True)
        self.database_url = database_url
        self.plan_id = plan_id
        self.stopped = threading.Event()

    def run(self) -> None:
        from planwright.db.models import Plan
        from planwright.db.session import session_scope

        last = ""
        while not self.stopped.wait(0.5):
            with session_scope(self.database_url) as session:
                plan = session.get(Plan, self.plan_id)
                if plan is None:
                    continue
                line = f"  {plan.status:<10} {plan.progress_done}/{plan.progress_total}  {plan.stage or ''}"
            if line != last:
                print(line, flush=True)
                last = line


def _start_engine(settings: Settings) -> ModelBackend:
    from planwright.engine import engine_from_settings

    engine = engine_from_settings(settings)
    engine.start()
    return engine


def _plan_status(database_url: str, plan_id: int) -> str:
    from planwright.db.models import Plan
    from planwright.db.session import session_scope

    with session_scope(database_url) as session:
        plan = session.get(Plan, plan_id)
        assert plan is not None, "the command created it"
        return plan.status


def generate(args: argparse.Namespace) -> int:
    from planwright.plan_api import PlanCreate
    from planwright.schemas import readable_errors

    try:
        request = PlanCreate(
            url=args.url,
            language=args.language,
            max_pages=args.max_pages,
            max_depth=args.max_depth,
            verify=not args.no_verify,
            **_openapi_fields(args),
        )
    except (ValidationError, OSError) as error:
        if isinstance(error, OSError):
            print(f"error: --openapi: {error}", file=sys.stderr)
            return 2
        for message in readable_errors(error.errors()):
            print(f"error: {message}", file=sys.stderr)
        return 2

    out_dir = Path(args.out).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    database_url = args.db or f"sqlite:///{out_dir / 'planwright.db'}"
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DATA_DIR", str(out_dir / "data"))
    # The one-command path runs as the developer, on their machine: their localhost apps are fair game
    # (the metadata address and link-local stay refused). A shared service keeps the stricter default.
    os.environ.setdefault("ALLOW_LOOPBACK_TARGETS", "true")

    from planwright.browser.launch import BrowserHolder
    from planwright.db import plans_store
    from planwright.db.models import Plan
    from planwright.db.session import session_scope
    from planwright.plans import create_plan, plan_fields
    from planwright.settings import get_settings

    get_settings.cache_clear()
    settings = get_settings()
    from planwright.netpolicy import submission_refusals

    refusals = readable_errors(submission_refusals(request.target_urls()))
    for message in refusals:
        print(f"error: {message}", file=sys.stderr)
    if refusals:
        return 2
    migrate(database_url)
    with session_scope(database_url) as session:
        plan_row = create_plan(session, team_id=1, **plan_fields(request))
        plan_id, plan_url = plan_row.id, plan_row.url
    print(f"plan {plan_id}: {plan_url} → {out_dir}", flush=True)

    timings: dict[str, float] = {}
    printer = ProgressPrinter(database_url, plan_id)
    printer.start()
    holder = BrowserHolder()
    # The model loads on another thread while the browser crawls: neither waits for the other.
    loader = ThreadPoolExecutor(max_workers=1)
    load_started = time.perf_counter()
    engine_future = loader.submit(_start_engine, settings)

    def engine_ready(engine: ModelBackend) -> None:
        timings["model load"] = engine.ready_seconds or time.perf_counter() - load_started
        print(
            f"model {engine.model_id} on {engine.device} ({engine.dtype}), ready in {timings['model load']:.1f} s"
        )

    try:
        run = run_plan(
            database_url,
            plan_id,
            holder=holder,
            engine=engine_future,
            settings=settings,
            on_engine=engine_ready,
        )
        timings.update(run.timings)
    finally:
        printer.stopped.set()
        printer.join()
        holder.close()
        if engine_future.done() and engine_future.exception() is None:
            engine_future.result().stop(drain=False)
        loader.shutdown(wait=True)

    with session_scope(database_url) as session:
        plan = session.get(Plan, plan_id)
        assert plan is not None
        if plan.status != "done":
            print(f"plan {plan_id} failed: {plan.status_reason}", file=sys.stderr)
            return 1
        export = plans_store.plan_export(session, plan)
        proposed_total = sum(len(page.proposals or []) for page in plan.pages)
    stage_started = time.perf_counter()
    formats = write_exports(export, out_dir, kind=request.kind)
    timings["export"] = time.perf_counter() - stage_started

    cases = export.cases
    from_model = sum(case.source == "model" for case in cases)
    verified = sum(case.verification.status == "verified" for case in cases)
    print(
        f"done: {len(cases)} cases ({from_model} written by the model, {len(cases) - from_model} from the skeleton; "
        f"{verified} verified)"
    )
    proposed = sum("model-proposed" in case.tags for case in cases)
    if proposed_total:
        print(
            f"edge cases the model proposed: {proposed_total}, kept as cases after running them: {proposed}"
        )
    print("timings: " + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in timings.items()))
    if not args.sequential:
        print(
            f"pipelined: {run.sent_during_crawl} model requests sent while the browser crawled "
            f"({run.answered_during_crawl} answered by its end), {run.answers_used} of their answers used"
        )
    print("wrote " + ", ".join(str(out_dir / f"plan.{fmt}") for fmt in formats))
    return 0


@dataclass
class PlanRun:
    """What `run_plan` measured: each stage's seconds, and how much of the model's work the crawl overlapped."""

    timings: dict[str, float] = field(default_factory=dict)
    sent_during_crawl: int = 0  # model requests sent while the browser was still crawling
    answered_during_crawl: int = 0  # of those, the ones answered by the time the crawl ended
    answers_used: int = 0  # of those, the ones the generate stage used (the rest were asked again)


def run_plan(
    database_url: str,
    plan_id: int,
    *,
    holder: BrowserHolder,
    engine: Future[ModelBackend],
    settings: Settings,
    pipelined: bool = True,
    on_engine: Callable[[ModelBackend], None] | None = None,
) -> PlanRun:
    """Run the plan's stages to its end in this process, the same stage functions as the workers in
    the order the plan's life gives (lifecycle.next_task); the seconds of each. Pipelined, each page's
    prompts go to the model (its own thread) as soon as the page is crawled, while the browser (this
    thread: Playwright's sync API) goes on; sequential, generation starts after the crawl."""
    from planwright.db.models import Plan
    from planwright.db.session import session_scope
    from planwright.pipeline import stages
    from planwright.pipeline.stages.generate import EarlyAsks

    with session_scope(database_url) as session:
        plan = session.get(Plan, plan_id)
        assert plan is not None, "the caller created it"
        early = (
            EarlyAsks(
                plan_id,
                plan.language,  # type: ignore[arg-type]
                max_new_tokens=settings.model_max_new_tokens,
                seed=settings.model_seed,
                edge_cases=plan.verify and settings.edge_cases,
            )
            if pipelined and plan.kind != "api"
            else None
        )
    ready: list[ModelBackend] = []

    def ready_engine() -> ModelBackend:
        if not ready:
            ready.append(engine.result())
            if on_engine is not None:
                on_engine(ready[0])
            if early is not None:
                early.attach(ready[0])
        return ready[0]

    def on_page(page: PageSnapshot) -> None:
        if early is None:
            return
        if not ready and engine.done() and engine.exception() is None:
            ready_engine()  # loaded while the browser crawled: what was handed on so far goes out
        early.add_page(page)

    steps: dict[str, tuple[str, Callable[[], object]]] = {
        CRAWL_TASK: (
            "crawl",
            lambda: stages.crawl_stage(
                database_url, plan_id, browser=holder.browser, settings=settings, on_page=on_page
            ),
        ),
        GENERATE_TASK: (
            "generation",
            lambda: stages.generate_stage(
                database_url,
                plan_id,
                generator=ready_engine(),
                max_new_tokens=settings.model_max_new_tokens,
                seed=settings.model_seed,
                early=early,
            ),
        ),
        VERIFY_TASK: (
            "verification",
            lambda: stages.verify_stage(
                database_url, plan_id, browser=lambda: holder.browser, settings=settings
            ),
        ),
    }
    run = PlanRun()
    try:
        while (task := next_task(_plan_status(database_url, plan_id))) is not None:
            name, run_stage = steps[task]
            stage_started = time.perf_counter()
            run_stage()
            run.timings[name] = time.perf_counter() - stage_started
            if task == CRAWL_TASK and early is not None:
                run.sent_during_crawl, run.answered_during_crawl = early.sent_count, early.answered_count()
            ready_engine()  # it loaded while the browser crawled
            if next_task(_plan_status(database_url, plan_id)) == task:
                raise RuntimeError(f"the {name} stage ended without moving the plan on")
    except Exception as error:
        stages.fail_plan(database_url, plan_id, f"Internal error: {type(error).__name__}: {error}")
        raise
    if early is not None:
        run.answers_used = early.taken_count
    return run


def write_exports(export: PlanExport, out_dir: Path, *, kind: str) -> tuple[str, ...]:
    """The plan's files in `out_dir` (an api plan also gets its runnable pytest module)."""
    from planwright.exports import render_export

    formats = ("xlsx", "pdf", "json", "py") if kind == "api" else ("xlsx", "pdf", "json")
    for fmt in formats:
        body, _media_type, _filename = render_export(export, fmt)
        (out_dir / f"plan.{fmt}").write_bytes(body)
    return formats


def _openapi_fields(args: argparse.Namespace) -> dict[str, object]:
    """`--openapi FILE|URL` makes an api plan: a URL is fetched by the read stage, a file read here.
    Credentials come from flags or PLANWRIGHT_API_KEY / PLANWRIGHT_API_BEARER_TOKEN (kept out of `ps`)."""
    if not args.openapi:
        return {}
    source: dict[str, object] = {"base_url": args.base_url, "allow_unsafe": args.allow_unsafe}
    if args.openapi.startswith(("http://", "https://")):
        source["url"] = args.openapi
    else:
        source["document"] = Path(args.openapi).read_text(encoding="utf-8")
    auth = {
        "api_key": args.api_key or os.environ.get("PLANWRIGHT_API_KEY"),
        "api_key_name": args.api_key_name,
        "bearer_token": args.bearer_token or os.environ.get("PLANWRIGHT_API_BEARER_TOKEN"),
    }
    if auth["api_key"] or auth["bearer_token"]:
        source["auth"] = auth
    return {"kind": "api", "openapi": source}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="planwright", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    gen = commands.add_parser(
        "generate", help="crawl URL (or read --openapi), write a test plan (xlsx, pdf, json) into --out"
    )
    gen.add_argument("url", nargs="?", help="the web app; with --openapi, the base URL (as --base-url)")
    gen.add_argument("--openapi", help="an OpenAPI 3 / Swagger 2 document (file or URL): an api plan")
    gen.add_argument(
        "--base-url", help="with --openapi: the running instance (default: the document's servers)"
    )
    gen.add_argument(
        "--allow-unsafe", action="store_true", help="with --openapi: also run POST/PUT/PATCH/DELETE"
    )
    gen.add_argument("--api-key", help="with --openapi: API key (default: $PLANWRIGHT_API_KEY)")
    gen.add_argument(
        "--api-key-name", default="X-API-Key", help="header of --api-key when the document names none"
    )
    gen.add_argument(
        "--bearer-token", help="with --openapi: bearer token (default: $PLANWRIGHT_API_BEARER_TOKEN)"
    )
    gen.add_argument("--out", default="out", help="output folder (default: ./out)")
    gen.add_argument("--language", choices=["en", "ru"], default="en")
    gen.add_argument("--max-pages", type=int, default=10)
    gen.add_argument("--max-depth", type=int, default=2)
    gen.add_argument("--no-verify", action="store_true", help="do not execute the cases")
    gen.add_argument("--db", help="database URL (default: a SQLite file in --out)")
    gen.add_argument(
        "--sequential",
        action="store_true",
        help="ask the model only after the crawl (default: each page as soon as it is crawled)",
    )
    commands.add_parser(
        "team",
        help="a team's API keys for administrators: create, keys (list), revoke (see --help)",
        add_help=False,
    )
    commands.add_parser(
        "target", help="a team's scheduled apps over the API: add, list, show, pause, resume, delete, run"
    )
    commands.add_parser(
        "sizing", help="memory and speed estimates for a model on a device (see --help)", add_help=False
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "sizing":
        from planwright.sizing.cli import main as sizing_main

        return sizing_main(argv[1:])
    if argv and argv[0] == "team":
        from planwright.teams_cli import main as team_main

        return team_main(argv[1:])
    if argv and argv[0] == "target":
        from planwright.targets.cli import main as target_main

        return target_main(argv[1:])
    args = build_parser().parse_args(argv)
    return generate(args)


if __name__ == "__main__":
    sys.exit(main())
