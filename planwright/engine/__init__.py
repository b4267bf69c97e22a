"""Planwright's local inference engine: continuous batching over one warm transformers model."""

import os

# OpenMP threads that spin-wait at barriers starve each other when the CPU is shared (other workers,
# the browser): on this 2-core machine under load, a decode step took 10-20x longer with torch's
# default spinning than with passive waiting (bench/RESULTS.md). Must be set before torch loads
# libgomp, i.e. before the first `import torch`; OMP_WAIT_POLICY=ACTIVE in the environment wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from planwright.engine.backend import ModelBackend, engine_from_settings  # noqa: E402
from planwright.engine.engine import Engine  # noqa: E402
from planwright.engine.loading import ModelSource, resolve_model  # noqa: E402
from planwright.engine.types import GenerationRequest, GenerationResult, PromptTooLong  # noqa: E402

__all__ = [
    "Engine",
    "GenerationRequest",
    "GenerationResult",
    "ModelBackend",
    "ModelSource",
    "PromptTooLong",
    "engine_from_settings",
    "resolve_model",
]
