"""Names for people of elements without an accessible name (pure: no browser)."""

from __future__ import annotations

import pytest

from planwright.crawl.naming import NamingFacts, PeopleName, icon_words, identifier_words, name_for


def named(**facts: object) -> PeopleName:
    found = name_for(NamingFacts.model_validate(facts))
    assert found is not None, facts
    return found


@pytest.mark.parametrize(
    ("identifier", "words"),
    [
        ("btnPlay", ["play"]),
        ("play-btn", ["play"]),
        ("play_button", ["play"]),
        ("js-play", ["play"]),
        ("icon-el-next", ["next"]),
        ("addToCart", ["add", "to", "cart"]),
        ("HTMLExportBtn", ["html", "export"]),
        ("cell-3-4", ["cell", "3", "4"]),
        ("btn1", []),
        ("button", []),
    ],
)
def test_identifiers_split_into_words_without_noise(identifier: str, words: list[str]) -> None:
    assert identifier_words(identifier) == words


@pytest.mark.parametrize(
    ("classes", "ligature", "words"),
    [
        (["fas", "fa-play"], None, ["play"]),
        (["fas", "fa-trash-alt"], None, ["trash"]),
        (["fa", "fa-lg", "fa-fw", "fa-pause"], None, ["pause"]),
        (["fa-solid", "fa-arrow-left", "fa-pull-left"], None, ["arrow", "left"]),
        (["bi", "bi-x"], None, ["close"]),
        (["bi-heart-fill"], None, ["heart"]),
        (["glyphicon", "glyphicon-remove"], None, ["remove"]),
        (["material-icons"], "delete", ["delete"]),
        (["material-symbols-outlined"], "play_arrow", ["play", "arrow"]),
        (["btn", "primary"], None, []),
    ],
)
def test_icon_classes_say_what_the_icon_shows(
    classes: list[str], ligature: str | None, words: list[str]
) -> None:
    assert icon_words(classes, ligature)[0] == words


def test_people_facing_text_comes_first() -> None:
    facts = {
        "tag": "button",
        "role": "button",
        "aria_label": "Play track",
        "title": "Play",
        "text": "▶",
        "test_ids": {"data-testid": "play-btn"},
        "element_id": "btnPlay",
    }
    first = named(**facts)
    assert (first.name, first.source, first.hint and first.hint.describe()) == (
        "Play track",
        "aria-label",
        'get_by_role("button", name="Play track")',
    )
    facts.pop("aria_label")
    title = named(**facts)
    assert (title.source, title.hint and title.hint.describe()) == ("title", 'get_by_title("Play")')
    facts.pop("title")
    assert named(**facts).source == "text"
    facts.pop("text")
    test_id = named(**facts)
    assert (test_id.name, test_id.source, test_id.written) == ("Play", "testid", "play-btn")
    assert test_id.hint is not None and test_id.hint.describe() == 'get_by_test_id("play-btn")'
    facts.pop("test_ids")
    by_id = named(**facts)
    assert (by_id.name, by_id.source, by_id.hint and by_id.hint.describe()) == (
        "Play",
        "id",
        'locator("#btnPlay")',
    )


def test_alt_label_and_placeholder() -> None:
    image = named(tag="img", alt="  Cat   photo ")
    assert (image.name, image.source, image.hint and image.hint.describe()) == (
        "Cat photo",
        "alt",
        'get_by_alt_text("Cat photo")',
    )
    field = named(tag="input", label="Amount", placeholder="e.g. 100")
    assert (field.source, field.hint and field.hint.describe()) == ("label", 'get_by_label("Amount")')
    hinted = named(tag="input", placeholder="Search books")
    assert (hinted.source, hinted.hint and hinted.hint.describe()) == (
        "placeholder",
        'get_by_placeholder("Search books")',
    )
    # a placeholder that is only a sample number ("0") names nothing: the id does ("Bill")
    sample = named(tag="input", placeholder="0", element_id="bill")
    assert (sample.name, sample.source) == ("Bill", "id")
    unlabelled_aria = named(tag="div", aria_label="Close")
    assert unlabelled_aria.hint is not None and unlabelled_aria.hint.describe() == 'get_by_label("Close")'


def test_other_test_id_attributes_use_a_css_attribute_locator() -> None:
    cypress = named(tag="button", test_ids={"data-cy": "submit-order"})
    assert (cypress.name, cypress.attribute) == ("Submit order", "data-cy")
    assert cypress.hint is not None and cypress.hint.describe() == 'locator("[data-cy=\\"submit-order\\"]")'
    noisy = named(tag="button", test_ids={"data-testid": "btn-1", "data-test": "like-button"})
    assert (noisy.name, noisy.attribute) == ("Like", "data-test")  # "btn-1" says nothing


def test_icon_only_buttons_are_named_by_their_icon() -> None:
    play = named(tag="button", inner_classes=["fas", "fa-play"])
    assert (play.name, play.source, play.written) == ("Play", "icon", "fa-play")
    assert play.hint is not None and play.hint.describe() == 'locator("button:has(.fa-play)")'
    own = named(tag="i", classes=["fa", "fa-trash-alt"])
    assert own.name == "Trash" and own.hint is not None and own.hint.argument == "i.fa-trash-alt"
    ligature = named(tag="button", text="delete", ligature="delete", inner_classes=["material-icons"])
    assert (ligature.name, ligature.source) == ("Delete", "icon")
    assert (
        ligature.hint is not None and ligature.hint.describe() == 'locator("button:has-text(\\"delete\\")")'
    )


def test_generated_ids_are_ignored() -> None:
    for generated in ["ember123", ":r1:", "mui-4711", "3f2b8c1a-9d4e-4c1b", "a1b2c3d4e5"]:
        found = named(tag="button", element_id=generated, inner_classes=["fa", "fa-stop"])
        assert (found.name, found.source) == ("Stop", "icon"), generated
    assert named(tag="button", element_id="playButton1").name == "Play 1"


def test_the_name_attribute_is_the_last_resort() -> None:
    field = named(tag="input", name="user_email")
    assert (field.name, field.source) == ("User email", "name")
    assert field.hint is not None and field.hint.describe() == 'locator("input[name=\\"user_email\\"]")'


def test_ids_that_need_quoting_get_an_attribute_selector() -> None:
    odd = named(tag="div", element_id="row.7-edit")
    assert odd.hint is not None and odd.hint.argument == '[id="row.7-edit"]'


def test_long_text_is_shortened_and_gets_no_text_locator() -> None:
    long_text = "word " * 40
    found = named(tag="div", text=long_text)
    assert found.source == "text" and len(found.name) == 80 and found.name.endswith("…")
    assert found.hint is None


def test_nothing_to_name_gives_none() -> None:
    assert name_for(NamingFacts(tag="div")) is None
    assert name_for(NamingFacts(tag="div", element_id="btn", classes=["row"], text="   ")) is None
