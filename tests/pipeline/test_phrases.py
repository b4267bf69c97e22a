"""The one phrase table per language: every language says everything, with the same placeholders."""

from __future__ import annotations

import string

from planwright.phrases import EN, LANGUAGES, PHRASES, RU, section, sections


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_language_has_the_same_keys_and_placeholders() -> None:
    assert set(LANGUAGES) == set(PHRASES) == {"en", "ru"}
    assert EN.keys() == RU.keys()
    differing = {key for key in EN if _placeholders(EN[key]) != _placeholders(RU[key])}
    assert differing == set()


def test_every_phrase_belongs_to_a_section_and_is_worded() -> None:
    prefixes = {key.split(".", 1)[0] for key in EN}
    assert prefixes == {"case", "prompt", "export", "gherkin"}
    assert all(text.strip() for table in PHRASES.values() for text in table.values())


def test_a_section_is_keyed_without_its_prefix() -> None:
    case = section("ru", "case")
    assert case["open"] == "Открыть страницу {url}"
    assert "export.plan" not in case and "plan" not in case
    assert sections("gherkin")["en"]["feature"] == "Feature"
    assert sum(len(section("en", prefix)) for prefix in ("case", "prompt", "export", "gherkin")) == len(EN)
