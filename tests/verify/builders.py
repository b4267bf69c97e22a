"""Hand-built cases against the fixture site, as the pipeline would produce them from a crawl."""

from __future__ import annotations

from planwright.schemas import Expectation, Locator, Step, Target, TestCaseData, Verification


def role(role_name: str, name: str, page_url: str = "") -> Target:
    return Target(
        element_key="e1",
        page_url=page_url,
        role=role_name,
        name=name,
        locator=Locator(strategy="role", role=role_name, name=name),
    )


def by(strategy: str, value: str, role_name: str = "generic") -> Target:
    return Target(
        element_key="e2",
        page_url="",
        role=role_name,
        name=value,
        locator=Locator(strategy=strategy, value=value),  # type: ignore[arg-type]
    )


def step(n: int, action: str, text: str, target: Target | None = None, data: str | None = None) -> Step:
    return Step(n=n, action=action, text=text, target=target, data=data)  # type: ignore[arg-type]


def exp(kind: str, value: str, text: str = "") -> Expectation:
    return Expectation(kind=kind, value=value, text=text)  # type: ignore[arg-type]


def case(
    page_url: str, title: str, steps: list[Step], expected: list[Expectation], **extra: object
) -> TestCaseData:
    return TestCaseData(page_url=page_url, title=title, steps=steps, expected=expected, **extra)  # type: ignore[arg-type]


def contacts_case(base: str, heading: str = "Контакты") -> TestCaseData:
    """The study's own example: click "Контакты", land on /contacts, see its heading."""
    return case(
        f"{base}/",
        "Ссылка «Контакты» открывает страницу контактов",
        [
            step(1, "open", "Открыть главную страницу"),
            step(2, "click", "Нажать ссылку «Контакты»", role("link", "Контакты")),
        ],
        [
            exp("url", "/contacts", "Адрес страницы стал /contacts"),
            exp("heading", heading, f"Показан заголовок «{heading}»"),
            exp("status", "200"),
            exp("title", "Контакты — Fixture Shop"),
        ],
    )


def dialog_case(base: str) -> TestCaseData:
    return case(
        f"{base}/",
        "Подробнее opens the details dialog",
        [
            step(1, "open", "Open the home page"),
            step(2, "click", "Click Подробнее", role("button", "Подробнее")),
        ],
        [exp("dialog", "Details"), exp("visible", 'get_by_role("button", name="Close")')],
    )


def native_dialog_case(base: str) -> TestCaseData:
    return case(
        f"{base}/contacts",
        "Show phone shows the number in an alert",
        [step(1, "click", "Click Show phone", role("button", "Show phone"))],
        [exp("dialog", "Call us: +7 495 000-00-00")],
    )


def login_empty_case(base: str, message: str) -> TestCaseData:
    return case(
        f"{base}/login",
        "Empty login form is refused by the browser",
        [
            step(1, "open", "Open the login page"),
            step(2, "click", "Click Sign in", role("button", "Sign in")),
        ],
        [exp("validation", message), exp("url", "/login")],
    )


def login_valid_case(base: str) -> TestCaseData:
    return case(
        f"{base}/login",
        "Valid credentials open the account",
        [
            step(1, "open", "Open the login page"),
            step(2, "fill", "Type the email", by("label", "Email", "textbox"), "qa@example.com"),
            step(3, "fill", "Type the password", by("label", "Password", "textbox"), "secret"),
            step(4, "submit", "Submit the form", by("testid", "login-form", "form")),
        ],
        [exp("url", "/account"), exp("heading", "My account"), exp("status", "200")],
    )


def login_wrong_password_case(base: str) -> TestCaseData:
    return case(
        f"{base}/login",
        "Wrong password is rejected by the server",
        [
            step(1, "fill", "Type the email", by("label", "Email", "textbox"), "qa@example.com"),
            step(2, "fill", "Type a wrong password", by("label", "Password", "textbox"), "wrong"),
            step(3, "press", "Press Enter", by("label", "Password", "textbox"), "Enter"),
        ],
        [exp("validation", "Invalid email or password"), exp("status", "422")],
    )


def search_case(base: str) -> TestCaseData:
    return case(
        f"{base}/search",
        "Search finds mugs",
        [
            step(1, "open", "Open search", data="/search"),
            step(2, "fill", "Type mug", by("placeholder", "Search products", "searchbox"), "mug"),
            step(3, "select", "Sort by price", by("label", "Sort by", "combobox"), "Price"),
            step(4, "check", "Tick in stock", by("label", "In stock only", "checkbox")),
            step(5, "hover", "Point at Find", role("button", "Find")),
            step(6, "press", "Press Enter in the query", by("css", "#q", "searchbox"), "Enter"),
        ],
        [
            exp("url", "/search"),
            exp("heading", "Results for “mug”"),
            exp("text", "Red mug"),
            exp("visible", "Blue mug"),
        ],
    )


def good_cases(base: str, validation_message: str) -> list[TestCaseData]:
    return [
        contacts_case(base),
        dialog_case(base),
        native_dialog_case(base),
        login_empty_case(base, validation_message),
        login_valid_case(base),
        login_wrong_password_case(base),
        search_case(base),
    ]


def as_verified(cases: list[TestCaseData]) -> list[TestCaseData]:
    return [c.model_copy(update={"verification": Verification(status="verified")}) for c in cases]


def edit_box_case(base: str) -> TestCaseData:
    """The to-do app's in-place edit: a double-click on an added task's label opens its edit box."""
    return case(
        f"{base}/",
        "Double-clicking a task opens it for editing",
        [
            step(1, "open", "Open the task list"),
            step(2, "fill", "Type Buy milk", by("label", "New task", "textbox"), "Buy milk"),
            step(3, "click", "Click Add", role("button", "Add")),
            step(4, "dblclick", "Double-click “Buy milk”", by("css", 'label:text-is("Buy milk")')),
        ],
        [exp("visible", 'get_by_role("textbox", name="Edit task")', "The field “Edit task” is shown")],
    )


def edit_save_case(base: str) -> TestCaseData:
    """Enter in the edit box saves the new text in place of the old one."""
    opened = edit_box_case(base)
    return case(
        opened.page_url,
        "Editing a task and pressing Enter saves the new text",
        [
            *opened.steps,
            step(5, "fill", "Type Buy bread", role("textbox", "Edit task"), "Buy bread"),
            step(6, "press", "Press Enter", role("textbox", "Edit task"), "Enter"),
        ],
        [exp("text", "Buy bread"), exp("text", "0 of 1 done")],
    )


def back_keeps_cart_case(base: str, count: int = 1) -> TestCaseData:
    """The shop's cart count survives leaving the catalogue for the cart and going back."""
    return case(
        f"{base}/",
        "After adding to the cart, going back from the cart keeps the count",
        [
            step(1, "open", "Open the catalogue"),
            step(2, "click", "Add the red mug", by("testid", "add-red-mug", "button")),
            step(3, "click", "Open the cart", role("link", "Cart (1)")),
            step(4, "back", "Go back in the browser"),
        ],
        [exp("url", "/"), exp("heading", "Catalogue"), exp("text", f"Cart ({count})")],
    )
