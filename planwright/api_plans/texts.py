"""The model's part of an api plan: clearer titles for one operation's cases, in the plan's language.

Why so little: the checks (statuses, schemas) come from the document; a small local model is asked
only for words, one operation per request (a few of its cases per request, within the context
budget), and a title is kept only when it still names what the case checks (the field names and
status codes of the skeleton's title), so a model cannot turn "'sku' not matching" into "works".
"""

from __future__ import annotations

import re
from collections.abc import Callable

from planwright.schemas import TestCaseData

CASES_PER_REQUEST = 6
TOKENS_PER_TITLE = 24
STOP_STRINGS = ["\n\n", "\nOperation:", "\nОперация:"]
LANGUAGE_NAMES = {"en": "English", "ru": "Russian"}
NUMBERED_LINE = re.compile(r"^\s*(\d+)[.)]\s*(.+?)\s*$")
ANCHORS = re.compile(r"'[^']+'|\b[1-5]\d\d\b")
STATUS = re.compile(r"\b[1-5]\d\d\b")
SCAFFOLDING = re.compile(
    r"^(operation|request|response|status( code)?|test cases?|path|операция|запрос|ответ)\b", re.I
)
WORD = re.compile(r"\w{4,}")
# Words that tell cases of one operation apart ("without" vs "wrong" credentials): kept when present.
KEY_WORDS = (
    "without",
    "wrong",
    "valid",
    "exist",
    "required",
    "created",
    "без",
    "неверн",
    "корректн",
    "несуществ",
    "обязательн",
)


def chunks(cases: list[TestCaseData], size: int = CASES_PER_REQUEST) -> list[list[TestCaseData]]:
    return [cases[start : start + size] for start in range(0, len(cases), size)]


def bare_title(case: TestCaseData) -> str:
    """The skeleton's title without its 'GET /items: ' prefix (the operation is said once per prompt)."""
    prefix = f"{case.page_url}: "
    return case.title.removeprefix(prefix)


def build_messages(
    operation: str, summary: str, cases: list[TestCaseData], language: str
) -> list[dict[str, str]]:
    lines = "\n".join(f"{n}. {bare_title(case)}" for n, case in enumerate(cases, 1))
    language_name = LANGUAGE_NAMES.get(language, "English")
    return [
        {
            "role": "system",
            "content": "You name API test cases for testers. Keep every field name in quotes and every "
            f"status code. Answer in {language_name}, one numbered line per case, nothing else.",
        },
        {
            "role": "user",
            "content": f"Operation: {operation}" + (f" — {summary}" if summary else "") + "\n"
            f"Test cases:\n{lines}\n\nWrite a clear, short title for each test case in {language_name}.",
        },
    ]


def max_new_tokens(cases: list[TestCaseData]) -> int:
    return TOKENS_PER_TITLE * len(cases) + 8


def fits(
    messages: list[dict[str, str]],
    new_tokens: int,
    count: Callable[[list[dict[str, str]]], int],
    context: int,
) -> bool:
    return count(messages) + new_tokens <= context


def apply_titles(cases: list[TestCaseData], answer: str, taken: set[str]) -> tuple[int, list[str]]:
    """Replace titles the model wrote well (numbered, grounded, not repeated); returns how many were
    kept and why the others were refused."""
    written: dict[int, str] = {}
    for line in answer.splitlines():
        match = NUMBERED_LINE.match(line)
        if match and 1 <= int(match.group(1)) <= len(cases):
            written.setdefault(int(match.group(1)), match.group(2).strip().strip('"'))
    kept, reasons = 0, []
    for n, case in enumerate(cases, 1):
        text = written.get(n)
        if text is None:
            reasons.append(f"{n}: no line")
            continue
        skeleton = bare_title(case)
        missing = [anchor for anchor in ANCHORS.findall(skeleton) if anchor not in text]
        invented = sorted(set(STATUS.findall(text)) - set(STATUS.findall(skeleton)))
        shared = {w.casefold() for w in WORD.findall(skeleton)} & {w.casefold() for w in WORD.findall(text)}
        if not 8 <= len(text) <= 160:
            reasons.append(f"{n}: {len(text)} characters")
        elif missing:
            reasons.append(f"{n}: leaves out {', '.join(missing)}")
        elif lost := [k for k in KEY_WORDS if k in skeleton.casefold() and k not in text.casefold()]:
            reasons.append(f"{n}: leaves out {', '.join(lost)}")
        elif invented:
            reasons.append(f"{n}: names status {', '.join(invented)}, which the case does not check")
        elif SCAFFOLDING.match(text) or "/" in text:
            reasons.append(f"{n}: repeats the prompt's scaffolding")
        elif not shared:
            reasons.append(f"{n}: shares no word with what the case checks")
        elif text.casefold() in taken or text.casefold() == bare_title(case).casefold():
            reasons.append(f"{n}: repeats a title")
        else:
            taken.add(text.casefold())
            case.title = f"{case.page_url}: {text}"
            case.source = "model"
            kept += 1
    return kept, reasons
