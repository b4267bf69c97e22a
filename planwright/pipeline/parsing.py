"""Parse the model's answer and accept it only where it agrees with what the crawler observed.

The model writes text; it never chooses targets, steps or expected values. Its title is taken when it
names what the case acts on (the element, or the page's heading); its expected-result sentence
replaces the template's wording only where it names an observed value. Otherwise the grounded
skeleton stands and the case says so (`source=skeleton`).
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


PATH_RE = re.compile(r"https?://[^\s\"'“”«»,]+|(?<![\w/.])/[\w\-./?=&%]*")


def _known_locations(skeleton: TestCaseData) -> set[str]:
    """Every URL and path the case is grounded in: its pages and its observed destinations."""
    urls = [skeleton.page_url] + [step.data or "" for step in skeleton.steps if step.action == "open"]
    urls += [x.value for x in skeleton.expected if x.kind == "url"]
    known: set[str] = set()
    for url in filter(None, urls):
        parts = urlsplit(url)
        known |= {url.rstrip("/"), (parts.path or "/").rstrip("/") or "/"}
    return known


def _invented_location(text: str, known: set[str]) -> str | None:
    """A URL or path in the model's text that nothing observed: small models invent '/new' and https."""
    for match in PATH_RE.findall(text):
        candidate = match.rstrip(".:;!?)")
        if (candidate.rstrip("/") or "/") not in known:
            return candidate
    return None


def _grounding_names(skeleton: TestCaseData) -> list[str]:
    """What the title must name: the element acted on, or for a page case its heading or title."""
    names = [step.target.name for step in skeleton.steps if step.target and step.target.name]
    if names:
        return names
    return [x.value for x in skeleton.expected if x.kind in ("heading", "title") and x.value]


# What a title may claim about the outcome, and the expectation kinds that back each claim. A title
# that claims what the case does not check ("Show phone opens the contact page" for a dialog) would
# pass verification while telling the reader something false.
CLAIMS: list[tuple[str, re.Pattern[str], frozenset[str]]] = [
    (
        "a navigation",
        re.compile(
            r"\b(?:leads? to|navigat\w*|redirect\w*|goes to|takes (?:you|the user) to|opens? (?:the |a |an )?[^.,;:]{0,30}\bpage)\b"
            r"|(?:переход\w*|перенаправл\w*|ведёт на|ведет на|открывает(?:ся)? страниц\w*)",
            re.IGNORECASE,
        ),
        frozenset({"url", "status"}),
    ),
    (
        "a dialog",
        re.compile(r"\b(?:dialog\w*|modal|pop-?up)\b|(?:диалог\w*|модальн\w*|всплывающ\w*)", re.IGNORECASE),
        frozenset({"dialog"}),
    ),
    (
        "an error",
        re.compile(
            r"\b(?:error\w*|invalid|rejects?|refuse[sd]?|validation)\b|(?:ошибк\w*|некорректн\w*|отклон\w*|валидац\w*)",
            re.IGNORECASE,
        ),
        frozenset({"validation", "status"}),
    ),
]


def _false_claim(text: str, skeleton: TestCaseData) -> str | None:
    """The first outcome the text claims that none of the case's expected results checks."""
    if all(step.action == "open" for step in skeleton.steps):
        return None  # a page-load case: "page" and the like describe what it opens
    kinds = {expectation.kind for expectation in skeleton.expected}
    for claim, pattern, backed_by in CLAIMS:
        if pattern.search(text) and not kinds & backed_by:
            return claim
    return None


def _repetitive(text: str) -> bool:
    """Degenerate output ("Главная Вас Вас Вас…"): few distinct words for its length."""
    words = re.findall(r"\w+", text.casefold())
    return len(words) >= 4 and len(set(words)) / len(words) < 0.6


def apply_answer(skeleton: TestCaseData, answer_text: str, *, truncated: bool = False) -> Acceptance:
    """The skeleton with the model's title, and its expected-result sentence where that is grounded.

    `truncated`: the answer hit its token limit, so a last line without a successor may be cut off.
    """
    parsed = parse_answer(answer_text)
    reasons: list[str] = []
    title = parsed.title
    names = _grounding_names(skeleton)
    if not title:
        reasons.append("no title line")
    elif len(title) > MAX_TITLE_CHARS:
        reasons.append("title too long")
    elif title in EXAMPLE_TITLES:
        reasons.append("title copied from the example")
    elif len(title.split()) < 2:
        reasons.append("title is a single word")
    elif _repetitive(title):
        reasons.append("title repeats itself")
    elif truncated and not parsed.expected:
        reasons.append("title cut off at the token limit")
    elif names and not any(_mentions(title, name) for name in names):
        reasons.append(f"title does not name “{names[0]}”")
    elif invented := _invented_location(title, _known_locations(skeleton)):
        reasons.append(f"title names {invented}, which was not observed")
    elif claim := _false_claim(title, skeleton):
        reasons.append(f"title claims {claim}, which the case does not observe")
    if reasons:
        return Acceptance(skeleton.model_copy(update={"source": "skeleton"}), False, reasons)

    expected = list(skeleton.expected)
    if not parsed.expected:
        reasons.append("no expected line (template text kept)")
    elif len(parsed.expected) > MAX_STEP_CHARS:
        reasons.append("expected line too long (template text kept)")
    elif _repetitive(parsed.expected) or (truncated and answer_text.rstrip().endswith(parsed.expected)):
        reasons.append("expected line repeats itself or was cut off (template text kept)")
    elif invented := _invented_location(parsed.expected, _known_locations(skeleton)):
        reasons.append(f"expected line names {invented}, which was not observed (template text kept)")
    elif claim := _false_claim(parsed.expected, skeleton):
        reasons.append(f"expected line claims {claim}, which the case does not observe (template text kept)")
    else:
        for index, expectation in enumerate(expected):
            if any(_mentions(parsed.expected, value) for value in _observed_values(expectation)):
                expected[index] = expectation.model_copy(update={"text": parsed.expected})
                break
        else:
            reasons.append("expected line names no observed value (template text kept)")
    case = skeleton.model_copy(update={"title": title, "expected": expected, "source": "model"})
    return Acceptance(case, True, reasons)
