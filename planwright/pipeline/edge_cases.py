"""Edge cases the model proposes for a page: empty, blank or long input, an action done twice.

Why the model proposes and the browser decides: a small model can read a page's accessibility tree
and say "try a long value in “New task”", but it cannot know what the application then does. So the
model's answer is only a list of lines in a fixed format (`Edge: long | New task`); each line is
grounded in an element of the crawled page (a text field of a form, or a button that is not on the
deny-list), and the verify stage executes the grounded proposals from a fresh browser context. What
the page then shows becomes the case's expected result; a proposal that cannot be executed, or whose
execution shows nothing checkable, is not kept — its `result` says why.

The page reaches the model as its ARIA snapshot, compacted and cut into chunks that each fit
`MODEL_PAGE_TOKENS` tokens of the model's own tokenizer (`page_view.py`); chunks that name none of the
page's fields or buttons are not sent (there is nothing in them to propose an edge case for).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from planwright.pipeline.page_view import PageChunk, page_chunks
from planwright.schemas import EdgeKind, EdgeProposal, Element, PageSnapshot

FIELD_KINDS: tuple[EdgeKind, ...] = ("empty", "spaces", "long")
TEXT_INPUT_TYPES = {"text", "email", "password", "search", "tel", "url", None}
KIND_WORDS: dict[str, EdgeKind] = {
    "empty": "empty",
    "blank": "spaces",
    "spaces": "spaces",
    "whitespace": "spaces",
    "long": "long",
    "repeat": "repeat",
    "twice": "repeat",
    "double": "repeat",
}
LINE_RE = re.compile(
    r"^\s*(?:[-*•]\s*)?(?:\d+[.)]\s*)?(?:edge(?:\s*case)?\s*[:：-]\s*)?(\w+)\s*[|:]\s*(.+?)\s*$",
    re.IGNORECASE,
)
MAX_PROPOSALS_PER_PAGE = 6
EDGE_MAX_NEW_TOKENS = 24

SYSTEM_PROMPT = (
    "You are a careful QA engineer. You propose edge cases for the fields and buttons of a web page."
)
EXAMPLE_PAGE = """- heading "Newsletter" [level=1]
- textbox "Your email"
- button "Subscribe"
- link "Privacy\""""
EXAMPLE_NAMES = {"field": "Your email", "button": "Subscribe"}
KIND_ASKS: dict[EdgeKind, str] = {
    "empty": "submitting a text field left empty",
    "spaces": "submitting a text field that holds only spaces",
    "long": "submitting a very long value in a text field",
    "repeat": "doing the same action twice with a button",
}
STOP_STRINGS = ["\n"]  # one line per answer


def normalise_name(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


def _request_text(url: str, chunk_text: str, continued: bool, kind: EdgeKind, names: list[str]) -> str:
    part = " (part of the page)" if continued else ""
    what = "button" if kind == "repeat" else "text field"
    choices = ", ".join(f"“{name}”" for name in names)
    return (
        f"Page: {url}\nElements of the page{part}:\n{chunk_text}\n"
        f"Propose an edge case: {KIND_ASKS[kind]}. The {what}s here: {choices}.\n"
        f"Answer with one line: Edge: {kind} | <{what}>"
    )


def build_messages(
    page: PageSnapshot, chunk: PageChunk, kind: EdgeKind, names: list[str]
) -> list[dict[str, str]]:
    """One request per chunk and kind of edge case: a one-shot example on another page, then the
    chunk. One kind per request because a 135M model asked for a list repeats its first line; the
    names of the chunk's fields (or buttons) are listed after it, because without that list it picks
    headings and status texts. English for every plan language: the answer is a kind and an element
    name, taken as they are."""
    example = EXAMPLE_NAMES["button" if kind == "repeat" else "field"]
    return [
        {"role": "system", "content": SYSTEM_PROMPT},
        {
            "role": "user",
            "content": _request_text("https://news.example/", EXAMPLE_PAGE, False, kind, [example]),
        },
        {"role": "assistant", "content": f"Edge: {kind} | {example}"},
        {"role": "user", "content": _request_text(page.url, chunk.text, chunk.continued, kind, names)},
    ]


def _form_of(page: PageSnapshot, element: Element) -> Element | None:
    return next(
        (
            form
            for form in page.elements
            if form.kind == "form" and (element.key in form.field_keys or form.submit_key == element.key)
        ),
        None,
    )


def fillable_fields(page: PageSnapshot) -> list[Element]:
    """Text fields inside a form: an edge value typed there can be submitted."""
    return [
        element
        for element in page.elements
        if element.kind in ("input", "textarea")
        and (element.kind == "textarea" or element.input_type in TEXT_INPUT_TYPES)
        and element.name
        and _form_of(page, element) is not None
    ]


def repeatable_buttons(page: PageSnapshot, is_denied: Callable[[Element], bool]) -> list[Element]:
    return [e for e in page.elements if e.kind == "button" and e.name and not is_denied(e)]


@dataclass
class PageRequests:
    """The chunks of one page that are worth a request, and the elements a proposal may name."""

    page: PageSnapshot
    chunks: list[PageChunk]
    fields: list[Element]
    buttons: list[Element]

    def asks(self) -> list[tuple[PageChunk, EdgeKind, list[str]]]:
        """Each chunk with each kind that an element named in it could take, and those names."""
        asks: list[tuple[PageChunk, EdgeKind, list[str]]] = []
        for chunk in self.chunks:
            text = normalise_name(chunk.text)
            fields = list(dict.fromkeys(e.name for e in self.fields if normalise_name(e.name) in text))
            buttons = list(dict.fromkeys(e.name for e in self.buttons if normalise_name(e.name) in text))
            if fields:
                asks += [(chunk, kind, fields) for kind in FIELD_KINDS]
            if buttons:
                asks.append((chunk, "repeat", buttons))
        return asks


def plan_requests(
    page: PageSnapshot,
    count_tokens: Callable[[str], int],
    budget: int,
    is_denied: Callable[[Element], bool],
) -> PageRequests | None:
    """None for a page with nothing to propose edge cases for (no text field in a form, no button)."""
    fields = fillable_fields(page)
    buttons = repeatable_buttons(page, is_denied)
    if not fields and not buttons:
        return None
    names = [normalise_name(e.name) for e in fields + buttons]
    chunks = [
        chunk
        for chunk in page_chunks(page.aria_snapshot, count_tokens, budget)
        if any(name and name in normalise_name(chunk.text) for name in names)
    ]
    return PageRequests(page, chunks, fields, buttons) if chunks else None


def _clean_name(text: str) -> str:
    """The name as the model wrote it, without what small models add: a second "| ..." part, an
    ARIA attribute or a kind in brackets, a final full stop, quotes."""
    name = text.split("|", 1)[0]
    name = re.sub(r"\s*[\[(][^\])]*[\])]?\s*$", "", name)
    return name.strip().rstrip(".,;:!").strip().strip("«»“”\"'`<>").strip()


def _lookup(candidates: dict[str, Element], name: str) -> Element | None:
    """The element with this name; else the one whose whole name the answer starts with ("Add to
    list of tasks" → "Add"): small models name the element and go on describing it."""
    if name in candidates:
        return candidates[name]
    prefixes = [key for key in candidates if key and re.match(re.escape(key) + r"\b", name)]
    return candidates[max(prefixes, key=len)] if prefixes else None


def parse_proposals(text: str, requests: PageRequests) -> tuple[list[EdgeProposal], list[str]]:
    """The grounded proposals in the answer, and why the other lines were refused."""
    proposals: list[EdgeProposal] = []
    refused: list[str] = []
    text = "\n".join(dict.fromkeys(text.splitlines()))  # small models repeat a line
    seen: set[tuple[str, str]] = set()
    fields = {normalise_name(e.name): e for e in requests.fields}
    buttons = {normalise_name(e.name): e for e in requests.buttons}
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        match = LINE_RE.match(line)
        if match is None:
            refused.append(f"not in the format: {line[:80]}")
            continue
        kind = KIND_WORDS.get(match.group(1).casefold())
        name = normalise_name(_clean_name(match.group(2)))
        if kind is None:
            refused.append(f"unknown kind “{match.group(1)}”")
            continue
        element = _lookup(buttons if kind == "repeat" else fields, name)
        if element is None:
            other = fields.get(name) if kind == "repeat" else buttons.get(name)
            what = "a field" if kind == "repeat" else "a button"
            refused.append(
                f"{kind}: “{_clean_name(match.group(2))}” is {what}"
                if other is not None
                else f"{kind}: no {'button' if kind == 'repeat' else 'text field'} named “{_clean_name(match.group(2))}” on the page"
            )
            continue
        if (kind, element.key) in seen:
            continue
        seen.add((kind, element.key))
        proposals.append(
            EdgeProposal(kind=kind, element_key=element.key, element_name=element.name, line=line)
        )
        if len(proposals) >= MAX_PROPOSALS_PER_PAGE:
            break
    return proposals, refused


__all__ = [
    "EDGE_MAX_NEW_TOKENS",
    "STOP_STRINGS",
    "PageRequests",
    "build_messages",
    "parse_proposals",
    "plan_requests",
]
