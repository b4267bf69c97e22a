"""What each deployed service is given (docker-compose.yml and every k8s overlay, rendered): its own
database role's URL, never the owner's, and SECRET_KEY only where a login is opened — the crawler (it
types logins into pages and keeps the session), the api and beat (they seal what they store); the
model worker gets none (its database role cannot read logins either: tests/policy/test_db_roles.py)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.test_deploy import COMPOSE, load_yaml
from tests.test_k8s import OVERLAYS, pod_specs

ROLE_OF = {"api": "api", "crawler": "crawler", "beat": "beat", "model_worker": "model_worker",
           "model_worker_gpu": "model_worker", "model_worker_openai": "model_worker"}  # fmt: skip


def test_compose_gives_each_service_its_own_role_and_the_model_worker_no_secret_key() -> None:
    services: dict[str, Any] = load_yaml(COMPOSE)["services"]
    for name, role in ROLE_OF.items():
        env = services[name]["environment"]
        assert env["DATABASE_URL"].startswith(f"postgresql+psycopg://planwright_{role}:"), name
        if role == "model_worker":
            assert env["SECRET_KEY"] == "", f"{name} must not get SECRET_KEY"
        else:
            assert env["SECRET_KEY"].startswith("${SECRET_KEY:?"), name
    for owner in ("migrate", "db_roles"):  # the owner's URL only where the schema and grants are made
        assert services[owner]["environment"]["DATABASE_URL"].startswith("postgresql+psycopg://planwright:")


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_k8s_gives_each_workload_its_own_role_and_the_model_worker_no_secret_key(overlay: str) -> None:
    specs = pod_specs(overlay)
    keys = {"api": "API", "crawler": "CRAWLER", "beat": "BEAT", "model-worker": "MODEL_WORKER"}
    for component, prefix in keys.items():
        env = {item["name"]: item for item in specs[component]["containers"][0].get("env", [])}
        assert env["DATABASE_URL"]["valueFrom"]["secretKeyRef"]["key"] == f"{prefix}_DATABASE_URL", component
        if component == "model-worker":
            assert env["SECRET_KEY"] == {"name": "SECRET_KEY", "value": ""}, overlay
        else:
            assert "SECRET_KEY" not in env, component  # from the Secret, with envFrom
    for owner in ("migrate", "db-roles"):
        assert "env" not in specs[owner]["containers"][0], owner  # the Secret's DATABASE_URL: the owner's
