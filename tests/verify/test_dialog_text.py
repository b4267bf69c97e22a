"""A dialog expectation holds when the dialog says the text, however the two sides spell whitespace.

The case that failed with "expected dialog 'Введите e-mail E-mail ПодтвердитьЗакрыть': dialogs shown:
'Введите e-mail E-mail ПодтвердитьЗакрыть'": the explorer records a dialog's innerText (an <h2> and a
<label> end in line breaks, collapsed to one space), while Playwright's has_text reads textContent,
where nothing separates them. The verifier and the exported tests now share one comparison
(browser/js/dialog_shown.js); these pages are built the way the failing one was.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from planwright.browser.scripts import OPEN_DIALOGS_JS
from planwright.codegen import to_pytest
from planwright.schemas import TestCaseData
from planwright.verify import verify_cases
from tests.fixture_apps.common import AppHandler, AppServer, serve
from tests.verify.builders import as_verified, case, exp, role, step
from tests.verify.test_codegen import plan_of, run_pytest

# Built by script, as real apps do: no whitespace at all between the dialog's blocks.
_RUSSIAN_MODAL = """<!doctype html><html lang="ru"><meta charset="utf-8"><title>Библиотека</title>
<button id="open">Подписаться</button>
<script>
document.getElementById('open').addEventListener('click', () => {
  const box = document.createElement('div');
  box.setAttribute('role', 'dialog');
  box.innerHTML = '<h2>Введите e-mail</h2><label>E-mail<input type="email"></label>'
    + '<div><button>Подтвердить</button><button>Закрыть</button></div>';
  document.body.appendChild(box);
});
</script>"""

# NBSP, doubled spaces, line breaks and a Latin/Cyrillic/Japanese mix, in an HTML dialog and an alert().
_SPACED = """<!doctype html><html lang="ru"><meta charset="utf-8"><title>Mixed</title>
<button id="modal">Открыть</button><button id="native">Alert</button>
<dialog id="d"><p>Итого:&nbsp;&nbsp;42,50&nbsp;₽</p>
   <p>Order   №7   単語カード</p></dialog>
<script>
document.getElementById('modal').onclick = () => document.getElementById('d').show();
document.getElementById('native').onclick = () => alert('Введите  сумму\\nот 1 до\\u00a0100  (Amount)');
</script>"""

PAGES = {"/modal": _RUSSIAN_MODAL, "/spaced": _SPACED}


class _Pages(AppHandler):
    def do_GET(self) -> None:
        body = PAGES.get(self.path.split("?")[0])
        self.send_body(body or "<h1>Not found</h1>", status=200 if body else 404)


@pytest.fixture(scope="module")
def pages_url() -> Iterator[str]:
    with serve(AppServer(("127.0.0.1", 0), _Pages), "dialog-pages") as base_url:
        yield base_url


def _recorded_dialog_text(browser: Browser, url: str, button: str) -> str:
    """What the explorer records for the dialog the button opens (OPEN_DIALOGS_JS, innerText)."""
    page = browser.new_page()
    try:
        page.goto(url)
        page.get_by_role("button", name=button).click()
        page.wait_for_timeout(100)
        return str(page.evaluate(OPEN_DIALOGS_JS)[0]["text"])
    finally:
        page.close()


def _dialog_case(url: str, button: str, text: str) -> TestCaseData:
    return case(
        url,
        f"{button} shows a dialog",
        [step(1, "open", "Open the page"), step(2, "click", f"Click {button}", role("button", button))],
        [exp("dialog", text)],
    )


def test_the_recorded_russian_modal_text_is_verified(browser: Browser, pages_url: str) -> None:
    url = f"{pages_url}/modal"
    recorded = _recorded_dialog_text(browser, url, "Подписаться")
    assert recorded == "Введите e-mail E-mail ПодтвердитьЗакрыть"  # the text of the failing case
    [result] = verify_cases([_dialog_case(url, "Подписаться", recorded)], browser, timeout_s=10)
    assert result.status == "verified", result.detail


def test_line_breaks_nbsp_doubled_spaces_and_mixed_scripts_compare_equal(
    browser: Browser, pages_url: str
) -> None:
    url = f"{pages_url}/spaced"
    cases = [
        _dialog_case(url, "Открыть", "итого: 42,50 ₽ order №7 単語カード"),  # one space, case folded
        _dialog_case(url, "Открыть", "Итого:\u00a042,50\u00a0₽\nOrder  №7"),  # NBSP and a line break
        _dialog_case(url, "Alert", "Введите сумму от 1 до 100 (Amount)"),  # alert(): \n, NBSP, doubled
    ]
    results = verify_cases(cases, browser, timeout_s=10)
    assert [r.status for r in results] == ["verified"] * 3, [r.detail for r in results]


def test_a_dialog_that_says_something_else_still_fails(browser: Browser, pages_url: str) -> None:
    [result] = verify_cases(
        [_dialog_case(f"{pages_url}/modal", "Подписаться", "Введите пароль")], browser, timeout_s=10
    )
    assert result.status == "failed"
    assert result.detail is not None
    assert "dialogs shown: 'Введите e-mail E-mail ПодтвердитьЗакрыть'" in result.detail


def test_the_exported_test_compares_dialogs_the_same_way(
    browser: Browser, pages_url: str, tmp_path: Path
) -> None:
    modal = f"{pages_url}/modal"
    cases = [
        _dialog_case(modal, "Подписаться", _recorded_dialog_text(browser, modal, "Подписаться")),
        _dialog_case(f"{pages_url}/spaced", "Alert", "Введите сумму от 1 до 100"),
    ]
    path = tmp_path / "test_dialogs.py"
    path.write_bytes(to_pytest(plan_of(as_verified(cases), url=f"{pages_url}/")))
    result = run_pytest(path, pages_url)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout
