"""Pure parts of plan generation: skeletons from observations, prompts, and the answer checks."""

from __future__ import annotations

import pytest

from planwright.pipeline.parsing import apply_answer, parse_answer
from planwright.pipeline.prompts import EXAMPLE_ANSWER, build_messages
from planwright.pipeline.skeleton import build_behaviours, page_behaviour, state_texts
from planwright.schemas import (
    CrawlResult,
    Element,
    ExploreAction,
    Locator,
    ObservedBehaviour,
    Outcome,
    PageSnapshot,
    StateChange,
)

BASE = "http://127.0.0.1:9999"


def role_locator(role: str, name: str) -> Locator:
    return Locator(strategy="role", role=role, name=name)


def fixture_crawl() -> CrawlResult:
    contacts_link = Element(
        key="e1",
        kind="link",
        role="link",
        name="Контакты",
        locator=role_locator("link", "Контакты"),
        href=f"{BASE}/contacts",
        outcome=Outcome(
            kind="navigation", url=f"{BASE}/contacts", status=200, title="Contacts", heading="Контакты"
        ),
    )
    details = Element(
        key="e2",
        kind="button",
        role="button",
        name="Подробнее",
        locator=role_locator("button", "Подробнее"),
    )
    opened = ObservedBehaviour(  # what the explorer recorded when it clicked the button
        key="b1",
        kind="click",
        actions=[ExploreAction(action="click", element_key="e2")],
        change=StateChange(dialog="Details", appeared=["Details", "Free delivery"]),
    )
    external = Element(
        key="e3",
        kind="link",
        role="link",
        name="GitHub",
        locator=role_locator("link", "GitHub"),
        href="https://github.com/example",
    )
    home = PageSnapshot(
        url=f"{BASE}/",
        status=200,
        depth=0,
        title="Fixture Shop",
        headings=["Fixture Shop — Главная"],
        elements=[contacts_link, details, external],
        behaviours=[opened],
    )
    email = Element(
        key="e1",
        kind="input",
        role="textbox",
        name="Email",
        locator=Locator(strategy="label", value="Email"),
        input_type="email",
        required=True,
        form_key="e3",
    )
    password = Element(
        key="e2",
        kind="input",
        role="textbox",
        name="Password",
        locator=Locator(strategy="label", value="Password"),
        required=True,
        form_key="e3",
    )
    sign_in = Element(
        key="e4",
        kind="button",
        role="button",
        name="Sign in",
        locator=role_locator("button", "Sign in"),
        form_key="e3",
    )
    form = Element(
        key="e3",
        kind="form",
        role="form",
        name="",
        locator=Locator(strategy="css", value="form"),
        field_keys=["e1", "e2"],
        submit_key="e4",
    )
    empty = ObservedBehaviour(
        key="b1",
        kind="submit_empty",
        actions=[ExploreAction(action="click", element_key="e4")],
        change=StateChange(messages=["Please fill out this field."]),
    )
    login = PageSnapshot(
        url=f"{BASE}/login",
        status=200,
        depth=1,
        title="Login",
        headings=["Login"],
        elements=[
            email,
            password,
            form,
            sign_in,
            contacts_link.model_copy(update={"key": "e5"}),
        ],  # the nav link again: one behaviour, not two
        behaviours=[empty],
    )
    return CrawlResult(start_url=f"{BASE}/", pages=[home, login])


DIALOG, LINK = 1, 2  # build_behaviours' order: the page, its explored behaviours, its links


def test_every_observed_behaviour_has_one_grounded_case() -> None:
    behaviours = build_behaviours(fixture_crawl(), "en")
    kinds = [b.kind for b in behaviours]
    assert kinds == ["page", "explored_click", "link", "external_link", "page", "explored_submit_empty"]
    link_case = behaviours[LINK].case
    assert [step.action for step in link_case.steps] == ["open", "click"]
    assert link_case.steps[1].target is not None and link_case.steps[1].target.element_key == "e1"
    assert {(x.kind, x.value) for x in link_case.expected} == {
        ("url", f"{BASE}/contacts"),
        ("heading", "Контакты"),
    }
    form_case = behaviours[-1].case
    assert form_case.steps[1].target is not None and form_case.steps[1].target.name == "Sign in"
    assert ("validation", "Please fill out this field.") in {(x.kind, x.value) for x in form_case.expected}
    dialog_case = behaviours[DIALOG].case
    assert [(s.action, s.target.name if s.target else None) for s in dialog_case.steps] == [
        ("open", None),
        ("click", "Подробнее"),
    ]
    assert ("dialog", "Details") in {(x.kind, x.value) for x in dialog_case.expected}
    assert all(b.case.source == "skeleton" for b in behaviours)


def test_russian_plans_get_russian_text() -> None:
    behaviours = build_behaviours(fixture_crawl(), "ru")
    link_case = behaviours[LINK].case
    assert link_case.title == "Переход по ссылке «Контакты» на /contacts"
    assert link_case.steps[1].text == "Нажать на ссылку «Контакты»"


def test_prompt_carries_the_observed_facts_and_the_grounded_steps() -> None:
    behaviour = build_behaviours(fixture_crawl(), "en")[LINK]
    messages = build_messages(behaviour, "en")
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "user"]
    request = messages[-1]["content"]
    assert "Контакты" in request and f"{BASE}/contacts" in request
    assert "2. Click the link “Контакты”" in request and request.endswith("Title: ...\nExpected: ...")


@pytest.mark.parametrize("language", ["en", "ru"])
def test_a_grounded_answer_is_accepted_with_steps_and_targets_kept(language: str) -> None:
    behaviour = build_behaviours(fixture_crawl(), language)[LINK]  # type: ignore[arg-type]
    answer = {
        "en": "Title: Contacts link opens the Контакты page\nExpected: The heading Контакты is shown at /contacts",
        "ru": "Название: Ссылка «Контакты» ведёт на страницу контактов\n"
        "Ожидаемый результат: Отображается заголовок «Контакты»",
    }[language]
    acceptance = apply_answer(behaviour.case, answer)
    assert acceptance.accepted, acceptance.reasons
    case = acceptance.case
    assert case.source == "model" and case.title != behaviour.case.title
    assert case.steps == behaviour.case.steps
    grounded = next(x for x in case.expected if x.text == answer.splitlines()[1].split(": ", 1)[1])
    assert grounded.kind in ("url", "heading")
    assert [x.value for x in case.expected] == [x.value for x in behaviour.case.expected]


def test_an_expected_line_with_an_invented_path_keeps_the_template_text() -> None:
    behaviour = build_behaviours(fixture_crawl(), "en")[LINK]
    acceptance = apply_answer(
        behaviour.case,
        "Title: Link Контакты opens contacts\nExpected: The address becomes /new and Контакты shows",
    )
    assert acceptance.accepted and acceptance.case.source == "model"
    assert acceptance.case.expected == behaviour.case.expected
    assert any("/new, which was not observed" in reason for reason in acceptance.reasons)


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        ("The test should have a clear and concise description.", "no title line"),
        ("Title: Check the navigation\nExpected: ok", "title does not name"),
        ("Title: Контакты\nExpected: ok", "single word"),
        ("Title: Link Контакты opens https://evil.example/x\nExpected: ok", "which was not observed"),
        (EXAMPLE_ANSWER["en"], "copied from the example"),
    ],
)
def test_ungrounded_answers_leave_the_skeleton(answer: str, reason: str) -> None:
    behaviour = build_behaviours(fixture_crawl(), "en")[LINK]
    acceptance = apply_answer(behaviour.case, answer)
    assert not acceptance.accepted
    assert any(reason in r for r in acceptance.reasons), acceptance.reasons
    assert acceptance.case == behaviour.case.model_copy(update={"source": "skeleton"})


def test_a_page_case_title_must_name_the_page() -> None:
    page_behaviour = build_behaviours(fixture_crawl(), "en")[0]
    assert not apply_answer(page_behaviour.case, "Title: Shop page opens\nExpected: ok").accepted
    assert apply_answer(page_behaviour.case, "Title: Home page Fixture Shop opens\nExpected: ok").accepted


def test_parser_takes_first_of_repeated_labels_and_tolerates_markdown() -> None:
    parsed = parse_answer("**Title:** A\n**Step 1:** x\nStep 1: y\nStep 2) z\nExpected: e\nExpected: f")
    assert parsed.title == "A" and parsed.steps == {1: "x", 2: "z"} and parsed.expected == "e"


def test_degenerate_or_cut_off_answers_are_refused() -> None:
    behaviour = build_behaviours(fixture_crawl(), "ru")[LINK]
    repeated = apply_answer(behaviour.case, "Название: Контакты Вас Вас Вас Вас Вас Вас")
    assert not repeated.accepted and "title repeats itself" in repeated.reasons
    cut = apply_answer(behaviour.case, "Название: Контакты говорятся о том, как открытие ко", truncated=True)
    assert not cut.accepted and "title cut off at the token limit" in cut.reasons


def test_a_submit_that_navigates_with_a_notice_is_not_called_a_rejection() -> None:
    quantity = Element(
        key="e1",
        kind="input",
        role="spinbutton",
        name="Quantity",
        locator=Locator(strategy="label", value="Quantity"),
        input_type="number",
        form_key="e2",
    )
    add = Element(
        key="e3",
        kind="button",
        role="button",
        name="Add to cart",
        locator=role_locator("button", "Add to cart"),
        form_key="e2",
    )
    form = Element(
        key="e2",
        kind="form",
        role="form",
        name="",
        locator=Locator(strategy="css", value="form"),
        field_keys=["e1"],
        submit_key="e3",
    )
    as_is = ObservedBehaviour(  # the explorer sent the form with the quantity it holds (1)
        key="b1",
        kind="submit_as_is",
        actions=[ExploreAction(action="click", element_key="e3")],
        change=StateChange(url=f"{BASE}/product/1?added=1", status=200, appeared=["Added to cart"]),
    )
    page = PageSnapshot(
        url=f"{BASE}/product/1",
        title="Mug",
        headings=["Red mug"],
        elements=[quantity, form, add],
        behaviours=[as_is],
    )
    behaviour = build_behaviours(CrawlResult(start_url=page.url, pages=[page]), "en")[-1]
    assert behaviour.kind == "explored_submit_as_is"
    assert behaviour.case.title.startswith("Submit “Add to cart” with the values it shows")
    assert "negative" not in behaviour.case.tags
    assert {(x.kind, x.value) for x in behaviour.case.expected} >= {
        ("url", f"{BASE}/product/1?added=1"),
        ("visible", "Added to cart"),
    }


@pytest.mark.parametrize(
    ("index", "answer", "claim"),
    [
        (DIALOG, "Title: Button “Подробнее” opens the contacts page\nExpected: The dialog opens", "a navigation"),
        (DIALOG, "Title: Button «Подробнее» ведёт на страницу контактов\nExpected: ok", "a navigation"),
        (LINK, "Title: Link “Контакты” opens a dialog\nExpected: ok", "a dialog"),
        (LINK, "Title: Link “Контакты” shows an error\nExpected: ok", "an error"),
    ],
)
def test_a_title_that_claims_an_outcome_the_case_does_not_check_is_refused(
    index: int, answer: str, claim: str
) -> None:
    behaviour = build_behaviours(fixture_crawl(), "en")[index]
    acceptance = apply_answer(behaviour.case, answer)
    assert not acceptance.accepted
    assert f"title claims {claim}" in acceptance.reasons[0]


def test_claims_the_case_backs_are_accepted() -> None:
    dialog, link = build_behaviours(fixture_crawl(), "en")[DIALOG : LINK + 1]
    assert apply_answer(link.case, "Title: Link “Контакты” leads to the contacts page\nExpected: ok").accepted
    assert apply_answer(
        dialog.case, "Title: Button “Подробнее” opens the delivery dialog\nExpected: ok"
    ).accepted
    # An expected line with a false claim keeps the template's text, the title stays the model's.
    acceptance = apply_answer(
        dialog.case,
        "Title: Button “Подробнее” shows details\nExpected: It opens the Details page, as “Free delivery” says",
    )
    assert acceptance.accepted and any("expected line claims a navigation" in r for r in acceptance.reasons)
    assert [x.text for x in acceptance.case.expected] == [x.text for x in dialog.case.expected]


def test_a_page_case_checks_the_short_texts_the_page_shows_at_load() -> None:
    page = (
        fixture_crawl()
        .pages[0]
        .model_copy(
            update={
                "aria_snapshot": "\n".join(
                    [
                        '- heading "Catalogue" [level=1]',
                        "- paragraph: Signed in as guest",
                        "- paragraph: 3 products",
                        '- paragraph: "Updated: 2026-11-28 07:40"',  # a clock: would change between runs
                        "- paragraph: Catalogue",  # the heading again
                        "- paragraph: " + "long text " * 10,  # not a short state text
                    ]
                )
            }
        )
    )
    assert state_texts(page) == ["3 products", "Signed in as guest"]
    only_noise = page.model_copy(
        update={
            "headings": ["Catalogue"],
            "aria_snapshot": '- paragraph: Catalogue\n- paragraph: "Updated: 2026-11-28 07:40"\n- text: Search',
        }
    )
    assert state_texts(only_noise) == []
    case = page_behaviour(page, "en").case
    assert [(x.kind, x.value) for x in case.expected if x.kind == "visible"] == [
        ("visible", "3 products"),
        ("visible", "Signed in as guest"),
    ]


def test_a_crawl_stored_with_button_and_form_outcomes_still_loads() -> None:
    """Crawls stored before the explorer did every act carry a button's dialog and a form's validation
    as `outcome`: they still load; the cases come from explored behaviours only (none here)."""
    stored = fixture_crawl().model_dump(mode="json")
    stored["pages"][0]["behaviours"] = []
    stored["pages"][0]["elements"][1]["outcome"] = {"kind": "dialog", "heading": "Details", "messages": []}
    stored["pages"][1]["behaviours"] = []
    stored["pages"][1]["elements"][2]["outcome"] = {"kind": "validation", "messages": ["Required"]}
    crawl = CrawlResult.model_validate(stored)
    assert crawl.pages[0].elements[1].outcome == Outcome(kind="dialog", heading="Details")
    kinds = [b.kind for b in build_behaviours(crawl, "en")]
    assert kinds == ["page", "link", "external_link", "page"]
