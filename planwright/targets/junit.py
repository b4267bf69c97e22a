"""A run as JUnit XML: the format CI servers (Jenkins, GitLab) and TestRail/Xray/Zephyr importers read.

Two suites: `regression` (the previous run's verified cases executed again) and `verification` (this
run's cases). A case that now fails or failed verification is a <failure> with the step and reason;
one that could not be executed is <skipped> with why; a *healed* case is <skipped> too, with the old
and new locator, so that a heal is never counted as a silent pass. Pure: values in, bytes out.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import datetime

from planwright.schemas import TestCaseData
from planwright.targets.diff import page_template
from planwright.targets.schemas import RegressionResult

# XML 1.0 has no place for most control characters: a page's text may hold them, the report must not.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _text(value: str | None) -> str:
    return NOT_XML.sub("\ufffd", value or "")


def _first_line(value: str | None, limit: int = 300) -> str:
    line = _text(value).strip().splitlines()[0] if (value or "").strip() else ""
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _seconds(value: float | None) -> str:
    return f"{max(0.0, value or 0.0):.3f}"


def _suite(parent: ET.Element, name: str, timestamp: datetime, seconds: float | None) -> ET.Element:
    return ET.SubElement(
        parent, "testsuite", name=name, timestamp=timestamp.isoformat(), time=_seconds(seconds)
    )


def _case(suite: ET.Element, classname: str, title: str) -> ET.Element:
    return ET.SubElement(
        suite, "testcase", classname=_text(classname), name=_text(title) or "(untitled)", time="0.000"
    )


def _finish(suite: ET.Element) -> dict[str, int]:
    cases = suite.findall("testcase")
    counts = {
        "tests": len(cases),
        "failures": sum(1 for case in cases if case.find("failure") is not None),
        "errors": 0,
        "skipped": sum(1 for case in cases if case.find("skipped") is not None),
    }
    for key, value in counts.items():
        suite.set(key, str(value))
    return counts


def _classname(prefix: str, page_url: str) -> str:
    """'shop.regression./settings': CI servers group cases by the dotted classname."""
    return f"{prefix}.{page_template(page_url)}"


def run_junit(
    *,
    target_name: str,
    number: int,
    created_at: datetime,
    regression: list[RegressionResult],
    regression_seconds: float | None,
    cases: list[TestCaseData],
    verify_seconds: float | None,
) -> bytes:
    root = ET.Element("testsuites", name=_text(f"Planwright: {target_name}, run {number}"))
    prefix = re.sub(r"[^0-9A-Za-z_-]+", "_", target_name).strip("_").lower() or "target"
    if regression:
        suite = _suite(root, "regression", created_at, regression_seconds)
        for result in regression:
            case = _case(suite, _classname(f"{prefix}.regression", result.page_url), result.title)
            heals = "; ".join(f"step {h.step}: {h.old_locator} → {h.new_locator}" for h in result.heals)
            if result.status == "now_fails":
                failure = ET.SubElement(case, "failure", type="now_fails", message=_first_line(result.detail))
                failure.text = _text((result.detail or "") + (f"\nhealed first: {heals}" if heals else ""))
            elif result.status == "not_executable":
                ET.SubElement(case, "skipped", type="not_executable", message=_first_line(result.detail))
            elif result.status == "healed":
                ET.SubElement(
                    case, "skipped", type="healed", message=_text(f"passes only after re-grounding: {heals}")
                )
        _finish(suite)
    suite = _suite(root, "verification", created_at, verify_seconds)
    for data in cases:
        case = _case(suite, _classname(f"{prefix}.verification", data.page_url), data.title)
        verification = data.verification
        if verification.status == "failed":
            failure = ET.SubElement(case, "failure", type="failed", message=_first_line(verification.detail))
            failure.text = _text(verification.detail)
        elif verification.status == "not_executable":
            ET.SubElement(case, "skipped", type="not_executable", message=_first_line(verification.detail))
        elif verification.status == "pending":
            ET.SubElement(case, "skipped", type="pending", message="not verified (verification was off)")
    _finish(suite)
    totals = dict.fromkeys(("tests", "failures", "errors", "skipped"), 0)
    for each in root.findall("testsuite"):
        for key in totals:
            totals[key] += int(each.get(key, "0"))
    for key in ("tests", "failures", "errors"):
        root.set(key, str(totals[key]))
    root.set("time", _seconds((regression_seconds or 0.0) + (verify_seconds or 0.0)))
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
