"""Gherkin export: one ``.feature`` file, a Scenario per case, in the plan's language.

Given = preconditions and the leading "open" steps (the page the case starts on), When/And = the
remaining actions, Then/And = the expected results. Russian plans get ``# language: ru`` and the
Russian keywords from Cucumber's gherkin-languages (Функция, Сценарий, Дано, Когда, Тогда, И).

Gherkin is line-based, so line breaks inside crawled or generated text are folded into spaces;
quotes are kept as written. Tags must not contain spaces, so spaces in case tags become ``_``.
"""

from __future__ import annotations

import re

from planwright.exports.common import LABELS, case_key, expectation_text, ordered_steps
from planwright.phrases import sections
from planwright.schemas import Language, PlanExport, Step, TestCaseData

KEYWORDS = sections("gherkin")


def _line(text: str) -> str:
    """Fold whitespace, line breaks included, so one value stays on one Gherkin line."""
    return re.sub(r"\s+", " ", text).strip()


def _tag(tag: str) -> str:
    """A Gherkin tag: ``@`` and no whitespace inside."""
    return "@" + re.sub(r"[@\s]+", "_", tag.strip())


def _step_sentence(step: Step) -> str:
    sentence = _line(step.text)
    if step.data and step.data not in step.text:
        sentence += f' "{_line(step.data)}"'
    return sentence


def _scenario(case: TestCaseData, key: str, language: Language) -> list[str]:
    words = KEYWORDS[language]
    tags = [f"@{key}", f"@priority-{case.priority}", f"@{case.source}"]
    tags += [_tag(tag) for tag in case.tags if tag.strip()]
    lines = ["  " + " ".join(tags), f"  {words['scenario']}: {_line(case.title)}"]

    steps = ordered_steps(case)
    leading_opens: list[Step] = []
    while steps and steps[0].action == "open":
        leading_opens.append(steps.pop(0))
    givens = [_line(condition) for condition in case.preconditions if condition.strip()]
    givens += [_step_sentence(step) for step in leading_opens]
    if not givens:
        givens = [LABELS[language]["open_page"].format(url=case.page_url)]
    whens = [_step_sentence(step) for step in steps]
    thens = [_line(expectation_text(expectation)) for expectation in case.expected]

    for keyword, sentences in (("given", givens), ("when", whens), ("then", thens)):
        for index, sentence in enumerate(sentences):
            lines.append(f"    {words[keyword] if index == 0 else words['and']} {sentence}")
    return lines


def to_gherkin(plan: PlanExport) -> bytes:
    """Render the plan as a single .feature file (UTF-8)."""
    words = KEYWORDS[plan.language]
    lines: list[str] = []
    if plan.language != "en":
        lines.append(f"# language: {plan.language}")
    lines.append(f"{words['feature']}: {_line(plan.url)}")
    lines.append(f"  Planwright plan {plan.id}, {plan.created_at.date().isoformat()}")
    for position, case in enumerate(plan.cases, start=1):
        lines.append("")
        lines.extend(_scenario(case, case_key(case, position), plan.language))
    return ("\n".join(lines) + "\n").encode("utf-8")
