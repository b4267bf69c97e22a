"""Actionable elements beyond named native controls, in real headless Chromium."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, Page

from planwright.crawl.actionable import (
    ACTIONABLE_ATTRIBUTE,
    GROUP_ATTRIBUTE,
    ActionableCandidate,
    ActionableScan,
    install,
    listeners_tracked,
    scan_actionable,
)
from planwright.crawl.extract import extract_elements
from tests.crawl.served_html import open_html

Load = Callable[[str], ActionableScan]


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context()
    install(context)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def load(page: Page) -> Load:
    """Serve one HTML document at a real URL (so init scripts run first) and scan it."""

    def serve_and_scan(html: str) -> ActionableScan:
        open_html(page, html)
        return scan_actionable(page)

    return serve_and_scan


def by_text(scan: ActionableScan, text: str) -> ActionableCandidate:
    matches = [c for c in scan.candidates if c.text == text]
    assert len(matches) == 1, (text, [(c.tag, c.text) for c in scan.candidates])
    return matches[0]


def by_id(scan: ActionableScan, element_id: str) -> ActionableCandidate:
    matches = [c for c in scan.candidates if c.naming.element_id == element_id]
    assert len(matches) == 1, (element_id, [(c.tag, c.naming.element_id) for c in scan.candidates])
    return matches[0]


def test_listeners_are_tracked_from_before_page_scripts(page: Page, load: Load) -> None:
    scan = load(
        """<body><div id="tile">Tile</div><div id="gone">Gone</div>
        <script>
          const tile = document.getElementById('tile');
          tile.addEventListener('click', () => {});
          tile.addEventListener('keydown', () => {});
          const gone = document.getElementById('gone');
          const handler = () => {};
          gone.addEventListener('click', handler);
          gone.removeEventListener('click', handler);
        </script></body>"""
    )
    assert listeners_tracked(page)
    tile = by_id(scan, "tile")
    assert (tile.tag, tile.events, tile.reasons, tile.native) == (
        "div",
        ["click", "keydown"],
        ["listener"],
        False,
    )
    assert not [c for c in scan.candidates if c.naming.element_id == "gone"]  # its listener was removed
    assert page.locator(f'[{ACTIONABLE_ATTRIBUTE}="{tile.key}"]').get_attribute("id") == "tile"


def test_icon_button_with_id_only_is_found_and_named(load: Load) -> None:
    scan = load(
        """<body><button id="btnPlay"><i class="fas fa-play"></i></button>
        <button>Stop</button><button><i class="fa fa-trash-alt"></i></button></body>"""
    )
    play = by_id(scan, "btnPlay")
    assert (play.tag, play.role, play.native, play.reasons) == ("button", "button", True, ["unnamed-native"])
    assert play.naming.inner_classes == ["fas", "fa-play"]
    name = play.people_name()
    assert name is not None and (name.name, name.source) == ("Play", "id")
    trash = next(c for c in scan.candidates if c.naming.inner_classes == ["fa", "fa-trash-alt"])
    trash_name = trash.people_name()
    assert trash_name is not None and (trash_name.name, trash_name.source) == ("Trash", "icon")
    assert not [c for c in scan.candidates if c.text == "Stop"]  # a named button is the extractor's


def test_table_cell_with_click_handler_and_its_row(load: Load) -> None:
    scan = load(
        """<body><table><tbody>
          <tr><td>Alice</td><td class="edit" id="edit-alice">✎</td></tr>
          <tr><td>Bob</td><td class="edit" id="edit-bob">✎</td></tr>
        </tbody></table>
        <script>
          document.querySelectorAll('td.edit').forEach((td) => td.addEventListener('click', () => {}));
        </script></body>"""
    )
    cell = by_id(scan, "edit-bob")
    assert (cell.tag, cell.events) == ("td", ["click"])
    assert cell.container is not None
    assert (cell.container.tag, cell.container.role, cell.container.index, cell.container.count) == (
        "tr",
        "row",
        1,
        2,
    )
    assert cell.container.text.startswith("Bob") and not cell.container.is_self
    assert cell.container.key_text == "Bob"  # the row's own text, not the cell's


def test_image_with_dblclick_handler(load: Load) -> None:
    scan = load(
        """<body><img id="photo" alt="Sunset over the sea" width="120" height="80"
        src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
        <script>document.getElementById('photo').ondblclick = () => {};</script></body>"""
    )
    photo = by_id(scan, "photo")
    assert (photo.tag, photo.role, photo.events, photo.reasons) == (
        "img",
        "img",
        ["dblclick"],
        ["inline-handler"],
    )
    name = photo.people_name()
    assert name is not None and (name.name, name.source) == ("Sunset over the sea", "alt")


def test_inline_onclick_attribute_counts(load: Load) -> None:
    scan = load("""<body><span onclick="this.textContent = 'done'">Mark done</span></body>""")
    span = by_text(scan, "Mark done")
    assert (span.events, span.reasons) == (["click"], ["inline-handler"])


def test_delegated_list_clicks_mark_the_items(load: Load) -> None:
    scan = load(
        """<body><ul id="songs">
          <li class="song">First song</li><li class="song">Second song</li><li class="song">Third song</li>
        </ul>
        <script>
          document.getElementById('songs').addEventListener('click', (e) => e.target.closest('li'));
        </script></body>"""
    )
    items = [c for c in scan.candidates if c.tag == "li"]
    assert [c.text for c in items] == ["First song", "Second song", "Third song"]
    for item in items:
        assert item.reasons == ["delegated"] and item.events == ["click"]
        assert item.delegated_from == "ul"
        assert item.container is not None and item.container.is_self and item.container.role == "listitem"
    assert not [
        c for c in scan.candidates if c.naming.element_id == "songs"
    ]  # the list itself is not a target


def test_two_inputs_and_a_button_form_one_group(page: Page, load: Load) -> None:
    scan = load(
        """<body><h1>Tip calculator</h1>
        <div class="calc">
          <label>Bill <input id="bill" type="text"></label>
          <label>Tip % <input id="tip" type="text"></label>
          <button id="go">Calculate</button>
          <div class="out" id="result"></div>
        </div>
        <form><input name="q"><button>Search</button></form>
        <script>document.getElementById('go').addEventListener('click', () => {});</script></body>"""
    )
    assert len(scan.groups) == 1
    group = scan.groups[0]
    assert group.container_tag == "div"
    assert [(f.element_id, f.label) for f in group.fields] == [("bill", "Bill"), ("tip", "Tip %")]
    assert [(b.element_id, b.text) for b in group.buttons] == [("go", "Calculate")]
    assert page.locator(f'[{GROUP_ATTRIBUTE}="{group.group_id}"]').count() == 3
    assert page.locator("form input").get_attribute(GROUP_ATTRIBUTE) is None  # forms are not groups


def test_groups_point_at_the_extractors_keys(page: Page, load: Load) -> None:
    load(
        """<body><div><input id="a" type="number"> + <input id="b" type="number">
        <button id="add">Add</button><button id="sub">Subtract</button></div></body>"""
    )
    _, elements, _ = extract_elements(page)
    scan = scan_actionable(page)
    assert len(scan.groups) == 1
    keys = {element.key for element in elements}
    group = scan.groups[0]
    assert [b.text for b in group.buttons] == ["Add", "Subtract"]  # two buttons read the same fields
    assert all(member.extract_key in keys for member in [*group.fields, *group.buttons])


def test_cursor_pointer_span_and_roles_and_tabindex(load: Load) -> None:
    scan = load(
        """<body>
        <span id="more" style="cursor: pointer">Show more <b>details</b></span>
        <div role="tab" id="tab-2">Second tab</div>
        <div tabindex="0" id="focusable">Focus me</div>
        <div tabindex="-1" id="not-focusable">Programmatic focus only</div>
        <div role="switch" aria-disabled="true" id="off">Disabled switch</div>
        </body>"""
    )
    more = by_id(scan, "more")
    assert more.reasons == ["cursor"] and more.text == "Show more details"
    assert not [c for c in scan.candidates if c.tag == "b"]  # it only inherits the pointer
    assert by_id(scan, "tab-2").reasons == ["role"] and by_id(scan, "tab-2").role == "tab"
    assert by_id(scan, "focusable").reasons == ["tabindex"]
    ids = {c.naming.element_id for c in scan.candidates}
    assert "not-focusable" not in ids and "off" not in ids


def test_invisible_handler_elements_are_excluded(load: Load) -> None:
    scan = load(
        """<body><div id="shown">Shown</div><div id="hidden" style="display:none">Hidden</div>
        <div id="invisible" style="visibility:hidden">Invisible</div><div id="empty"></div>
        <script>
          for (const id of ['shown', 'hidden', 'invisible', 'empty']) {
            document.getElementById(id).addEventListener('click', () => {});
          }
        </script></body>"""
    )
    assert [c.naming.element_id for c in scan.candidates] == ["shown"]


def test_a_checkbox_in_a_row_has_its_row_for_a_relative_locator(page: Page, load: Load) -> None:
    scan = load(
        """<body><ul class="todo-list">
          <li><div class="view"><input class="toggle" type="checkbox"><label>Buy milk</label></div></li>
          <li><div class="view"><input class="toggle" type="checkbox"><label>Walk the dog</label></div></li>
        </ul></body>"""
    )
    toggles = [c for c in scan.candidates if c.tag == "input"]
    assert len(toggles) == 2 and all(t.reasons == ["unnamed-native"] for t in toggles)
    container = toggles[1].container
    assert container is not None and (container.role, container.text, container.is_self) == (
        "listitem",
        "Walk the dog",
        False,
    )
    located = page.get_by_role("listitem").filter(has_text=container.text).get_by_role("checkbox")
    assert located.get_attribute(ACTIONABLE_ATTRIBUTE) == toggles[1].key
    assert scan.groups == []  # a checkbox alone is not something a button reads


def test_cards_are_repeated_containers(load: Load) -> None:
    scan = load(
        """<body><div class="grid">
          <div class="card"><h3>Red mug</h3><span class="like" data-testid="like-red">♥</span></div>
          <div class="card"><h3>Blue mug</h3><span class="like" data-testid="like-blue">♥</span></div>
        </div>
        <script>document.querySelectorAll('.like').forEach((el) => el.onclick = () => {});</script></body>"""
    )
    likes = [c for c in scan.candidates if c.naming.test_ids]
    assert [c.naming.test_ids for c in likes] == [{"data-testid": "like-red"}, {"data-testid": "like-blue"}]
    container = likes[0].container
    assert container is not None and (container.tag, container.classes, container.is_self) == (
        "div",
        ["card"],
        False,
    )
    assert container.text.startswith("Red mug") and container.role is None  # known by its class only
    named = likes[1].people_name()
    assert named is not None and (named.name, named.source) == ("♥", "text")


def test_without_install_only_handlers_are_seen(browser: Browser) -> None:
    context = browser.new_context()
    try:
        page = context.new_page()
        page.set_content(
            """<div id="listened">A</div><div id="handled" onclick="1">B</div>
            <script>document.getElementById('listened').addEventListener('click', () => {});</script>"""
        )
        assert not listeners_tracked(page)
        scan = scan_actionable(page)
        assert [c.naming.element_id for c in scan.candidates] == ["handled"]
    finally:
        context.close()
