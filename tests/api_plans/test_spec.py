"""Reading documents: validator messages with JSON pointers, YAML, Swagger 2.0, remote $refs."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from threading import Thread

import pytest
import yaml

from planwright.api_plans.cases import CaseBuilder, OperationIndex
from planwright.api_plans.operations import base_urls, iter_operations
from planwright.api_plans.spec import SpecError, http_fetcher, load_spec
from tests.fixture_apps.api.service import SPEC

SWAGGER2 = {
    "swagger": "2.0",
    "info": {"title": "Pets", "version": "1"},
    "host": "pets.example",
    "basePath": "/v1",
    "schemes": ["https"],
    "securityDefinitions": {"key": {"type": "apiKey", "in": "query", "name": "api_key"}},
    "security": [{"key": []}],
    "definitions": {
        "Pet": {"type": "object", "required": ["name"], "properties": {
            "id": {"type": "integer"}, "name": {"type": "string", "maxLength": 20},
            "kind": {"type": "string", "enum": ["cat", "dog"]}}},
    },
    "paths": {
        "/pets": {
            "get": {"parameters": [{"name": "limit", "in": "query", "type": "integer", "minimum": 1, "maximum": 100}],
                    "responses": {"200": {"description": "ok", "schema": {"type": "array", "items": {"$ref": "#/definitions/Pet"}}}}},
            "post": {"parameters": [{"name": "pet", "in": "body", "required": True, "schema": {"$ref": "#/definitions/Pet"}}],
                     "responses": {"201": {"description": "made", "schema": {"$ref": "#/definitions/Pet"}}}},
        },
        "/pets/{petId}": {
            "get": {"parameters": [{"name": "petId", "in": "path", "required": True, "type": "integer"}],
                    "responses": {"200": {"description": "ok", "schema": {"$ref": "#/definitions/Pet"}}, "404": {"description": "none"}}},
        },
    },
}  # fmt: skip


def test_a_broken_document_names_the_validators_message_and_the_pointer() -> None:
    broken = copy.deepcopy(SPEC)
    broken["paths"]["/items"]["get"]["responses"]["200"]["description"] = 5
    with pytest.raises(SpecError) as raised:
        load_spec(document=broken)
    assert raised.value.pointer == "/paths/~1items/get/responses/200/description"
    assert "5 is not of type 'string'" in raised.value.message
    assert "/paths/~1items/get/responses/200" in str(raised.value)


def test_a_document_without_a_version_and_bad_syntax_are_refused_with_where() -> None:
    with pytest.raises(SpecError, match="not an OpenAPI 3.0/3.1 or Swagger 2.0 document") as raised:
        load_spec(document={"info": {}})
    assert raised.value.pointer == "/openapi"
    with pytest.raises(SpecError, match=r"neither JSON nor YAML \(line 2"):
        load_spec(text="openapi: 3.0.0\n  info: [")


def test_yaml_text_reads_like_the_json_document() -> None:
    spec = load_spec(text=yaml.safe_dump(SPEC, sort_keys=False))
    assert [op.key for op in iter_operations(spec)][:3] == ["GET /health", "GET /items", "POST /items"]


def test_swagger_2_operations_bodies_and_servers() -> None:
    spec = load_spec(document=SWAGGER2)
    assert spec.dialect == "swagger2"
    assert base_urls(spec) == ["https://pets.example/v1"]
    operations = {op.key: op for op in iter_operations(spec)}
    post = operations["POST /pets"]
    assert post.body_required and post.body_schema["required"] == ["name"]
    assert post.security[0][0].key_in == "query" and post.security[0][0].key_name == "api_key"
    limit = operations["GET /pets"].parameters[0]
    assert limit.schema == {"type": "integer", "minimum": 1, "maximum": 100}
    builder = CaseBuilder(spec, OperationIndex.build(spec), "en")
    cases = [case for op in iter_operations(spec) for case in builder.cases_for(op)]
    titles = [case.title for case in cases]
    assert "GET /pets/{petId}: an id that does not exist is answered 404" in titles
    # The pet id of the happy path comes from the listing (GET /pets answers an array of pets).
    happy = next(c for c in cases if c.title.startswith("GET /pets/{petId}: a valid"))
    assert [s.request.path for s in happy.steps] == ["/pets", "/pets/{petId}"]
    assert happy.steps[1].request.from_step == {"petId": (1, "0.id")}
    assert builder.counts["auth_missing"] == 3 and builder.counts["stateful"] == 1


@pytest.fixture
def remote_server() -> Iterator[str]:
    shared = {"components": {"schemas": {"Color": {"type": "string", "enum": ["red"]}}}}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            body = json.dumps(shared).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _with_remote_ref(base: str) -> dict:
    document = copy.deepcopy(SPEC)
    document["components"]["schemas"]["Color"] = {"$ref": f"{base}/shared.json#/components/schemas/Color"}
    return document


def test_remote_refs_are_refused_unless_allowed_and_then_obey_the_policy(remote_server: str) -> None:
    document = _with_remote_ref(remote_server)
    with pytest.raises(SpecError, match="remote \\$ref") as raised:
        load_spec(document=document)
    assert raised.value.pointer == "/components/schemas/Color/$ref"
    refused = http_fetcher(lambda url: "refused by the network policy: loopback")
    with pytest.raises(SpecError, match="refused by the network policy"):
        load_spec(document=document, fetch=refused, remote_refs_allowed=True)
    spec = load_spec(document=document, fetch=http_fetcher(lambda url: None), remote_refs_allowed=True)
    items = next(op for op in iter_operations(spec) if op.key == "GET /colors/{color}")
    assert items.parameters[0].schema == {"type": "string", "enum": ["red"]}
