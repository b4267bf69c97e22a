"""MODEL_BACKEND=llamacpp: a local llama-server on the GGUF itself, started and watched by this process.

llama.cpp runs the default Q4_1 GGUF as it ships (no dequantisation, ~0.2-0.5 GB) and, on CPUs, several
times faster than the embedded engine (bench/RESULTS.md). The binary comes from scripts/build-llama.sh.
`LlamaServer` owns the subprocess: a free loopback port, wait for /health, restart once if it dies,
stop on exit (and, on Linux, die with its parent). `LlamaCppBackend` talks to it through the OpenAI
backend, so retries, deadlines and error results are the same code.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import glob
import logging
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from planwright.engine.openai_backend import OpenAIBackend, _server_options
from planwright.engine.token_count import LocalCounter
from planwright.engine.types import GenerationRequest, GenerationResult

if TYPE_CHECKING:
    from planwright.settings import Settings

log = logging.getLogger("planwright.engine.llama_server")

BUILD_CACHE = Path.home() / ".cache" / "planwright" / "llama"
STARTUP_TIMEOUT_S = 120.0
PR_SET_PDEATHSIG = 1


class LlamaServerMissing(FileNotFoundError):
    """No llama-server binary: say how to build one."""


def find_llama_server(configured: str | None = None) -> Path:
    """LLAMA_SERVER_PATH, else the newest build in scripts/build-llama.sh's cache, else PATH."""
    if configured:
        path = Path(configured).expanduser()
        if path.is_file() and os.access(path, os.X_OK):
            return path
        raise LlamaServerMissing(f"LLAMA_SERVER_PATH {path} is not an executable file")
    built = sorted(glob.glob(str(BUILD_CACHE / "*" / "bin" / "llama-server")), key=os.path.getmtime)
    if built:
        return Path(built[-1])
    found = shutil.which("llama-server")
    if found:
        return Path(found)
    raise LlamaServerMissing(
        "MODEL_BACKEND=llamacpp needs llama-server: run scripts/build-llama.sh (10-30 min on 2 cores) "
        "or set LLAMA_SERVER_PATH"
    )


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _die_with_parent() -> None:
    """Runs in the child before exec: the kernel sends SIGTERM when the parent dies (Linux)."""
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


class LlamaServer:
    """One supervised llama-server process on a loopback port."""

    def __init__(
        self,
        binary: Path,
        model_file: Path,
        *,
        parallel: int = 16,
        context: int = 8192,
        threads: int | None = None,
        host: str = "127.0.0.1",
        startup_timeout_s: float = STARTUP_TIMEOUT_S,
        max_restarts: int = 1,
        on_restart: Callable[[], None] | None = None,
    ) -> None:
        self.binary, self.model_file = binary, model_file
        self.parallel, self.context, self.threads = parallel, context, threads
        self.host = host
        self.port = 0
        self.startup_timeout_s = startup_timeout_s
        self.max_restarts = max_restarts
        self.restarts = 0
        self.on_restart = on_restart
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = Path(tempfile.gettempdir()) / f"planwright-llama-server-{os.getpid()}.log"
        self.start_seconds: float | None = None
        self.gave_up = False
        self._stopping = threading.Event()
        self.healthy = (
            threading.Event()
        )  # set while a started server answers /health; clear while (re)starting
        self._watchdog: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def command(self) -> list[str]:
        args = [
            str(self.binary),
            "--model", str(self.model_file),
            "--host", self.host,
            "--port", str(self.port),
            "--parallel", str(self.parallel),
            "--ctx-size", str(self.context),
            "--kv-unified",  # every slot may use the whole context: long page prompts fit
            "--no-webui",
        ]  # fmt: skip
        if self.threads:
            args += ["--threads", str(self.threads)]
        return args

    def start(self) -> None:
        """Spawn on a free port and block until /health says the model is loaded."""
        self._stopping.clear()
        self._spawn()
        if self._watchdog is None:
            self._watchdog = threading.Thread(target=self._watch, name="llama-server-watchdog", daemon=True)
            self._watchdog.start()
        atexit.register(self.stop)

    def _spawn(self) -> None:
        started = time.perf_counter()
        if not self.port:
            self.port = free_port(self.host)
        log_file = self.log_path.open("ab")
        try:
            self.process = subprocess.Popen(  # noqa: S603 - our own binary, our own arguments
                self.command(),
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                preexec_fn=_die_with_parent if os.name == "posix" else None,  # noqa: PLW1509
            )
        finally:
            log_file.close()
        self._wait_healthy(started)
        self.healthy.set()
        self.start_seconds = time.perf_counter() - started
        log.info(
            "llama_server.ready url=%s pid=%s start_s=%.2f", self.url, self.process.pid, self.start_seconds
        )

    def _wait_healthy(self, started: float) -> None:
        assert self.process is not None
        deadline = started + self.startup_timeout_s
        while time.perf_counter() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"llama-server exited with code {self.process.returncode} while starting: {self.log_tail()}"
                )
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass  # not listening yet, or still loading (503)
            time.sleep(0.1)
        self._terminate()
        raise RuntimeError(
            f"llama-server not healthy after {self.startup_timeout_s:.0f} s: {self.log_tail()}"
        )

    def _watch(self) -> None:
        """Restart a server that died on its own, once; after that, requests fail with a reason."""
        while not self._stopping.wait(0.5):
            process = self.process
            if process is None or process.poll() is None:
                continue
            if self._stopping.is_set():
                return
            self.healthy.clear()
            if self.restarts >= self.max_restarts:
                if not self.gave_up:
                    self.gave_up = True
                    log.error("llama_server.gave_up code=%s restarts=%s", process.returncode, self.restarts)
                continue
            self.restarts += 1
            log.warning(
                "llama_server.died code=%s restarting (%s/%s)",
                process.returncode,
                self.restarts,
                self.max_restarts,
            )
            try:
                self._spawn()  # same port: the backend's URL stays valid
            except Exception:
                if self._stopping.is_set():
                    return  # stopped while it was loading: not a failure
                log.exception("llama_server.restart_failed")
                self.gave_up = True
                continue
            if self.on_restart is not None:
                self.on_restart()

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def peak_rss_bytes(self) -> int | None:
        """The server process's peak resident memory (VmHWM), for the benchmarks and /readyz."""
        if self.process is None:
            return None
        try:
            for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
        except OSError:
            return None
        return None

    def log_tail(self, chars: int = 800) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:].strip()
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        atexit.unregister(self.stop)
        self._stopping.set()
        self.healthy.clear()
        self._terminate()
        if self._watchdog is not None:
            self._watchdog.join(timeout=5)
            self._watchdog = None

    def _terminate(self) -> None:
        process = self.process
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


class LlamaCppBackend(OpenAIBackend):
    """The OpenAI backend pointed at a llama-server that this backend starts and stops."""

    backend = "llamacpp"

    def __init__(self, server: LlamaServer, **options: Any) -> None:
        super().__init__("http://127.0.0.1:0/v1", max_concurrency=server.parallel, **options)
        self.server = server
        quant = server.model_file.stem.rsplit(".", 1)[-1]
        self.device, self.dtype = "cpu (llama.cpp)", quant if quant != server.model_file.stem else "gguf"

    @classmethod
    def from_settings(cls, settings: Settings) -> LlamaCppBackend:
        """The GGUF of MODEL_PATH (or the default model) and its tokenizer, which is local."""
        from planwright.engine.loading import ModelNotFound, resolve_model

        binary = find_llama_server(settings.llama_server_path)
        source = resolve_model(settings)
        if source.gguf_file is None:
            raise ModelNotFound(
                f"MODEL_BACKEND=llamacpp needs a .gguf model; {source.path} is a transformers folder"
            )
        server = LlamaServer(
            binary,
            source.gguf_file,
            parallel=settings.model_max_concurrency,
            context=settings.llama_server_context,
            threads=settings.model_threads,
        )
        options = _server_options(settings)
        options.pop("api_key")  # our own server on loopback: no key
        options.pop("max_concurrency")  # the server's slots
        options["model_name"] = source.model_id
        return cls(server, token_counter=LocalCounter.from_folder(source.path), **options)

    def start(self) -> None:
        """Start the server (this is the model load), then connect to it."""
        if self._client is not None:
            return
        started = time.perf_counter()
        self.server.start()
        self.load_seconds = time.perf_counter() - started
        self.base_url = f"{self.server.url}/v1"
        super().start()

    def stop(self, drain: bool = True, timeout: float = 60) -> None:
        super().stop(drain=drain, timeout=timeout)
        self.server.stop()

    def _complete(self, request: GenerationRequest, submitted_at: float) -> GenerationResult:
        """While the supervisor restarts the server (it answers 503 "Loading model" for seconds),
        wait for it instead of spending the retries; then the OpenAI backend's request as usual."""
        if not self.server.healthy.is_set() and not self.server.gave_up:
            self.server.healthy.wait(timeout=self.request_timeout_s)
        return super()._complete(request, submitted_at)

    def _hint(self) -> str:
        if self.server.gave_up:
            return f". llama-server died and was restarted {self.server.restarts} time(s); its log: {self.server.log_tail(300)}"
        return ". llama-server is not answering (restarting?)"

    def stats(self) -> dict[str, Any]:
        return {
            **super().stats(),
            "server_pid": self.server.process.pid if self.server.process else None,
            "server_restarts": self.server.restarts,
            "server_alive": self.server.alive(),
            "peak_rss_bytes": self.server.peak_rss_bytes(),
            "server_start_seconds": self.server.start_seconds,
        }

    def health(self) -> dict[str, Any]:
        report = super().health()
        if not self.server.alive():
            report.update(ok=False, error=f"llama-server is not running: {self.server.log_tail(300)}")
        return report
