"""The page view keeps every element and measures chunks with the default model's real tokenizer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Browser

from planwright.pipeline.page_view import (
    CONTINUED_MARKER,
    PIECE_END_MARKER,
    PIECE_START_MARKER,
    PageChunk,
    chunk_page,
    compact_snapshot,
    page_chunks,
)

Counter = Callable[[str], int]


@pytest.fixture(scope="module")
def tokenizer() -> Any:
    from transformers import AutoTokenizer

    from planwright.engine.loading import resolve_model
    from planwright.settings import Settings

    source = resolve_model(Settings())  # converts the bundled GGUF once, then reads the cache
    return AutoTokenizer.from_pretrained(str(source.path))


@pytest.fixture(scope="module")
def count(tokenizer: Any) -> Counter:
    def count_tokens(text: str) -> int:
        return len(tokenizer(text, add_special_tokens=False)["input_ids"])

    return count_tokens


SMALL_PAGE = """\
- navigation "Main":
  - link "Home":
    - /url: /
  - link "Контакты":
    - /url: /contacts
- heading "Todos" [level=1]
- textbox "New task"
- button "Add"
- list:
  - listitem: Buy milk
  - listitem:
    - text:   Walk    the dog
    - button "Delete"
- text: 3 items left
"""


def big_page(items: int = 400) -> str:
    """A page with a banner, a nav, a form and a long list of English and Cyrillic items."""
    parts = [
        "- banner:",
        '  - heading "Список дел / Todo list" [level=1]',
        '  - navigation "Main":',
        "    - list:",
    ]
    for name, url in [("Home", "/"), ("Контакты", "/contacts"), ("Settings", "/settings")]:
        parts += ["      - listitem:", f'        - link "{name}":', f"          - /url: {url}"]
    parts += [
        "- main:",
        '  - form "Новая задача":',
        '    - textbox "Task title"',
        '    - combobox "Priority":',
        '      - option "Low"',
        '      - option "High" [selected]',
        '    - button "Add task"',
        "  - list:",
    ]
    for i in range(items):
        if i % 3 == 0:
            parts += [
                "    - listitem:",
                f"      - text: Купить молоко и хлеб №{i}",
                '      - button "Удалить"',
            ]
        else:
            parts.append(f"    - listitem: Task {i}: water the plants on the balcony before noon")
    parts += ["- contentinfo:", f"  - text: {items} items left"]
    return "\n".join(parts)


def ancestors_of(lines: list[str], index: int) -> list[int]:
    """Indices of the lines that contain line `index` by indentation, outermost first."""
    found: list[int] = []
    width = len(lines[index]) - len(lines[index].lstrip(" "))
    for j in range(index - 1, -1, -1):
        w = len(lines[j]) - len(lines[j].lstrip(" "))
        if w < width:
            found.append(j)
            width = w
    return found[::-1]


def reassemble(chunks: list[PageChunk]) -> list[str]:
    """The original lines back from the chunks: drop context headers, glue split lines at markers."""
    lines: list[str] = []
    for k, chunk in enumerate(chunks):
        body = chunk.text.split("\n")[chunk.context_lines :]
        starts_mid = k > 0 and chunks[k - 1].last_line == chunk.first_line
        ends_mid = k + 1 < len(chunks) and chunks[k + 1].first_line == chunk.last_line
        if ends_mid:
            assert body[-1].endswith(PIECE_END_MARKER)
            body[-1] = body[-1][: -len(PIECE_END_MARKER)]
        if starts_mid:
            head = body.pop(0)
            rest = head.lstrip(" ")
            assert rest.startswith(PIECE_START_MARKER)
            lines[-1] += rest[len(PIECE_START_MARKER) :]
        lines.extend(body)
    return lines


def check_invariants(lines: list[str], chunks: list[PageChunk], count: Counter, budget: int) -> None:
    assert chunks
    for chunk in chunks:
        assert chunk.tokens == count(chunk.text) <= budget
    assert chunks[0].first_line == 0 and chunks[-1].last_line == len(lines) - 1
    for prev, chunk in zip(chunks, chunks[1:], strict=False):
        assert chunk.first_line in (prev.last_line, prev.last_line + 1)
    for k, chunk in enumerate(chunks):
        starts_mid = k > 0 and chunks[k - 1].last_line == chunk.first_line
        expected = [lines[a] + CONTINUED_MARKER for a in ancestors_of(lines, chunk.first_line)]
        assert chunk.text.split("\n")[: chunk.context_lines] == expected
        assert chunk.continued == (bool(expected) or starts_mid)
    assert reassemble(chunks) == lines
    # No chunk ends with a container line whose contents all went to the next chunk.
    for prev, chunk in zip(chunks, chunks[1:], strict=False):
        assert prev.last_line not in ancestors_of(lines, chunk.first_line)


def test_small_page_is_one_chunk(count: Counter) -> None:
    lines = compact_snapshot(SMALL_PAGE)
    chunks = page_chunks(SMALL_PAGE, count, budget=512)
    assert chunks == [
        PageChunk(
            text="\n".join(lines), tokens=count("\n".join(lines)), first_line=0, last_line=len(lines) - 1
        )
    ]


def test_compact_drops_urls_and_keeps_every_element() -> None:
    assert compact_snapshot(SMALL_PAGE) == [
        '- navigation "Main":',
        '  - link "Home"',
        '  - link "Контакты"',
        '- heading "Todos" [level=1]',
        '- textbox "New task"',
        '- button "Add"',
        "- list:",
        "  - listitem: Buy milk",
        "  - listitem:",
        "    - text: Walk the dog",
        '    - button "Delete"',
        "- text: 3 items left",
    ]


def test_large_page_splits_within_budget_and_loses_nothing(count: Counter) -> None:
    aria = big_page()
    lines = compact_snapshot(aria)
    assert not any("/url" in line for line in lines)
    assert sum(1 for line in lines if "listitem" in line) == 403
    budget = 200
    chunks = page_chunks(aria, count, budget)
    assert len(chunks) > 10
    check_invariants(lines, chunks, count, budget)
    # The banner fits a chunk, so it is not split; the list does not, so it continues under a header.
    assert chunks[0].text.startswith("- banner:\n") and "Settings" in chunks[0].text
    continued = [c for c in chunks if c.continued]
    assert continued and all(
        c.text.startswith("- main: (continued)\n  - list: (continued)\n") for c in continued
    )
    # No list item is split between chunks: each is whole where it fits.
    for chunk in chunks:
        body = chunk.text.split("\n")[chunk.context_lines :]
        assert not body[0].startswith("      - ")


@pytest.mark.parametrize("budget", [48, 64, 100, 160, 400])
def test_any_workable_budget_keeps_the_invariants(count: Counter, budget: int) -> None:
    long_text = "Очень длинное описание товара, very long product description. " * 30
    aria = big_page(30) + f'\n- paragraph: {long_text}\n- button "Buy"'
    lines = compact_snapshot(aria)
    chunks = page_chunks(aria, count, budget)
    check_invariants(lines, chunks, count, budget)


def test_chunks_are_deterministic(count: Counter) -> None:
    aria = big_page(60)
    assert page_chunks(aria, count, 96) == page_chunks(aria, count, 96)


def test_huge_line_is_split_into_marked_pieces(count: Counter) -> None:
    text = " ".join(f"Слово{i} word{i}" for i in range(400))[:5000]
    lines = ["- main:", "  - paragraph:", f"    - text: {text}", '  - button "OK"']
    budget = 100
    chunks = chunk_page(lines, count, budget)
    assert len(chunks) > 5
    check_invariants(lines, chunks, count, budget)
    middle = chunks[1].text.split("\n")
    assert middle[:2] == ["- main: (continued)", "  - paragraph: (continued)"]
    assert middle[2].startswith("    " + PIECE_START_MARKER) and middle[2].endswith(PIECE_END_MARKER)


def test_budget_too_small_for_header_raises(count: Counter) -> None:
    lines = ["- main:", "  - list:", *[f"    - listitem: item number {i} of the list" for i in range(20)]]
    with pytest.raises(ValueError, match="too small"):
        chunk_page(lines, count, budget=6)
    with pytest.raises(ValueError, match="at least 1"):
        chunk_page(lines, count, budget=0)


def test_no_snapshot_gives_no_chunks(count: Counter) -> None:
    assert page_chunks(None, count, 64) == []
    assert page_chunks("  \n", count, 64) == []


def test_real_chromium_snapshot(browser: Browser, fixture_site: str, count: Counter) -> None:
    page = browser.new_page()
    try:
        page.goto(fixture_site + "/")
        aria = page.locator("body").aria_snapshot()
    finally:
        page.close()
    lines = compact_snapshot(aria)
    assert '- heading "Fixture Shop — Главная" [level=1]' in [line.strip() for line in lines]
    assert not any(line.lstrip().startswith("- /url:") for line in lines)
    budget = 64
    chunks = page_chunks(aria, count, budget)
    assert len(chunks) > 1
    check_invariants(lines, chunks, count, budget)
