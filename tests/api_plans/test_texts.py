"""Which of the model's titles an api case keeps: numbered, grounded in what it checks, not repeated."""

from __future__ import annotations

from planwright.api_plans.texts import apply_titles, build_messages
from planwright.schemas import TestCaseData


def case(title: str) -> TestCaseData:
    return TestCaseData(page_url="GET /items", title=f"GET /items: {title}", steps=[], expected=[])


def test_grounded_titles_are_kept_and_others_refused_with_why() -> None:
    cases = [
        case("a valid request is answered 200"),
        case("query 'limit' above the maximum 50 is refused"),
        case("without credentials the request is refused"),
        case("with wrong credentials the request is refused"),
        case("query 'color' not one of red, green, blue is refused"),
    ]
    answer = (
        "1. Response: 200\n2. A 'limit' above 50 is refused\n3. Listing without credentials is refused with 401\n"
        "4. Wrong credentials are refused\n5. An unknown color is refused"
    )
    cases.append(case("with wrong credentials the request is refused"))
    answer += "\n6. Without credentials the request is refused"
    kept, reasons = apply_titles(cases, answer, set())
    assert kept == 2
    assert [c.title for c in cases if c.source == "model"] == [
        "GET /items: A 'limit' above 50 is refused",
        "GET /items: Wrong credentials are refused",
    ]
    assert reasons == [
        "1: leaves out valid",
        "3: names status 401, which the case does not check",
        "5: leaves out 'color'",
        "6: leaves out wrong",
    ]
    assert cases[0].title == "GET /items: a valid request is answered 200" and cases[0].source == "skeleton"


def test_one_operation_per_prompt_in_the_plans_language() -> None:
    messages = build_messages("GET /items", "List items", [case("a valid request is answered 200")], "ru")
    assert "Operation: GET /items — List items" in messages[1]["content"]
    assert "1. a valid request is answered 200" in messages[1]["content"]
    assert "in Russian" in messages[1]["content"] and "Answer in Russian" in messages[0]["content"]
