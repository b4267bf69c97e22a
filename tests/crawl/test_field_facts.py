"""Reading a live page's fields as FieldFacts, and the values chosen for them, in real Chromium."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page

from planwright.crawl.actionable import REF_ATTRIBUTE, install, scan_actionable
from planwright.crawl.extract import extract_elements
from planwright.crawl.field_facts import read_field_facts
from planwright.crawl.values import values_for

LOAN_PAGE = """<!doctype html><html lang="ru"><head><title>Кредитный калькулятор</title></head><body>
<nav><ul><li>Главная</li><li>Контакты</li></ul></nav>
<h1>Калькулятор</h1>
<div class="calc">
  <label for="amount">Сумма кредита, ₽</label>
  <input id="amount" type="number" min="10000" max="5000000" step="1000" required>
  <label>Ставка, % <input id="rate" type="text" inputmode="decimal" placeholder="напр. 7,5"></label>
  <span id="years-label">Срок</span><input aria-labelledby="years-label" name="years" maxlength="2"
    pattern="[0-9]{1,2}">
  <input type="checkbox" id="insurance"><label for="insurance">Страховка</label>
  <input type="hidden" name="token" value="x">
  <textarea name="comment" minlength="5" maxlength="bad"></textarea>
  <button id="calc">Рассчитать</button>
</div>
<ul class="offers"><li>Ипотека</li><li>Автокредит</li></ul>
</body></html>"""


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context()
    install(context)
    try:
        page = context.new_page()
        page.set_content(LOAN_PAGE)
        yield page
    finally:
        context.close()


def test_fields_are_read_with_what_decides_their_values(page: Page) -> None:
    _, elements, _ = extract_elements(page)
    key_of = {element.name: element.key for element in elements}
    facts = read_field_facts(page)
    assert set(facts) == {key_of["Сумма кредита, ₽"], key_of["Ставка, %"], key_of["Срок"], key_of[""]}
    amount = facts[key_of["Сумма кредита, ₽"]]
    assert (amount.input_type, amount.min, amount.max, amount.step, amount.required) == (
        "number", "10000", "5000000", "1000", True,
    )  # fmt: skip
    assert amount.label == "Сумма кредита, ₽" and amount.element_id == "amount"
    rate = facts[key_of["Ставка, %"]]
    assert (rate.inputmode, rate.placeholder, rate.label) == ("decimal", "напр. 7,5", "Ставка, %")
    years = facts[key_of["Срок"]]
    assert (years.label, years.name, years.maxlength, years.pattern) == ("Срок", "years", 2, "[0-9]{1,2}")
    comment = facts[key_of[""]]
    assert (comment.tag, comment.minlength, comment.maxlength) == ("textarea", 5, None)  # "bad" is no length
    assert amount.page_language == "ru"
    assert amount.site_words[:2] == ["Ипотека", "Автокредит"]  # items, not the navigation
    assert "Кредитный калькулятор" in amount.site_words


def test_the_values_chosen_fit_the_page(page: Page) -> None:
    _, elements, _ = extract_elements(page)
    key_of = {element.name: element.key for element in elements}
    facts = read_field_facts(page)
    amount = values_for(facts[key_of["Сумма кредита, ₽"]])
    assert amount.meaning == "loan" and amount.valid[0].value == "100000"
    assert [c.value for c in amount.boundary] == ["10000", "5000000"]
    rate = values_for(facts[key_of["Ставка, %"]])
    assert [c.value for c in rate.valid[:2]] == ["7.5", "7,5"] and "абв" in [c.value for c in rate.invalid]
    years = values_for(facts[key_of["Срок"]])
    assert years.meaning == "years" and years.valid[0].value == "10"
    for key, field_facts in facts.items():  # every valid value can be typed, and the browser accepts it
        element = page.locator(f'[data-planwright-key="{key}"]')
        for candidate in values_for(field_facts).valid:
            element.fill(candidate.value)
            assert element.evaluate("(el) => el.checkValidity()"), (key, candidate)


def test_the_plan_language_wins_and_group_fields_are_read_by_ref(page: Page) -> None:
    scan = scan_actionable(page)
    assert len(scan.groups) == 1
    refs = {field.ref: field for field in scan.groups[0].fields}
    facts = read_field_facts(page, attribute=REF_ATTRIBUTE, language="en")
    assert set(facts) == {ref for ref, field in refs.items() if field.input_type != "checkbox"}
    assert {f.page_language for f in facts.values()} == {"en"}
