"""The API plan's own schemas: where its document comes from, how to authenticate, and the requests
its cases send. Kept apart from planwright/schemas.py (which imports `ApiRequest` for a step) so that
this module imports nothing of the UI side."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

HttpMethod = Literal["GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE", "TRACE"]
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Which credentials a request carries: the plan's, none, or deliberately wrong ones.
AuthUse = Literal["valid", "missing", "wrong"]
CaseKind = Literal[
    "happy_path", "missing_required", "constraint_violated", "auth_missing", "auth_wrong",
    "not_found", "stateful",
]  # fmt: skip
MAX_SPEC_BYTES = 8 * 1024 * 1024


class ApiAuth(BaseModel):
    """Credentials for the service under test; sealed at rest like a UI login, never echoed back."""

    bearer_token: str | None = None
    api_key: str | None = None
    api_key_name: str = Field(default="X-API-Key", min_length=1, max_length=200)
    api_key_in: Literal["header", "query"] = "header"
    basic_username: str | None = None
    basic_password: str | None = None

    def is_empty(self) -> bool:
        return not (self.bearer_token or self.api_key or self.basic_username)


class OpenApiSource(BaseModel):
    """The document (by URL, or given inline as a JSON object or JSON/YAML text) and the instance to run
    its cases against (`base_url`, else the document's first server)."""

    url: str | None = Field(default=None, description="Where the OpenAPI / Swagger document is served")
    document: dict[str, Any] | str | None = Field(
        default=None, description="The document itself: a JSON object, or JSON or YAML text"
    )
    base_url: str | None = Field(
        default=None, description="A running instance; default: the document's servers"
    )
    auth: ApiAuth | None = Field(default=None, description="Credentials for the service; never echoed back")
    allow_unsafe: bool = Field(
        default=False, description="Also execute POST/PUT/PATCH/DELETE cases (only against a test instance)"
    )

    @model_validator(mode="after")
    def _one_source(self) -> OpenApiSource:
        if (self.url is None) == (self.document is None):
            raise ValueError("give the OpenAPI document either by url or as document, not both or neither")
        if isinstance(self.document, str) and len(self.document.encode()) > MAX_SPEC_BYTES:
            raise ValueError(f"document is larger than {MAX_SPEC_BYTES // (1024 * 1024)} MB")
        return self

    def urls(self) -> list[tuple[str, str]]:
        """(field, URL) the plan reaches: what the network policy and the URL rules judge."""
        return [(name, url) for name, url in (("url", self.url), ("base_url", self.base_url)) if url]

    def options(self) -> dict[str, Any]:
        """What `plans.options` keeps (the credentials go sealed into `plans.auth`)."""
        return ApiPlanOptions(
            spec_url=self.url, document=self.document, base_url=self.base_url, allow_unsafe=self.allow_unsafe
        ).model_dump(exclude_none=True)


class ApiRequest(BaseModel):
    """One request of a case and what its answer must show. Values in `path`/`query`/`headers`/`body`
    are sent as they are; `from_step` fills path parameters from an earlier step's JSON answer."""

    method: HttpMethod
    path: str  # the template, e.g. /items/{item_id}
    operation: str  # "GET /items/{item_id}" or its operationId
    path_params: dict[str, Any] = Field(default_factory=dict)
    query: dict[str, Any] = Field(default_factory=dict)
    headers: dict[str, str] = Field(default_factory=dict)
    body: Any = None
    has_body: bool = False
    content_type: str | None = None
    auth: AuthUse = "valid"
    # {"item_id": [1, "id"]}: the path parameter takes field `id` of step 1's answer.
    from_step: dict[str, tuple[int, str]] = Field(default_factory=dict)
    # The operation's security alternatives, each a list of schemes ({kind, name, key_name, key_in}).
    security: list[list[dict[str, str]]] = Field(default_factory=list)
    expect_status: list[str] = Field(default_factory=list)  # "200", "4XX"
    # Documented status -> JSON Schema 2020-12 of its body: whatever status comes back is checked.
    response_schemas: dict[str, Any] = Field(default_factory=dict)

    def is_safe(self) -> bool:
        return self.method in SAFE_METHODS


class ApiPlanOptions(BaseModel):
    """What an api plan keeps in `plans.options` (the credentials are in the sealed `plans.auth`)."""

    spec_url: str | None = None
    document: dict[str, Any] | str | None = None
    base_url: str | None = None
    allow_unsafe: bool = False
    # Set by the read-spec stage: the base URL cases run against, and what was skipped there.
    resolved_base_url: str | None = None
    notes: list[str] = Field(default_factory=list)
