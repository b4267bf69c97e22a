"""The diff of two runs, as pure functions: pages, elements and cases matched by stable keys."""

from __future__ import annotations

from planwright.schemas import CrawlResult, Element, Locator, PageSnapshot, Target, TestCaseData
from planwright.targets.diff import case_keys, diff_runs, page_template, word_diff
from tests.verify.builders import case, exp, step

BASE = "http://shop.example"


def link(key: str, name: str, href: str) -> Element:
    return Element(
        key=key,
        kind="link",
        role="link",
        name=name,
        href=href,
        locator=Locator(strategy="role", role="link", name=name),
    )


def button(key: str, name: str, testid: str) -> Element:
    return Element(
        key=key, kind="button", role="button", name=name, locator=Locator(strategy="testid", value=testid)
    )


def field(key: str, label: str) -> Element:
    return Element(
        key=key, kind="input", role="textbox", name=label, locator=Locator(strategy="label", value=label)
    )


def target_of(element: Element, page_url: str) -> Target:
    return Target(
        element_key=element.key,
        page_url=page_url,
        role=element.role,
        name=element.name,
        locator=element.locator,
    )


def click_case(element: Element, page: str, expected: list, title: str) -> TestCaseData:
    url = f"{BASE}{page}"
    return case(
        url,
        title,
        [
            step(1, "open", "Open the page", data=url),
            step(2, "click", f"Click {element.name}", target_of(element, url)),
        ],
        expected,
    )


def crawl(pages: dict[str, list[Element]]) -> CrawlResult:
    return CrawlResult(
        start_url=f"{BASE}/",
        pages=[PageSnapshot(url=f"{BASE}{path}", elements=els) for path, els in pages.items()],
    )


def test_page_templates_hide_ids_and_query_values() -> None:
    assert page_template("http://a.example/items/42?sort=asc&page=2") == "/items/{n}?page&sort"
    assert page_template("http://a.example/orders/3f2a9c1e-77aa-4b1c-9d2e-0c1b2a3d4e5f") == "/orders/{id}"
    assert page_template("http://b.example/about") == "/about"
    assert page_template("http://a.example") == "/"


def test_word_diff_marks_struck_and_added_words() -> None:
    changes = word_diff("Enter a valid email", "Please enter a valid e-mail")
    assert [(c.op, c.text) for c in changes if c.op != "equal"] == [
        ("delete", "Enter"),
        ("insert", "Please enter"),
        ("delete", "email"),
        ("insert", "e-mail"),
    ]


def test_a_fixture_app_changed_between_two_runs() -> None:
    """A link renamed, a field removed, a validation message reworded, a button's id changed with its
    label kept, a page added: each shows, and nothing unchanged is reported."""
    contacts_old, contacts_new = (
        link("e1", "Contacts", f"{BASE}/contacts"),
        link("e7", "Contact us", f"{BASE}/contacts"),
    )
    about = link("e2", "About", f"{BASE}/about")
    save_old, save_new = button("e3", "Save", "save-btn"), button("e9", "Save", "save-button")
    email, phone = field("e4", "Email"), field("e5", "Phone")
    submit = button("e6", "Send", "send")
    old = crawl({"/": [contacts_old, about, save_old], "/form": [email, phone, submit], "/about": []})
    new = crawl({"/": [contacts_new, about, save_new], "/form": [email, submit], "/about": [], "/blog": []})

    def form_case(message: str) -> TestCaseData:
        url = f"{BASE}/form"
        return case(
            url,
            "Sending the form empty shows a message",
            [step(1, "open", "Open", data=url), step(2, "click", "Click Send", target_of(submit, url))],
            [exp("validation", message, f"The message '{message}' is shown")],
        )

    phone_case = case(
        f"{BASE}/form",
        "Phone accepts digits",
        [step(1, "fill", "Type 123", target_of(phone, f"{BASE}/form"), data="123")],
        [exp("visible", "123")],
    )
    about_case = click_case(about, "/", [exp("url", "/about")], "About opens")
    old_cases = [
        click_case(contacts_old, "/", [exp("url", "/contacts")], "Contacts opens the contacts page"),
        about_case,
        click_case(save_old, "/", [exp("text", "Saved")], "Save saves"),
        form_case("Fill in this field"),
        phone_case,
    ]
    new_cases = [
        about_case,  # moved in the list: matched by key, not position
        click_case(contacts_new, "/", [exp("url", "/contacts")], "Contact us opens the contacts page"),
        click_case(save_new, "/", [exp("text", "Saved")], "Save saves"),
        form_case("Please fill in this field"),
    ]
    diff = diff_runs(
        number=2, previous=1, old_crawl=old, old_cases=old_cases, new_crawl=new, new_cases=new_cases
    )

    assert diff.pages_added == ["/blog"] and diff.pages_gone == []
    assert [(e.page, e.name) for e in diff.elements_gone] == [("/form", "Phone")]
    assert diff.elements_added == []
    renamed = {(r.old_name, r.new_name, r.old_locator, r.new_locator) for r in diff.elements_renamed}
    assert renamed == {
        (
            "Contacts",
            "Contact us",
            'get_by_role("link", name="Contacts")',
            'get_by_role("link", name="Contact us")',
        ),
        ("Save", "Save", 'get_by_test_id("save-btn")', 'get_by_test_id("save-button")'),
    }
    assert [c.title for c in diff.cases_removed] == ["Phone accepts digits"]
    assert diff.cases_added == []
    changed = {c.title: {f.field for f in c.changes} for c in diff.cases_changed}
    assert changed == {
        "Contact us opens the contacts page": {"title", "steps"},
        "Save saves": {"steps"},
        "Sending the form empty shows a message": {"expected"},
    }
    reworded = next(c for c in diff.cases_changed if c.title.startswith("Sending"))
    inserted = [w.text for f in reworded.changes for w in f.words if w.op == "insert"]
    assert "Please" in " ".join(inserted)
    assert diff.cases_unchanged == 1  # About: unchanged, and not reported


def test_the_same_run_twice_is_an_empty_diff() -> None:
    elements = [link("e1", "Home", f"{BASE}/"), field("e2", "Search")]
    run = crawl({"/": elements})
    cases = [
        click_case(elements[0], "/", [exp("url", "/")], "Home"),
        click_case(elements[0], "/", [exp("title", "Shop")], "Home 2"),
    ]
    diff = diff_runs(
        number=2, previous=1, old_crawl=run, old_cases=cases, new_crawl=run, new_cases=list(reversed(cases))
    )
    assert diff.is_empty() and diff.cases_unchanged == 2


def test_cases_sharing_a_key_pair_by_likeness_not_order() -> None:
    home = link("e1", "Home", f"{BASE}/")
    first, second = (
        click_case(home, "/", [exp("url", "/")], "a"),
        click_case(home, "/", [exp("title", "Shop")], "b"),
    )
    keys = case_keys([first, second], {})
    assert (
        keys[0]
        == keys[1]
        == 'page / | click:link:Home:get_by_role("link", name="Home")'.removeprefix("page ")
    )
    run = crawl({"/": [home]})
    reworded = click_case(home, "/", [exp("title", "Shop!")], "b")
    diff = diff_runs(
        number=2,
        previous=1,
        old_crawl=run,
        old_cases=[first, second],
        new_crawl=run,
        new_cases=[reworded, first],
    )
    assert diff.cases_unchanged == 1 and [c.old_title for c in diff.cases_changed] == ["b"]


def api_cases(document: dict) -> list[TestCaseData]:
    """The cases an api plan builds from `document` (the real builder, no service needed)."""
    from planwright.api_plans.cases import CaseBuilder, OperationIndex
    from planwright.api_plans.operations import iter_operations
    from planwright.api_plans.spec import load_spec

    spec = load_spec(document=document)
    builder = CaseBuilder(spec, OperationIndex.build(spec), "en")
    return [made for operation in iter_operations(spec) for made in builder.cases_for(operation)]


def test_api_case_keys_name_what_a_case_probes_not_its_title_or_values() -> None:
    import copy

    from tests.fixture_apps.api.service import SPEC

    cases = api_cases(SPEC)
    keys = case_keys(cases, {})
    retitled = [c.model_copy(update={"title": f"Model wrote {n}", "source": "model"}) for n, c in enumerate(cases)]
    assert case_keys(retitled, {}) == keys  # the model's titles never enter a key
    missing = [k for k in keys if k.startswith("POST /items | missing_required")]
    assert len(missing) == len(set(missing)) == 4  # the body, then each of name, sku, color left out
    assert len(set(keys)) == len(keys)  # on this document no two cases probe the same names and types
    tightened = copy.deepcopy(SPEC)
    tightened["paths"]["/items"]["get"]["parameters"][0]["schema"]["maximum"] = 40
    diff = diff_runs(
        number=2, previous=1, old_crawl=CrawlResult(start_url=BASE), old_cases=cases,
        new_crawl=CrawlResult(start_url=BASE), new_cases=api_cases(tightened),
    )  # fmt: skip
    assert not diff.cases_added and not diff.cases_removed
    assert [c.key for c in diff.cases_changed] == [
        "GET /items | constraint_violated | GET /items auth=valid [query.limit:number] | rule: maximum"
    ]
