"""The run's JUnit XML: valid against the JUnit schema and read back by a JUnit parser (junitparser)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import junitparser
import xmlschema

from planwright.schemas import Verification
from planwright.targets.junit import run_junit
from planwright.targets.schemas import Heal, RegressionResult
from tests.verify.builders import case, exp, step

SCHEMA = xmlschema.XMLSchema(str(Path(__file__).with_name("junit.xsd")))


def regression() -> list[RegressionResult]:
    base = {"key": "k", "page_url": "http://shop.example/settings"}
    return [
        RegressionResult(**base, title="Home", status="still_passes", detail="1 step(s) run"),
        RegressionResult(
            **base,
            title="Sign-up asks for the email",
            status="now_fails",
            detail="expected text 'Email is required': not shown\nthe page said: Please enter your email",
        ),
        RegressionResult(
            **base, title="Password", status="not_executable", detail="step 2: target … matches 0 elements"
        ),
        RegressionResult(
            **base,
            title="Profile \x07saved",  # a control character from a page: replaced, the XML stays valid
            status="healed",
            heals=[
                Heal(
                    step=2,
                    old_locator='get_by_test_id("save-profile")',
                    new_locator='get_by_role("button", name="Save")',
                )
            ],
        ),
    ]


def cases() -> list:
    made = []
    for title, status, detail in (
        ("Contact us opens", "verified", None),
        ("Search finds", "failed", 'step 2 (Type): get_by_label("Search") could not be used in time'),
        ("Cart counter", "not_executable", "step 3: target matches 2 elements"),
    ):
        made.append(
            case(
                "http://shop.example/",
                title,
                [step(1, "open", "Open")],
                [exp("heading", "Shop")],
                verification=Verification(status=status, detail=detail),  # type: ignore[arg-type]
            )
        )
    return made


def test_the_report_validates_and_reads_back(tmp_path: Path) -> None:
    body = run_junit(
        target_name="Shop & Co",
        number=3,
        created_at=datetime(2026, 12, 1, 2, 0, tzinfo=UTC),
        regression=regression(),
        regression_seconds=12.3456,
        cases=cases(),
        verify_seconds=4.5,
    )
    SCHEMA.validate(body.decode("utf-8"))
    path = tmp_path / "run.junit.xml"
    path.write_bytes(body)
    report = junitparser.JUnitXml.fromfile(str(path))
    suites = {suite.name: suite for suite in report}
    assert set(suites) == {"regression", "verification"}
    regression_suite, verification_suite = suites["regression"], suites["verification"]
    assert (regression_suite.tests, regression_suite.failures, regression_suite.skipped) == (4, 1, 2)
    assert (verification_suite.tests, verification_suite.failures, verification_suite.skipped) == (3, 1, 1)
    outcomes = {
        test_case.name: [(type(result).__name__, result.type, result.message) for result in test_case.result]
        for suite in report
        for test_case in suite
    }
    assert outcomes["Home"] == [] and outcomes["Contact us opens"] == []
    assert outcomes["Sign-up asks for the email"] == [
        ("Failure", "now_fails", "expected text 'Email is required': not shown")
    ]
    assert (
        outcomes["Search finds"][0][:2] == ("Failure", "failed")
        and "step 2" in outcomes["Search finds"][0][2]
    )
    assert outcomes["Password"][0][:2] == ("Skipped", "not_executable")
    healed = outcomes["Profile \ufffdsaved"][0]
    assert healed[:2] == ("Skipped", "healed") and 'get_by_test_id("save-profile") → get_by_role' in healed[2]
    first = next(iter(regression_suite))
    assert first.classname == "shop_co.regression./settings"


def test_a_run_without_a_previous_one_has_only_its_verification() -> None:
    body = run_junit(
        target_name="x",
        number=1,
        created_at=datetime.now(UTC),
        regression=[],
        regression_seconds=None,
        cases=[],
        verify_seconds=None,
    )
    SCHEMA.validate(body.decode("utf-8"))
    assert b'<testsuite name="verification"' in body and b"regression" not in body
