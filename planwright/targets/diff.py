"""What changed between two runs of a target: pages, elements and cases, matched by stable keys.

Pure functions of two crawls and two case lists (no database, no browser). Pages are matched by their
URL template (numbers and hex ids in the path become placeholders), elements within a page template
in passes from the strictest identity to the loosest (same locator and name; same locator; same role
and name; a link's same destination), and cases by a key of page template + actions + the matched
identity of each step's target, never by position or title: a renamed link's case is *changed*, not
removed and added.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, Field

from planwright.exports.common import expectation_text, ordered_steps
from planwright.schemas import ChangeLine, CrawlResult, Element, Locator, PageSnapshot, TestCaseData
from planwright.targets.schemas import RegressionResult

NUMBER_SEGMENT = re.compile(r"^\d+$")
ID_SEGMENT = re.compile(r"^(?=.*\d)[0-9a-fA-F-]{8,}$")  # hex ids and UUIDs
WORD_OR_SPACE = re.compile(r"\S+|\s+")


class ElementRef(BaseModel):
    page: str  # page template
    role: str
    name: str
    locator: str  # the Playwright call that finds it


class ElementRenamed(BaseModel):
    page: str
    role: str
    old_name: str
    new_name: str
    old_locator: str
    new_locator: str


class WordChange(BaseModel):
    op: str  # equal | delete | insert
    text: str


class FieldChange(BaseModel):
    field: str  # title | steps | expected
    old: str
    new: str
    words: list[WordChange]


class CaseRef(BaseModel):
    key: str
    title: str
    page_url: str


class CaseChanged(CaseRef):
    old_title: str
    changes: list[FieldChange]


class RunDiff(BaseModel):
    """The diff of run `number` against run `previous` (None: the first run, everything is new)."""

    number: int
    previous: int | None
    pages_added: list[str] = Field(default_factory=list)
    pages_gone: list[str] = Field(default_factory=list)
    elements_added: list[ElementRef] = Field(default_factory=list)
    elements_gone: list[ElementRef] = Field(default_factory=list)
    elements_renamed: list[ElementRenamed] = Field(default_factory=list)
    cases_added: list[CaseRef] = Field(default_factory=list)
    cases_removed: list[CaseRef] = Field(default_factory=list)
    cases_changed: list[CaseChanged] = Field(default_factory=list)
    cases_unchanged: int = 0
    # The previous run's verified cases executed again before this run's crawl.
    regression: list[RegressionResult] = Field(default_factory=list)
    regression_counts: dict[str, int] = Field(default_factory=dict)

    def is_empty(self) -> bool:
        return not any(
            (
                self.pages_added,
                self.pages_gone,
                self.elements_added,
                self.elements_gone,
                self.elements_renamed,
                self.cases_added,
                self.cases_removed,
                self.cases_changed,
            )
        )


# ---------------------------------------------------------------- keys


def page_template(url: str) -> str:
    """'/items/42?sort=asc' → '/items/{n}?sort': the same page of another run, whatever its ids."""
    parts = urlsplit(url)
    segments = []
    for segment in parts.path.split("/"):
        if NUMBER_SEGMENT.match(segment):
            segment = "{n}"
        elif ID_SEGMENT.match(segment):
            segment = "{id}"
        segments.append(segment)
    path = "/".join(segments) or "/"
    query_keys = sorted({pair.split("=", 1)[0] for pair in parts.query.split("&") if pair})
    fragment = f"#{parts.fragment}" if parts.fragment else ""
    return path + (f"?{'&'.join(query_keys)}" if query_keys else "") + fragment


Identity = tuple[str, str, str]  # role, name, locator description


def identity(role: str, name: str, locator: Locator) -> Identity:
    return (role, name, locator.describe())


def _element_identity(element: Element) -> Identity:
    return identity(element.role, element.name, element.locator)


def _locator_value(locator: str) -> str:
    """get_by_role(...) carries the name itself: only other strategies name the element apart from it."""
    return "" if locator.startswith("get_by_role(") else locator


MatchRule = Callable[[Element, Element], bool]
MATCH_PASSES: tuple[tuple[str, MatchRule], ...] = (
    ("same", lambda old, new: _element_identity(old) == _element_identity(new)),
    (
        "same locator",
        lambda old, new: (
            old.role == new.role
            and bool(_locator_value(old.locator.describe()))
            and old.locator.describe() == new.locator.describe()
        ),
    ),
    ("same role and name", lambda old, new: old.role == new.role and bool(old.name) and old.name == new.name),
    (
        "same destination",
        lambda old, new: old.kind == new.kind == "link" and bool(old.href) and old.href == new.href,
    ),
)


def match_elements(old: list[Element], new: list[Element]) -> list[tuple[Element, Element]]:
    """Pairs (old, new) of one page template's elements, strictest identity first; each used once."""
    pairs: list[tuple[Element, Element]] = []
    old_left, new_left = list(old), list(new)
    for _name, same in MATCH_PASSES:
        for new_element in list(new_left):
            found = next((candidate for candidate in old_left if same(candidate, new_element)), None)
            if found is not None:
                pairs.append((found, new_element))
                old_left.remove(found)
                new_left.remove(new_element)
    return pairs


def _pages_by_template(crawl: CrawlResult) -> dict[str, PageSnapshot]:
    pages: dict[str, PageSnapshot] = {}
    for page in crawl.pages:
        pages.setdefault(page_template(page.url), page)
    return pages


def identity_map(old: CrawlResult, new: CrawlResult) -> dict[tuple[str, Identity], Identity]:
    """(page template, new identity) → the matched element's identity in the old run."""
    mapping: dict[tuple[str, Identity], Identity] = {}
    old_pages = _pages_by_template(old)
    for template, page in _pages_by_template(new).items():
        if template in old_pages:
            for before, after in match_elements(old_pages[template].elements, page.elements):
                mapping[(template, _element_identity(after))] = _element_identity(before)
    return mapping


def api_case_key(case: TestCaseData) -> str:
    """An api case's stable key: its operation, its kind, and each request's method, path, credentials
    and the names and JSON types (not the values) it sends — what it probes, so a case whose values,
    expected status or schema changed is *changed*, and the model's titles never enter it. Cases that
    differ only in values (two fields breaking one rule) share the key and are paired by their text."""
    kind = case.tags[1] if len(case.tags) > 1 and case.tags[0] == "api" else "case"
    parts = [case.page_url, kind]
    for step in ordered_steps(case):
        request = step.request
        if request is None:
            continue
        names = [f"path.{name}:{_json_type(v)}" for name, v in sorted(request.path_params.items())]
        names += [f"from.{name}" for name in sorted(request.from_step)]
        names += [f"query.{name}:{_json_type(v)}" for name, v in sorted(request.query.items())]
        names += [f"header.{name.lower()}" for name in sorted(request.headers)]
        if isinstance(request.body, dict):
            names += [f"body.{name}:{_json_type(v)}" for name, v in sorted(request.body.items())]
        elif request.has_body:
            names.append("body")
        parts.append(f"{request.method} {request.path} auth={request.auth} [{','.join(names)}]")
    parts += sorted(text for text in case.preconditions if text.startswith("rule: "))
    return " | ".join(parts)


def _json_type(value: Any) -> str:
    """A type-violation case sends the same names as its happy path, with one value of another type."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return {str: "string", list: "array", dict: "object", type(None): "null"}.get(type(value), "value")


def case_key(case: TestCaseData, translate: dict[tuple[str, Identity], Identity]) -> str:
    """A stable key: page template + each step's action and (translated) target identity."""
    if any(step.request is not None for step in case.steps):
        return api_case_key(case)
    parts = [page_template(case.page_url)]
    for step in ordered_steps(case):
        if step.action == "open" or step.target is None:
            continue
        own = identity(step.target.role, step.target.name, step.target.locator)
        role, name, locator = translate.get((page_template(step.target.page_url), own), own)
        parts.append(f"{step.action}:{role}:{name}:{locator}")
    if len(parts) == 1:
        parts.append("open:" + ",".join(sorted({e.kind for e in case.expected})))
    return " | ".join(parts)


def case_keys(cases: Iterable[TestCaseData], translate: dict[tuple[str, Identity], Identity]) -> list[str]:
    return [case_key(case, translate) for case in cases]


def _similarity(old: TestCaseData, new: TestCaseData) -> float:
    before, after = steps_text(old) + expected_text(old), steps_text(new) + expected_text(new)
    return difflib.SequenceMatcher(a=before, b=after, autojunk=False).ratio()


def pair_cases(
    old: list[TestCaseData], old_keys: list[str], new: list[TestCaseData], new_keys: list[str]
) -> tuple[
    list[tuple[str, TestCaseData, TestCaseData]],
    list[tuple[str, TestCaseData]],
    list[tuple[str, TestCaseData]],
]:
    """(matched, removed, added) by key. Cases sharing a key (the same act with other data or checks)
    are paired by how alike their text is, not by their order; the key then gets a '#n'."""
    old_groups: dict[str, list[TestCaseData]] = {}
    new_groups: dict[str, list[TestCaseData]] = {}
    for key, case in zip(old_keys, old, strict=True):
        old_groups.setdefault(key, []).append(case)
    for key, case in zip(new_keys, new, strict=True):
        new_groups.setdefault(key, []).append(case)
    matched, removed, added = [], [], []
    for key, news in new_groups.items():
        olds = list(old_groups.get(key, []))
        numbered = len(news) > 1 or len(olds) > 1
        for index, case in enumerate(news, start=1):
            shown = f"{key} #{index}" if numbered else key
            if not olds:
                added.append((shown, case))
                continue
            best = max(olds, key=lambda candidate: _similarity(candidate, case))
            olds.remove(best)
            matched.append((shown, best, case))
        removed += [(f"{key} (old)" if numbered else key, case) for case in olds]
    removed += [(key, case) for key, cases in old_groups.items() if key not in new_groups for case in cases]
    return matched, removed, added


# ---------------------------------------------------------------- text


def word_diff(old: str, new: str) -> list[WordChange]:
    """A word-level diff (spaces kept), as a reviewer reads it: what was struck, what was added."""
    old_words, new_words = WORD_OR_SPACE.findall(old), WORD_OR_SPACE.findall(new)
    changes: list[WordChange] = []
    matcher = difflib.SequenceMatcher(a=old_words, b=new_words, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            changes.append(WordChange(op="equal", text="".join(old_words[i1:i2])))
            continue
        if i2 > i1:
            changes.append(WordChange(op="delete", text="".join(old_words[i1:i2])))
        if j2 > j1:
            changes.append(WordChange(op="insert", text="".join(new_words[j1:j2])))
    return changes


def steps_text(case: TestCaseData) -> str:
    lines = []
    for step in ordered_steps(case):
        line = f"{step.n}. {step.text}"
        if step.target is not None:
            line += f" [{step.target.locator.describe()}]"
        if step.data and step.action != "open":
            line += f" = {step.data!r}"
        lines.append(line)
    return "\n".join(lines)


def expected_text(case: TestCaseData) -> str:
    return "\n".join(f"{e.kind}: {e.value}" if not e.text else expectation_text(e) for e in case.expected)


def case_changes(old: TestCaseData, new: TestCaseData) -> list[FieldChange]:
    changes = []
    for field, read in (("title", lambda c: c.title), ("steps", steps_text), ("expected", expected_text)):
        before, after = read(old), read(new)
        if before != after:
            changes.append(FieldChange(field=field, old=before, new=after, words=word_diff(before, after)))
    return changes


# ---------------------------------------------------------------- the diff


def _element_ref(template: str, element: Element) -> ElementRef:
    return ElementRef(page=template, role=element.role, name=element.name, locator=element.locator.describe())


def diff_runs(
    *,
    number: int,
    previous: int | None,
    old_crawl: CrawlResult,
    old_cases: list[TestCaseData],
    new_crawl: CrawlResult,
    new_cases: list[TestCaseData],
) -> RunDiff:
    result = RunDiff(number=number, previous=previous)
    old_pages, new_pages = _pages_by_template(old_crawl), _pages_by_template(new_crawl)
    result.pages_added = [template for template in new_pages if template not in old_pages]
    result.pages_gone = [template for template in old_pages if template not in new_pages]
    for template, page in new_pages.items():
        before = old_pages.get(template)
        if before is None:
            continue
        pairs = match_elements(before.elements, page.elements)
        matched_old = {id(old) for old, _ in pairs}
        matched_new = {id(new) for _, new in pairs}
        result.elements_gone += [
            _element_ref(template, e) for e in before.elements if id(e) not in matched_old
        ]
        result.elements_added += [
            _element_ref(template, e) for e in page.elements if id(e) not in matched_new
        ]
        for old, new in pairs:
            if old.name != new.name or old.locator.describe() != new.locator.describe():
                result.elements_renamed.append(
                    ElementRenamed(
                        page=template,
                        role=new.role,
                        old_name=old.name,
                        new_name=new.name,
                        old_locator=old.locator.describe(),
                        new_locator=new.locator.describe(),
                    )
                )
    translate = identity_map(old_crawl, new_crawl)
    matched, removed, added = pair_cases(
        old_cases, case_keys(old_cases, {}), new_cases, case_keys(new_cases, translate)
    )
    result.cases_added = [CaseRef(key=key, title=case.title, page_url=case.page_url) for key, case in added]
    result.cases_removed = [
        CaseRef(key=key, title=case.title, page_url=case.page_url) for key, case in removed
    ]
    for key, before_case, case in matched:
        changes = case_changes(before_case, case)
        if not changes:
            result.cases_unchanged += 1
            continue
        result.cases_changed.append(
            CaseChanged(
                key=key,
                title=case.title,
                page_url=case.page_url,
                old_title=before_case.title,
                changes=changes,
            )
        )
    return result


# ---------------------------------------------------------------- for the exports


def wdiff_text(words: list[WordChange]) -> str:
    """The word diff as wdiff writes it: [-struck-] {+added+}, readable in a spreadsheet cell."""
    marks = {"delete": "[-{}-]", "insert": "{{+{}+}}", "equal": "{}"}
    return "".join(marks[word.op].format(word.text) for word in words)


def change_lines(diff: RunDiff) -> list[ChangeLine]:
    """The diff and the regression results, flattened for every export (XLSX sheet, PDF section, JSON)."""
    lines = [
        ChangeLine(
            section="regression",
            what=result.status.replace("_", " "),
            subject=result.title,
            detail="; ".join(
                [result.detail or ""]
                + [f"step {h.step}: {h.old_locator} → {h.new_locator}" for h in result.heals]
            ).strip("; "),
        )
        for result in diff.regression
        if result.status != "still_passes"
    ]
    lines += [ChangeLine(section="pages", what="added", subject=page) for page in diff.pages_added]
    lines += [ChangeLine(section="pages", what="gone", subject=page) for page in diff.pages_gone]
    for element in diff.elements_renamed:
        lines.append(
            ChangeLine(
                section="elements",
                what="renamed",
                subject=f"{element.page}: {element.role} “{element.new_name}”",
                detail=f"“{element.old_name}” {element.old_locator} → “{element.new_name}” {element.new_locator}",
            )
        )
    for what, elements in (("added", diff.elements_added), ("gone", diff.elements_gone)):
        lines += [
            ChangeLine(
                section="elements", what=what, subject=f"{e.page}: {e.role} “{e.name}”", detail=e.locator
            )
            for e in elements
        ]
    lines += [
        ChangeLine(section="cases", what="added", subject=c.title, detail=c.page_url)
        for c in diff.cases_added
    ]
    lines += [
        ChangeLine(section="cases", what="removed", subject=c.title, detail=c.page_url)
        for c in diff.cases_removed
    ]
    for case in diff.cases_changed:
        detail = "\n".join(f"{change.field}: {wdiff_text(change.words)}" for change in case.changes)
        lines.append(ChangeLine(section="cases", what="changed", subject=case.title, detail=detail))
    return lines
