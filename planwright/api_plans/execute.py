"""Executing an api case over HTTP (httpx): each step's request is sent to the base URL, its status
and body checked against the document, and the case marked verified / failed / not executable.

Why so careful about what runs: the service under test may be a real one. Only GET, HEAD and OPTIONS
are sent unless the plan allows unsafe methods; every URL passes the network policy before it is
sent (as every browser request of a UI plan does); each request and the whole plan have a time limit;
requests are spaced to a rate limit. A failure says what was observed: the status, a body excerpt
and which schema rule broke.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx
from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from planwright.api_plans.models import ApiAuth, ApiRequest
from planwright.api_plans.spec import json_pointer
from planwright.api_plans.values import FORMAT_CHECKER
from planwright.schemas import TestCaseData, Verification

WRONG_CREDENTIAL = "planwright-wrong-credential"
BODY_EXCERPT = 300
UNSAFE_SKIP = (
    "skipped: {method} is not a safe method; set allow_unsafe on the plan to run it (test instances only)"
)


class StepUnrunnable(Exception):
    """A step cannot be sent (an earlier answer lacks the field it needs, the policy refuses its URL)."""


class RateLimiter:
    """At most `per_second` requests, spaced evenly (shared by every thread of one plan)."""

    def __init__(self, per_second: float) -> None:
        self.interval = 1.0 / per_second if per_second > 0 else 0.0
        self.next_at = 0.0
        self.lock = threading.Lock()

    def wait(self) -> None:
        with self.lock:
            now = time.monotonic()
            delay = self.next_at - now
            self.next_at = max(now, self.next_at) + self.interval
        if delay > 0:
            time.sleep(delay)


def status_matches(status: int, expected: list[str]) -> bool:
    """'200' matches 200; '4XX' any 4xx (OpenAPI's ranges); an empty list any 2xx."""
    if not expected:
        return 200 <= status < 300
    for code in expected:
        code = code.upper()
        if code == str(status) or (code.endswith("XX") and code[0] == str(status)[0]):
            return True
    return False


def schema_for(status: int, schemas: dict[str, Any]) -> tuple[str, Any] | None:
    """The documented schema of the answer's status: the exact code, then its range, then default."""
    for code in (str(status), f"{str(status)[0]}XX", "DEFAULT"):
        if code in schemas:
            return code, schemas[code]
    return None


def schema_problem(body: Any, schema: Any) -> str | None:
    """Which rule of the schema the body breaks, where ('/items/0/id'), in jsonschema's words."""
    try:
        error = best_match(Draft202012Validator(schema, format_checker=FORMAT_CHECKER).iter_errors(body))
    except Exception as problem:  # a schema jsonschema cannot use is the document's fault, said so
        return f"the document's schema cannot be checked ({type(problem).__name__}: {problem})"
    if error is None:
        return None
    where = json_pointer(list(error.absolute_path)) or "/"
    return f"at {where}: {error.message[:200]} (rule: {error.validator})"


def dig(value: Any, dotted: str) -> Any:
    """'data.0.id' of a parsed JSON answer; KeyError when it is not there."""
    for part in dotted.split("."):
        if isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        elif isinstance(value, dict) and part in value:
            value = value[part]
        else:
            raise KeyError(dotted)
    return value


def credentials(request: ApiRequest, auth: ApiAuth | None) -> tuple[dict[str, str], dict[str, str]]:
    """Headers and query parameters carrying the request's credentials: the plan's, none, or wrong ones
    shaped like the first scheme the document asks for."""
    if request.auth == "missing" or not request.security:
        return {}, {}
    wrong = request.auth == "wrong"
    alternatives = [alt for alt in request.security if alt] or [[]]
    chosen = alternatives[0]
    if not wrong and auth is not None:  # the first alternative the plan has credentials for
        chosen = next((alt for alt in alternatives if all(_has(auth, s) for s in alt)), chosen)
    headers: dict[str, str] = {}
    query: dict[str, str] = {}
    for scheme in chosen:
        kind = scheme.get("kind")
        if kind == "bearer":
            token = WRONG_CREDENTIAL if wrong else (auth.bearer_token if auth else None)
            if token:
                headers["Authorization"] = f"Bearer {token}"
        elif kind == "basic":
            user = auth.basic_username if auth and auth.basic_username else "planwright"
            password = WRONG_CREDENTIAL if wrong else (auth.basic_password if auth else None)
            if password is not None and (wrong or (auth and auth.basic_username)):
                headers["Authorization"] = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
        elif kind == "apiKey":
            key = WRONG_CREDENTIAL if wrong else (auth.api_key if auth else None)
            name = scheme.get("key_name") or (auth.api_key_name if auth else "X-API-Key")
            if key:
                (query if scheme.get("key_in") == "query" else headers)[name] = key
    return headers, query


def _has(auth: ApiAuth, scheme: dict[str, str]) -> bool:
    kind = scheme.get("kind")
    return bool(
        (kind == "bearer" and auth.bearer_token)
        or (kind == "basic" and auth.basic_username)
        or (kind == "apiKey" and auth.api_key)
    )


@dataclass
class Answer:
    status: int
    body: Any
    text: str


@dataclass
class ApiRunner:
    """Runs cases against `base_url`. `check_url` is the network policy (None = allowed, else why not)."""

    base_url: str
    auth: ApiAuth | None = None
    allow_unsafe: bool = False
    check_url: Callable[[str], str | None] = lambda _url: None
    timeout_s: float = 10.0
    plan_deadline: float | None = None  # time.monotonic() after which nothing more is sent
    limiter: RateLimiter = field(default_factory=lambda: RateLimiter(20.0))
    client: httpx.Client = field(default_factory=lambda: httpx.Client(follow_redirects=False))

    def close(self) -> None:
        self.client.close()

    def url_of(self, request: ApiRequest, answers: list[Answer]) -> str:
        path = request.path
        values = dict(request.path_params)
        for name, (step, where) in request.from_step.items():
            if step > len(answers):
                raise StepUnrunnable(f"step {step} has not run")
            try:
                values[name] = dig(answers[step - 1].body, where)
            except KeyError:
                raise StepUnrunnable(
                    f"step {step}'s answer has no '{where}' to fill {{{name}}} "
                    f"(it answered {answers[step - 1].status}: {answers[step - 1].text[:120]!r})"
                ) from None
        for name, value in values.items():
            shown = value if isinstance(value, str) else json.dumps(value)
            path = path.replace("{" + name + "}", quote(shown, safe=""))
        return self.base_url.rstrip("/") + path

    def send(self, request: ApiRequest, answers: list[Answer]) -> Answer:
        url = self.url_of(request, answers)
        refusal = self.check_url(url)
        if refusal is not None:
            raise StepUnrunnable(f"{url}: {refusal}")
        auth_headers, auth_query = credentials(request, self.auth)
        headers = {"Accept": "application/json", **request.headers, **auth_headers}
        query = {k: _query_text(v) for k, v in request.query.items()} | auth_query
        content: bytes | None = None
        data: dict[str, Any] | None = None
        if request.has_body:
            if request.content_type == "application/x-www-form-urlencoded" and isinstance(request.body, dict):
                data = {k: _query_text(v) for k, v in request.body.items()}
            else:
                content = json.dumps(request.body).encode()
                headers["Content-Type"] = request.content_type or "application/json"
        self.limiter.wait()
        timeout = self.timeout_s
        if self.plan_deadline is not None:
            left = self.plan_deadline - time.monotonic()
            if left <= 0:
                raise StepUnrunnable("the plan's execution time limit (API_PLAN_TIMEOUT_S) was reached")
            timeout = min(timeout, left)
        try:
            response = self.client.request(
                request.method,
                url,
                params=query,
                headers=headers,
                content=content,
                data=data,
                timeout=timeout,
            )
        except httpx.HTTPError as error:
            raise StepUnrunnable(
                f"{request.method} {url} could not be sent: {type(error).__name__}: {error}"
            ) from None
        text = response.text
        try:
            body: Any = response.json() if text else None
        except ValueError:
            body = text
        return Answer(response.status_code, body, text)

    def run_case(self, case: TestCaseData) -> Verification:
        """verified when every step answered as documented; failed with what was observed; not
        executable when a step could not be sent (unsafe method, policy, missing id, no answer)."""
        answers: list[Answer] = []
        for step in case.steps:  # judged before anything is sent: no half-run case
            if step.request is None:
                return Verification(status="not_executable", detail=f"step {step.n} is not an HTTP request")
            if not step.request.is_safe() and not self.allow_unsafe:
                return Verification(
                    status="not_executable", detail=UNSAFE_SKIP.format(method=step.request.method)
                )
        for step in case.steps:
            request = step.request
            assert request is not None
            try:
                answer = self.send(request, answers)
            except StepUnrunnable as error:
                return Verification(status="not_executable", detail=f"step {step.n}: {error}")
            answers.append(answer)
            problem = self.check(request, answer)
            if problem is not None:
                return Verification(status="failed", detail=f"step {step.n}: {problem}")
        last = answers[-1] if answers else None
        return Verification(status="verified", detail=f"answered {last.status}" if last else None)

    def check(self, request: ApiRequest, answer: Answer) -> str | None:
        excerpt = answer.text[:BODY_EXCERPT]
        if not status_matches(answer.status, request.expect_status):
            expected = " or ".join(request.expect_status) or "2XX"
            return f"{request.method} {request.path} answered {answer.status}, expected {expected}; body: {excerpt!r}"
        documented = schema_for(answer.status, request.response_schemas)
        if documented is None or answer.status == 204 or request.method == "HEAD":
            return None
        code, schema = documented
        problem = schema_problem(answer.body, schema)
        if problem is not None:
            return (
                f"{request.method} {request.path} answered {answer.status}, but the body breaks the "
                f"document's schema for {code} {problem}; body: {excerpt!r}"
            )
        return None


def _query_text(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return [_query_text(item) for item in value]
    if isinstance(value, dict):
        return json.dumps(value)
    return value
