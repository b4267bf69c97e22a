"""The targets API's requests and answers (pydantic; the ORM rows stay in planwright.db.models)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError, field_validator, model_validator

from planwright.api_plans.models import OpenApiSource
from planwright.plan_api import CaseCounts, MaxDepth, MaxPages, PlanCreate, PlanSource
from planwright.schemas import (
    AuthSpec,
    Language,
    PlanKind,
    PlanStatus,
    StorableTextBody,
    check_target_url,
    readable_errors,
)
from planwright.targets.schedule import DEFAULT_CRON, DEFAULT_TIMEZONE, check_cron, check_timezone


class _TargetFields(StorableTextBody):
    def target_urls(self) -> list[tuple[str, str]]:
        """The URLs the browser, an api target's HTTP client and the webhook are sent to, by field: what
        the network policy judges (an api target's `url` is its base URL, judged too)."""
        auth = getattr(self, "auth", None)
        openapi: OpenApiSource | None = getattr(self, "openapi", None)
        urls = [
            ("url", getattr(self, "url", None)),
            ("auth.login.url", auth.login.url if auth and auth.login else None),
            *[(f"openapi.{name}", url) for name, url in (openapi.urls() if openapi else [])],
            ("webhook_url", getattr(self, "webhook_url", None)),
        ]
        judged: dict[str, str] = {}  # an api target's url is its base URL: judged (and named) once
        for field, url in urls:
            if url and url not in judged:
                judged[url] = field
        return [(field, url) for url, field in judged.items()]

    @field_validator("url", "webhook_url", check_fields=False)
    @classmethod
    def _url_is_http(cls, value: str | None) -> str | None:
        return None if value is None else check_target_url(value)

    @field_validator("cron", check_fields=False)
    @classmethod
    def _cron_is_valid(cls, value: str | None) -> str | None:
        return None if value is None else check_cron(value)

    @field_validator("timezone", check_fields=False)
    @classmethod
    def _timezone_is_iana(cls, value: str | None) -> str | None:
        return None if value is None else check_timezone(value)

    @field_validator("deny_names", check_fields=False)
    @classmethod
    def _deny_names_are_words(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        names = [" ".join(name.split()) for name in value]
        if any(not name or len(name) > 200 for name in names):
            raise ValueError("each name must be 1 to 200 characters, e.g. 'Delete account'")
        return list(dict.fromkeys(names))



class TargetCreate(_TargetFields, PlanSource):
    """A plan's fields (PlanSource: url, language, bounds, kind, verify, auth, openapi) and a schedule."""

    name: str = Field(min_length=1, max_length=200, description="What the team calls the app")
    cron: str = Field(default=DEFAULT_CRON, description="Five-field cron expression, in `timezone`")
    timezone: str = Field(default=DEFAULT_TIMEZONE, description="IANA time zone of the cron expression")
    paused: bool = False
    deny_names: list[str] = Field(
        default_factory=list,
        max_length=100,
        description="Buttons and links the crawler never activates, beyond its default deny-list",
    )
    webhook_url: str | None = Field(default=None, description="POSTed a signed JSON when a run finishes")
    webhook_secret: str | None = Field(default=None, max_length=500, description="HMAC key; never echoed")

    @model_validator(mode="after")
    def _kind_has_its_source(self) -> TargetCreate:
        self.plan_request()  # a ui target needs its URL, an api target its document: a plan's own rules
        return self

    def plan_request(self) -> PlanCreate:
        """The plan request each run makes: the plans API's schema judges the target's source (url for a
        ui target; openapi, its base URL and credentials for an api target)."""
        return plan_request(**{name: getattr(self, name) for name in PlanSource.model_fields})


def plan_request(**fields: Any) -> PlanCreate:
    """PlanCreate of these fields, its refusal a ValueError in its own words ('openapi: an api plan
    needs its document …'), so a target's 422 reads like the plan's would."""
    try:
        return PlanCreate.model_validate(fields)
    except ValidationError as error:
        raise ValueError("; ".join(readable_errors(error.errors()))) from None


class TargetUpdate(_TargetFields):
    """Only the fields sent change; a changed cron, time zone or pause takes effect at the next tick."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    url: str | None = None
    language: Language | None = None
    max_pages: MaxPages | None = None
    max_depth: MaxDepth | None = None
    verify: bool | None = None
    auth: AuthSpec | None = None
    openapi: OpenApiSource | None = Field(
        default=None, description="An api target's document, base URL and credentials, replaced whole"
    )
    cron: str | None = None
    timezone: str | None = None
    paused: bool | None = None
    deny_names: list[str] | None = Field(default=None, max_length=100)
    webhook_url: str | None = None
    webhook_secret: str | None = Field(default=None, max_length=500)


class RunUpdate(BaseModel):
    pinned: bool = Field(description="A pinned run is kept by retention")


class RunSummaryPublic(BaseModel):
    number: int
    trigger: str
    plan_id: int | None
    status: PlanStatus | None  # None once retention deleted the plan
    status_reason: str | None
    scheduled_for: datetime | None
    created_at: datetime
    finished_at: datetime | None
    pinned: bool
    counts: CaseCounts | None = None
    regression_counts: dict[str, int] | None = None  # None: no regression ran (a first run)
    webhook: str | None = None  # "delivered", "retrying: …", "gave up: …"; None without a webhook try
    links: dict[str, str]


class RunsPublic(BaseModel):
    data: list[RunSummaryPublic]
    total: int
    offset: int
    limit: int


class ApiSourcePublic(BaseModel):
    """Where an api target's document comes from and which instance its cases run against."""

    spec_url: str | None
    uploaded: bool  # the document was given inline (kept with the target)
    base_url: str | None
    allow_unsafe: bool


class TargetPublic(BaseModel):
    id: int
    name: str
    url: str
    language: Language
    kind: PlanKind
    max_pages: int
    max_depth: int
    verify: bool
    has_auth: bool
    openapi: ApiSourcePublic | None = None  # an api target's document source (never its credentials)
    deny_names: list[str]
    cron: str
    cron_description: str
    timezone: str
    paused: bool
    next_run_at: datetime | None
    runs: int
    last_run: RunSummaryPublic | None
    webhook_url: str | None
    has_webhook_secret: bool
    created_at: datetime
    links: dict[str, str]


class TargetsPublic(BaseModel):
    data: list[TargetPublic]
    total: int
    offset: int
    limit: int


RegressionStatus = Literal["still_passes", "now_fails", "not_executable", "healed"]


class Heal(BaseModel):
    """A step re-grounded onto today's element of the same role and name, label or test id."""

    step: int
    old_locator: str
    new_locator: str


class RegressionResult(BaseModel):
    """One of the previous run's verified cases, executed again before this run's crawl."""

    key: str  # the case's stable key (see planwright.targets.diff)
    title: str
    page_url: str
    status: RegressionStatus
    detail: str | None = None
    heals: list[Heal] = Field(default_factory=list)
    screenshot: str | None = None  # now_fails: the page as it was when the case stopped


def regression_counts(results: list[RegressionResult]) -> dict[str, int]:
    counts = dict.fromkeys(("still_passes", "now_fails", "not_executable", "healed"), 0)
    for result in results:
        counts[result.status] += 1
    return counts
