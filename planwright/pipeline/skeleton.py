"""Grounded case skeletons: one per observed behaviour, built only from what the crawler saw.

A skeleton is a complete, executable case on its own (targets are crawled elements, expected results
are observed outcomes). The model later rewrites its human text; if it cannot, the skeleton stands.
This module builds the page-load ones (a page, where a link leads, a button's dialog, a form's empty
submit) and, in `build_behaviours`, every case of a crawl: these plus `explored_cases.py`'s.
"""

from __future__ import annotations

import re
from collections.abc import Callable

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


def dialog_behaviour(page: PageSnapshot, button: Element, language: Language) -> Behaviour | None:
    texts = TEXTS[language]
    if button.outcome is None or button.outcome.kind != "dialog":
        return None
    name = element_label(button)
    # An HTML dialog is recognised by its heading; a native alert() only by its message.
    shown = button.outcome.heading or (button.outcome.messages[0] if button.outcome.messages else "")
    expected = [Expectation(kind="dialog", value=shown, text=texts["exp_dialog_text"].format(value=shown))]
    if not shown:
        expected = [Expectation(kind="dialog", value="", text=texts["exp_dialog"])]
    if button.outcome.heading:
        expected.append(
            Expectation(
                kind="heading",
                value=button.outcome.heading,
                text=texts["exp_heading"].format(value=button.outcome.heading),
            )
        )
    case = TestCaseData(
        page_url=page.url,
        title=texts["title_dialog"].format(name=name),
        preconditions=[texts["pre_page"].format(origin=origin(page.url))],
        steps=[
            open_step(page, texts),
            Step(
                n=2,
                action="click",
                text=texts["click_button"].format(name=name),
                target=target_of(page, button),
            ),
        ],
        expected=expected,
        priority="medium",
        tags=["dialog"],
    )
    facts = [f"page: {page.url}", f"button text: {name}", "after the click a dialog opens"]
    if button.outcome.heading:
        facts.append(f"the dialog heading: {button.outcome.heading}")
    return Behaviour("dialog", page, button, case, facts)


def form_behaviour(page: PageSnapshot, form: Element, language: Language) -> Behaviour | None:
    """The empty-submit case of a form: its observed validation messages, or where it leads."""
    texts = TEXTS[language]
    outcome = form.outcome
    submit = page.element(form.submit_key) if form.submit_key else None
    if outcome is None or submit is None:
        return None
    submit_name = element_label(submit)
    form_name = form.name or submit_name
    fields = [page.element(key) for key in form.field_keys]
    field_names = [element_label(field) for field in fields if field is not None]
    # A submit that navigated and showed a notice ran with the fields' default values (e.g. quantity
    # 1): the step keeps them; it is not a rejection (the crawler's outcome says navigation).
    notice = outcome.kind == "navigation" and bool(outcome.messages)
    prefilled = notice or any(field is not None and field.kind == "select" for field in fields)
    steps = [
        open_step(page, texts),
        Step(
            n=2,
            action="click",
            text=texts["submit_defaults" if prefilled else "submit_empty"].format(name=submit_name),
            target=target_of(page, submit),
        ),
    ]
    if outcome.kind == "validation" and outcome.messages:
        messages = list(dict.fromkeys(outcome.messages))[:3]
        expected = [
            Expectation(kind="validation", value=message, text=texts["exp_validation"].format(value=message))
            for message in messages
        ]
        expected.append(
            Expectation(kind="url", value=page.url, text=texts["exp_url"].format(value=url_path(page.url)))
        )
        case = TestCaseData(
            page_url=page.url,
            title=texts["title_form_empty"].format(name=form_name),
            preconditions=[texts["pre_page"].format(origin=origin(page.url))],
            steps=steps,
            expected=expected,
            priority="high",
            tags=["form", "validation", "negative"],
        )
        facts = [
            f"page: {page.url}",
            f"form fields: {', '.join(field_names)}",
            f"the submit button: {submit_name}",
            f"submitting it empty shows: {'; '.join(outcome.messages[:3])}",
        ]
        return Behaviour("form_validation", page, form, case, facts)
    if outcome.kind == "navigation" and outcome.url:
        expected = [
            Expectation(
                kind="url", value=outcome.url, text=texts["exp_url"].format(value=url_path(outcome.url))
            )
        ]
        if outcome.heading:
            expected.append(
                Expectation(
                    kind="heading",
                    value=outcome.heading,
                    text=texts["exp_heading"].format(value=outcome.heading),
                )
            )
        for message in list(dict.fromkeys(outcome.messages))[:2]:
            expected.append(
                Expectation(
                    kind="text", value=message, text=texts["exp_element_visible"].format(value=message)
                )
            )
        case = TestCaseData(
            page_url=page.url,
            title=texts["title_form_nav"].format(name=form_name),
            preconditions=[texts["pre_page"].format(origin=origin(page.url))],
            steps=steps,
            expected=expected,
            priority="medium",
            tags=["form"],
        )
        facts = [
            f"page: {page.url}",
            f"form fields: {', '.join(field_names)}",
            f"the submit button: {submit_name}",
            f"submitting it empty leads to {outcome.url}",
        ]
        return Behaviour("form_navigation", page, form, case, facts)
    return None


def build_behaviours(crawl: CrawlResult, language: Language) -> list[Behaviour]:
    """Every page, link, dialog button and form the crawler observed, once per distinct behaviour.

    The same nav link on every page is one behaviour: it is tested from the first page that shows it.
    """
    behaviours: list[Behaviour] = []
    seen: set[tuple[str, str, str]] = set()
    builder: Callable[[PageSnapshot, Element, Language], Behaviour | None]
    for page in crawl.pages:
        behaviours.append(page_behaviour(page, language))
        behaviours.extend(explored_behaviours(page, language))
        for element in page.elements:
            if element.kind == "link":
                destination = (
                    element.outcome.url if element.outcome and element.outcome.url else element.href or ""
                )
                identity = ("link", element.name, destination)
                builder = link_behaviour
            elif element.kind == "button" and element.outcome and element.outcome.kind == "dialog":
                identity = ("dialog", element.name, url_path(page.url))
                builder = dialog_behaviour
            elif element.kind == "form":
                identity = ("form", element.name or element.submit_key or "", url_path(page.url))
                builder = form_behaviour
            else:
                continue
            if identity in seen:
                continue
            behaviour = builder(page, element, language)
            if behaviour is not None:
                seen.add(identity)
                behaviours.append(behaviour)
    return behaviours
