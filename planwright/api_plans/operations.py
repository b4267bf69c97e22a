"""The document's operations, one at a time, with the parts a case needs: parameters, the body, the
answers' schemas as plain JSON Schema, the security it asks for, and its links.

Why one at a time: a 2 MB document has hundreds of operations; the pipeline builds, writes and asks
the model about each in turn, so only one operation's resolved schemas are materialised at once.
OpenAPI 3.0's and Swagger 2.0's schema dialects (`nullable`, boolean `exclusiveMinimum`) become JSON
Schema 2020-12 here, so jsonschema checks every answer with one validator.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import jsonref

from planwright.api_plans.spec import Spec

METHODS = ("get", "head", "options", "post", "put", "patch", "delete", "trace")
MAX_SCHEMA_NODES = 4000  # a schema past this is cut to "anything" below, so one operation stays small
MAX_REF_DEPTH = 8
JSON_TYPES = ("application/json", "application/problem+json")
KEY_HEADERS = ("x-api-key", "api-key", "apikey", "x-api-token", "authorization")


@dataclass
class Parameter:
    name: str
    location: str  # path | query | header | cookie
    required: bool
    schema: dict[str, Any]
    example: Any = None
    has_example: bool = False


@dataclass
class SecurityScheme:
    """One way to authenticate: `kind` bearer | basic | apiKey (OAuth2 and OpenID send a bearer token)."""

    name: str
    kind: str
    key_name: str = ""  # apiKey: the header / query parameter name
    key_in: str = "header"


@dataclass
class Link:
    """An OpenAPI link: the target operation and its parameters from this answer ('$response.body#/id')."""

    status: str
    operation_id: str
    parameters: dict[str, str]


@dataclass
class Operation:
    method: str  # upper case
    path: str
    operation_id: str | None
    summary: str
    parameters: list[Parameter] = field(default_factory=list)
    body_schema: dict[str, Any] | None = None
    body_required: bool = False
    body_example: Any = None
    has_body_example: bool = False
    content_type: str | None = None
    responses: dict[str, dict[str, Any] | None] = field(default_factory=dict)  # status -> body schema
    security: list[list[SecurityScheme]] = field(default_factory=list)  # alternatives; [] = open
    links: list[Link] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    implicit_security: bool = False  # from a key header parameter, not from `security`

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def secured(self) -> bool:
        """True when every alternative needs credentials (an empty requirement `{}` makes auth optional)."""
        return bool(self.security) and all(self.security)

    def success_statuses(self) -> list[str]:
        return [code for code in self.responses if code.startswith("2") or code == "2XX"]

    def documented(self, *prefixes: str) -> list[str]:
        return [code for code in self.responses if code.startswith(prefixes)]


class _Budget:
    def __init__(self, nodes: int) -> None:
        self.nodes = nodes


def to_json_schema(
    value: Any, dialect: str, *, budget: _Budget | None = None, chain: tuple[int, ...] = ()
) -> Any:
    """A resolved schema as plain JSON Schema 2020-12: cycles and excess cut to `{}` (anything)."""
    budget = budget or _Budget(MAX_SCHEMA_NODES)
    if isinstance(value, jsonref.JsonRef):
        target = value.__subject__
        if id(target) in chain or len(chain) >= MAX_REF_DEPTH:
            return {}
        chain = (*chain, id(target))
        value = target
    budget.nodes -= 1
    if budget.nodes < 0:
        return {}
    if isinstance(value, list):
        return [to_json_schema(item, dialect, budget=budget, chain=chain) for item in value]
    if not isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    for key, item in value.items():
        if key in ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas"):
            out[key] = {
                name: to_json_schema(sub, dialect, budget=budget, chain=chain) for name, sub in item.items()
            }
        elif key in ("xml", "externalDocs", "discriminator", "x-nullable", "nullable", "$ref"):
            continue
        elif key in ("example", "default", "enum", "const", "examples"):
            out[key] = _plain(item)
        else:
            out[key] = to_json_schema(item, dialect, budget=budget, chain=chain)
    if dialect != "openapi3.1":
        for bound, exclusive in (("minimum", "exclusiveMinimum"), ("maximum", "exclusiveMaximum")):
            if out.get(exclusive) is True and bound in out:
                out[exclusive] = out.pop(bound)
            elif isinstance(out.get(exclusive), bool):
                out.pop(exclusive)
        if value.get("nullable") is True or value.get("x-nullable") is True:
            kind = out.get("type")
            if isinstance(kind, str):
                out["type"] = [kind, "null"]
            elif kind is None:
                out = {"anyOf": [out, {"type": "null"}]}
            if "enum" in out and None not in out["enum"]:
                out["enum"] = [*out["enum"], None]
    return out


def _plain(value: Any) -> Any:
    """Example values out of jsonref proxies (plain dicts and lists, safe to dump as JSON)."""
    if isinstance(value, jsonref.JsonRef):
        value = value.__subject__
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def base_urls(spec: Spec) -> list[str]:
    """The document's servers (variables at their defaults; relative ones joined to where it came from)."""
    document, source = spec.document, spec.source if spec.source.startswith("http") else ""
    if spec.dialect == "swagger2":
        host = document.get("host") or urlsplit(source).netloc
        if not host:
            return []
        schemes = document.get("schemes") or [urlsplit(source).scheme or "https"]
        return [f"{schemes[0]}://{host}{document.get('basePath', '')}"]
    urls = []
    # OpenAPI: no servers means one server at "/", relative to where the document was served.
    for server in document.get("servers") or [{"url": "/"}]:
        url = str(server.get("url", ""))
        for name, variable in (server.get("variables") or {}).items():
            url = url.replace("{" + name + "}", str(variable.get("default", "")))
        url = urljoin(source, url) if source else url
        if url.startswith(("http://", "https://")):
            urls.append(url)
    return urls


def security_schemes(spec: Spec) -> dict[str, SecurityScheme]:
    document = spec.document
    defined = (
        document.get("securityDefinitions")
        if spec.dialect == "swagger2"
        else (document.get("components") or {}).get("securitySchemes")
    ) or {}
    schemes = {}
    for name, scheme in defined.items():
        kind = str(scheme.get("type", ""))
        if kind == "apiKey":
            schemes[name] = SecurityScheme(
                name, "apiKey", str(scheme.get("name", "")), str(scheme.get("in", "header"))
            )
        elif kind == "basic" or (kind == "http" and str(scheme.get("scheme", "")).lower() == "basic"):
            schemes[name] = SecurityScheme(name, "basic")
        elif kind in ("http", "oauth2", "openIdConnect"):
            schemes[name] = SecurityScheme(name, "bearer")
    return schemes


def count_operations(spec: Spec) -> int:
    return sum(
        1
        for item in (spec.document.get("paths") or {}).values()
        for method in METHODS
        if method in (item or {})
    )


def iter_operations(spec: Spec) -> Iterator[Operation]:
    """Each operation of the document in document order, its schemas materialised as it is yielded."""
    schemes = security_schemes(spec)
    top_security = spec.document.get("security") or []
    for path, item in (spec.document.get("paths") or {}).items():
        item = item or {}
        for method in METHODS:
            raw = item.get(method)
            if raw is None:
                continue
            yield _operation(spec, path, method, raw, item.get("parameters") or [], schemes, top_security)


def _operation(
    spec: Spec,
    path: str,
    method: str,
    raw: Any,
    shared: list[Any],
    schemes: dict[str, SecurityScheme],
    top_security: list[Any],
) -> Operation:
    dialect = spec.dialect
    operation = Operation(
        method=method.upper(),
        path=path,
        operation_id=raw.get("operationId"),
        summary=str(raw.get("summary") or raw.get("description") or "").strip()[:300],
        tags=[str(tag) for tag in raw.get("tags") or []],
    )
    merged: dict[tuple[str, str], Any] = {}
    for parameter in [*shared, *(raw.get("parameters") or [])]:
        merged[(str(parameter.get("name")), str(parameter.get("in")))] = parameter
    form_fields: dict[str, Any] = {}
    form_required: list[str] = []
    for (name, location), parameter in merged.items():
        if location == "body":  # Swagger 2.0
            operation.body_schema = to_json_schema(parameter.get("schema") or {}, dialect)
            operation.body_required = bool(parameter.get("required"))
            operation.content_type = "application/json"
            continue
        schema = parameter.get("schema")
        if schema is None:  # Swagger 2.0: the schema's keywords sit on the parameter itself
            schema = {
                k: v for k, v in parameter.items() if k not in ("name", "in", "required", "description")
            }
        schema = to_json_schema(schema, dialect)
        if location == "formData":
            form_fields[name] = schema
            if parameter.get("required"):
                form_required.append(name)
            continue
        example, has_example = _example_of(parameter)
        operation.parameters.append(
            Parameter(
                name,
                location,
                bool(parameter.get("required")) or location == "path",
                schema,
                example,
                has_example,
            )
        )
    if form_fields:
        operation.body_schema = {"type": "object", "properties": form_fields, "required": form_required}
        operation.body_required = bool(form_required)
        operation.content_type = "application/x-www-form-urlencoded"
    body = raw.get("requestBody")
    if body is not None:
        content = body.get("content") or {}
        media = _json_media(content) or next(iter(content), None)
        if media is not None:
            operation.content_type = media
            operation.body_schema = to_json_schema(content[media].get("schema") or {}, dialect)
            operation.body_required = bool(body.get("required"))
            operation.body_example, operation.has_body_example = _example_of(content[media])
    for status, answer in (raw.get("responses") or {}).items():
        status = str(status).upper()
        answer = answer or {}
        schema: Any = None
        if dialect == "swagger2":
            if answer.get("schema") is not None:
                schema = to_json_schema(answer["schema"], dialect)
        else:
            content = answer.get("content") or {}
            media = _json_media(content)
            if media is not None and content[media].get("schema") is not None:
                schema = to_json_schema(content[media]["schema"], dialect)
        operation.responses[status] = schema
        for link in (answer.get("links") or {}).values():
            target = link.get("operationId") or str(link.get("operationRef", "")).rsplit("/", 1)[-1]
            if target:
                operation.links.append(
                    Link(
                        status,
                        str(target),
                        {str(k): str(v) for k, v in (link.get("parameters") or {}).items()},
                    )
                )
    requirements = raw.get("security") if "security" in raw else top_security
    if not requirements and not schemes:
        _key_header_as_scheme(operation)
    for requirement in requirements or []:
        alternative = [schemes[name] for name in requirement or {} if name in schemes]
        if requirement and not alternative:
            continue  # a scheme this planner cannot send (mutual TLS): not an alternative it can use
        operation.security.append(alternative)
    return operation


def _key_header_as_scheme(operation: Operation) -> None:
    """A document that declares no security but takes an `X-API-Key` / `Authorization` header (FastAPI's
    `Header()` dependencies) gets it as its key scheme: the plan's credentials go there, and the
    auth cases are built. Without credentials the header stays optional, as the document says."""
    for parameter in list(operation.parameters):
        if parameter.location == "header" and parameter.name.lower() in KEY_HEADERS:
            operation.parameters.remove(parameter)
            if parameter.name.lower() == "authorization":
                operation.security.append([SecurityScheme(parameter.name, "bearer")])
            else:
                operation.security.append([SecurityScheme(parameter.name, "apiKey", parameter.name, "header")])
            operation.implicit_security = True
            return


def _json_media(content: Any) -> str | None:
    for media in content:
        if media in JSON_TYPES or media.endswith("+json") or media.startswith("application/json"):
            return str(media)
    return None


def _example_of(holder: Any) -> tuple[Any, bool]:
    """A parameter's or media type's `example`, else its first `examples` value."""
    if "example" in holder:
        return _plain(holder["example"]), True
    for example in (holder.get("examples") or {}).values():
        if isinstance(example, dict) and "value" in example:
            return _plain(example["value"]), True
    return None, False
