"""What every case builder shares: a behaviour (an observation and the grounded case that checks it)
and the small helpers that word and target its steps.

Why its own module: the page-load builder (`skeleton.py`) and the explored-behaviour builder
(`explored_cases.py`) both need these; with them here neither imports the other's internals.

The names, from the browser to the plan: an `Observation` (schemas) is what acting led to (URL, status,
heading, messages); a link's `Outcome` is one (where it leads), an explored sequence's `StateChange`
another (what the steps changed, with appeared/vanished texts and counts); an `ObservedBehaviour`
(schemas) is a sequence of actions with its `StateChange`, as the explorer stored it; a `Behaviour`
(here) is one of those, or a page load or a link, turned into the case that checks it.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from planwright.schemas import Element, Expectation, Observation, PageSnapshot, Step, Target, TestCaseData


@dataclass
class Behaviour:
    """One observed behaviour and the skeleton case that checks it; `facts` feed the model's prompt."""

    kind: str  # page | link | external_link | explored_<kind> (every act: clicks, dialogs, submits)
    page: PageSnapshot
    element: Element | None
    case: TestCaseData
    facts: list[str]


def url_path(url: str) -> str:
    """The path and query a QA engineer reads ("/search?q=mug"); "/" for the site's root."""
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def origin(url: str) -> str:
    """scheme://host[:port], what a precondition names and what same-origin means."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def target_of(page: PageSnapshot, element: Element) -> Target:
    """A step's target: the crawled element by key, with the locator that finds it again."""
    return Target(
        element_key=element.key,
        page_url=page.url,
        role=element.role,
        name=element.name,
        locator=element.locator,
    )


def element_label(element: Element) -> str:
    """What a step calls an element: its accessible name, else its locator's value, else its key."""
    return element.name or element.locator.value or element.key


def open_step(page: PageSnapshot, texts: dict[str, str]) -> Step:
    """Every case starts by opening the page it was observed on."""
    return Step(n=1, action="open", text=texts["open"].format(url=page.url), data=page.url)


def where_it_led(observation: Observation, texts: dict[str, str]) -> list[Expectation]:
    """The address, main heading and error status an act was observed to lead to, as expected results:
    the same for a link's outcome and an explored change (a link's URL is always set; a change's only
    when it moved). A status is expected only when it is an error (a broken link, a refused submit)."""
    expected: list[Expectation] = []
    if observation.url:
        path = url_path(observation.url)
        expected.append(
            Expectation(kind="url", value=observation.url, text=texts["exp_url"].format(value=path))
        )
    if observation.heading:
        expected.append(
            Expectation(
                kind="heading",
                value=observation.heading,
                text=texts["exp_heading"].format(value=observation.heading),
            )
        )
    if observation.status is not None and observation.status >= 400:
        expected.append(
            Expectation(
                kind="status",
                value=str(observation.status),
                text=texts["exp_status"].format(value=observation.status),
            )
        )
    return expected
