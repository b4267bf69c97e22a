"""Prompts per observed behaviour, in the spirit of the study ("write detailed steps and expected results
for a test that checks clicking the link 'Контакты'"), framed small enough for a 135M model.

The model gets the observed facts and the exact number of steps; its answer has a fixed line format
that `parsing.py` checks. A one-shot example about a different page shows the format; the parser
rejects answers that copy it.
"""

from __future__ import annotations

from planwright.pipeline.skeleton import Behaviour
from planwright.schemas import Language

LABELS: dict[Language, dict[str, str]] = {
    "en": {"title": "Title", "step": "Step", "expected": "Expected"},
    "ru": {"title": "Название", "step": "Шаг", "expected": "Ожидаемый результат"},
}

SYSTEM_PROMPT: dict[Language, str] = {
    "en": "You are a careful QA engineer. You write short manual test cases in English, using only the given facts.",
    "ru": "Ты внимательный QA-инженер. Ты пишешь короткие ручные тест-кейсы на русском языке, только по данным фактам.",
}

EXAMPLE_FACTS: dict[Language, list[str]] = {
    "en": [
        "start page: https://shop.example/",
        "link text: Delivery",
        "after the click the address is https://shop.example/delivery",
        "the new page shows the heading: Delivery terms",
    ],
    "ru": [
        "start page: https://shop.example/",
        "link text: Доставка",
        "after the click the address is https://shop.example/delivery",
        "the new page shows the heading: Условия доставки",
    ],
}

EXAMPLE_ANSWER: dict[Language, str] = {
    "en": (
        "Title: Link “Delivery” opens the delivery terms\n"
        "Step 1: Open the home page https://shop.example/\n"
        "Step 2: Click the link “Delivery”\n"
        "Expected: The address becomes /delivery and the heading “Delivery terms” is shown"
    ),
    "ru": (
        "Название: Ссылка «Доставка» открывает условия доставки\n"
        "Шаг 1: Открыть главную страницу https://shop.example/\n"
        "Шаг 2: Нажать на ссылку «Доставка»\n"
        "Ожидаемый результат: Адрес становится /delivery и отображается заголовок «Условия доставки»"
    ),
}

EXAMPLE_TITLES = {answer.splitlines()[0].split(":", 1)[1].strip() for answer in EXAMPLE_ANSWER.values()}


def _request_text(facts: list[str], steps: int, language: Language) -> str:
    labels = LABELS[language]
    lines = "\n".join(f"- {fact}" for fact in facts)
    step_lines = "\n".join(f"{labels['step']} {n}: ..." for n in range(1, steps + 1))
    if language == "ru":
        head = f"Напиши тест-кейс на русском языке по фактам. Ровно {steps} шаг(а).\nФакты:\n"
    else:
        head = f"Write a test case in English from these facts. Exactly {steps} step(s).\nFacts:\n"
    return f"{head}{lines}\nFormat:\n{labels['title']}: ...\n{step_lines}\n{labels['expected']}: ..."


def build_messages(behaviour: Behaviour, language: Language) -> list[dict[str, str]]:
    """Chat messages for one behaviour: system, a one-shot example, then the real request."""
    return [
        {"role": "system", "content": SYSTEM_PROMPT[language]},
        {"role": "user", "content": _request_text(EXAMPLE_FACTS[language], 2, language)},
        {"role": "assistant", "content": EXAMPLE_ANSWER[language]},
        {"role": "user", "content": _request_text(behaviour.facts, len(behaviour.case.steps), language)},
    ]


def render_prompt(messages: list[dict[str, str]]) -> str:
    """A readable copy of the messages for the generations table."""
    return "\n\n".join(f"[{message['role']}]\n{message['content']}" for message in messages)
