"""Reading an OpenAPI document: fetch it (through the network policy), parse JSON or YAML, validate it
with openapi-spec-validator and resolve its `$ref`s with jsonref.

Why a library for each: a broken document must fail the plan with the validator's own message and the
JSON pointer of the fault, and `$ref` resolution (local, and remote only where the policy allows) is
not something to re-implement. Remote refs are inlined before validation so that the validator never
fetches anything itself.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urldefrag, urljoin

import httpx
import jsonref
import yaml
from jsonschema.exceptions import ValidationError, best_match
from openapi_spec_validator import OpenAPIV2SpecValidator, OpenAPIV30SpecValidator, OpenAPIV31SpecValidator

from planwright.api_plans.models import MAX_SPEC_BYTES

Dialect = Literal["openapi3.0", "openapi3.1", "swagger2"]
# Fetches a URL's text; raises SpecError where it may not or cannot.
Fetcher = Callable[[str], str]


class SpecError(Exception):
    """The document cannot be planned: `message` says why, `pointer` where (a JSON pointer)."""

    def __init__(self, message: str, pointer: str = "") -> None:
        self.message, self.pointer = message, pointer
        where = f" at {pointer}" if pointer else ""
        super().__init__(f"The OpenAPI document is invalid{where}: {message}")


@dataclass
class Spec:
    """A validated document: `document` with `$ref`s resolved (lazily, by jsonref proxies)."""

    document: dict[str, Any]
    dialect: Dialect
    source: str  # the URL it came from, or "(uploaded)"

    @property
    def title(self) -> str:
        info = self.document.get("info") or {}
        return f"{info.get('title', 'API')} {info.get('version', '')}".strip()


def json_pointer(parts: Iterator[Any] | list[Any]) -> str:
    """RFC 6901: '/paths/~1items~1{id}/get' for ['paths', '/items/{id}', 'get']."""
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in parts)


def parse_text(text: str) -> dict[str, Any]:
    """JSON first (fast for large documents), then YAML; a SpecError says where the syntax broke."""
    try:
        value = json.loads(text)
    except ValueError:
        try:
            value = yaml.safe_load(text)
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
            raise SpecError(f"neither JSON nor YAML{where}: {getattr(error, 'problem', error)}") from None
    if not isinstance(value, dict):
        raise SpecError(f"the document must be a JSON/YAML object, got {type(value).__name__}")
    return value


def dialect_of(document: dict[str, Any]) -> Dialect:
    version = str(document.get("openapi") or document.get("swagger") or "")
    if "swagger" in document and version.startswith("2."):
        return "swagger2"
    if version.startswith("3.0"):
        return "openapi3.0"
    if version.startswith("3.1"):
        return "openapi3.1"
    field = "/swagger" if "swagger" in document else "/openapi"
    shown = version or "no version field"
    raise SpecError(f"not an OpenAPI 3.0/3.1 or Swagger 2.0 document ({shown})", field)


_VALIDATORS = {
    "swagger2": OpenAPIV2SpecValidator,
    "openapi3.0": OpenAPIV30SpecValidator,
    "openapi3.1": OpenAPIV31SpecValidator,
}


_META_SCHEMAS = {"swagger2": "schema_v2", "openapi3.0": "schema_v30", "openapi3.1": "schema_v31"}


def _refined(document: dict[str, Any], dialect: Dialect, first: ValidationError) -> ValidationError:
    """The spec validator words a fault under oneOf as "not valid under any of the schemas"; jsonschema's
    best_match over the same meta-schema finds the branch's own message ("5 is not of type 'string'")."""
    from jsonschema.validators import validator_for
    from openapi_spec_validator import schemas

    meta = getattr(schemas, _META_SCHEMAS[dialect])
    prefix = [str(part) for part in first.absolute_path]
    errors = (
        error
        for error in validator_for(meta)(meta).iter_errors(document)
        if [str(part) for part in error.absolute_path][: len(prefix)] == prefix
    )
    found = best_match(errors)
    while found is not None and found.context:
        found = best_match(found.context)
    return found if found is not None else first


def validate(document: dict[str, Any], dialect: Dialect) -> None:
    """Raise SpecError with the validator's message and the JSON pointer of the first fault."""
    validator = _VALIDATORS[dialect](document)
    first = next(iter(validator.iter_errors()), None)
    if first is None:
        return
    detail = first
    if "is not valid under any of" in first.message:
        detail = _refined(document, dialect, first)
    message = detail.message.splitlines()[0][:500]
    raise SpecError(message, json_pointer(list(detail.absolute_path)))


def remote_refs(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], str]]:
    """Every `$ref` that points outside the document, with where it is."""
    if isinstance(value, dict):
        ref = value.get("$ref")
        if isinstance(ref, str) and not ref.startswith("#"):
            yield path, ref
        for key, item in value.items():
            if key != "$ref":
                yield from remote_refs(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from remote_refs(item, (*path, index))


def inline_remote_refs(
    document: dict[str, Any], base_url: str | None, fetch: Fetcher | None, *, max_documents: int = 20
) -> None:
    """Replace each remote `$ref` by what it points at (one level: a fetched document's own remote refs
    are refused). Without `fetch` (remote refs not allowed) the first one is a SpecError."""
    found = list(remote_refs(document))
    if not found:
        return
    fetched: dict[str, dict[str, Any]] = {}
    for path, ref in found:
        pointer = json_pointer([*path, "$ref"])
        if fetch is None:
            raise SpecError(f"remote $ref {ref!r} is not allowed here (set API_REMOTE_REFS=true)", pointer)
        url, fragment = urldefrag(urljoin(base_url or "", ref))
        if not url.startswith(("http://", "https://")):
            raise SpecError(
                f"$ref {ref!r} names no http(s) document (uploaded documents need absolute URLs)", pointer
            )
        if url not in fetched:
            if len(fetched) >= max_documents:
                raise SpecError(f"more than {max_documents} remote documents are referenced", pointer)
            fetched[url] = parse_text(fetch(url))
        try:  # jsonref follows the fragment inside the fetched document
            target = jsonref.replace_refs(
                {"$ref": f"{url}#{fragment}"}, loader=fetched.__getitem__, proxies=False, lazy_load=False
            )
        except Exception as error:
            raise SpecError(f"$ref {ref!r} points at nothing in {url}: {error}", pointer) from None
        if any(remote_refs(target)):
            raise SpecError(f"$ref {ref!r} leads to further remote $refs (one level is followed)", pointer)
        holder: Any = document
        for part in path[:-1]:
            holder = holder[part]
        if path:
            holder[path[-1]] = copy.deepcopy(target)


def http_fetcher(check: Callable[[str], str | None], *, timeout_s: float = 20.0) -> Fetcher:
    """A fetcher that asks `check` (the network policy: None = allowed, else the refusal) before each
    hop, follows at most 5 redirects and refuses documents past MAX_SPEC_BYTES."""

    def fetch(url: str) -> str:
        with httpx.Client(timeout=timeout_s, follow_redirects=False) as client:
            for _ in range(6):
                refusal = check(url)
                if refusal is not None:
                    raise SpecError(f"{url}: {refusal}")
                try:
                    with client.stream(
                        "GET", url, headers={"Accept": "application/json, application/yaml"}
                    ) as answer:
                        if answer.is_redirect:
                            url = urljoin(url, answer.headers.get("location", ""))
                            continue
                        if answer.status_code >= 400:
                            raise SpecError(f"{url} answered HTTP {answer.status_code}")
                        body = bytearray()
                        for chunk in answer.iter_bytes():
                            body += chunk
                            if len(body) > MAX_SPEC_BYTES:
                                raise SpecError(f"{url} is larger than {MAX_SPEC_BYTES // 2**20} MB")
                        return body.decode(answer.encoding or "utf-8", errors="replace")
                except httpx.HTTPError as error:
                    raise SpecError(f"{url} could not be read: {type(error).__name__}: {error}") from None
            raise SpecError(f"{url} redirects more than 5 times")

    return fetch


def load_spec(
    *,
    text: str | None = None,
    document: dict[str, Any] | None = None,
    url: str | None = None,
    fetch: Fetcher | None = None,
    remote_refs_allowed: bool = False,
) -> Spec:
    """Parse, inline remote refs (when allowed), validate, resolve local refs. Raises SpecError."""
    if document is None:
        if text is None:
            if url is None or fetch is None:
                raise SpecError("no document: give its URL or its text")
            text = fetch(url)
        document = parse_text(text)
    else:
        document = copy.deepcopy(document)
    dialect = dialect_of(document)
    inline_remote_refs(document, url, fetch if remote_refs_allowed else None)
    validate(document, dialect)
    try:
        resolved = jsonref.replace_refs(document, lazy_load=True, proxies=True, loader=_no_loader)
    except Exception as error:  # a local $ref to nothing the validator let through
        raise SpecError(f"a $ref cannot be resolved: {error}") from None
    return Spec(document=resolved, dialect=dialect, source=url or "(uploaded)")  # type: ignore[arg-type]


def _no_loader(uri: str) -> Any:
    raise SpecError(f"$ref to {uri!r} would be fetched; remote refs are inlined before this point")
