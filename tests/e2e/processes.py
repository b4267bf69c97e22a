"""Start the services as real processes with the commands compose uses (tests/service_commands.py)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.db import fresh_postgres_database, fresh_redis
from tests.service_commands import SERVICE_COMMANDS

REPO_ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def native_command(name: str, *, port: int | None = None) -> list[str]:
    """The service's canonical command; only the api's port differs, so parallel runs do not collide."""
    command = list(SERVICE_COMMANDS[name])
    if port is not None and "--port" in command:
        command[command.index("--port") + 1] = str(port)
        command[command.index("--host") + 1] = "127.0.0.1"
    return command


@dataclass
class ServiceProcess:
    name: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def log_tail(self, lines: int = 40) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self, timeout: float = 30) -> int:
        if self.alive():
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        return self.process.returncode


@dataclass
class Services:
    env: dict[str, str]
    log_dir: Path
    running: dict[str, ServiceProcess] = field(default_factory=dict)

    def start(
        self, name: str, *, port: int | None = None, label: str | None = None, env: dict[str, str] | None = None
    ) -> ServiceProcess:
        """`label` names a second process of the same service (two beats), default: the service's name;
        `env` adds settings for this process only (its METRICS_PORT)."""
        label = label or name
        log_path = self.log_dir / f"{label}.log"
        env = {
            **os.environ,
            **self.env,
            **(env or {}),
            "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
            # Console scripts put their own folder first on sys.path: make this checkout's code win.
            "PYTHONPATH": str(REPO_ROOT),
        }
        process = subprocess.Popen(
            native_command(name, port=port),
            cwd=REPO_ROOT,
            env=env,
            stdout=log_path.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        service = ServiceProcess(label, process, log_path)
        self.running[label] = service
        return service

    def logs(self) -> str:
        return "\n".join(
            f"----- {name} -----\n{service.log_tail()}" for name, service in self.running.items()
        )

    def stop_all(self) -> None:
        for service in reversed(list(self.running.values())):
            service.stop()


def wait_until(
    predicate: Callable[[], bool], *, timeout: float, interval: float = 0.5, what: str = ""
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")


def wait_ready(base_url: str, services: Services, timeout: float) -> None:
    def ready() -> bool:
        for service in services.running.values():
            if not service.alive():
                raise RuntimeError(f"{service.name} exited early:\n{service.log_tail()}")
        try:
            return httpx.get(f"{base_url}/readyz", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    wait_until(ready, timeout=timeout, what="/readyz")


@contextmanager
def service_stack(
    log_dir: Path,
    *,
    database: str,
    redis_index: int,
    services: tuple[str, ...] = ("api", "crawler", "model_worker"),
    env: dict[str, str] | None = None,
    per_service_env: dict[str, dict[str, str]] | None = None,
    ready_timeout: float = 240,
) -> Iterator[tuple[str, Services, str]]:
    """A fresh database and Redis index, the named services as processes (the api first, on a free
    port), ready on /readyz; yields (api base URL, services, database URL) and stops them all after,
    printing their log tails. The e2e modules' one way to start a deployment."""
    database_url = fresh_postgres_database(database)
    settings = {
        "DATABASE_URL": database_url,
        "REDIS_URL": fresh_redis(redis_index),
        "DATA_DIR": str(log_dir / "data"),
        "CRAWL_PAGE_TIMEOUT_S": "5",
        "CRAWL_TOTAL_TIMEOUT_S": "120",
        "MODEL_HEARTBEAT_TTL_S": "10",
        **(env or {}),
    }
    running = Services(env=settings, log_dir=log_dir)
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    try:
        for name in services:
            extra = (per_service_env or {}).get(name)
            running.start(name, port=port if name == "api" else None, env=extra)
        wait_ready(base_url, running, timeout=ready_timeout)
        yield base_url, running, database_url
    finally:
        running.stop_all()
        print(running.logs())


def wait_for_plan(
    base_url: str, plan_id: int, services: Services, *, timeout: float, headers: dict[str, str] | None = None
) -> dict:
    """Poll a plan until done or failed; a service that died fails the test with its log tail."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        plan = httpx.get(f"{base_url}/api/v1/plans/{plan_id}", headers=headers, timeout=60).json()
        if plan["status"] in ("done", "failed"):
            return plan
        for service in services.running.values():
            assert service.alive(), f"{service.name} died:\n{service.log_tail()}"
        time.sleep(1)
    raise AssertionError(f"plan {plan_id} did not finish in {timeout} s:\n{services.logs()}")
