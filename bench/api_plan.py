"""How long reading a large OpenAPI document takes, and how much memory, phase by phase.

    python bench/api_plan.py [--sizes-mb 0.5 1 2] [--language en]

Each size runs in a fresh process: a generated OpenAPI 3.0 document (resources with $refs, allOf,
enums, patterns, bounds, path ids, links, two security schemes) is parsed, validated
(openapi-spec-validator), resolved (jsonref), indexed and turned into cases operation by operation,
as the read stage does (the cases are counted and dropped, as the stage writes and drops them).
Printed: a table (document size, operations, cases, wall seconds per phase, CPU seconds of the
whole run (wall time on a shared machine counts other processes' load), peak RSS above the process
baseline) and the same rows as JSON.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def resource_paths(n: int) -> dict[str, Any]:
    name = f"res{n}"
    ref = {"$ref": f"#/components/schemas/{name.title()}"}
    item = f"/{name}/{{{name}_id}}"
    return {
        f"/{name}": {
            "get": {"operationId": f"list{n}", "summary": f"List {name}",
                    "parameters": [{"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100}},
                                   {"name": "kind", "in": "query", "schema": {"$ref": "#/components/schemas/Kind"}}],
                    "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {
                        "type": "object", "properties": {"data": {"type": "array", "items": ref}}}}}}}},
            "post": {"operationId": f"create{n}", "summary": f"Create a {name}",
                     "requestBody": {"required": True, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Base"}}}},
                     "responses": {"201": {"description": "made", "content": {"application/json": {"schema": ref}},
                                           "links": {"read": {"operationId": f"get{n}", "parameters": {f"{name}_id": "$response.body#/id"}}}},
                                   "422": {"$ref": "#/components/responses/Invalid"}}},
        },
        item: {
            "parameters": [{"name": f"{name}_id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}}],
            "get": {"operationId": f"get{n}", "summary": f"Read a {name}",
                    "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": ref}}},
                                  "404": {"$ref": "#/components/responses/Invalid"}}},
            "put": {"operationId": f"put{n}", "summary": f"Replace a {name}",
                    "requestBody": {"required": True, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Base"}}}},
                    "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": ref}}}}},
            "delete": {"operationId": f"delete{n}", "summary": f"Delete a {name}", "responses": {"204": {"description": "gone"}}},
        },
    }  # fmt: skip


def generated_document(target_bytes: int) -> dict[str, Any]:
    document: dict[str, Any] = {
        "openapi": "3.0.3",
        "info": {"title": "Generated", "version": "1"},
        "servers": [{"url": "http://127.0.0.1:9/"}],
        "security": [{"key": []}, {"bearer": []}],
        "paths": {},
        "components": {
            "securitySchemes": {"key": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
                                "bearer": {"type": "http", "scheme": "bearer"}},
            "responses": {"Invalid": {"description": "bad", "content": {"application/json": {"schema": {"type": "object"}}}}},
            "schemas": {
                "Kind": {"type": "string", "enum": ["a", "b", "c"]},
                "Base": {"type": "object", "required": ["name", "code"], "properties": {
                    "name": {"type": "string", "minLength": 1, "maxLength": 80},
                    "code": {"type": "string", "pattern": "^[A-Z]{2}[0-9]{4}$"},
                    "kind": {"$ref": "#/components/schemas/Kind"}, "size": {"type": "number", "minimum": 0}}},
            },
        },
    }  # fmt: skip
    n = 0
    while len(json.dumps(document)) < target_bytes:
        for _ in range(50):
            n += 1
            document["paths"].update(resource_paths(n))
            document["components"]["schemas"][f"Res{n}"] = {
                "allOf": [{"$ref": "#/components/schemas/Base"},
                          {"type": "object", "required": ["id"], "properties": {"id": {"type": "integer"}, "note": {"type": "string", "nullable": True}}}]
            }  # fmt: skip
    return document


def measure(document_path: str, language: str) -> dict[str, Any]:
    """One size, in this process (run by main() in a fresh interpreter per size)."""
    sys.path.insert(0, str(ROOT))
    from planwright.api_plans.cases import CaseBuilder, OperationIndex
    from planwright.api_plans.operations import iter_operations
    from planwright.api_plans.spec import dialect_of, load_spec, parse_text, validate

    text = Path(document_path).read_text(encoding="utf-8")  # written by the parent: not in this peak
    before = resource.getrusage(resource.RUSAGE_SELF)
    baseline_kb, cpu_before = before.ru_maxrss, before.ru_utime + before.ru_stime
    timings: dict[str, float] = {}
    started = time.perf_counter()
    document = parse_text(text)
    timings["parse"] = time.perf_counter() - started
    started = time.perf_counter()
    validate(document, dialect_of(document))
    timings["validate"] = time.perf_counter() - started
    started = time.perf_counter()
    spec = load_spec(text=text)  # parse + validate again + resolve: what the stage calls
    timings["load_spec"] = time.perf_counter() - started
    started = time.perf_counter()
    index = OperationIndex.build(spec)
    timings["index"] = time.perf_counter() - started
    started = time.perf_counter()
    builder = CaseBuilder(spec, index, language)
    cases = 0
    for operation in iter_operations(spec):
        cases += len(builder.cases_for(operation))  # written and dropped by the stage, counted here
    timings["cases"] = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    peak_kb = usage.ru_maxrss
    return {
        "cpu_s": round(usage.ru_utime + usage.ru_stime - cpu_before, 2),
        "size_mb": round(len(text) / 2**20, 2),
        "operations": index.operations,
        "cases": cases,
        "seconds": {k: round(v, 2) for k, v in timings.items()},
        "total_s": round(timings["load_spec"] + timings["index"] + timings["cases"], 2),
        "peak_rss_mb_above_baseline": round((peak_kb - baseline_kb) / 1024, 1),
        "baseline_rss_mb": round(baseline_kb / 1024, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes-mb", type=float, nargs="+", default=[0.5, 1.0, 2.0])
    parser.add_argument("--language", default="en")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # internal: measure one document here
    args = parser.parse_args()
    if args.one is not None:
        print(json.dumps(measure(args.one, args.language)))
        return 0
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for size in args.sizes_mb:
            path = Path(folder) / f"openapi-{size}.json"
            path.write_text(json.dumps(generated_document(int(size * 1024 * 1024))), encoding="utf-8")
            done = subprocess.run(
                [sys.executable, __file__, "--one", str(path), "--language", args.language],
                capture_output=True, text=True, check=True,
            )  # fmt: skip
            rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
    header = f"{'MB':>5} {'ops':>6} {'cases':>7} {'parse':>6} {'valid.':>7} {'load':>6} {'index':>6} {'cases_s':>7} {'total':>7} {'cpu s':>7} {'peak MB':>8}"
    print(header)
    for row in rows:
        s = row["seconds"]
        print(
            f"{row['size_mb']:>5} {row['operations']:>6} {row['cases']:>7} {s['parse']:>6} {s['validate']:>7} "
            f"{s['load_spec']:>6} {s['index']:>6} {s['cases']:>7} {row['total_s']:>7} {row['cpu_s']:>7} {row['peak_rss_mb_above_baseline']:>8}"
        )
    print(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
