from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from planwright.exports.pdf import _refusing_fetcher, render_html, to_pdf
from planwright.schemas import PlanExport
from tests.exports.conftest import CONTACTS_TITLE, HYPERLINK_TITLE, IMG_TEXT, SCRIPT_TITLE


def _require_poppler() -> None:
    """Fail loudly, never skip: scripts/bootstrap.sh installs poppler-utils."""
    missing = [tool for tool in ("pdftotext", "pdftoppm") if shutil.which(tool) is None]
    if missing:
        pytest.fail(f"{', '.join(missing)} missing: run scripts/bootstrap.sh (it installs poppler-utils)")


needs_poppler = pytest.mark.usefixtures("poppler")


@pytest.fixture
def poppler() -> None:
    _require_poppler()


@pytest.fixture(scope="module")
def pdf_bytes() -> bytes:
    from tests.exports.conftest import make_plan

    return to_pdf(make_plan())


def _text(pdf: bytes, tmp_path: Path) -> str:
    source = tmp_path / "plan.pdf"
    source.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-layout", "-enc", "UTF-8", str(source), "-"],
        check=True, capture_output=True, text=True,
    ).stdout


def test_pdf_is_a_pdf(pdf_bytes: bytes) -> None:
    assert pdf_bytes.startswith(b"%PDF")


def test_html_escapes_untrusted_text(plan: PlanExport) -> None:
    html = render_html(plan)
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img" not in html
    assert "<b>OK</b>" not in html


@needs_poppler
def test_pdf_text_has_cyrillic_titles_and_literal_markup(pdf_bytes: bytes, tmp_path: Path) -> None:
    text = " ".join(_text(pdf_bytes, tmp_path).split())
    assert CONTACTS_TITLE in text
    assert "Тест-план" in text  # ru labels for a ru plan
    assert SCRIPT_TITLE in text
    assert IMG_TEXT in text
    assert HYPERLINK_TITLE in text
    assert "Стр. 1 из" in text  # page numbers in the footer
    assert "HuggingFaceTB/SmolLM2-135M-Instruct" in text
    assert 'get_by_role("link", name="Контакты")' in text


@needs_poppler
def test_pdf_first_page_renders_to_png(pdf_bytes: bytes, tmp_path: Path) -> None:
    source = tmp_path / "plan.pdf"
    source.write_bytes(pdf_bytes)
    prefix = tmp_path / "page"
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(source), str(prefix)],
        check=True, capture_output=True,
    )
    pngs = sorted(tmp_path.glob("page*.png"))
    assert pngs, "pdftoppm produced no image"
    assert pngs[0].read_bytes().startswith(b"\x89PNG")
    assert pngs[0].stat().st_size > 5_000  # a blank page compresses to almost nothing


def test_english_plan_uses_english_labels(plan_en: PlanExport) -> None:
    html = render_html(plan_en)
    assert "Test plan" in html and "Expected results" in html
    assert "Тест-план" not in html


def test_renderer_fetches_nothing() -> None:
    fetcher = _refusing_fetcher()
    fetch = getattr(fetcher, "fetch", fetcher)
    for url in ("file:///etc/hostname", "http://127.0.0.1/", "data:text/plain,x"):
        with pytest.raises(ValueError):
            fetch(url)
