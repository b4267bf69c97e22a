"""A real llama-server (scripts/build-llama.sh) on the default model's GGUF, for the server backends' tests.

No stand-in: where the binary was not built, the tests that need it are skipped and say why loudly.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from planwright.engine.llama_server import LlamaServer, LlamaServerMissing, find_llama_server
from planwright.engine.loading import default_gguf_path
from planwright.engine.openai_backend import OpenAIBackend

NOT_BUILT = (
    "llama-server is NOT BUILT on this machine, so the OpenAI/llamacpp backend tests against a real "
    "server did not run: run scripts/build-llama.sh (or .ci/run with PLANWRIGHT_BUILD_LLAMA=1)"
)
SLOTS = 4


def llama_server_binary() -> Path:
    try:
        return find_llama_server()
    except LlamaServerMissing:
        pytest.skip(NOT_BUILT)


def start_server(**kw: object) -> LlamaServer:
    server = LlamaServer(llama_server_binary(), default_gguf_path(), parallel=SLOTS, context=4096, **kw)  # type: ignore[arg-type]
    server.start()
    return server


@pytest.fixture(scope="module")
def llama_server() -> Iterator[LlamaServer]:
    """One server for the module's tests (~1 s to start); tests that kill a server start their own."""
    server = start_server()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def backend(llama_server: LlamaServer) -> Iterator[OpenAIBackend]:
    """MODEL_BACKEND=openai pointed at the real llama-server, with the server's own /tokenize."""
    client = OpenAIBackend(f"{llama_server.url}/v1", max_concurrency=SLOTS, request_timeout_s=120)
    client.start()
    try:
        yield client
    finally:
        client.stop(drain=False)
