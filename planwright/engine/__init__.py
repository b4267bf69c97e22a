"""Planwright's local inference engine: continuous batching over one warm transformers model."""

from planwright.engine.engine import Engine
from planwright.engine.loading import ModelSource, resolve_model
from planwright.engine.types import GenerationRequest, GenerationResult, PromptTooLong

__all__ = ["Engine", "GenerationRequest", "GenerationResult", "ModelSource", "PromptTooLong", "resolve_model"]
