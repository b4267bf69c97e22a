"""A hand-built plan with the text that breaks exports: Cyrillic, formula triggers, HTML."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from planwright.schemas import (
    Expectation,
    Locator,
    PlanExport,
    Step,
    Target,
    TestCaseData,
    Verification,
)

BASE = "https://example.test"
CONTACTS_TITLE = "Переход по ссылке «Контакты»"
HYPERLINK_TITLE = '=HYPERLINK("http://evil.test","нажми")'
PLUS_TITLE = "+1 товар в корзину"
SUM_TITLE = "@SUM(A1:A9) в поиске"
SCRIPT_TITLE = "<script>alert(1)</script>"
IMG_TEXT = "<img src=x onerror=alert(1)> нажать кнопку"


def _target(key: str, role: str, name: str) -> Target:
    return Target(
        element_key=key,
        page_url=f"{BASE}/",
        role=role,
        name=name,
        locator=Locator(strategy="role", role=role, name=name),
    )


def _open(n: int = 1, path: str = "/") -> Step:
    return Step(n=n, action="open", text="Открыть главную страницу", data=f"{BASE}{path}")


def make_plan() -> PlanExport:
    """Five cases, 2 + 3 + 2 + 2 + 1 = 10 steps."""
    contacts = TestCaseData(
        id=101,
        page_url=f"{BASE}/",
        title=CONTACTS_TITLE,
        preconditions=["Пользователь не авторизован", "Открыт браузер"],
        steps=[
            _open(),
            Step(
                n=2, action="click", text="Нажать ссылку «Контакты»", target=_target("e1", "link", "Контакты")
            ),
        ],
        expected=[
            Expectation(kind="url", value=f"{BASE}/contacts", text="Открыта страница /contacts"),
            Expectation(kind="heading", value="Контакты", text="Показан заголовок «Контакты»"),
        ],
        priority="high",
        tags=["навигация", "smoke test"],
        source="model",
        verification=Verification(status="verified"),
    )
    hyperlink = TestCaseData(
        id=102,
        page_url=f"{BASE}/search",
        title=HYPERLINK_TITLE,
        preconditions=["-1 в корзине"],
        steps=[
            # stored out of order on purpose: exports sort by n
            Step(n=2, action="fill", text="Ввести запрос", target=_target("e2", "searchbox", "Поиск"),
                 data="+7 (999) 000-00-00"),
            _open(1, "/search"),
            Step(n=3, action="press", text="Нажать Enter", target=_target("e2", "searchbox", "Поиск"),
                 data="Enter"),
        ],
        expected=[Expectation(kind="text", value="-2+3", text="-2+3 на экране")],
        priority="medium",
        source="skeleton",
        verification=Verification(status="failed", detail="=cmd|' /C calc'!A0 timed out"),
    )
    plus = TestCaseData(
        id=103,
        page_url=f"{BASE}/cart",
        title=PLUS_TITLE,
        steps=[
            _open(1, "/cart"),
            Step(n=2, action="click", text="Нажать «Добавить»", target=_target("e3", "button", "@SUM(1,2)")),
        ],
        expected=[Expectation(kind="text", value="1 товар", text='В корзине "1 товар"')],
        priority="low",
        source="model",
        verification=Verification(status="pending"),
    )
    at_sum = TestCaseData(
        id=104,
        page_url=f"{BASE}/",
        title=SUM_TITLE,
        steps=[
            _open(),
            Step(n=2, action="fill", text="Ввести формулу", target=_target("e4", "textbox", "Поле"),
                 data="=1+1"),
        ],
        expected=[Expectation(kind="visible", value="Результаты", text="Видны результаты")],
        source="skeleton",
        verification=Verification(status="not_executable", detail="needs a login"),
    )
    script = TestCaseData(
        id=105,
        page_url=f"{BASE}/?q=<b>x</b>",
        title=SCRIPT_TITLE,
        steps=[Step(n=1, action="click", text=IMG_TEXT, target=_target("e5", "button", "<b>OK</b>"))],
        expected=[Expectation(kind="dialog", value="<i>ok</i>", text="Показан диалог <i>ok</i>")],
        source="model",
        verification=Verification(status="verified"),
    )
    return PlanExport(
        id=7,
        url=f"{BASE}/",
        language="ru",
        status="done",
        created_at=datetime(2024, 5, 1, 12, 30, tzinfo=UTC),
        model_id="HuggingFaceTB/SmolLM2-135M-Instruct",
        device="cpu",
        cases=[contacts, hyperlink, plus, at_sum, script],
    )


TOTAL_STEPS = 10


@pytest.fixture
def plan() -> PlanExport:
    return make_plan()


@pytest.fixture
def plan_en() -> PlanExport:
    return make_plan().model_copy(update={"language": "en"})
