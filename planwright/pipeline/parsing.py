"""Parse the model's answer and accept it only where it agrees with what the crawler observed.

The model writes text; it never chooses targets or expected values. An answer is taken when its
title and every step name what the skeleton acts on; otherwise the grounded skeleton stands and the
case says so (`source=skeleton`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from planwright.pipeline.prompts import EXAMPLE_TITLES
from planwright.schemas import Expectation, TestCaseData

TITLE_RE = re.compile(r"^\s*(?:title|название|заголовок)\s*[:：]\s*(.+)$", re.IGNORECASE)
STEP_RE = re.compile(r"^\s*(?:step|шаг)\s*(\d+)\s*[:.)\-]\s*(.+)$", re.IGNORECASE)
EXPECTED_RE = re.compile(
    r"^\s*(?:expected(?: result)?|ожидаемый результат|ожидается)\s*[:：]\s*(.+)$", re.IGNORECASE
)
MAX_TITLE_CHARS = 160
MAX_STEP_CHARS = 300
OPEN_WORDS = ("open", "go to", "navigate", "visit", "открыть", "откройте", "перейти", "зайти")


@dataclass
class ParsedAnswer:
    title: str | None = None
    steps: dict[int, str] = field(default_factory=dict)
    expected: str | None = None


@dataclass
class Acceptance:
    case: TestCaseData
    accepted: bool
    reasons: list[str]


def parse_answer(text: str) -> ParsedAnswer:
    """Lines of the fixed format; the first occurrence of each label wins (small models repeat)."""
    parsed = ParsedAnswer()
    for raw_line in text.splitlines():
        line = raw_line.strip().strip("*").strip()
        if not line:
            continue
        if parsed.title is None and (match := TITLE_RE.match(line)):
            parsed.title = _clean(match.group(1))
        elif match := STEP_RE.match(line):
            number = int(match.group(1))
            parsed.steps.setdefault(number, _clean(match.group(2)))
        elif parsed.expected is None and (match := EXPECTED_RE.match(line)):
            parsed.expected = _clean(match.group(1))
    return parsed


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().strip("*").strip()


def _mentions(text: str, needle: str) -> bool:
    normalise = lambda value: re.sub(r"[«»“”\"'`]", "", value).casefold()  # noqa: E731
    return bool(needle) and normalise(needle) in normalise(text)


def _observed_values(expectation: Expectation) -> list[str]:
    if expectation.kind == "url":
        parts = urlsplit(expectation.value)
        return [expectation.value, parts.path] if parts.path not in ("", "/") else [expectation.value]
    return [expectation.value] if expectation.value else []


def apply_answer(skeleton: TestCaseData, answer_text: str) -> Acceptance:
    """The skeleton with the model's text where the text passes the grounding checks."""
    parsed = parse_answer(answer_text)
    reasons: list[str] = []
    title = parsed.title
    if not title:
        reasons.append("no title line")
    elif len(title) > MAX_TITLE_CHARS:
        reasons.append("title too long")
    elif title in EXAMPLE_TITLES:
        reasons.append("title copied from the example")
    names = [step.target.name for step in skeleton.steps if step.target and step.target.name]
    if title and names and not any(_mentions(title, name) for name in names):
        reasons.append(f"title does not name “{names[0]}”")

    if sorted(parsed.steps) != list(range(1, len(skeleton.steps) + 1)):
        reasons.append(f"expected steps 1..{len(skeleton.steps)}, got {sorted(parsed.steps) or 'none'}")
    else:
        for step in skeleton.steps:
            text = parsed.steps[step.n]
            if len(text) > MAX_STEP_CHARS:
                reasons.append(f"step {step.n} too long")
            elif step.target is not None and step.target.name and not _mentions(text, step.target.name):
                reasons.append(f"step {step.n} does not name “{step.target.name}”")
            elif step.action == "open" and not (
                any(word in text.casefold() for word in OPEN_WORDS)
                or _mentions(text, urlsplit(step.data or "").path)
            ):
                reasons.append(f"step {step.n} does not open the page")

    if reasons:
        return Acceptance(skeleton.model_copy(update={"source": "skeleton"}), False, reasons)

    steps = [step.model_copy(update={"text": parsed.steps[step.n]}) for step in skeleton.steps]
    expected = list(skeleton.expected)
    if parsed.expected and len(parsed.expected) <= MAX_STEP_CHARS:
        for index, expectation in enumerate(expected):
            if any(_mentions(parsed.expected, value) for value in _observed_values(expectation)):
                expected[index] = expectation.model_copy(update={"text": parsed.expected})
                break
    case = skeleton.model_copy(
        update={"title": title, "steps": steps, "expected": expected, "source": "model"}
    )
    return Acceptance(case, True, [])
