"""A small REST service with a hand-written OpenAPI 3.0 document: `$ref`s, `allOf`, enums, a pattern,
bounds, path ids, an OpenAPI link (POST /items -> GET /items/{item_id}) and two security schemes (an
API key header or a bearer token). Run as a real server (uvicorn on port 0) by the api-plan tests.

The handlers enforce what the document says (FastAPI + pydantic answer 422 for bad input, the auth
dependency 401), so a case that the document predicts correctly is verified against it.
"""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any, Literal

import uvicorn
from fastapi import Depends, FastAPI, Header, HTTPException, Path, Query, Response
from pydantic import BaseModel, Field

API_KEY = "fixture-key"
BEARER_TOKEN = "fixture-token"
SKU_PATTERN = r"^[A-Z]{3}-[0-9]{3}$"

SPEC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "Fixture shop", "version": "1.0"},
    "servers": [{"url": "/"}],
    "security": [{"apiKey": []}, {"bearerAuth": []}],
    "components": {
        "securitySchemes": {
            "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
            "bearerAuth": {"type": "http", "scheme": "bearer"},
        },
        "schemas": {
            "Color": {"type": "string", "enum": ["red", "green", "blue"]},
            "ItemBase": {
                "type": "object",
                "required": ["name", "sku", "color"],
                "properties": {
                    "name": {"type": "string", "minLength": 1, "maxLength": 40, "example": "Mug"},
                    "sku": {"type": "string", "pattern": SKU_PATTERN},
                    "color": {"$ref": "#/components/schemas/Color"},
                    "price": {"type": "number", "minimum": 0, "maximum": 10000},
                },
            },
            "Item": {
                "allOf": [
                    {"$ref": "#/components/schemas/ItemBase"},
                    {"type": "object", "required": ["id"], "properties": {"id": {"type": "integer"}}},
                ]
            },
            "ItemList": {
                "type": "object",
                "required": ["items", "total"],
                "properties": {
                    "items": {"type": "array", "items": {"$ref": "#/components/schemas/Item"}},
                    "total": {"type": "integer", "minimum": 0},
                },
            },
            "Error": {"type": "object", "required": ["detail"], "properties": {"detail": {}}},
        },
        "responses": {
            "Invalid": {
                "description": "invalid input",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
            },
            "NotFound": {
                "description": "no such item",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
            },
            "Unauthorized": {
                "description": "no or wrong credentials",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
            },
        },
        "parameters": {
            "ItemId": {
                "name": "item_id", "in": "path", "required": True,
                "schema": {"type": "integer", "minimum": 1},
            },
        },
    },
    "paths": {
        "/health": {
            "get": {
                "operationId": "health",
                "summary": "Is the service up",
                "security": [],
                "responses": {
                    "200": {
                        "description": "up",
                        "content": {"application/json": {"schema": {
                            "type": "object", "required": ["status"],
                            "properties": {"status": {"type": "string", "enum": ["ok"]}},
                        }}},
                    }
                },
            }
        },
        "/items": {
            "get": {
                "operationId": "listItems",
                "summary": "List items, optionally of one color",
                "parameters": [
                    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 50}, "example": 10},
                    {"name": "color", "in": "query", "schema": {"$ref": "#/components/schemas/Color"}},
                ],
                "responses": {
                    "200": {"description": "the items", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ItemList"}}}},
                    "401": {"$ref": "#/components/responses/Unauthorized"},
                    "422": {"$ref": "#/components/responses/Invalid"},
                },
            },
            "post": {
                "operationId": "createItem",
                "summary": "Create an item",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ItemBase"}}},
                },
                "responses": {
                    "201": {
                        "description": "created",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Item"}}},
                        "links": {"GetItem": {"operationId": "getItem", "parameters": {"item_id": "$response.body#/id"}}},
                    },
                    "401": {"$ref": "#/components/responses/Unauthorized"},
                    "422": {"$ref": "#/components/responses/Invalid"},
                },
            },
        },
        "/items/{item_id}": {
            "parameters": [{"$ref": "#/components/parameters/ItemId"}],
            "get": {
                "operationId": "getItem",
                "summary": "Read one item",
                "responses": {
                    "200": {"description": "the item", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Item"}}}},
                    "401": {"$ref": "#/components/responses/Unauthorized"},
                    "404": {"$ref": "#/components/responses/NotFound"},
                    "422": {"$ref": "#/components/responses/Invalid"},
                },
            },
            "delete": {
                "operationId": "deleteItem",
                "summary": "Delete one item",
                "responses": {
                    "204": {"description": "deleted"},
                    "401": {"$ref": "#/components/responses/Unauthorized"},
                    "404": {"$ref": "#/components/responses/NotFound"},
                    "422": {"$ref": "#/components/responses/Invalid"},
                },
            },
        },
        "/colors/{color}": {
            "get": {
                "operationId": "getColor",
                "summary": "A color's hex code",
                "security": [],
                "parameters": [{"name": "color", "in": "path", "required": True, "schema": {"$ref": "#/components/schemas/Color"}}],
                "responses": {
                    "200": {"description": "the color", "content": {"application/json": {"schema": {
                        "type": "object", "required": ["color", "hex"],
                        "properties": {"color": {"$ref": "#/components/schemas/Color"},
                                       "hex": {"type": "string", "pattern": "^#[0-9a-f]{6}$"}},
                    }}}},
                    "422": {"$ref": "#/components/responses/Invalid"},
                },
            }
        },
    },
}  # fmt: skip

Color = Literal["red", "green", "blue"]
HEX = {"red": "#ff0000", "green": "#00ff00", "blue": "#0000ff"}


class ItemBase(BaseModel):
    name: str = Field(min_length=1, max_length=40)
    sku: str = Field(pattern=SKU_PATTERN)
    color: Color
    price: float | None = Field(default=None, ge=0, le=10000)


class Item(ItemBase):
    id: int


def build_app() -> FastAPI:
    """A fresh service with one item, serving SPEC at /openapi.json."""
    app = FastAPI(docs_url=None, redoc_url=None)
    items: dict[int, Item] = {1: Item(id=1, name="Cup", sku="CUP-001", color="red", price=4.5)}
    lock = threading.Lock()
    app.state.hits = []

    def authorised(
        x_api_key: Annotated[str | None, Header()] = None,
        authorization: Annotated[str | None, Header()] = None,
    ) -> None:
        if x_api_key == API_KEY or authorization == f"Bearer {BEARER_TOKEN}":
            return
        raise HTTPException(401, "give X-API-Key or a bearer token")

    Authorised = Depends(authorised)

    @app.middleware("http")
    async def count(request: Any, call_next: Any) -> Any:
        app.state.hits.append((request.method, request.url.path))
        return await call_next(request)

    @app.get("/openapi.json", include_in_schema=False)
    def spec() -> dict[str, Any]:
        return SPEC

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/items", dependencies=[Authorised])
    def list_items(
        limit: Annotated[int, Query(ge=1, le=50)] = 20, color: Color | None = None
    ) -> dict[str, Any]:
        with lock:
            found = [item for item in items.values() if color is None or item.color == color][:limit]
        return {"items": [item.model_dump(exclude_none=True) for item in found], "total": len(found)}

    @app.post("/items", status_code=201, dependencies=[Authorised])
    def create_item(body: ItemBase) -> dict[str, Any]:
        with lock:
            item = Item(id=max(items, default=0) + 1, **body.model_dump())
            items[item.id] = item
        return item.model_dump(exclude_none=True)

    @app.get("/items/{item_id}", dependencies=[Authorised])
    def read_item(item_id: Annotated[int, Path(ge=1)]) -> dict[str, Any]:
        with lock:
            item = items.get(item_id)
        if item is None:
            raise HTTPException(404, f"no item {item_id}")
        return item.model_dump(exclude_none=True)

    @app.delete("/items/{item_id}", status_code=204, dependencies=[Authorised])
    def delete_item(item_id: Annotated[int, Path(ge=1)]) -> Response:
        with lock:
            if items.pop(item_id, None) is None:
                raise HTTPException(404, f"no item {item_id}")
        return Response(status_code=204)

    @app.get("/colors/{color}")
    def read_color(color: Color) -> dict[str, str]:
        return {"color": color, "hex": HEX[color]}

    assert re.fullmatch(SKU_PATTERN, "CUP-001")
    return app


@contextmanager
def serve_api(app: FastAPI | None = None) -> Iterator[str]:
    """The service on a free port of 127.0.0.1 in a thread of this process; yields its base URL."""
    app = app or build_app()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the fixture API service did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


if __name__ == "__main__":  # for the exported test: python -m tests.fixture_apps.api.service PORT
    import sys

    uvicorn.run(build_app(), host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
