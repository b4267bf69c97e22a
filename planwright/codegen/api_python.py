"""Export an api plan's verified cases as one runnable pytest + httpx file.

Why self-contained: like the Playwright export, the file runs with only `pytest`, `httpx` and
`jsonschema` installed. It sends the requests the executor sent (planwright/api_plans/execute.py:
same credentials per scheme, same path filling from earlier answers, same status ranges, same JSON
Schema 2020-12 check of the answer) and reads PLANWRIGHT_BASE_URL and the credentials from the
environment, so no secret is written into it. Values are Python literals (repr), never pasted text.
"""

from __future__ import annotations

import hashlib
import json
import pprint
from typing import Any

from planwright.codegen.common import comment_text, literal, slug, verified_cases
from planwright.schemas import PlanExport, TestCaseData

PRELUDE = '''
from __future__ import annotations

import base64
import json
import os
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from jsonschema import Draft202012Validator, FormatChecker

BASE_URL = os.environ.get("PLANWRIGHT_BASE_URL", __BASE_URL__).rstrip("/")
API_KEY = os.environ.get("PLANWRIGHT_API_KEY")
BEARER_TOKEN = os.environ.get("PLANWRIGHT_API_BEARER_TOKEN")
BASIC_USERNAME = os.environ.get("PLANWRIGHT_API_BASIC_USERNAME")
BASIC_PASSWORD = os.environ.get("PLANWRIGHT_API_BASIC_PASSWORD")
WRONG_CREDENTIAL = "planwright-wrong-credential"
TIMEOUT_S = 10.0


@pytest.fixture(scope="module")
def client():
    with httpx.Client(follow_redirects=False, timeout=TIMEOUT_S) as http:
        yield http


def _has(scheme: dict[str, str]) -> bool:
    kind = scheme["kind"]
    return bool((kind == "bearer" and BEARER_TOKEN) or (kind == "basic" and BASIC_USERNAME) or (kind == "apiKey" and API_KEY))


def credentials(security: list[list[dict[str, str]]], use: str) -> tuple[dict[str, str], dict[str, str]]:
    """The plan's credentials (from the environment), none, or wrong ones, as the document asks."""
    if use == "missing" or not security:
        return {}, {}
    wrong = use == "wrong"
    alternatives = [alternative for alternative in security if alternative] or [[]]
    chosen = alternatives[0] if wrong else next((a for a in alternatives if all(_has(s) for s in a)), alternatives[0])
    headers: dict[str, str] = {}
    query: dict[str, str] = {}
    for scheme in chosen:
        if scheme["kind"] == "bearer" and (wrong or BEARER_TOKEN):
            headers["Authorization"] = f"Bearer {WRONG_CREDENTIAL if wrong else BEARER_TOKEN}"
        elif scheme["kind"] == "basic" and (wrong or BASIC_USERNAME):
            pair = f"{BASIC_USERNAME or 'planwright'}:{WRONG_CREDENTIAL if wrong else BASIC_PASSWORD or ''}"
            headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
        elif scheme["kind"] == "apiKey" and (wrong or API_KEY):
            where = query if scheme.get("key_in") == "query" else headers
            where[scheme.get("key_name") or "X-API-Key"] = WRONG_CREDENTIAL if wrong else API_KEY
    return headers, query


def dig(value: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        value = value[int(part)] if isinstance(value, list) else value[part]
    return value


def _text(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return [_text(item) for item in value]
    return json.dumps(value) if isinstance(value, dict) else value


def send(client: httpx.Client, step: dict[str, Any], answers: list[httpx.Response]) -> httpx.Response:
    values = dict(step["path_params"])
    for name, (n, where) in step["from_step"].items():
        values[name] = dig(answers[n - 1].json(), where)
    path = step["path"]
    for name, value in values.items():
        path = path.replace("{" + name + "}", quote(value if isinstance(value, str) else json.dumps(value), safe=""))
    auth_headers, auth_query = credentials(step["security"], step["auth"])
    headers = {"Accept": "application/json", **step["headers"], **auth_headers}
    params = {k: _text(v) for k, v in step["query"].items()} | auth_query
    content, data = None, None
    if step["has_body"]:
        if step["content_type"] == "application/x-www-form-urlencoded" and isinstance(step["body"], dict):
            data = {k: _text(v) for k, v in step["body"].items()}
        else:
            content = json.dumps(step["body"]).encode()
            headers["Content-Type"] = step["content_type"] or "application/json"
    return client.request(step["method"], BASE_URL + path, params=params, headers=headers, content=content, data=data)


def check(step: dict[str, Any], answer: httpx.Response) -> None:
    status = str(answer.status_code)
    expected = step["expect_status"] or ["2XX"]
    assert any(code == status or (code.endswith("XX") and code[0] == status[0]) for code in expected), (
        f"{step['method']} {step['path']} answered {status}, expected {' or '.join(expected)}: {answer.text[:300]}"
    )
    schemas = step["response_schemas"]
    code = next((c for c in (status, status[0] + "XX", "DEFAULT") if c in schemas), None)
    if code is None or status == "204" or step["method"] == "HEAD":
        return
    errors = list(Draft202012Validator(SCHEMAS[schemas[code]], format_checker=FormatChecker()).iter_errors(answer.json()))
    assert not errors, f"the body breaks the schema for {code}: {errors[0].message}"


def run(client: httpx.Client, steps: list[dict[str, Any]]) -> None:
    answers: list[httpx.Response] = []
    for step in steps:
        answer = send(client, step, answers)
        check(step, answer)
        answers.append(answer)
'''


def _schema_key(schema: Any, schemas: dict[str, Any]) -> str:
    """Each distinct schema once, by content hash: cases of one operation share their answers' schemas."""
    text = json.dumps(schema, sort_keys=True)
    key = "s" + hashlib.sha256(text.encode()).hexdigest()[:12]
    schemas.setdefault(key, schema)
    return key


def _steps(case: TestCaseData, schemas: dict[str, Any]) -> list[dict[str, Any]]:
    steps = []
    for step in case.steps:
        assert step.request is not None
        request = step.request.model_dump()
        request["response_schemas"] = {
            code: _schema_key(s, schemas) for code, s in request["response_schemas"].items()
        }
        request["from_step"] = {name: list(source) for name, source in request["from_step"].items()}
        steps.append(request)
    return steps


def to_api_pytest(plan: PlanExport) -> bytes:
    """The verified cases of an api plan, one test each, in plan order."""
    schemas: dict[str, Any] = {}
    cases = verified_cases(plan)
    tests: list[str] = []
    used: set[str] = set()
    for number, case in enumerate(cases, 1):
        name = f"test_{number:03d}_{slug(case.title)}"
        while name in used:
            name += "_"
        used.add(name)
        body = pprint.pformat(_steps(case, schemas), indent=1, width=110, sort_dicts=False)
        expected = "; ".join(e.text or e.value for e in case.expected)
        tests.append(
            f"def {name}(client: httpx.Client) -> None:\n"
            f"    # {comment_text(case.title)}\n"
            f"    # Expected: {comment_text(expected)}\n"
            f"    run(client, {body})\n"
        )
    left_out = len(plan.cases) - len(cases)
    header = (
        f"# Planwright api plan {plan.id}: {len(cases)} verified cases against {comment_text(plan.url)}"
        + (f" ({left_out} not verified, left out)" if left_out else "")
        + "\n# Run: PLANWRIGHT_BASE_URL=... PLANWRIGHT_API_KEY=... pytest this_file.py\n"
    )
    prelude = PRELUDE.replace("__BASE_URL__", literal(plan.url.rstrip("/")))
    schema_block = (
        "SCHEMAS: dict[str, Any] = " + pprint.pformat(schemas, indent=1, width=110, sort_dicts=False) + "\n"
    )
    return (header + prelude + "\n\n" + schema_block + "\n\n" + "\n\n".join(tests)).encode("utf-8")
