from __future__ import annotations

import json

from planwright.exports.json_export import to_json
from planwright.schemas import PlanExport
from tests.exports.conftest import CONTACTS_TITLE


def test_json_round_trips(plan: PlanExport) -> None:
    data = to_json(plan)
    assert PlanExport.model_validate_json(data) == plan


def test_json_is_readable_utf8(plan: PlanExport) -> None:
    text = to_json(plan).decode("utf-8")
    assert CONTACTS_TITLE in text  # not \u-escaped
    assert text.startswith('{\n  "id": 7,')
    assert json.loads(text)["cases"][0]["steps"][1]["target"]["locator"]["name"] == "Контакты"
