"""Edge cases proposed by the model are grounded in the page's elements, then executed in Chromium
against the to-do app: the ones that run and show something become verified cases whose expected
results are what the app really did; the others are not kept, with the reason.

The proposals in the executor tests are written by hand (the behaviour under test is the executor's,
not the model's); tests/e2e and bench/quality.py run the real model's proposals."""

from __future__ import annotations

from playwright.sync_api import Browser

from planwright.crawl.crawler import crawl_site
from planwright.crawl.explore import Explorer
from planwright.crawl.urls import DEFAULT_DENY_NAMES, is_denied
from planwright.pipeline.edge_cases import build_messages, parse_proposals, plan_requests
from planwright.pipeline.explored_cases import explored_behaviour
from planwright.pipeline.stages.verify import _same_check
from planwright.schemas import LONG_EDGE_VALUE, CrawlOptions, EdgeProposal, PageSnapshot, StateChange
from planwright.verify.runner import verify_cases
from tests.fixture_apps.fixtures import RunningApp


def not_denied(element: object) -> bool:
    return is_denied(element.name, element.href, DEFAULT_DENY_NAMES)  # type: ignore[attr-defined]


def words(text: str) -> int:
    """A stand-in token count for the pure parsing tests (the chunker's own tests use the tokenizer)."""
    return len(text.split())


def crawl_todo(todo_app: RunningApp, browser: Browser) -> PageSnapshot:
    crawl = crawl_site(todo_app.url + "/", CrawlOptions(max_pages=1, explore=False), browser=browser)
    return crawl.pages[0]


def test_answers_are_grounded_in_the_pages_fields_and_buttons(todo_app: RunningApp, browser: Browser) -> None:
    page = crawl_todo(todo_app, browser)
    requests = plan_requests(page, words, 200, not_denied)
    assert requests is not None
    assert [e.name for e in requests.fields] == ["New task"]
    assert "Add" in [e.name for e in requests.buttons] and "Delete" not in [e.name for e in requests.buttons]
    asks = requests.asks()
    assert {kind for _, kind, _ in asks} == {"empty", "spaces", "long", "repeat"}
    chunk, kind, names = asks[0]
    messages = build_messages(page, chunk, kind, names)
    assert chunk.text in messages[-1]["content"] and "“New task”" in messages[-1]["content"]

    answer = "\n".join(
        [
            "Edge: long | New task [level=1]",  # small-model decoration is stripped, the name is exact
            "Edge: long | New task",  # repeated: kept once
            "Edge: repeat | Add to list of tasks.",  # starts with the button's whole name
            "Edge: empty | Your email",  # the example's field: not on this page
            "Edge: repeat | New task",  # a field is not a button
            "Edge: empty | Tasks",  # a heading is not a field
            "Edge: empty | New tasks",  # not the name: a prefix must end at a word boundary
            "Edge: sideways | New task",
            "no format at all",
        ]
    )
    proposals, refused = parse_proposals(answer, requests)
    assert [(p.kind, p.element_name) for p in proposals] == [("long", "New task"), ("repeat", "Add")]
    assert any("Your email" in reason for reason in refused)
    assert any("“New task” is a field" in reason for reason in refused)
    assert any("Tasks" in reason for reason in refused)
    assert any("“New tasks”" in reason for reason in refused)
    assert any("unknown kind" in reason for reason in refused)
    assert any("not in the format" in reason for reason in refused)


def test_a_page_without_fields_or_buttons_gets_no_request(todo_app: RunningApp, browser: Browser) -> None:
    page = crawl_todo(todo_app, browser)
    bare = page.model_copy(update={"elements": [e for e in page.elements if e.kind == "link"]})
    assert plan_requests(bare, words, 200, not_denied) is None


def test_executed_proposals_become_verified_cases_or_say_why_not(
    todo_app: RunningApp, browser: Browser
) -> None:
    page = crawl_todo(todo_app, browser)
    by_name = {e.name: e for e in page.elements}
    field, add = by_name["New task"], by_name["Add"]

    def proposal(kind: str, element_name: str, key: str) -> EdgeProposal:
        return EdgeProposal(kind=kind, element_key=key, element_name=element_name, line=f"Edge: {kind} | x")  # type: ignore[arg-type]

    proposals = [
        proposal("long", field.name, field.key),
        proposal("spaces", field.name, field.key),
        proposal("repeat", add.name, add.key),
        proposal("repeat", "Clear completed", "e999"),  # hidden until a task is done: not at load
        proposal("empty", field.name, field.key),
    ]
    options = CrawlOptions(page_timeout_s=10, total_timeout_s=120)
    explorer = Explorer(lambda: browser.new_context(), options)
    explorer.learn_pages([page])
    results = explorer.run_proposals(page, proposals)
    outcome = {(p.kind, p.element_name): (p.result, observed) for p, observed in results}

    long_result, long_observed = outcome[("long", "New task")]
    assert long_result == "kept" and long_observed is not None
    assert "Task must be at most 100 characters" in long_observed.change.messages
    repeat_result, repeat_observed = outcome[("repeat", "Add")]
    assert repeat_result == "kept" and repeat_observed is not None
    assert "This task is already in the list" in repeat_observed.change.messages
    spaces_result, spaces_observed = outcome[("spaces", "New task")]
    assert spaces_result == "kept" and spaces_observed is not None
    assert "Task cannot be empty" in spaces_observed.change.messages
    clear_result, clear_observed = outcome[("repeat", "Clear completed")]
    assert "not on the page at load" in clear_result
    assert clear_observed is None and clear_result.startswith("not executable")

    cases = []
    for _, observed in results:
        if observed is not None:
            behaviour = explored_behaviour(page, observed, "en")
            assert behaviour is not None
            cases.append(behaviour.case)
    long_case = next(c for c in cases if "edge_long" in c.tags)
    assert "model-proposed" in long_case.tags and "negative" in long_case.tags  # the app refused it
    accepted = explored_behaviour(
        page, long_observed.model_copy(update={"change": StateChange(appeared=["Saved"])}), "en"
    )
    assert (
        accepted is not None and "negative" not in accepted.case.tags
    )  # an accepted edge value is no negative test
    assert long_case.title.startswith(
        f"Submit “Add” with a {len(LONG_EDGE_VALUE)}-character value in “New task”"
    )
    assert any(step.data == LONG_EDGE_VALUE for step in long_case.steps)
    repeat_case = next(c for c in cases if "edge_repeat" in c.tags)
    assert [s.action for s in repeat_case.steps] == ["open", "fill", "click", "fill", "click"]

    verifications = verify_cases(cases, browser)
    assert [v.status for v in verifications] == ["verified"] * len(cases), [v.detail for v in verifications]


def test_a_proposal_that_repeats_an_existing_check_is_a_duplicate(
    todo_app: RunningApp, browser: Browser
) -> None:
    page = crawl_todo(todo_app, browser)
    field = next(e for e in page.elements if e.name == "New task")
    explorer = Explorer(lambda: browser.new_context(), CrawlOptions(page_timeout_s=10, total_timeout_s=60))
    spaces = EdgeProposal(
        kind="spaces", element_key=field.key, element_name=field.name, line="Edge: spaces | New task"
    )
    [(_, observed)] = explorer.run_proposals(
        page,
        [
            spaces,
        ],
    )
    assert observed is not None
    behaviour = explored_behaviour(page, observed, "en")
    assert behaviour is not None
    twin = behaviour.case.model_copy(update={"title": "Spaces only are refused", "tags": ["explored"]})
    assert _same_check(behaviour.case, [twin]) is twin
    other_page = twin.model_copy(update={"page_url": todo_app.url + "/settings"})
    assert _same_check(behaviour.case, [other_page]) is None
    # Same answer from the app, different input: an empty field is another test than only spaces.
    empty_steps = [
        s.model_copy(update={"data": ""}) if s.action == "fill" else s for s in behaviour.case.steps
    ]
    empty = twin.model_copy(update={"steps": empty_steps})
    assert _same_check(behaviour.case, [empty]) is None
    # Typing "" into a field that is empty at load does nothing: without that step it is the same case.
    just_click = empty.model_copy(update={"steps": [s for s in empty_steps if s.action != "fill"]})
    assert _same_check(empty, [just_click]) is just_click
