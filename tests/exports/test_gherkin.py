from __future__ import annotations

from planwright.exports.gherkin import to_gherkin
from planwright.schemas import PlanExport
from tests.exports.conftest import CONTACTS_TITLE, HYPERLINK_TITLE


def test_ru_plan_uses_russian_keywords(plan: PlanExport) -> None:
    text = to_gherkin(plan).decode("utf-8")
    lines = text.splitlines()
    assert lines[0] == "# language: ru"
    assert lines[1] == "Функция: https://example.test/"
    assert sum(line.startswith("  Сценарий: ") for line in lines) == len(plan.cases)
    assert f"  Сценарий: {CONTACTS_TITLE}" in lines
    assert "Scenario" not in text and "Given" not in text


def test_ru_scenario_shape(plan: PlanExport) -> None:
    lines = to_gherkin(plan).decode("utf-8").splitlines()
    start = lines.index(f"  Сценарий: {CONTACTS_TITLE}")
    assert lines[start - 1].split()[0] == "@TC-101"
    assert lines[start + 1 : start + 7] == [
        "    Дано Пользователь не авторизован",
        "    И Открыт браузер",
        '    И Открыть главную страницу "https://example.test/"',
        "    Когда Нажать ссылку «Контакты»",
        "    Тогда Открыта страница /contacts (url: https://example.test/contacts)",
        "    И Показан заголовок «Контакты»",
    ]


def test_en_plan_uses_english_keywords_and_keeps_quotes(plan_en: PlanExport) -> None:
    text = to_gherkin(plan_en).decode("utf-8")
    lines = text.splitlines()
    assert lines[0] == "Feature: https://example.test/"
    assert "# language" not in text
    assert sum(line.startswith("  Scenario: ") for line in lines) == len(plan_en.cases)
    assert f"  Scenario: {HYPERLINK_TITLE}" in lines  # quotes kept as written
    assert '    Then В корзине "1 товар"' in lines
    assert "    When Ввести запрос \"+7 (999) 000-00-00\"" in lines


def test_multiline_text_stays_on_one_line(plan_en: PlanExport) -> None:
    plan_en.cases[0].title = "Line one\nLine two"
    lines = to_gherkin(plan_en).decode("utf-8").splitlines()
    assert "  Scenario: Line one Line two" in lines


def test_case_without_preconditions_or_open_starts_from_its_page(plan_en: PlanExport) -> None:
    lines = to_gherkin(plan_en).decode("utf-8").splitlines()
    start = lines.index("  Scenario: <script>alert(1)</script>")
    assert lines[start + 1] == "    Given the page https://example.test/?q=<b>x</b> is open"
