"""The plan's stages as plain functions: crawl → generate → verify (what follows what is
`planwright.lifecycle`). Celery tasks and the embedded command are thin shells around these, so the
deployed path and the one-command path cannot drift apart.

One module per process that runs it: `crawl` and `verify` (the crawler worker: Playwright, no torch),
`generate` (the model worker: the engine, no Playwright), `common` (neither). Each stage is
idempotent (it replaces what an earlier, interrupted run of it wrote) and reports progress through
short sessions of its own, so a reader sees it while the stage runs.

The stage functions are importable from here too, loaded on first use: `from
planwright.pipeline.stages import crawl_stage` loads only the crawl module, so a shell that imports
from this package still loads one side only. Workers import the modules themselves.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from planwright.pipeline.stages.common import (
    Lease,
    StageFenced,
    StageSkipped,
    add_note,
    begin_stage,
    fail_plan,
    hand_on,
    held_plan,
    lease,
    plan_auth,
    update_plan,
)

if TYPE_CHECKING:
    from planwright.pipeline.stages.crawl import crawl_stage
    from planwright.pipeline.stages.generate import TextGenerator, generate_stage
    from planwright.pipeline.stages.verify import MODEL_PROPOSED_TAG, execute_edge_proposals, verify_stage

_LOADED_ON_USE = {
    "crawl_stage": "crawl",
    "generate_stage": "generate",
    "TextGenerator": "generate",
    "verify_stage": "verify",
    "execute_edge_proposals": "verify",
    "MODEL_PROPOSED_TAG": "verify",
}

__all__ = [
    "MODEL_PROPOSED_TAG",
    "Lease",
    "StageFenced",
    "StageSkipped",
    "TextGenerator",
    "add_note",
    "begin_stage",
    "crawl_stage",
    "execute_edge_proposals",
    "fail_plan",
    "generate_stage",
    "hand_on",
    "held_plan",
    "lease",
    "plan_auth",
    "update_plan",
    "verify_stage",
]


def __getattr__(name: str) -> Any:
    """PEP 562: a stage's module is imported when one of its names is first asked for."""
    module = _LOADED_ON_USE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
