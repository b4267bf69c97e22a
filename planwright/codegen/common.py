"""What both exporters share: safe literals and comments, test names, rebasing URLs, and the steps.

The steps reach both renderers as `browser.operations.Operation`s, made by the same translation the
verifier performs, so an exported test acts exactly as the case was verified.

Why a separate module: plan text comes from a language model and from arbitrary web pages, so any
string may hold quotes, backslashes, newlines or `\"\"\"`. Every string therefore reaches generated code
through `literal()` (JSON string syntax, which is also valid Python and TypeScript), and every comment
through `comment_text()`, which cannot end the comment early.
"""

from __future__ import annotations

import json
import re
import unicodedata
from urllib.parse import urlsplit

from planwright.browser.operations import Operation, step_operation
from planwright.schemas import PlanExport, Step, TestCaseData
from planwright.verify.checks import normalize_url_value

_TRANSLIT = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
        "a b v g d e e zh z i y k l m n o p r s t u f h ts ch sh sch _ y _ e yu ya".split(),
        strict=True,
    )
)
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.\-]*:")
# Every format character of the Basic Multilingual Plane (\uXXXX reaches only those), and U+2028/9.
_FORMAT_OR_LINE = re.compile(
    "[" + "".join(chr(c) for c in range(0x10000) if unicodedata.category(chr(c)) == "Cf") + "\u2028\u2029]"
)


def literal(text: str) -> str:
    """A double-quoted string literal that Python and TypeScript both read back as `text`."""
    try:
        encoded = json.dumps(text, ensure_ascii=False)
        encoded.encode("utf-8")  # lone surrogates cannot be written as UTF-8 source
    except UnicodeEncodeError:
        return json.dumps(text, ensure_ascii=True)
    # JSON allows U+2028/U+2029 raw; older JavaScript parsers end the line there. Format characters
    # (bidi overrides such as U+202E, zero-width joiners, BOM) would make the code read differently
    # from how it runs ("Trojan Source"): written as \uXXXX, which both languages read back the same.
    return _FORMAT_OR_LINE.sub(lambda match: f"\\u{ord(match.group(0)):04x}", encoded)


def comment_text(text: str | None, limit: int = 200) -> str:
    """One line of comment text: no line breaks, control or format characters (bidi overrides) or
    surrogates, bounded length."""
    cleaned = "".join(
        " " if unicodedata.category(char) in ("Cc", "Cf", "Cs", "Zl", "Zp") else char for char in text or ""
    )
    cleaned = " ".join(cleaned.split())
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1] + "…"


def fill_template(template: str, values: dict[str, str]) -> str:
    """Replace every placeholder in one pass, so a value that looks like a placeholder stays as it is."""
    pattern = re.compile("|".join(re.escape(key) for key in values))
    return pattern.sub(lambda match: values[match.group(0)], template)


def slug(text: str, limit: int = 40) -> str:
    """An identifier fragment from a title (Cyrillic transliterated), e.g. "open_kontakty"."""
    out = []
    for char in text.lower():
        if char in _TRANSLIT:
            out.append(_TRANSLIT[char].strip("_"))
        elif char.isascii() and char.isalnum():
            out.append(char)
        else:
            out.append("_")
    name = re.sub(r"_+", "_", "".join(out)).strip("_")
    return name[:limit].rstrip("_") or "case"


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme else ""


def split_same_origin(url: str, origin: str) -> str | None:
    """The path (with query and fragment) of `url` when it is on `origin`, else None."""
    parts = urlsplit(url)
    if not parts.scheme or f"{parts.scheme}://{parts.netloc}".lower() != origin.lower():
        return None
    rest = parts.path or "/"
    if parts.query:
        rest += f"?{parts.query}"
    if parts.fragment:
        rest += f"#{parts.fragment}"
    return rest


def rebase_url(url: str, origin: str) -> tuple[str, bool]:
    """(path, True) for a URL on the plan's origin, so BASE_URL can move it; else (url, False)."""
    path = split_same_origin(url, origin)
    return (path, True) if path is not None else (url, False)


def url_expectation_value(value: str, case: TestCaseData, origin: str) -> str:
    """The expected URL as the verifier reads it, made origin-free when it is on the plan's origin."""
    normalized = normalize_url_value(value, case.page_url)
    if _SCHEME.match(normalized):
        path = split_same_origin(normalized, origin)
        return path if path is not None else normalized
    return normalized


def verified_cases(plan: PlanExport) -> list[TestCaseData]:
    return [case for case in plan.cases if case.verification.status == "verified"]


def skipped_cases(plan: PlanExport) -> list[TestCaseData]:
    return [case for case in plan.cases if case.verification.status != "verified"]


def steps_to_run(case: TestCaseData) -> list[tuple[Step, Operation]]:
    """The steps in order with the operation each one performs (the verifier's own translation),
    starting on the case's page when the case does not open one (as verified)."""
    steps = sorted(case.steps, key=lambda step: step.n)
    if not steps or steps[0].action != "open":
        steps = [Step(n=0, action="open", text="start on the page of the case")] + steps
    return [(step, step_operation(step, case.page_url)) for step in steps]


def camel_case(name: str) -> str:
    """Playwright's TypeScript name for a Python API name: get_by_test_id -> getByTestId."""
    first, *rest = name.split("_")
    return first + "".join(part.capitalize() for part in rest)
