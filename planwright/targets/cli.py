"""`planwright target add|list|show|pause|resume|delete|run|pin|unpin`: a team's targets over the HTTP API.

It talks to the api service (PLANWRIGHT_API_URL, PLANWRIGHT_API_KEY), so the CLI sees exactly what
the team's key allows, the same checks and the same words as the API and the web page.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

import httpx

DEFAULT_API_URL = "http://127.0.0.1:8000"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="planwright target", description=__doc__)
    parser.add_argument("--api", default=os.environ.get("PLANWRIGHT_API_URL", DEFAULT_API_URL))
    parser.add_argument("--api-key", default=os.environ.get("PLANWRIGHT_API_KEY"), help="the team's API key")
    actions = parser.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", help="register an app; it runs on its schedule from now on")
    add.add_argument("url", nargs="?", help="the web app; with --openapi, the base URL of the service")
    add.add_argument("--name", help="default: the URL's host")
    add.add_argument("--openapi", help="an OpenAPI 3 / Swagger 2 document (file or URL): an api target")
    add.add_argument("--allow-unsafe", action="store_true", help="with --openapi: also run POST/PUT/PATCH/DELETE")
    add.add_argument(
        "--service-api-key", help="with --openapi: the service's API key (default: $PLANWRIGHT_SERVICE_API_KEY)"
    )
    add.add_argument("--service-api-key-name", default="X-API-Key", help="its header when the document names none")
    add.add_argument(
        "--bearer-token", help="with --openapi: the service's bearer token (default: $PLANWRIGHT_API_BEARER_TOKEN)"
    )
    add.add_argument("--cron", default="0 2 * * *", help="five-field cron (default: 0 2 * * *)")
    add.add_argument("--timezone", default="Europe/Moscow", help="IANA time zone (default: Europe/Moscow)")
    add.add_argument("--language", choices=["en", "ru"], default="en")
    add.add_argument("--max-pages", type=int, default=10)
    add.add_argument("--max-depth", type=int, default=2)
    add.add_argument("--no-verify", action="store_true")
    add.add_argument("--paused", action="store_true", help="register it without running it")
    add.add_argument(
        "--deny",
        action="append",
        default=[],
        metavar="NAME",
        help="never activate this button or link (repeatable)",
    )
    add.add_argument("--webhook-url")
    add.add_argument("--webhook-secret")
    actions.add_parser("list", help="the team's targets, their last run and next run")
    for name, text in (
        ("show", "one target and its runs"),
        ("pause", "stop its scheduled runs"),
        ("resume", "schedule it again"),
        ("delete", "delete it, its runs and their plans"),
        ("run", "run it now"),
    ):
        actions.add_parser(name, help=text).add_argument("target_id", type=int)
    for name, text in (("pin", "keep a run from retention"), ("unpin", "let retention delete a run again")):
        pin = actions.add_parser(name, help=text)
        pin.add_argument("target_id", type=int)
        pin.add_argument("run_number", type=int)
    return parser


def _line(target: dict[str, Any]) -> str:
    last = target.get("last_run")
    last_text = f"run {last['number']} {last['status'] or 'deleted'}" if last else "no runs yet"
    when = "paused" if target["paused"] else f"next {target['next_run_at']}"
    source = target.get("openapi")
    if source:  # an api target: which document its runs read
        url = f"{target['url']} (api: {source['spec_url'] or 'uploaded document'})"
    else:
        url = target["url"]
    return (
        f"{target['id']:>4}  {target['name']}  {url}  "
        f"[{target['cron']} {target['timezone']}; {when}; {last_text}]"
    )


def _answer(response: httpx.Response) -> dict[str, Any]:
    if response.status_code >= 400:
        try:
            message = response.json().get("message") or response.json().get("detail")
        except ValueError:
            message = response.text
        raise SystemExit(f"error: {message} (HTTP {response.status_code})")
    return response.json() if response.content else {}


def openapi_fields(args: argparse.Namespace) -> dict[str, Any]:
    """`--openapi FILE|URL` makes an api target: a URL is fetched by each run, a file is read here and
    kept with the target. The service's credentials come from flags or the environment (out of `ps`);
    never from --api-key, which is the team's Planwright key."""
    if not args.openapi:
        return {}
    source: dict[str, Any] = {"allow_unsafe": args.allow_unsafe}
    if args.openapi.startswith(("http://", "https://")):
        source["url"] = args.openapi
    else:
        try:
            source["document"] = Path(args.openapi).read_text(encoding="utf-8")
        except OSError as error:
            raise SystemExit(f"error: --openapi: {error}") from None
    auth = {
        "api_key": args.service_api_key or os.environ.get("PLANWRIGHT_SERVICE_API_KEY"),
        "api_key_name": args.service_api_key_name,
        "bearer_token": args.bearer_token or os.environ.get("PLANWRIGHT_API_BEARER_TOKEN"),
    }
    if auth["api_key"] or auth["bearer_token"]:
        source["auth"] = auth
    return {"kind": "api", "openapi": source}


def _default_name(args: argparse.Namespace) -> str:
    where = args.url or args.openapi or "target"
    return (httpx.URL(where).host if where.startswith(("http://", "https://")) else None) or Path(where).stem


def run_command(args: argparse.Namespace, client: httpx.Client) -> int:
    targets = "/api/v1/targets"
    if args.action == "add":
        body = {
            "name": args.name or _default_name(args),
            "url": args.url,
            "cron": args.cron,
            "timezone": args.timezone,
            "language": args.language,
            "max_pages": args.max_pages,
            "max_depth": args.max_depth,
            "verify": not args.no_verify,
            "paused": args.paused,
            "deny_names": args.deny,
            "webhook_url": args.webhook_url,
            "webhook_secret": args.webhook_secret,
            **openapi_fields(args),
        }
        target = _answer(client.post(targets, json=body))
        print(f"added target {target['id']}: {target['cron_description']} ({target['timezone']})")
        print(_line(target))
    elif args.action == "list":
        page = _answer(client.get(targets, params={"limit": 200}))
        for target in page["data"]:
            print(_line(target))
        print(f"{page['total']} target(s)")
    elif args.action == "show":
        target = _answer(client.get(f"{targets}/{args.target_id}"))
        print(_line(target))
        for run in _answer(client.get(f"{targets}/{args.target_id}/runs", params={"limit": 200}))["data"]:
            print(
                f"  run {run['number']:>3}  {run['trigger']:<8} {run['status'] or 'deleted':<10} "
                f"plan {run['plan_id']}  {run['created_at']}"
            )
    elif args.action in ("pause", "resume"):
        target = _answer(client.patch(f"{targets}/{args.target_id}", json={"paused": args.action == "pause"}))
        print(_line(target))
    elif args.action == "delete":
        _answer(client.delete(f"{targets}/{args.target_id}"))
        print(f"deleted target {args.target_id}")
    elif args.action in ("pin", "unpin"):
        url = f"{targets}/{args.target_id}/runs/{args.run_number}"
        run = _answer(client.patch(url, json={"pinned": args.action == "pin"}))
        print(f"run {run['number']} of target {args.target_id} {'pinned' if run['pinned'] else 'unpinned'}")
    elif args.action == "run":
        run = _answer(client.post(f"{targets}/{args.target_id}/runs"))
        print(f"run {run['number']} of target {args.target_id} queued: plan {run['plan_id']}")
    return 0


def main(argv: list[str], client: httpx.Client | None = None) -> int:
    args = build_parser().parse_args(argv)
    if client is not None:
        return run_command(args, client)
    headers = {"X-API-Key": args.api_key} if args.api_key else {}
    try:
        with httpx.Client(base_url=args.api, headers=headers, timeout=30) as own_client:
            return run_command(args, own_client)
    except httpx.HTTPError as error:
        print(f"error: the api at {args.api} is unreachable: {error}", file=sys.stderr)
        return 1
