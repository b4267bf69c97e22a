"""The fixture site serves what the crawl tests rely on, through a real browser."""

from __future__ import annotations

from playwright.sync_api import Browser


def test_pages_render_with_nav_and_headings(fixture_site: str, browser: Browser) -> None:
    context = browser.new_context()
    try:
        page = context.new_page()
        for path, heading in [
            ("/", "Fixture Shop — Главная"),
            ("/contacts", "Контакты"),
            ("/about", "About us"),
            ("/login", "Login"),
            ("/search", "Search"),
        ]:
            response = page.goto(fixture_site + path)
            assert response is not None and response.status == 200
            assert page.get_by_role("heading", level=1).inner_text() == heading
            assert page.get_by_role("link", name="Контакты", exact=True).count() == 1
    finally:
        context.close()


def test_login_flow_and_search_escaping(fixture_site: str, browser: Browser) -> None:
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(fixture_site + "/login")
        page.get_by_label("Email").fill("qa@example.com")
        page.get_by_label("Password").fill("wrong")
        page.get_by_role("button", name="Sign in").click()
        assert page.get_by_role("alert").inner_text() == "Invalid email or password"
        page.get_by_label("Password").fill("secret")
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url("**/account")
        assert page.get_by_role("heading", level=1).inner_text() == "My account"
        page.goto(fixture_site + "/search?q=<b>x</b>")
        assert page.get_by_role("heading", level=2).inner_text() == "Results for “<b>x</b>”"
        assert page.get_by_text("Nothing found").is_visible()
    finally:
        context.close()
