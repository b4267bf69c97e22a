"""The seam between the pipeline and whatever writes the text: the embedded engine or a server.

Every caller (the model worker, the one-command path, the benchmarks that compare backends) builds
its model through `engine_from_settings`, so MODEL_BACKEND switches all of them at once, and every
backend offers the same small surface: `ModelBackend`.
"""

from __future__ import annotations

from concurrent.futures import Future
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from planwright.engine.types import GenerationRequest, GenerationResult

if TYPE_CHECKING:
    from planwright.settings import Settings


@runtime_checkable
class ModelBackend(Protocol):
    """What the pipeline, the worker and the CLI use of a model, whoever runs it."""

    backend: str  # "embedded" | "openai" | "llamacpp"
    model_id: str
    device: str
    dtype: str
    context_length: int
    load_seconds: float
    ready_seconds: float | None

    def start(self) -> None: ...

    def stop(self, drain: bool = True, timeout: float = 60) -> None: ...

    def submit(self, request: GenerationRequest) -> Future[GenerationResult]: ...

    def generate(self, requests: list[GenerationRequest]) -> list[GenerationResult]: ...

    def count_prompt_tokens(self, messages: list[dict[str, str]]) -> int: ...

    def count_tokens(self, text: str) -> int: ...

    def stats(self) -> dict[str, Any]: ...

    def health(self) -> dict[str, Any]: ...


def engine_from_settings(settings: Settings | None = None) -> ModelBackend:
    """The configured backend, loaded (or connected) but not started: call `start()` next."""
    if settings is None:
        from planwright.settings import get_settings

        settings = get_settings()
    if settings.model_backend == "openai":
        from planwright.engine.openai_backend import OpenAIBackend

        return OpenAIBackend.from_settings(settings)
    if settings.model_backend == "llamacpp":
        from planwright.engine.llama_server import LlamaCppBackend

        return LlamaCppBackend.from_settings(settings)
    from planwright.engine.engine import Engine

    return Engine.from_settings(settings)
