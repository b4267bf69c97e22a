"""Every knob is an environment variable; `.env.example` documents them. Built once: `settings`."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_CACHE_DIR = Path.home() / ".cache" / "planwright"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    # storage and queue
    database_url: str = "postgresql+psycopg://postgres@127.0.0.1:5432/planwright"
    redis_url: str = "redis://127.0.0.1:6379/0"
    data_dir: Path = Field(default=DEFAULT_CACHE_DIR / "data", description="screenshots, exports")

    # crawler
    chromium_path: str | None = Field(
        default=None, description="Browser binary; default: Playwright's own, else /usr/bin/chromium"
    )
    chromium_sandbox: Literal["auto", "true", "false"] = Field(
        default="auto",
        description="auto: on unless root or no user namespaces (logged, with why); true: always; false: off",
    )
    crawl_max_pages_limit: int = 50
    crawl_max_depth_limit: int = 5
    crawl_page_timeout_s: float = 15.0
    crawl_total_timeout_s: float = 300.0
    crawl_max_elements_per_page: int = Field(
        default=2000, ge=1, description="Elements kept per page; the plan notes when a page had more"
    )
    crawl_max_snapshot_chars: int = Field(
        default=200_000, ge=1000, description="ARIA snapshot kept per page; the plan notes when one was cut"
    )

    # network policy (planwright/netpolicy.py): where the crawler's browser may go
    targets_allowed: str = Field(
        default="",
        description="Comma-separated networks/hosts plans may reach (10.0.0.0/8, *.corp.example); empty = any",
    )
    targets_denied: str = Field(
        default="", description="Comma-separated networks/hosts never reached, beside the built-in refusals"
    )
    allow_loopback_targets: bool = Field(
        default=False, description="Let plans reach apps on this machine (127.0.0.1, localhost, ::1)"
    )
    api_url: str = Field(
        default="http://127.0.0.1:8000", description="Where this deployment's api listens (never crawled)"
    )

    # model
    model_backend: Literal["embedded", "openai", "llamacpp"] = Field(
        default="embedded",
        description="embedded: the in-process engine; openai: an OpenAI-compatible server at MODEL_BASE_URL; "
        "llamacpp: a llama-server this process starts on the GGUF itself",
    )
    model_base_url: str | None = Field(
        default=None, description="openai backend: the server's OpenAI API root, e.g. http://vllm:8000/v1"
    )
    model_name: str | None = Field(
        default=None, description="openai backend: the model name the server serves; default: its first one"
    )
    model_api_key: SecretStr | None = Field(default=None, description="openai backend: sent as a Bearer token")
    model_request_timeout_s: float = Field(
        default=120.0, gt=0, description="Server backends: one request's whole budget, retries included"
    )
    model_max_retries: int = Field(
        default=3, ge=0, description="Server backends: retries on 429, 5xx and connection errors (backoff)"
    )
    model_max_concurrency: int = Field(
        default=16, ge=1, description="Server backends: requests in flight at once (llamacpp: its slots)"
    )
    llama_server_path: str | None = Field(
        default=None,
        description="llamacpp backend: the llama-server binary; default: scripts/build-llama.sh's cache, then PATH",
    )
    llama_server_context: int = Field(
        default=8192, ge=512, description="llamacpp backend: KV tokens shared by all slots (-c)"
    )
    model_path: str | None = Field(default=None, description="Local HF model dir; default: SmolLM2-135M")
    model_cache_dir: Path = DEFAULT_CACHE_DIR / "models"
    model_device: Literal["auto", "cuda", "mps", "cpu"] = "auto"
    model_dtype: Literal["auto", "float32", "bfloat16", "float16"] = "auto"
    model_quantization: Literal["none", "8bit", "4bit"] = "none"
    model_max_batch_size: int = 16
    model_max_batch_wait_ms: int = 20
    model_max_batch_tokens: int = Field(
        default=16384, ge=1, description="Worst-case KV tokens (prompt + new) the running batch may reserve"
    )
    model_max_prefill_tokens: int = Field(
        default=2048, ge=1, description="Prompt tokens prefilled between two decode steps (bounds latency)"
    )
    model_prefix_cache_entries: int = Field(
        default=16, ge=0, description="Shared prompt prefixes whose KV is kept; 0 disables prefix caching"
    )
    model_max_new_tokens: int = 64  # a case's title and expected-result line
    model_seed: int = 0
    model_threads: int | None = Field(default=None, description="torch CPU threads; default: all cores")
    model_heartbeat_ttl_s: int = 30
    model_page_tokens: int = Field(
        default=384,
        ge=64,
        le=4096,
        description="Token budget of one chunk of a page's ARIA snapshot in a prompt (model's tokenizer)",
    )

    # api
    secret_key: SecretStr | None = Field(
        default=None,
        description="Seals plans' logins (passwords, storage states, headers) at rest; empty = stored as plain JSON",
    )
    require_api_key: bool = Field(
        default=False,
        description="When true, every API call needs X-API-Key; else keyless calls act as team 1",
    )

    # plans
    default_language: Literal["ru", "en"] = "en"
    plan_generation_timeout_s: float = Field(
        default=900.0, gt=0, description="The generate stage's deadline; a plan past it fails with this reason"
    )
    plan_verify_timeout_s: float = Field(
        default=900.0, gt=0, description="The verify stage's deadline; a plan past it fails with this reason"
    )
    plan_lease_ttl_s: float = Field(
        default=30.0,
        gt=0,
        description="A worker renews its plan's lease every third of this; a lease this old means the worker "
        "died, and the plan is re-queued",
    )
    plan_stale_after_s: float = Field(
        default=30.0,
        ge=0,
        description="A plan waiting for a stage whose job is in no broker queue for this long is sent again "
        "(the broker lost it); time spent waiting in a queue never counts",
    )
    plan_max_attempts: int = Field(
        default=3, ge=1, description="Re-queues after lost workers before a plan fails with a reason"
    )
    edge_cases: bool = Field(
        default=True,
        description="Ask the model for edge cases per page; kept only when the verifier could execute them",
    )
    reconcile_interval_s: float = Field(
        default=10.0, gt=0, description="How often the api's reconciler looks for lost workers and jobs"
    )

    # limits (per team; 0 = no limit)
    team_max_active_plans: int = Field(
        default=20, ge=0, description="Unfinished plans a team may have at once; more get 429"
    )
    team_max_plans_per_hour: int = Field(
        default=200, ge=0, description="Plans a team may submit in an hour; more get 429 with Retry-After"
    )
    team_dispatch_window: int = Field(
        default=4,
        ge=1,
        description="A team's plans in the crawl queue (or crawling) at once, at least the crawler workers one "
        "team may use; the rest wait in Postgres and are sent round-robin across teams, so one team's "
        "backlog never starves another's plan",
    )
    max_request_body_bytes: int = Field(
        default=2 * 1024 * 1024, ge=1024, description="Larger request bodies are refused with 413"
    )

    # api plans (kind "api": OpenAPI documents executed over HTTP)
    api_request_timeout_s: float = Field(default=10.0, gt=0, description="api plans: one request's time limit")
    api_plan_timeout_s: float = Field(
        default=600.0, gt=0, description="api plans: the whole execution's time limit; later cases are not run"
    )
    api_requests_per_second: float = Field(
        default=20.0, gt=0, description="api plans: requests sent to the service under test per second, at most"
    )
    api_remote_refs: bool = Field(
        default=False,
        description="api plans: follow $refs to other documents (each URL through the network policy)",
    )

    # targets (scheduled runs)
    targets_tick_interval_s: float = Field(
        default=30.0, gt=0, description="How often the beat service looks for due targets"
    )
    target_regression_timeout_s: float = Field(
        default=900.0,
        gt=0,
        description="A run's regression step's deadline; past it the step is stopped, with a note, and the run "
        "goes on to its crawl without it",
    )
    target_keep_runs: int = Field(
        default=30, ge=1, description="Runs kept per target; older, unpinned runs' plans are deleted"
    )
    retention_interval_s: float = Field(default=3600.0, gt=0, description="How often retention runs")

    # operations (planwright/logs.py, planwright/metrics.py)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["json", "console"] = Field(
        default="json", description="json: one JSON object per line (for log pipelines); console: for people"
    )
    metrics_port: int | None = Field(
        default=None, ge=1, le=65535, description="Workers serve Prometheus /metrics here; unset = off"
    )


    def stage_deadline_s(self, status: str) -> float | None:
        """How long a worker may hold a plan in `status` before the reconciler fails it, or, for a run's
        regression, stops it and sends the run to its crawl (None: no stage)."""
        crawl = self.crawl_total_timeout_s + 2 * self.crawl_page_timeout_s + 60  # + login, saving
        return {
            "queued": self.target_regression_timeout_s + 60,  # a held queued plan is a run's regression; + login
            "crawling": crawl,
            "generating": self.plan_generation_timeout_s,
            "verifying": self.plan_verify_timeout_s + 60,
        }.get(status)

    def visibility_timeout_s(self) -> int:
        """The broker hands an unacknowledged job to another worker after this: above every stage's
        deadline, so a job that is still running is never delivered twice."""
        statuses = ("queued", "crawling", "generating", "verifying")
        longest = max(self.stage_deadline_s(status) or 0.0 for status in statuses)
        return int(longest + 2 * self.plan_lease_ttl_s + 60)


def secret_of(settings: Settings) -> str | None:
    """SECRET_KEY's value, or None when it is not set (logins then stay plain JSON)."""
    return settings.secret_key.get_secret_value() if settings.secret_key else None


@lru_cache
def get_settings() -> Settings:
    return Settings()
