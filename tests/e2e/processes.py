"""Start the services as real processes with the commands compose uses (tests/service_commands.py)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

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
