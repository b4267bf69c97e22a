"""Grounded case skeletons: one per observed behaviour, built only from what the crawler saw.

A skeleton is a complete, executable case on its own (targets are crawled elements, expected results
are observed outcomes). The model later rewrites its human text; if it cannot, the skeleton stands.
This module builds the page-load ones (a page, where a link leads) and, in `build_behaviours`, every
case of a crawl: these plus `explored_cases.py`'s, which hold every act on the page (a button's
dialog, a form's empty or valid submit), recorded once by the explorer.
"""

from __future__ import annotations

import re

from planwright.phrases import sections
from planwright.pipeline.behaviour import (
    Behaviour,
    element_label,
    open_step,
    origin,
    target_of,
    url_path,
    where_it_led,
)
from planwright.pipeline.explored_cases import explored_behaviours
from planwright.pipeline.page_view import compact_snapshot
from planwright.schemas import (
    CrawlResult,
    Element,
    Expectation,
    Language,
    PageSnapshot,
    Step,
    TestCaseData,
)

TEXTS = sections("case")


def _page_label(page: PageSnapshot) -> str:
    return (page.headings[0] if page.headings else page.title) or url_path(page.url)


STATE_TEXT_RE = re.compile(r"^\s*- (?:paragraph|status): (.+)$")
MAX_STATE_TEXTS = 2
MAX_STATE_TEXT_CHARS = 60
CLOCK_RE = re.compile(r"\d{1,2}:\d{2}|\d{4}-\d{2}-\d{2}|\d{1,2}[./]\d{1,2}[./]\d{2,4}")


def state_texts(page: PageSnapshot) -> list[str]:
    """Short paragraphs and status lines the page shows at load ("3 products", "Your cart is empty"):
    what a QA engineer checks besides the heading. Texts with numbers first (counts); nothing that
    looks like a time or date (it would change between runs), nothing that names an element."""
    names = {element.name.casefold() for element in page.elements} | {h.casefold() for h in page.headings}
    found: list[str] = []
    for line in compact_snapshot(page.aria_snapshot or ""):
        match = STATE_TEXT_RE.match(line)
        if match is None:
            continue
        text = match.group(1).strip()
        if len(text) >= 2 and text[0] == text[-1] == '"':
            text = text[1:-1].replace('\\"', '"')
        if (
            2 < len(text) <= MAX_STATE_TEXT_CHARS
            and text.casefold() not in names
            and not CLOCK_RE.search(text)
        ):
            found.append(text)
    found = list(dict.fromkeys(found))
    with_numbers = [text for text in found if re.search(r"\d", text)]
    return (with_numbers + [text for text in found if text not in with_numbers])[:MAX_STATE_TEXTS]


def page_behaviour(page: PageSnapshot, language: Language) -> Behaviour:
    texts = TEXTS[language]
    expected = [
        Expectation(kind="url", value=page.url, text=texts["exp_url"].format(value=url_path(page.url)))
    ]
    if page.title:
        expected.append(
            Expectation(kind="title", value=page.title, text=texts["exp_title"].format(value=page.title))
        )
    if page.headings:
        heading = page.headings[0]
        expected.append(
            Expectation(kind="heading", value=heading, text=texts["exp_heading"].format(value=heading))
        )
    shown = state_texts(page)
    for text in shown:
        expected.append(
            Expectation(kind="visible", value=text, text=texts["exp_element_visible"].format(value=text))
        )
    case = TestCaseData(
        page_url=page.url,
        title=texts["title_page"].format(name=_page_label(page)),
        preconditions=[texts["pre_page"].format(origin=origin(page.url))],
        steps=[open_step(page, texts)],
        expected=expected,
        priority="high" if page.depth == 0 else "medium",
        tags=["smoke", "page"],
    )
    facts = [f"page address: {page.url}", f"page title: {page.title}"]
    if page.headings:
        facts.append(f"main heading: {page.headings[0]}")
    facts += [f"the page shows: {text}" for text in shown]
    return Behaviour("page", page, None, case, facts)


def link_behaviour(page: PageSnapshot, link: Element, language: Language) -> Behaviour | None:
    texts = TEXTS[language]
    outcome = link.outcome
    name = element_label(link)
    click = Step(
        n=2, action="click", text=texts["click_link"].format(name=name), target=target_of(page, link)
    )
    if outcome is None or outcome.kind != "navigation" or not outcome.url:
        if not link.href or origin(link.href) == origin(page.url):
            return None  # a same-origin link we could not observe: no grounded expectation to offer
        case = TestCaseData(
            page_url=page.url,
            title=texts["title_external"].format(name=name),
            preconditions=[texts["pre_page"].format(origin=origin(page.url))],
            steps=[open_step(page, texts)],
            expected=[
                Expectation(kind="visible", value=name, text=texts["exp_element_visible"].format(value=name))
            ],
            priority="low",
            tags=["link", "external"],
        )
        return Behaviour("external_link", page, link, case, [f"external link “{name}” to {link.href}"])
    expected = where_it_led(outcome, texts)
    broken = outcome.status is not None and outcome.status >= 400
    case = TestCaseData(
        page_url=page.url,
        title=texts["title_broken_link" if broken else "title_link"].format(
            name=name, path=url_path(outcome.url), status=outcome.status
        ),
        preconditions=[texts["pre_page"].format(origin=origin(page.url))],
        steps=[open_step(page, texts), click],
        expected=expected,
        priority="high" if broken else "medium",
        tags=["link", "navigation", "broken"] if broken else ["link", "navigation"],
    )
    facts = [f"start page: {page.url}", f"link text: {name}", f"after the click the address is {outcome.url}"]
    if broken:
        facts.append(f"that page answers HTTP {outcome.status}: a broken link")
    if outcome.heading:
        facts.append(f"the new page shows the heading: {outcome.heading}")
    return Behaviour("link", page, link, case, facts)


def build_behaviours(crawl: CrawlResult, language: Language) -> list[Behaviour]:
    """Every page and link the crawler observed and every behaviour the explorer recorded (button
    clicks, dialogs, form submits: `explored_cases.py`), once per distinct behaviour.

    The same nav link on every page is one behaviour: it is tested from the first page that shows it.
    """
    behaviours: list[Behaviour] = []
    seen: set[tuple[str, str]] = set()
    for page in crawl.pages:
        behaviours.append(page_behaviour(page, language))
        behaviours.extend(explored_behaviours(page, language))
        for element in page.elements:
            if element.kind != "link":
                continue
            destination = element.outcome.url if element.outcome and element.outcome.url else element.href or ""
            identity = (element.name, destination)
            if identity in seen:
                continue
            behaviour = link_behaviour(page, element, language)
            if behaviour is not None:
                seen.add(identity)
                behaviours.append(behaviour)
    return behaviours
