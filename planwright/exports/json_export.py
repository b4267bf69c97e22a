"""JSON export: the full ``PlanExport``, readable and lossless, for scripts and for re-import."""

from __future__ import annotations

import json

from planwright.schemas import PlanExport


def to_json(plan: PlanExport) -> bytes:
    """Serialise the whole plan as UTF-8 JSON (Cyrillic kept as is, 2-space indent)."""
    payload = plan.model_dump(mode="json")
    return (json.dumps(payload, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
