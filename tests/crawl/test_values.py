"""Values a field accepts and refuses, from its markup and words (pure: no browser)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from planwright.crawl.value_patterns import example_for_pattern
from planwright.crawl.value_words import meaning_from_words, words_of
from planwright.crawl.values import FieldFacts, FieldValues, parse_number, to_ascii_digits, values_for


def valid_values(result: FieldValues) -> list[str]:
    return [candidate.value for candidate in result.valid]


def invalid_values(result: FieldValues) -> list[str]:
    return [candidate.value for candidate in result.invalid]


@pytest.mark.parametrize(
    ("text", "meaning"),
    [
        ("Loan amount", "loan"),
        ("Сумма кредита", "loan"),
        ("Amount, $", "amount"),
        ("Сумма, ₽", "amount"),
        ("Price", "price"),
        ("Цена", "price"),
        ("Interest rate (%)", "rate"),
        ("Годовая процентная ставка", "rate"),
        ("Loan term (years)", "years"),
        ("Срок (лет)", "years"),
        ("Срок, года", "years"),
        ("Weight (kg)", "weight"),
        ("Вес, кг", "weight"),
        ("Height, cm", "height"),
        ("Рост", "height"),
        ("Age (years)", "age"),
        ("Возраст", "age"),
        ("Number of guests", "quantity"),
        ("Кол-во", "quantity"),
        ("E-mail", "email"),
        ("Электронная почта", "email"),
        ("Phone", "phone"),
        ("Телефон", "phone"),
        ("Date of birth", "birth_date"),
        ("Дата", "date"),
        ("First name", "first_name"),
        ("Имя", "first_name"),
        ("Фамилия", "last_name"),
        ("Your name", "full_name"),
        ("City", "city"),
        ("Город", "city"),
        ("Book title", "book"),
        ("Найти книгу", "book"),
        ("Search", "search"),
        ("What needs to be done?", "task"),
        ("Number of days", "days"),
    ],
)
def test_words_tell_the_meaning(text: str, meaning: str) -> None:
    assert meaning_from_words(words_of(text)) == meaning


def test_ids_and_names_split_into_words() -> None:
    assert words_of("loanAmount") == ["loan", "amount"]
    assert words_of("years_input") == ["years", "input"]
    assert words_of("weight-kg2") == ["weight", "kg"]
    assert meaning_from_words(words_of("interestRate")) == "rate"
    assert meaning_from_words(words_of("годовой отчёт")) is None  # "год" only as a whole word or one ending
    assert meaning_from_words(words_of("nothing here")) is None


def test_label_wins_over_the_id() -> None:
    result = values_for(FieldFacts(label="Weight", element_id="field-age"))
    assert result.meaning == "weight"
    assert values_for(FieldFacts(element_id="ageInput")).meaning == "age"


@pytest.mark.parametrize(
    ("facts", "first"),
    [
        (FieldFacts(label="Loan amount"), "100000"),
        (FieldFacts(label="Amount"), "1000"),
        (FieldFacts(label="Interest rate"), "5"),
        (FieldFacts(label="Years"), "10"),
        (FieldFacts(label="Вес, кг", page_language="ru"), "70"),
        (FieldFacts(label="Рост, см", page_language="ru"), "175"),
        (FieldFacts(label="Age"), "30"),
        (FieldFacts(label="Quantity"), "2"),
        (FieldFacts(input_type="number"), "10"),
    ],
)
def test_numbers_are_plausible_for_what_is_asked(facts: FieldFacts, first: str) -> None:
    result = values_for(facts)
    assert valid_values(result)[0] == first
    assert all(parse_number(value) is not None for value in valid_values(result))


def test_number_limits_and_step_are_honoured() -> None:
    result = values_for(
        FieldFacts(input_type="number", label="Loan amount", min="1000", max="1000000", step="1000")
    )
    for value in valid_values(result):
        number = Decimal(value)
        assert Decimal(1000) <= number <= Decimal(1000000) and number % 1000 == 0
    assert [(c.value, c.what) for c in result.boundary] == [
        ("1000", "the minimum (1000)"),
        ("1000000", "the maximum (1000000)"),
    ]
    assert ("0", "below the minimum (1000)") in [(c.value, c.what) for c in result.invalid]
    assert ("1001000", "above the maximum (1000000)") in [(c.value, c.what) for c in result.invalid]
    assert "1500" in invalid_values(result)  # between two steps


def test_a_number_field_gets_a_value_inside_limits_when_no_default_fits() -> None:
    result = values_for(FieldFacts(input_type="number", label="Weight", min="200", max="300", step="5"))
    assert valid_values(result) == ["250"]
    assert result.valid[0].what == "a value inside the field's limits"


def test_decimal_defaults_are_dropped_where_the_step_forbids_them() -> None:
    price_in_number_field = values_for(FieldFacts(input_type="number", label="Price"))
    assert "99.99" not in valid_values(price_in_number_field)  # step defaults to 1
    assert "0.5" in invalid_values(price_in_number_field)
    price_in_text_field = values_for(FieldFacts(label="Price"))
    assert "99.99" in valid_values(price_in_text_field)
    assert "99.99" in valid_values(values_for(FieldFacts(input_type="number", label="Price", step="any")))


def test_letters_are_invalid_only_where_they_can_be_typed() -> None:
    text_field = values_for(FieldFacts(label="Amount", required=True))
    assert [(c.value, c.what) for c in text_field.invalid] == [
        ("", "empty, though the field is required"),
        ("-1000", "a negative amount"),
        ("abc", "letters in a number field"),
    ]
    number_field = values_for(FieldFacts(input_type="number", label="Amount"))
    assert "abc" not in invalid_values(number_field)  # the browser refuses letters before the app sees them
    russian = values_for(FieldFacts(label="Сумма", page_language="ru"))
    assert "абв" in invalid_values(russian)


def test_a_range_the_label_states_is_used_as_limits() -> None:
    result = values_for(FieldFacts(label="Years (1-30)"))
    assert valid_values(result)[:3] == ["10", "5", "1"]
    assert [c.value for c in result.boundary] == ["1", "30"]
    assert {"0", "31"} <= set(invalid_values(result))
    russian = values_for(FieldFacts(label="Срок от 5 до 20 лет", page_language="ru"))
    assert valid_values(russian)[:2] == ["10", "5"] and "1" not in valid_values(russian)
    assert [c.value for c in russian.boundary] == ["5", "20"]


def test_placeholder_examples_come_first_in_any_script() -> None:
    assert valid_values(values_for(FieldFacts(label="Amount", placeholder="e.g. 5000")))[0] == "5000"
    assert valid_values(values_for(FieldFacts(label="Вес", placeholder="напр. 82,5")))[:2] == ["82.5", "82,5"]
    assert "82,5" not in valid_values(
        values_for(FieldFacts(input_type="number", step="0.1", placeholder="82,5"))
    )
    arabic = values_for(FieldFacts(label="Quantity", placeholder="مثال: ٣"))
    assert valid_values(arabic)[0] == "3" and arabic.valid[0].what == "the example the placeholder gives"
    assert valid_values(values_for(FieldFacts(label="Quantity", placeholder="e.g. ३")))[0] == "3"
    assert valid_values(values_for(FieldFacts(label="City", placeholder="e.g. Berlin")))[0] == "Berlin"
    email = values_for(FieldFacts(input_type="email", placeholder="you@example.org"))
    assert valid_values(email) == ["you@example.org", "alex.tester@example.com"]


def test_digits_of_any_script_read_as_numbers() -> None:
    assert to_ascii_digits("١٢٣ and ४५") == "123 and 45"
    assert parse_number("1 000,50") == Decimal("1000.50")
    assert parse_number("１２") == Decimal(12)
    assert parse_number("twelve") is None
    assert parse_number("NaN") is None


def test_people_are_named_in_the_page_language() -> None:
    assert valid_values(values_for(FieldFacts(label="Name")))[0] == "Alex Tester"
    assert valid_values(values_for(FieldFacts(label="Имя", page_language="ru")))[0] == "Иван"
    assert valid_values(values_for(FieldFacts(label="ФИО", page_language="ru")))[0] == "Иван Петров"
    assert valid_values(values_for(FieldFacts(label="Your name", page_language="ru-RU")))[0] == "Иван Петров"
    # without a declared language, the script of the field's own words decides
    assert values_for(FieldFacts(label="Ваше имя")).language == "ru"
    assert valid_values(values_for(FieldFacts(label="Город", page_language="ru")))[0] == "Москва"
    assert valid_values(values_for(FieldFacts(label="City")))[0] == "London"


def test_email_phone_and_url_values() -> None:
    email = values_for(FieldFacts(input_type="email", page_language="ru"))
    assert valid_values(email) == ["ivan.petrov@example.com"]
    assert invalid_values(email) == ["ivan.petrov", "ivan.petrov@"]
    phone = values_for(FieldFacts(input_type="tel", page_language="ru"))
    assert valid_values(phone)[0] == "+7 912 345-67-89" and invalid_values(phone) == ["телефон"]
    assert values_for(FieldFacts(label="Почта")).meaning == "email"
    url = values_for(FieldFacts(input_type="url"))
    assert valid_values(url) == ["https://example.com"] and invalid_values(url) == ["not a url"]


def test_search_fits_the_site() -> None:
    books = values_for(
        FieldFacts(
            input_type="search", placeholder="Поиск", page_language="ru", site_words=["Библиотека", "Каталог"]
        )
    )
    assert books.meaning == "book" and valid_values(books)[0] == "Война и мир"
    shop = values_for(
        FieldFacts(input_type="search", placeholder="Search", site_words=["Coffee mugs", "Tea", "2024"])
    )
    assert valid_values(shop) == ["Coffee mugs", "test"]  # short words and numbers are not search terms
    assert values_for(FieldFacts(label="Book title")).valid[0].value == "War and Peace"


def test_dates_follow_the_field_and_the_language() -> None:
    native = values_for(FieldFacts(input_type="date", label="Check-in"))
    assert valid_values(native) == ["2026-03-15"] and native.invalid == []
    limited = values_for(FieldFacts(input_type="date", min="2026-05-01", max="2026-06-01"))
    assert valid_values(limited) == ["2026-05-01"]
    assert [c.value for c in limited.boundary] == ["2026-05-01", "2026-06-01"]
    assert valid_values(values_for(FieldFacts(label="Дата", page_language="ru")))[0] == "15.03.2026"
    assert valid_values(values_for(FieldFacts(label="Date")))[0] == "03/15/2026"
    assert valid_values(values_for(FieldFacts(label="Date", placeholder="yyyy-mm-dd"))) == ["2026-03-15"]
    assert valid_values(values_for(FieldFacts(label="Дата", placeholder="дд.мм.гггг")))[0] == "15.03.2026"
    birthday = values_for(FieldFacts(input_type="date", label="Date of birth"))
    assert birthday.meaning == "birth_date" and valid_values(birthday) == ["1990-05-20"]
    assert "02/31/2026" in invalid_values(values_for(FieldFacts(label="Date")))


def test_lengths_are_honoured() -> None:
    short = values_for(FieldFacts(label="Name", maxlength=5))
    assert valid_values(short) == ["Alex"]  # "Alex Tester" does not fit
    assert [(c.value, c.what) for c in short.boundary] == [("AlexA", "exactly maxlength (5) characters")]
    assert ("AlexAl", "one character over maxlength (5); the browser may cut it") in [
        (c.value, c.what) for c in short.invalid
    ]
    long_enough = values_for(FieldFacts(label="Comment", tag="textarea", minlength=50))
    assert all(len(value) >= 50 for value in valid_values(long_enough))
    assert ("a" * 49, "shorter than minlength (50)") in [(c.value, c.what) for c in long_enough.invalid]
    cut = values_for(FieldFacts(label="Task", maxlength=6))
    assert valid_values(cut) == ["Buy mi", "Call t"]
    assert cut.valid[0].what == "a plausible to-do item, cut to fit the length limits"


def test_a_pattern_is_honoured() -> None:
    phone = values_for(FieldFacts(input_type="tel", pattern=r"\+7\d{10}", page_language="ru"))
    assert valid_values(phone) == ["+71234567890"]
    assert phone.valid[0].what == "a value built from the field's pattern"
    assert "abc" in invalid_values(phone)
    matching_default = values_for(FieldFacts(label="Zip", pattern=r"\d{5}"))
    assert valid_values(matching_default)[0] == "10001"
    code = values_for(FieldFacts(label="Code", pattern="[A-Z]{3}-[0-9]{3}", maxlength=7))
    assert valid_values(code) == ["AAA-123"]


def test_a_pattern_nothing_fits_makes_no_claim() -> None:
    for pattern in [r"(?=x)\w+y", r"\p{L}+", "[z"]:
        result = values_for(FieldFacts(label="Name", pattern=pattern))
        assert result.valid == [] and result.pattern_unmet, pattern
    assert not values_for(FieldFacts(label="Name")).pattern_unmet


def test_the_value_search_walks_the_valid_candidates() -> None:
    result = values_for(FieldFacts(label="Amount"))
    assert valid_values(result) == ["1000", "500", "250.50"]
    first = result.next_valid()
    assert first is not None and first.value == "1000"
    second = result.next_valid(refused="1000")
    assert second is not None and second.value == "500"
    third = result.next_valid(refused="500")
    assert third is not None and third.value == "250.50"
    assert result.next_valid(refused="250.50") is None
    after_unknown = result.next_valid(refused="Test item")
    assert after_unknown is not None and after_unknown.value == "1000"
    assert FieldValues(meaning="text", language="en").next_valid() is None


FIELDS = [
    FieldFacts(input_type="number", min="1", max="12", step="1", label="Months"),
    FieldFacts(input_type="number", min="0.5", max="2.5", step="0.25", label="Rate"),
    FieldFacts(input_type="text", maxlength=3, label="Age"),
    FieldFacts(input_type="text", pattern=r"[0-9]{2,3}", label="Height"),
    FieldFacts(input_type="text", pattern=r"[A-Za-z ]+", label="Имя", page_language="ru"),
    FieldFacts(input_type="email", maxlength=10),
    FieldFacts(input_type="tel", pattern=r"\d{3}-\d{4}", required=True),
    FieldFacts(input_type="search", minlength=3, maxlength=8, site_words=["Lamps", "Tables"]),
    FieldFacts(tag="textarea", maxlength=20, required=True),
    FieldFacts(input_type="range", min="0", max="10", step="2"),
]


@pytest.mark.parametrize("facts", FIELDS)
def test_no_candidate_contradicts_the_markup(facts: FieldFacts) -> None:
    result = values_for(facts)
    valid = set(valid_values(result))
    assert valid.isdisjoint(invalid_values(result))
    for candidate in [*result.valid, *result.boundary]:
        value = candidate.value
        assert candidate.what
        if facts.maxlength is not None:
            assert len(value) <= facts.maxlength, (facts, value)
        if facts.minlength is not None:
            assert len(value) >= facts.minlength, (facts, value)
        if facts.pattern:
            assert re.fullmatch(facts.pattern, value), (facts, value)
        if facts.min is not None and facts.max is not None:
            number = parse_number(value)
            assert number is not None and Decimal(facts.min) <= number <= Decimal(facts.max), (facts, value)
            assert (number - Decimal(facts.min)) % Decimal(facts.step or "1") == 0, (facts, value)
    if facts.pattern:
        assert not any(re.fullmatch(facts.pattern, c.value) for c in result.invalid if c.value)


def test_range_sliders_get_no_invalid_values() -> None:
    slider = values_for(FieldFacts(input_type="range", min="0", max="10", step="2"))
    assert valid_values(slider) == ["10", "4"]
    assert slider.invalid == []


@pytest.mark.parametrize(
    ("pattern", "example"),
    [
        (r"\d{5}", "12345"),
        (r"[0-9]{3}-[0-9]{2}", "123-45"),
        (r"[A-Z]{2}\d{4}", "AA1234"),
        (r"(\+7|8)\d{10}", "+71234567890"),
        (r"[a-z]+@[a-z]+\.[a-z]{2,}", "a@a.aa"),
        (r"\d+(\.\d{1,2})?", "1"),
        (r"[^0-9]+", "a"),
        (r"\d{2}\.\d{2}\.\d{4}", "12.34.5678"),
        ("abc|def", "abc"),
        (r"^[\w.]+$", "a"),
        (r"(?:ab){2}", "abab"),
    ],
)
def test_common_patterns_generate_a_fitting_value(pattern: str, example: str) -> None:
    assert example_for_pattern(pattern) == example
    assert re.fullmatch(pattern, example)


@pytest.mark.parametrize("pattern", [r"(\d)\1", r"(?=x).*", r"(?<name>a)", "[a", r"\bword"])
def test_unreadable_patterns_generate_nothing(pattern: str) -> None:
    assert example_for_pattern(pattern) is None


def test_a_count_of_people_gets_zero_as_its_first_invalid_value() -> None:
    """Zero people is what a tester types first into a split-the-bill field ("Can't be zero")."""
    values = values_for(FieldFacts(label="Number of People", inputmode="numeric"))
    assert values.meaning == "quantity"
    assert [(c.value, c.what) for c in values.invalid[:2]] == [
        ("0", "zero, where a number of people or items is asked"),
        ("-2", "a negative quantity"),
    ]
    assert "0" not in [c.value for c in values.valid]
