"""The plans API's request body and its answers: `PlanCreate` (with the crawl bounds every entry point
checks: the API, the web form, the command line, targets) and the `*Public` shapes a plan is shown in.
Apart from planwright/schemas.py, which holds what the browser saw and what a plan says."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field, field_validator, model_validator

from planwright.api_plans.models import OpenApiSource
from planwright.schemas import (
    AuthSpec,
    EdgeProposal,
    Language,
    PlanKind,
    PlanStatus,
    StorableTextBody,
    TestCaseData,
    check_target_url,
)
from planwright.settings import get_settings


def crawl_limits() -> dict[str, int]:
    """How far one plan may crawl (CRAWL_MAX_PAGES_LIMIT, CRAWL_MAX_DEPTH_LIMIT): the one place these
    numbers come from, for the API's and the command line's validation and the web forms' inputs."""
    settings = get_settings()
    return {"max_pages": settings.crawl_max_pages_limit, "max_depth": settings.crawl_max_depth_limit}


def _at_most_the_limit(field: str, setting: str) -> Callable[[int], int]:
    def check(value: int) -> int:
        limit = crawl_limits()[field]
        if value > limit:
            raise ValueError(f"must be at most {limit} (this server's {setting})")
        return value

    return check


# A plan's (or a target's) crawl bounds, refused above the server's limits rather than cut silently.
MaxPages = Annotated[
    int,
    Field(ge=1, description="Pages to crawl, at most CRAWL_MAX_PAGES_LIMIT"),
    AfterValidator(_at_most_the_limit("max_pages", "CRAWL_MAX_PAGES_LIMIT")),
]
MaxDepth = Annotated[
    int,
    Field(ge=0, description="Link depth from the start URL, at most CRAWL_MAX_DEPTH_LIMIT"),
    AfterValidator(_at_most_the_limit("max_depth", "CRAWL_MAX_DEPTH_LIMIT")),
]


class PlanSource(BaseModel):
    """What a plan is made from: a plan's request, and a target's (each of its runs is such a plan)."""

    url: str | None = Field(
        default=None,
        description="The web application to test (an http:// or https:// URL); for an api plan, "
        "the base URL of a running instance (same as openapi.base_url)",
    )
    language: Language = "en"
    max_pages: MaxPages = 10
    max_depth: MaxDepth = 2
    kind: PlanKind = "ui"
    verify: bool = True
    auth: AuthSpec | None = Field(default=None, description="How to log in; never echoed back")
    openapi: OpenApiSource | None = Field(
        default=None, description="kind 'api': the OpenAPI / Swagger document and how to call the service"
    )


class PlanCreate(StorableTextBody, PlanSource):
    @field_validator("url")
    @classmethod
    def _url_is_http(cls, value: str | None) -> str | None:
        return None if value is None else check_target_url(value)

    @model_validator(mode="after")
    def _kind_has_its_source(self) -> PlanCreate:
        if self.kind == "ui":
            if self.url is None:
                raise ValueError("url: a ui plan needs the URL of the web application")
            if self.openapi is not None:
                raise ValueError("openapi: only an api plan reads an OpenAPI document (set kind to 'api')")
        else:
            if self.openapi is None:
                raise ValueError("openapi: an api plan needs its document (openapi.url or openapi.document)")
            if self.url is not None and self.openapi.base_url is None:
                self.openapi.base_url = self.url
            for name, value in self.openapi.urls():
                try:
                    check_target_url(value)
                except ValueError as error:
                    raise ValueError(f"openapi.{name}: {error}") from None
        return self

    def target_urls(self) -> list[tuple[str, str]]:
        """The URLs this plan sends the browser (or an api plan's HTTP client) to, by field: what the
        network policy judges."""
        urls = [("url", self.url)] if self.url and self.kind == "ui" else []
        if self.auth and self.auth.login:
            urls.append(("auth.login.url", self.auth.login.url))
        if self.openapi is not None:
            urls += [(f"openapi.{name}", url) for name, url in self.openapi.urls()]
        return urls


class ProgressPublic(BaseModel):
    done: int
    total: int
    stage: str | None


class CaseCounts(BaseModel):
    total: int = 0
    model: int = 0
    skeleton: int = 0
    verified: int = 0
    failed: int = 0
    not_executable: int = 0
    pending: int = 0


class PlanSummaryPublic(BaseModel):
    id: int
    url: str
    language: Language
    kind: PlanKind
    status: PlanStatus
    status_reason: str | None
    progress: ProgressPublic
    created_at: datetime
    finished_at: datetime | None
    links: dict[str, str]
    # What happened to the plan that its reader should know: a lost worker and the re-queue, a cap hit.
    notes: list[str] = Field(default_factory=list)


class EdgeProposalPublic(EdgeProposal):
    page_url: str


class PlanPublic(PlanSummaryPublic):
    max_pages: int
    max_depth: int
    model_id: str | None
    device: str | None
    timings: dict[str, float | None]
    counts: CaseCounts
    pages: list[str]
    cases: list[TestCaseData]
    # What the model proposed beyond the observed behaviours, and what executing each showed.
    edge_proposals: list[EdgeProposalPublic] = Field(default_factory=list)


class PlansPublic(BaseModel):
    data: list[PlanSummaryPublic]
    total: int
    offset: int
    limit: int
