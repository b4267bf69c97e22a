"""The words that tell what a field asks for (English and Russian), and plausible values per meaning.

Data, not code (as crawljax keeps its `InputSpecification`): the order of `MEANINGS` decides ties,
so the more specific meaning comes first ("loan amount" is a loan, "age (years)" is an age).
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Meaning:
    """A field meaning and its cues: whole English words or phrases, Russian stems, symbols."""

    name: str
    words: tuple[str, ...] = ()
    ru_stems: tuple[str, ...] = ()
    symbols: tuple[str, ...] = ()


MEANINGS: tuple[Meaning, ...] = (
    Meaning("email", ("email", "mail"), ("почт", "емейл", "имейл", "электронн")),
    Meaning("password", ("password", "passwd", "pwd", "passcode"), ("парол",)),
    Meaning("phone", ("phone", "tel", "telephone", "mobile", "cell"), ("телефон", "мобильн")),
    Meaning("username", ("username", "login", "nickname", "nick", "user"), ("логин", "ник", "пользовател")),
    Meaning("birth_date", ("birthday", "birthdate", "dob", "birth"), ("рожден",)),
    Meaning("date", ("date", "deadline"), ("дат", "срок до")),
    Meaning("age", ("age",), ("возраст",)),
    Meaning(
        "rate",
        ("rate", "percent", "percentage", "interest", "apr", "tip", "discount", "tax"),
        ("процент", "ставк", "скидк", "налог", "чаев"),
        ("%",),
    ),
    Meaning("months", ("month", "months"), ("месяц", "мес")),
    Meaning(
        "years", ("year", "years", "term", "duration", "period", "yrs"), ("лет", "год", "срок", "период")
    ),
    Meaning("days", ("days", "nights"), ("дней", "дн", "сут", "ноч")),
    Meaning("loan", ("loan", "mortgage", "principal", "credit"), ("кредит", "ипотек", "займ")),
    Meaning("salary", ("salary", "income", "wage", "earnings"), ("зарплат", "доход", "оклад")),
    Meaning("price", ("price", "cost", "fee"), ("цен", "стоимост", "тариф")),
    Meaning(
        "amount",
        ("amount", "sum", "total", "deposit", "bill", "budget", "balance", "money", "payment"),
        ("сумм", "вклад", "депозит", "счёт", "счет", "бюджет", "баланс", "плат", "деньг"),
        ("$", "€", "£", "₽", "¥", "₹"),
    ),
    Meaning("weight", ("weight", "kg", "kilograms", "mass", "lbs", "lb"), ("вес", "кг", "масс")),
    Meaning("height", ("height", "cm", "tall", "centimeters", "centimetres"), ("рост", "см", "высот")),
    Meaning("distance", ("distance", "km", "miles"), ("расстоян", "км", "дистанц")),
    Meaning("temperature", ("temperature", "temp", "celsius", "fahrenheit"), ("температур", "градус")),
    Meaning("minutes", ("minutes", "minute", "min", "mins"), ("минут",)),
    Meaning(
        "quantity",
        (
            "quantity",
            "qty",
            "count",
            "number of",
            "people",
            "persons",
            "guests",
            "items",
            "pieces",
            "pcs",
            "servings",
        ),
        ("количеств", "кол", "шт", "человек", "гост", "порци"),
    ),
    Meaning("score", ("score", "points"), ("очк", "балл")),
    Meaning("book", ("book", "books", "library", "isbn"), ("книг", "библиотек")),
    Meaning("author", ("author", "writer"), ("автор", "писател")),
    Meaning("first_name", ("first name", "firstname", "given name", "fname"), ("имя", "имени")),
    Meaning("last_name", ("last name", "lastname", "surname", "family name", "lname"), ("фамили",)),
    Meaning("full_name", ("full name", "fullname", "your name", "name"), ("фио", "как вас зовут")),
    Meaning("city", ("city", "town"), ("город",)),
    Meaning("country", ("country",), ("стран",)),
    Meaning("zip", ("zip", "postcode", "postal"), ("индекс",)),
    Meaning("address", ("address", "street"), ("адрес", "улиц")),
    Meaning("url", ("url", "website", "site", "link", "homepage"), ("сайт", "ссылк")),
    Meaning(
        "search", ("search", "query", "find", "q", "lookup", "filter"), ("поиск", "найти", "искать", "запрос")
    ),
    Meaning(
        "task",
        ("todo", "task", "item", "what needs to be done", "note", "reminder"),
        ("задач", "дел", "заметк", "напоминан", "пункт"),
    ),
    Meaning("title", ("title", "subject", "heading", "caption"), ("назван", "заголов", "тем")),
    Meaning(
        "message",
        ("message", "comment", "feedback", "description", "text", "review", "question"),
        ("сообщен", "коммент", "отзыв", "описан", "текст", "вопрос"),
    ),
)

DEFAULT_NUMBERS: dict[str, tuple[str, ...]] = {
    "age": ("30", "25", "45"),
    "rate": ("5", "3.5", "10"),
    "loan": ("100000", "50000", "250000"),
    "salary": ("50000", "30000"),
    "price": ("250", "99.99", "10"),
    "amount": ("1000", "500", "250.50"),
    "months": ("12", "6", "24"),
    "days": ("7", "14", "1"),
    "years": ("10", "5", "1"),
    "weight": ("70", "65", "80"),
    "height": ("175", "170", "160"),
    "distance": ("10", "5"),
    "temperature": ("20", "36.6"),
    "minutes": ("30", "15"),
    "quantity": ("2", "1", "5"),
    "score": ("10", "5"),
    "number": ("10", "5", "1"),
}
NUMERIC_MEANINGS = frozenset(DEFAULT_NUMBERS)

TEXT_VALUES: dict[str, dict[str, tuple[str, ...]]] = {
    "email": {"en": ("alex.tester@example.com",), "ru": ("ivan.petrov@example.com",)},
    "password": {"en": ("Str0ng!Passw0rd", "Passw0rd2026")},
    "phone": {"en": ("+1 555 010 0199", "5550100199"), "ru": ("+7 912 345-67-89", "89123456789")},
    "username": {"en": ("alex.tester", "alextester"), "ru": ("ivan.petrov", "ivanpetrov")},
    "full_name": {"en": ("Alex Tester", "Alex"), "ru": ("Иван Петров", "Иван")},
    "first_name": {"en": ("Alex",), "ru": ("Иван",)},
    "last_name": {"en": ("Tester",), "ru": ("Петров",)},
    "city": {"en": ("London", "Paris"), "ru": ("Москва", "Казань")},
    "country": {"en": ("United Kingdom", "France"), "ru": ("Россия",)},
    "zip": {"en": ("10001",), "ru": ("101000",)},
    "address": {"en": ("221B Baker Street",), "ru": ("ул. Ленина, д. 1",)},
    "url": {"en": ("https://example.com",)},
    "book": {"en": ("War and Peace", "Hamlet"), "ru": ("Война и мир", "Мастер и Маргарита")},
    "author": {"en": ("Leo Tolstoy",), "ru": ("Лев Толстой",)},
    "search": {"en": ("test",), "ru": ("тест",)},
    "task": {"en": ("Buy milk", "Call the bank"), "ru": ("Купить молоко", "Позвонить в банк")},
    "title": {"en": ("Weekly report",), "ru": ("Еженедельный отчёт",)},
    "message": {
        "en": ("Hello, I have a question about my order.",),
        "ru": ("Здравствуйте, у меня вопрос по заказу.",),
    },
    "color": {"en": ("#3366cc",)},
    "time": {"en": ("12:30",)},
    "datetime": {"en": ("2026-03-15T12:30",)},
    "month": {"en": ("2026-03",)},
    "week": {"en": ("2026-W11",)},
    "text": {"en": ("Sample text",), "ru": ("Пример текста",)},
}

# How a case names what a value is ("a plausible number of years"), where the meaning's id reads badly.
NOUNS: dict[str, str] = {
    "loan": "loan amount",
    "salary": "salary",
    "months": "number of months",
    "days": "number of days",
    "years": "number of years",
    "minutes": "number of minutes",
    "book": "book title",
    "author": "author's name",
    "task": "to-do item",
    "full_name": "person's name",
    "birth_date": "date of birth",
    "username": "user name",
    "zip": "postal code",
    "url": "web address",
    "email": "email address",
    "phone": "phone number",
    "text": "text",
    "number": "number",
}


def noun_for(meaning: str) -> str:
    """The words for a meaning in a value's description."""
    return NOUNS.get(meaning, meaning.replace("_", " "))


_SYMBOLS = "".join(sorted({symbol for meaning in MEANINGS for symbol in meaning.symbols}))


def words_of(text: str) -> list[str]:
    """Lower-case words of a label or an id ("loanAmount", "years_input", "E-mail", "Сумма, ₽")."""
    text = re.sub(r"e[-\s]?mail", "email", text, flags=re.IGNORECASE)
    text = re.sub(r"([a-z])([A-Z])", r"\1 \2", text)
    text = re.sub(f"([{re.escape(_SYMBOLS)}])", r" \1 ", text)
    return [word for word in re.split(rf"[^\w{re.escape(_SYMBOLS)}]+|_|\d+", text.lower()) if word]


def _stem_matches(stem: str, word: str) -> bool:
    """A Russian stem with any ending; a short stem ("год", "кг") only with at most one letter more."""
    return word.startswith(stem) and (len(stem) > 3 or len(word) <= len(stem) + 1)


def _matches(meaning: Meaning, words: list[str], joined: str) -> bool:
    for cue in meaning.words:
        if " " in cue:
            if f" {cue} " in joined:
                return True
        elif cue in words or cue + "s" in words:
            return True
    if any(_stem_matches(stem, word) for stem in meaning.ru_stems if " " not in stem for word in words):
        return True
    if any(f" {stem} " in joined for stem in meaning.ru_stems if " " in stem):
        return True
    return any(symbol in words for symbol in meaning.symbols)


def meaning_from_words(words: list[str]) -> str | None:
    """The first meaning whose cues the words contain; None when nothing points anywhere."""
    joined = f" {' '.join(words)} "
    return next((meaning.name for meaning in MEANINGS if _matches(meaning, words, joined)), None)
