"""Prompts per observed behaviour, in the spirit of the study ("write detailed steps and expected results
for a test that checks clicking the link 'Контакты'"), framed small enough for a 135M model.

The model gets the observed facts and the exact number of steps; its answer has a fixed line format
that `parsing.py` checks. A one-shot example about a different page shows the format; the parser
rejects answers that copy it.
"""

from __future__ import annotations

from planwright.phrases import LANGUAGES, sections
from planwright.pipeline.behaviour import Behaviour
from planwright.schemas import Language

PROMPT = sections("prompt")
CASE = sections("case")

EXAMPLE_FACTS: list[str] = [
    "start page: https://shop.example/",
    "link text: Delivery",
    "after the click the address is https://shop.example/delivery",
    "the new page shows the heading: Delivery terms",
]
EXAMPLE_STEPS: dict[Language, list[str]] = {  # worded as a real case's steps are
    language: [
        CASE[language]["open"].format(url="https://shop.example/"),
        CASE[language]["click_link"].format(name="Delivery"),
    ]
    for language in LANGUAGES
}
EXAMPLE_ANSWER: dict[Language, str] = {language: PROMPT[language]["example_answer"] for language in LANGUAGES}

EXAMPLE_TITLES = {answer.splitlines()[0].split(":", 1)[1].strip() for answer in EXAMPLE_ANSWER.values()}


def _request_text(facts: list[str], steps: list[str], language: Language) -> str:
    texts = PROMPT[language]
    fact_lines = "\n".join(f"- {fact}" for fact in facts)
    step_lines = "\n".join(f"{n}. {step}" for n, step in enumerate(steps, start=1))
    head = f"{texts['request']}\n{texts['facts']}\n"
    steps_head = texts["steps"]
    return f"{head}{fact_lines}\n{steps_head}\n{step_lines}\nAnswer with two lines:\n{texts['title']}: ...\n{texts['expected']}: ..."


def build_messages(behaviour: Behaviour, language: Language) -> list[dict[str, str]]:
    """Chat messages for one behaviour: system, a one-shot example, then the real request.

    The steps are given, not asked for: they come from what the crawler did, and a 135M model
    rewrites them worse than the template writes them. The model names the case and states the
    result in words; the parser checks both against the observations.
    """
    steps = [step.text for step in behaviour.case.steps]
    return [
        {"role": "system", "content": PROMPT[language]["system"]},
        {"role": "user", "content": _request_text(EXAMPLE_FACTS, EXAMPLE_STEPS[language], language)},
        {"role": "assistant", "content": EXAMPLE_ANSWER[language]},
        {"role": "user", "content": _request_text(behaviour.facts, steps, language)},
    ]


# The answer is two lines; small models go on to repeat the request's parts.
STOP_STRINGS = ["\n\n", "\nTitle:", "\nНазвание:", "\nSteps:", "\nШаги:", "\nAnswer", "\nОтвет", "\n1."]


def render_prompt(messages: list[dict[str, str]]) -> str:
    """A readable copy of the messages for the generations table."""
    return "\n\n".join(f"[{message['role']}]\n{message['content']}" for message in messages)
