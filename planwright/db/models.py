"""Typed ORM models. Postgres is the record of every job; every row belongs to a team from day one."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

DEFAULT_TEAM_ID = 1


def utcnow() -> datetime:
    return datetime.now(UTC)


def aware(moment: datetime | None) -> datetime | None:
    """SQLite gives back naive datetimes for timezone-aware columns; they are UTC."""
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON, datetime: DateTime(timezone=True)}


class Team(Base):
    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ApiKey(Base):
    """Stored as a SHA-256 hash; the key itself is shown once, when it is made."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(default=None)
    expires_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)


class WebSession(Base):
    """A web login: the cookie holds a random token whose hash is kept here, never the API key, so
    revoking the key (or logging out) ends the session at once."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    api_key_id: Mapped[int] = mapped_column(ForeignKey("api_keys.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]


class Plan(Base):
    __tablename__ = "plans"
    __table_args__ = (Index("ix_plans_team_id_status", "team_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(
        ForeignKey("teams.id", ondelete="CASCADE"), index=True, default=DEFAULT_TEAM_ID
    )
    url: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(10), default="ui")
    language: Mapped[str] = mapped_column(String(5), default="en")
    max_pages: Mapped[int] = mapped_column(Integer, default=10)
    max_depth: Mapped[int] = mapped_column(Integer, default=2)
    verify: Mapped[bool] = mapped_column(default=True)
    # Login settings (storage state, credentials, headers). Never returned by the API. Deferred: loaded
    # only where read, so the model worker, whose database role may not read it, never selects it.
    auth: Mapped[dict[str, Any] | None] = mapped_column(JSON, deferred=True)
    # Names the crawler never activates beyond its default deny-list (a target's runs carry them).
    deny_names: Mapped[list[Any] | None] = mapped_column(JSON)
    # An api plan's document source, base URL, allow_unsafe (api_plans.models.ApiPlanOptions).
    options: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), default="queued", index=True)
    status_reason: Mapped[str | None] = mapped_column(Text)
    stage: Mapped[str | None] = mapped_column(String(40))
    progress_done: Mapped[int] = mapped_column(Integer, default=0)
    progress_total: Mapped[int] = mapped_column(Integer, default=0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # The fence (lifecycle.py): the worker holding the plan's stage, since when, and until when its
    # lease lasts unless renewed. All None while the plan waits in a queue.
    attempt_token: Mapped[str | None] = mapped_column(String(32))
    claimed_at: Mapped[datetime | None] = mapped_column()
    lease_expires_at: Mapped[datetime | None] = mapped_column()
    # When the message of the stage it waits for was sent; None while fair dispatch holds it back.
    sent_at: Mapped[datetime | None] = mapped_column()
    notes: Mapped[list[Any]] = mapped_column(default=list)  # what happened: re-queues, caps hit
    model_id: Mapped[str | None] = mapped_column(String(300))
    device: Mapped[str | None] = mapped_column(String(60))
    crawl_seconds: Mapped[float | None] = mapped_column(Float)
    generate_seconds: Mapped[float | None] = mapped_column(Float)
    verify_seconds: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column()

    pages: Mapped[list[Page]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="Page.id"
    )
    cases: Mapped[list[TestCase]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="TestCase.position"
    )


class Page(Base):
    __tablename__ = "pages"
    __table_args__ = (UniqueConstraint("plan_id", "url"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(Text)
    status: Mapped[int | None] = mapped_column(Integer)
    depth: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(Text, default="")
    headings: Mapped[list[Any]] = mapped_column(default=list)
    screenshot_path: Mapped[str | None] = mapped_column(Text)
    aria_snapshot: Mapped[str | None] = mapped_column(Text)
    behaviours: Mapped[list[Any]] = mapped_column(default=list)  # explored action sequences and outcomes
    proposals: Mapped[list[Any]] = mapped_column(default=list)  # the model's edge cases and their results

    plan: Mapped[Plan] = relationship(back_populates="pages")
    elements: Mapped[list[Element]] = relationship(
        back_populates="page", cascade="all, delete-orphan", order_by="Element.id"
    )


class Element(Base):
    __tablename__ = "elements"

    id: Mapped[int] = mapped_column(primary_key=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("pages.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(20))
    role: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(Text, default="")
    locator: Mapped[dict[str, Any]] = mapped_column()
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)  # href, input type, form fields...
    outcome: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    page: Mapped[Page] = relationship(back_populates="elements")


class TestCase(Base):
    __tablename__ = "test_cases"
    __test__ = False  # not a pytest class

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    page_url: Mapped[str] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text)
    preconditions: Mapped[list[Any]] = mapped_column(default=list)
    steps: Mapped[list[Any]] = mapped_column(default=list)
    expected: Mapped[list[Any]] = mapped_column(default=list)
    priority: Mapped[str] = mapped_column(String(10), default="medium")
    tags: Mapped[list[Any]] = mapped_column(default=list)
    source: Mapped[str] = mapped_column(String(10), default="skeleton")
    verification_status: Mapped[str] = mapped_column(String(20), default="pending")
    verification_detail: Mapped[str | None] = mapped_column(Text)

    plan: Mapped[Plan] = relationship(back_populates="cases")


class Generation(Base):
    """One model call, with the study's measurements: tokens, latency, device, model, seed."""

    __tablename__ = "generations"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    request_id: Mapped[str] = mapped_column(String(100), default="")
    prompt: Mapped[str] = mapped_column(Text)
    output: Mapped[str] = mapped_column(Text, default="")
    thinking: Mapped[str | None] = mapped_column(Text)
    prompt_tokens: Mapped[int] = mapped_column(Integer, default=0)
    completion_tokens: Mapped[int] = mapped_column(Integer, default=0)
    latency_s: Mapped[float] = mapped_column(Float, default=0.0)
    ttft_s: Mapped[float | None] = mapped_column(Float)
    finish_reason: Mapped[str | None] = mapped_column(String(20))
    error: Mapped[str | None] = mapped_column(Text)
    accepted: Mapped[bool] = mapped_column(default=False)
    model_id: Mapped[str] = mapped_column(String(300), default="")
    device: Mapped[str] = mapped_column(String(60), default="")
    dtype: Mapped[str] = mapped_column(String(20), default="")
    seed: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Target(Base):
    """A team's app, planned again on a schedule. `next_run_at` is the schedule's record: the beat's
    tick claims a due target by moving it forward (compare-and-set), so a run fires once."""

    __tablename__ = "targets"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(10), default="ui")
    language: Mapped[str] = mapped_column(String(5), default="en")
    max_pages: Mapped[int] = mapped_column(Integer, default=10)
    max_depth: Mapped[int] = mapped_column(Integer, default=2)
    verify: Mapped[bool] = mapped_column(default=True)
    auth: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # sealed like a plan's; never returned
    deny_names: Mapped[list[Any]] = mapped_column(default=list)  # additions to the crawler's deny-list
    options: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # an api target's (see Plan.options)
    cron: Mapped[str] = mapped_column(String(120), default="0 2 * * *")
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Moscow")
    paused: Mapped[bool] = mapped_column(default=False)
    next_run_at: Mapped[datetime | None] = mapped_column(index=True)  # None while paused
    last_run_number: Mapped[int] = mapped_column(Integer, default=0)
    webhook_url: Mapped[str | None] = mapped_column(Text)  # told when a run finishes
    webhook_secret: Mapped[str | None] = mapped_column(Text)  # signs the webhook's body (HMAC-SHA256)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    runs: Mapped[list[TargetRun]] = relationship(
        back_populates="target", cascade="all, delete-orphan", order_by="TargetRun.number"
    )


class TargetRun(Base):
    """Run N of a target: the plan it produced, why it started, and what regression found."""

    __tablename__ = "target_runs"
    __table_args__ = (UniqueConstraint("target_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("targets.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("plans.id", ondelete="SET NULL"), index=True)
    trigger: Mapped[str] = mapped_column(String(20), default="schedule")  # schedule | manual
    scheduled_for: Mapped[datetime | None] = mapped_column()  # the due time a scheduled run fired for
    pinned: Mapped[bool] = mapped_column(default=False)  # kept by retention
    # The previous run's verified cases executed again before the crawl, one result per case.
    regression: Mapped[list[Any]] = mapped_column(default=list)
    regression_seconds: Mapped[float | None] = mapped_column(Float)
    notified_at: Mapped[datetime | None] = mapped_column()  # the webhook was delivered
    webhook_attempts: Mapped[int] = mapped_column(Integer, default=0)
    webhook_next_at: Mapped[datetime | None] = mapped_column()  # the next try, after a backoff
    webhook_error: Mapped[str | None] = mapped_column(Text)  # why the last try failed
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    target: Mapped[Target] = relationship(back_populates="runs")
    plan: Mapped[Plan | None] = relationship()


class AuditEvent(Base):
    """Who did what to which of a team's things, when, from where (planwright/db/audit.py). The key is
    named by id and name only (kept after it is revoked: no foreign key); never key material or logins."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_team_id_id", "team_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(20))  # api_key | web_session | anonymous | cli
    key_id: Mapped[int | None] = mapped_column(Integer)
    key_name: Mapped[str | None] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(40))  # plan.created, plan.exported, key.revoked ...
    subject: Mapped[str] = mapped_column(String(20))  # plan | target | run | key | session
    subject_id: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)  # format, run number, key name ...
    address: Mapped[str | None] = mapped_column(String(64))  # the client's address, as the api saw it
