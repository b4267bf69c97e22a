"""Cases from an operation: the happy path, each required part missing, each rule broken, auth missing
and wrong, a path id that does not exist, and a stateful create → read → delete → read where
operations link. Checks (statuses, response schemas) come from the document, never from the model.

Why an index first: a path id is best filled from what the service lists (GET /items answers
`[{"id": 7}]`, so GET /items/{item_id} reads 7), and a POST links to the GET that reads it back. The
index keeps only names and field paths per operation, small even for a 2 MB document, so cases are
still built one operation at a time.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from planwright.api_plans.models import ApiRequest, CaseKind
from planwright.api_plans.operations import Operation, Parameter, iter_operations
from planwright.api_plans.spec import Spec
from planwright.api_plans.values import merged, missing_id, schema_type, valid_value, violations
from planwright.schemas import Expectation, Step, TestCaseData

MAX_VIOLATION_CASES = 12  # per operation: the first rules of each field, not every combination
WORDS: dict[str, dict[str, str]] = {
    "en": {
        "happy_path": "{op}: a valid request is answered {status}",
        "missing_required": "{op}: without the required {where} '{name}' the request is refused",
        "missing_body": "{op}: without the required body the request is refused",
        "constraint_violated": "{op}: {where} '{name}' {rule} is refused",
        "auth_missing": "{op}: without credentials the request is refused",
        "auth_wrong": "{op}: with wrong credentials the request is refused",
        "not_found": "{op}: an id that does not exist is answered 404",
        "stateful": "{op}: what is created can be read back, deleted, and is gone",
        "stateful_read": "{op}: what is created can be read back",
        "send": "Send {method} {path}",
        "list": "List {path} and take the first item's {field}",
        "with": " with {values}",
        "status": "The answer's status is {status}",
        "schema": "The body matches the document's schema for {status}",
        "service": "The service runs at the plan's base URL",
        "auth": "Valid credentials for the service",
        "from": "{name} from step {n}'s answer ({field})",
    },
    "ru": {
        "happy_path": "{op}: корректный запрос получает ответ {status}",
        "missing_required": "{op}: без обязательного параметра {where} '{name}' запрос отклоняется",
        "missing_body": "{op}: без обязательного тела запрос отклоняется",
        "constraint_violated": "{op}: {where} '{name}' {rule} — запрос отклоняется",
        "auth_missing": "{op}: без учётных данных запрос отклоняется",
        "auth_wrong": "{op}: с неверными учётными данными запрос отклоняется",
        "not_found": "{op}: несуществующий идентификатор получает ответ 404",
        "stateful": "{op}: созданное читается, удаляется и больше не находится",
        "stateful_read": "{op}: созданное читается",
        "send": "Отправить {method} {path}",
        "list": "Запросить список {path} и взять {field} первого элемента",
        "with": " с {values}",
        "status": "Код ответа {status}",
        "schema": "Тело ответа соответствует схеме документа для {status}",
        "service": "Сервис доступен по базовому URL плана",
        "auth": "Действующие учётные данные сервиса",
        "from": "{name} из ответа шага {n} ({field})",
    },
}


@dataclass
class IndexEntry:
    key: str
    operation_id: str | None
    # answer field -> where the first listed item's field is in a GET's answer ("data.0.id")
    listed: dict[str, str] = field(default_factory=dict)
    # answer field -> where it is in a POST's answer ("id")
    created: dict[str, str] = field(default_factory=dict)
    path_params: list[str] = field(default_factory=list)


@dataclass
class OperationIndex:
    """Per operation only names and field paths: what linking needs, without the schemas."""

    entries: dict[str, IndexEntry] = field(default_factory=dict)
    by_operation_id: dict[str, str] = field(default_factory=dict)
    operations: int = 0

    @classmethod
    def build(cls, spec: Spec) -> OperationIndex:
        index = cls()
        for operation in iter_operations(spec):
            index.add(operation)
        return index

    def add(self, operation: Operation) -> None:
        entry = IndexEntry(
            operation.key,
            operation.operation_id,
            path_params=[p.name for p in operation.parameters if p.location == "path"],
        )
        success = next(
            (operation.responses[s] for s in operation.success_statuses() if operation.responses[s]), None
        )
        if operation.method == "GET" and success is not None:
            entry.listed = _listed_fields(success)
        if operation.method in ("POST", "PUT") and success is not None:
            entry.created = {name: name for name in (merged(success).get("properties") or {})}
        self.entries[operation.key] = entry
        if operation.operation_id:
            self.by_operation_id[operation.operation_id] = operation.key
        self.operations += 1

    def get(self, method: str, path: str) -> IndexEntry | None:
        return self.entries.get(f"{method} {path}")


def _listed_fields(schema: Any) -> dict[str, str]:
    schema = merged(schema)
    if schema_type(schema) == "array":
        item = merged(schema.get("items") or {})
        return {name: f"0.{name}" for name in item.get("properties") or {}}
    for name, sub in (schema.get("properties") or {}).items():
        sub = merged(sub)
        if schema_type(sub) == "array":
            item = merged(sub.get("items") or {})
            if item.get("properties"):
                return {field_name: f"{name}.0.{field_name}" for field_name in item["properties"]}
    return {}


def id_field(param: str, fields: dict[str, str]) -> str | None:
    """Which answer field a path parameter names: itself, else `id` for item_id / itemId / id."""
    if param in fields:
        return fields[param]
    lowered = param.lower()
    if lowered.endswith("id") and "id" in fields:
        return fields["id"]
    return None


class CaseBuilder:
    """Cases of one operation at a time, in the plan's language, numbered per plan."""

    def __init__(self, spec: Spec, index: OperationIndex, language: str) -> None:
        self.spec, self.index, self.words = spec, index, WORDS.get(language, WORDS["en"])
        self.counts: dict[str, int] = {}

    def cases_for(self, operation: Operation) -> list[TestCaseData]:
        made: list[tuple[CaseKind, TestCaseData]] = []
        happy = self._happy(operation)
        made.append(("happy_path", happy))
        made += [("missing_required", case) for case in self._missing(operation)]
        made += [("constraint_violated", case) for case in self._violations(operation)]
        if operation.secured:
            for use in ("missing", "wrong"):
                made.append((f"auth_{use}", self._auth(operation, use)))  # type: ignore[arg-type]
        path_params = [p for p in operation.parameters if p.location == "path"]
        if path_params and not any(
            merged(p.schema).get("enum") for p in path_params
        ):  # an enum has no "missing"
            made.append(("not_found", self._not_found(operation)))
        stateful = self._stateful(operation)
        if stateful is not None:
            made.append(("stateful", stateful))
        for kind, case in made:
            self.counts[kind] = self.counts.get(kind, 0) + 1
            case.tags = ["api", kind, *operation.tags[:3]]
        return [case for _, case in made]

    # ------------------------------------------------------------ the parts of a request

    def _values(self, operation: Operation) -> tuple[dict[str, Any], dict[str, Any], dict[str, str]]:
        path, query, headers = {}, {}, {}
        for parameter in operation.parameters:
            if not parameter.required and not parameter.has_example:
                continue
            value = parameter.example if parameter.has_example else valid_value(parameter.schema)
            if parameter.location == "path":
                path[parameter.name] = value
            elif parameter.location == "query":
                query[parameter.name] = value
            elif parameter.location == "header":
                headers[parameter.name] = _header_text(value)
        return path, query, headers

    def _body(self, operation: Operation) -> tuple[Any, bool]:
        if operation.body_schema is None:
            return None, False
        if operation.has_body_example:
            return operation.body_example, True
        if not operation.body_required and not (merged(operation.body_schema).get("required")):
            return valid_value(operation.body_schema), True
        return valid_value(operation.body_schema), True

    def request(self, operation: Operation, **changes: Any) -> ApiRequest:
        """The happy path's request of `operation`, with `changes` applied (a part removed or broken)."""
        path, query, headers = self._values(operation)
        body, has_body = self._body(operation)
        success = operation.success_statuses() or ["2XX"]
        fields: dict[str, Any] = {
            "method": operation.method,
            "path": operation.path,
            "operation": operation.key,
            "path_params": path,
            "query": query,
            "headers": headers,
            "body": body,
            "has_body": has_body,
            "content_type": operation.content_type if has_body else None,
            "security": [[_scheme(s) for s in alternative] for alternative in operation.security],
            "expect_status": success,
            "response_schemas": {code: s for code, s in operation.responses.items() if s is not None},
        }
        fields.update(changes)
        return ApiRequest(**fields)

    def _refused(self, operation: Operation) -> list[str]:
        return operation.documented("400", "422") or ["4XX"]

    # ------------------------------------------------------------ the kinds of case

    def _happy(self, operation: Operation) -> TestCaseData:
        steps: list[ApiRequest] = []
        from_step: dict[str, tuple[int, str]] = {}
        for parameter in operation.parameters:
            if parameter.location != "path" or parameter.has_example:
                continue
            found = self._lister(operation, parameter)
            if found is not None:
                lister, where = found
                steps.append(lister)
                from_step[parameter.name] = (len(steps), where)
        main = self.request(operation, from_step=from_step)
        steps.append(main)
        status = "/".join(main.expect_status)
        return self._case(
            operation, self.words["happy_path"].format(op=operation.key, status=status), steps, "high"
        )

    def _lister(self, operation: Operation, parameter: Parameter) -> tuple[ApiRequest, str] | None:
        """The GET that lists what `parameter` names (the path up to it, with no parameter of its own)."""
        marker = "/{" + parameter.name + "}"
        if marker not in operation.path:
            return None
        collection = operation.path.split(marker, 1)[0] or "/"
        if "{" in collection:
            return None
        entry = self.index.get("GET", collection)
        if entry is None or (where := id_field(parameter.name, entry.listed)) is None:
            return None
        lister = ApiRequest(
            method="GET", path=collection, operation=entry.key, expect_status=["2XX"],
            security=[[_scheme(s) for s in alternative] for alternative in operation.security],
        )  # fmt: skip
        return lister, where

    def _missing(self, operation: Operation) -> list[TestCaseData]:
        cases = []
        for parameter in operation.parameters:
            if not parameter.required or parameter.location not in ("query", "header"):
                continue
            request = self.request(operation, expect_status=self._refused(operation))
            getattr(request, "query" if parameter.location == "query" else "headers").pop(
                parameter.name, None
            )
            title = self.words["missing_required"].format(
                op=operation.key, where=parameter.location, name=parameter.name
            )
            cases.append(self._case(operation, title, [request], "medium"))
        if operation.body_schema is not None and operation.body_required:
            request = self.request(
                operation,
                body=None,
                has_body=False,
                content_type=None,
                expect_status=self._refused(operation),
            )
            cases.append(
                self._case(
                    operation, self.words["missing_body"].format(op=operation.key), [request], "medium"
                )
            )
            body, _ = self._body(operation)
            for name in merged(operation.body_schema).get("required") or []:
                if isinstance(body, dict) and name in body:
                    broken = {k: v for k, v in body.items() if k != name}
                    request = self.request(operation, body=broken, expect_status=self._refused(operation))
                    title = self.words["missing_required"].format(op=operation.key, where="body", name=name)
                    cases.append(self._case(operation, title, [request], "medium"))
        return cases

    def _violations(self, operation: Operation) -> list[TestCaseData]:
        cases: list[TestCaseData] = []
        targets: list[tuple[str, str, Any]] = [
            (p.location, p.name, p.schema)
            for p in operation.parameters
            if p.location in ("query", "header", "path")
        ]
        body, _ = self._body(operation)
        if operation.body_schema is not None and isinstance(body, dict):
            for name, sub in (merged(operation.body_schema).get("properties") or {}).items():
                targets.append(("body", name, sub))
        for location, name, schema in targets:
            for rule, words, value in violations(schema)[:3]:
                if len(cases) >= MAX_VIOLATION_CASES:
                    return cases
                if rule == "type" and location != "body" and schema_type(schema) == "string":
                    continue  # on the wire a path, query or header value is text: 12345 is a string too
                if location == "header" and not isinstance(value, str | int | float):
                    continue
                request = self.request(operation, expect_status=self._refused(operation))
                if location == "body":
                    request.body = {**body, name: value}  # type: ignore[dict-item]
                elif location == "path":
                    request.path_params[name] = value
                elif location == "query":
                    request.query[name] = value
                else:
                    request.headers[name] = _header_text(value)
                title = self.words["constraint_violated"].format(
                    op=operation.key, where=location, name=name, rule=words
                )
                case = self._case(operation, title, [request], "medium")
                case.preconditions.append(f"rule: {rule}")
                cases.append(case)
        return cases

    def _auth(self, operation: Operation, use: str) -> TestCaseData:
        statuses = sorted({"401", *operation.documented("401", "403")})
        request = self.request(operation, auth=use, expect_status=statuses)
        title = self.words[f"auth_{use}"].format(op=operation.key)
        case = self._case(operation, title, [request], "high", with_auth=False)
        if operation.implicit_security:
            header = operation.security[0][0].key_name or "Authorization"
            case.preconditions.append(f"assumes the service requires {header} (the document lists it as an optional header)")
        return case

    def _not_found(self, operation: Operation) -> TestCaseData:
        request = self.request(operation, expect_status=["404"])
        for parameter in operation.parameters:
            if parameter.location == "path":
                request.path_params[parameter.name] = missing_id(parameter.schema)
        return self._case(operation, self.words["not_found"].format(op=operation.key), [request], "medium")

    def _stateful(self, operation: Operation) -> TestCaseData | None:
        """POST P, then GET P/{id} with the id it answered, DELETE it, GET it again → 404."""
        if operation.method != "POST":
            return None
        created = self.index.get("POST", operation.path)
        if created is None:
            return None
        for key in self.index.entries:
            method, path = key.split(" ", 1)
            if (
                method != "GET"
                or not path.startswith(operation.path.rstrip("/") + "/{")
                or path.count("{") != 1
            ):
                continue
            param = path[path.index("{") + 1 : path.index("}")]
            if not path.endswith("}"):
                continue
            where = self._linked_field(operation, self.index.entries[key], param) or id_field(
                param, created.created
            )
            if where is None:
                continue
            link = {param: (1, where)}
            security = [[_scheme(s) for s in alternative] for alternative in operation.security]
            steps = [self.request(operation)]
            steps.append(
                ApiRequest(
                    method="GET",
                    path=path,
                    operation=key,
                    from_step=link,
                    expect_status=["200"],
                    security=security,
                )
            )
            if self.index.get("DELETE", path) is not None:
                steps.append(ApiRequest(method="DELETE", path=path, operation=f"DELETE {path}", from_step=link,
                                        expect_status=["2XX"], security=security))  # fmt: skip
                steps.append(ApiRequest(method="GET", path=path, operation=key, from_step=link,
                                        expect_status=["404", "410"], security=security))  # fmt: skip
                title = self.words["stateful"].format(op=operation.key)
            else:
                title = self.words["stateful_read"].format(op=operation.key)
            return self._case(operation, title, steps, "high")
        return None

    def _linked_field(self, operation: Operation, target: IndexEntry, param: str) -> str | None:
        """An OpenAPI link from the POST's answer to the GET: '$response.body#/id' -> 'id'."""
        for link in operation.links:
            if link.operation_id != target.operation_id:
                continue
            expression = link.parameters.get(param, "")
            if expression.startswith("$response.body#/"):
                return expression.removeprefix("$response.body#/").replace("/", ".")
        return None

    # ------------------------------------------------------------ words

    def _case(
        self,
        operation: Operation,
        title: str,
        requests: list[ApiRequest],
        priority: str,
        *,
        with_auth: bool = True,
    ) -> TestCaseData:
        steps = [
            Step(n=n, action="request", text=self.step_text(request, n), request=request)
            for n, request in enumerate(requests, 1)
        ]
        expected = []
        for n, request in enumerate(requests, 1):
            status = "/".join(request.expect_status)
            prefix = f"{n}: " if len(requests) > 1 else ""
            expected.append(
                Expectation(
                    kind="status", value=status, text=prefix + self.words["status"].format(status=status)
                )
            )
            for code in request.expect_status:
                if code in request.response_schemas:
                    expected.append(
                        Expectation(
                            kind="schema", value=code, text=prefix + self.words["schema"].format(status=code)
                        )
                    )
        preconditions = [self.words["service"]]
        if with_auth and operation.secured:
            preconditions.append(self.words["auth"])
        return TestCaseData(
            page_url=operation.key, title=title, preconditions=preconditions, steps=steps, expected=expected,
            priority=priority, source="skeleton",  # type: ignore[arg-type]
        )  # fmt: skip

    def step_text(self, request: ApiRequest, n: int) -> str:
        text = self.words["send"].format(method=request.method, path=request.path)
        shown = [f"{k}={_short(v)}" for k, v in request.path_params.items() if k not in request.from_step]
        shown += [
            self.words["from"].format(name=k, n=src[0], field=src[1]) for k, src in request.from_step.items()
        ]
        shown += [f"{k}={_short(v)}" for k, v in request.query.items()]
        if request.has_body:
            shown.append(f"body {_short(request.body, 120)}")
        if request.auth != "valid":
            shown.append(f"credentials {request.auth}")
        return text + (self.words["with"].format(values=", ".join(shown)) if shown else "")


def _scheme(scheme: Any) -> dict[str, str]:
    return {"kind": scheme.kind, "name": scheme.name, "key_name": scheme.key_name, "key_in": scheme.key_in}


def _header_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _short(value: Any, limit: int = 60) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"
