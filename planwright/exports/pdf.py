"""PDF export: an A4 report for people, rendered by WeasyPrint from a Jinja2 template.

Titles, names, step text and URLs come from crawled pages and from the model, so they are
untrusted: the template is rendered with autoescaping on (a ``<script>`` title is printed as
text, never parsed as markup), and WeasyPrint gets a URL fetcher that refuses every URL, so
nothing in a plan can make the renderer read a local file or call the network.
Labels follow the plan's language; text is set in DejaVu Sans, which covers Cyrillic.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template

from planwright.exports.common import (
    LABELS,
    case_key,
    expectation_text,
    format_created,
    ordered_steps,
    summarize,
)
from planwright.schemas import PlanExport, Step, TestCaseData

TEMPLATE_DIR = Path(__file__).parent / "templates"


@dataclass(frozen=True)
class _CaseView:
    key: str
    case: TestCaseData
    steps: list[Step]
    expected: list[str]


@cache
def _template() -> Template:
    environment = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=True,  # every value is escaped; the template contains no |safe
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return environment.get_template("plan.html")


def render_html(plan: PlanExport) -> str:
    """The HTML the PDF is made from (useful on its own for previews and for tests)."""
    cases = [
        _CaseView(
            key=case_key(case, position),
            case=case,
            steps=ordered_steps(case),
            expected=[expectation_text(expectation) for expectation in case.expected],
        )
        for position, case in enumerate(plan.cases, start=1)
    ]
    return _template().render(
        plan=plan,
        labels=LABELS[plan.language],
        created=format_created(plan.created_at),
        summary=summarize(plan),
        cases=cases,
    )


def _refusing_fetcher() -> Any:
    """A URL fetcher that allows no protocol: the report never loads anything from outside."""
    try:
        from weasyprint.urls import URLFetcher
    except ImportError:  # WeasyPrint < 66 takes a plain function
        def refuse(url: str, timeout: int = 10, ssl_context: Any = None) -> dict[str, Any]:
            raise ValueError(f"external resources are disabled in PDF exports: {url}")

        return refuse
    return URLFetcher(allowed_protocols=())


def to_pdf(plan: PlanExport) -> bytes:
    """Render the plan as an A4 PDF with page numbers in the footer."""
    from weasyprint import HTML  # imported here: loading WeasyPrint is slow and only the PDF needs it

    document = HTML(string=render_html(plan), base_url=None, url_fetcher=_refusing_fetcher())
    pdf = document.write_pdf()
    assert pdf is not None
    return bytes(pdf)
