"""The page as the model sees it: a compact ARIA snapshot cut into chunks that fit its context.

Playwright's ARIA snapshot (`page.locator("body").aria_snapshot()`) names every element by role and
accessible name, nested by indentation, which is close to what a test plan talks about. A small model
has a small context, so the page is measured with the model's own tokenizer and split into chunks
that each fit a hard token budget. Nothing is silently cut: a block is kept whole when it fits; a block
too big for the budget is split between its lines, and each continuation chunk repeats the block's
ancestors marked `(continued)`; a single line too big for the budget is split into pieces marked `…`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

__all__ = [
    "CONTINUED_MARKER",
    "HEADER_MAX_CHARS",
    "PIECE_END_MARKER",
    "PIECE_START_MARKER",
    "PageChunk",
    "TokenCounter",
    "chunk_page",
    "compact_snapshot",
    "page_chunks",
]

TokenCounter = Callable[[str], int]

CONTINUED_MARKER = " (continued)"  # appended to an ancestor line repeated at the top of a chunk
PIECE_END_MARKER = " …"  # ends a piece of a line that goes on in the next chunk
PIECE_START_MARKER = "… "  # starts the rest of a line begun in the previous chunk (after its indent)
HEADER_MAX_CHARS = 80  # a repeated ancestor longer than this is shortened (it appeared whole before)
INDENT = "  "
URL_PREFIX = "- /url:"


@dataclass(frozen=True)
class PageChunk:
    """One piece of the page that fits the budget.

    `first_line`/`last_line` are inclusive indices into the lines given to `chunk_page`; a line split
    into pieces is the last line of one chunk and the first of the next. The first `context_lines`
    lines of `text` repeat ancestors from earlier chunks (marked `(continued)`), so they are not
    counted in the line range. `continued` says the chunk starts inside a block or a line that began
    in the previous chunk.
    """

    text: str
    tokens: int
    first_line: int
    last_line: int
    continued: bool = False
    context_lines: int = 0


def _indent_width(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def compact_snapshot(aria: str) -> list[str]:
    """Snapshot lines a small model reads cheaply, with every element and text kept.

    Dropped: blank lines; `- /url: …` lines (link targets: noise for the model and many tokens);
    the trailing `:` of an element whose only children were `/url` lines (it announced children that
    are gone); whitespace at both ends of a line and runs of whitespace inside it (collapsed to one
    space). Indentation is rewritten as two spaces per nesting level.
    """
    parsed: list[tuple[int, str, bool]] = []  # (depth, body, is_url)
    stack: list[int] = []  # indent widths of the open ancestors
    for raw in aria.splitlines():
        body = " ".join(raw.split())
        if not body:
            continue
        width = _indent_width(raw.expandtabs(2))
        while stack and stack[-1] >= width:
            stack.pop()
        parsed.append((len(stack), body, body.startswith(URL_PREFIX)))
        stack.append(width)

    lines: list[str] = []
    for i, (depth, body, is_url) in enumerate(parsed):
        if is_url:
            continue
        children = _children(parsed, i)
        if body.endswith(":") and children and all(child_is_url for _, _, child_is_url in children):
            body = body[:-1]
        lines.append(INDENT * depth + body)
    return lines


def _children(parsed: list[tuple[int, str, bool]], i: int) -> list[tuple[int, str, bool]]:
    """The direct children of parsed line i."""
    depth = parsed[i][0]
    found: list[tuple[int, str, bool]] = []
    for entry in parsed[i + 1 :]:
        if entry[0] <= depth:
            break
        if entry[0] == depth + 1:
            found.append(entry)
    return found


@dataclass
class _Node:
    index: int
    end: int  # last line index of this node's subtree (inclusive)
    children: list[_Node] = field(default_factory=list)


def _forest(lines: Sequence[str]) -> list[_Node]:
    """Top-level blocks: a line plus the deeper-indented lines that follow it, recursively."""
    roots: list[_Node] = []
    stack: list[tuple[int, _Node]] = []
    for i, line in enumerate(lines):
        width = _indent_width(line)
        while stack and stack[-1][0] >= width:
            stack.pop()
        node = _Node(index=i, end=i)
        (stack[-1][1].children if stack else roots).append(node)
        for _, ancestor in stack:
            ancestor.end = i
        stack.append((width, node))
    return roots


class _Packer:
    """Fills chunks greedily; every accepted text is measured with the real token counter."""

    def __init__(self, lines: Sequence[str], count_tokens: TokenCounter, budget: int) -> None:
        self.lines = lines
        self.count = count_tokens
        self.budget = budget
        self.chunks: list[PageChunk] = []
        self.started = False
        self.headers: list[str] = []  # repeated ancestors at the top of the current chunk
        self.content: list[str] = []  # the chunk's own lines (or pieces of lines)
        self.placed: list[tuple[int, bool]] = []  # per content line: its index, and whether whole
        self.tokens = 0
        self.continued = False

    # -- chunk state

    def _text(self, extra: Sequence[str] = ()) -> str:
        return "\n".join([*self.headers, *self.content, *extra])

    def _measure(self, extra: Sequence[str]) -> int:
        return self.count(self._text(extra))

    def _header_lines(self, ancestors: Sequence[int]) -> list[str]:
        headers = []
        for a in ancestors:
            line = self.lines[a]
            width = _indent_width(line)
            body = line[width:]
            if len(body) > HEADER_MAX_CHARS:
                body = body[:HEADER_MAX_CHARS] + "…"
            headers.append(line[:width] + body + CONTINUED_MARKER)
        return headers

    def _accept(
        self, extra: Sequence[str], tokens: int, indices: Sequence[int], *, whole: bool = True
    ) -> None:
        self.content.extend(extra)
        self.placed.extend((i, whole) for i in indices)
        self.tokens = tokens

    def _start(self, ancestors: Sequence[int], *, mid_line: bool = False) -> None:
        """Begin a chunk under `ancestors`, whose lines went into earlier chunks."""
        self.headers = self._header_lines(ancestors)
        self.content, self.placed = [], []
        self.tokens = self.count(self._text()) if self.headers else 0
        self.continued = bool(ancestors) or mid_line
        self.started = True
        if self.tokens >= self.budget:
            raise ValueError(
                f"token budget {self.budget} is too small for this page: a continuation chunk inside "
                f"line {ancestors[-1]}'s block repeats {len(ancestors)} ancestor line(s) as its context "
                f"header, which alone take {self.tokens} tokens; it needs that plus at least one token"
            )

    def flush(self) -> None:
        if self.content:
            self.chunks.append(
                PageChunk(
                    text=self._text(),
                    tokens=self.tokens,
                    first_line=self.placed[0][0],
                    last_line=self.placed[-1][0],
                    continued=self.continued,
                    context_lines=len(self.headers),
                )
            )
        self.started = False
        self.headers, self.content, self.placed = [], [], []
        self.tokens = 0

    def _break(self, ancestors: Sequence[int], *, mid_line: bool = False) -> None:
        """End the current chunk and start the next under `ancestors`.

        Ancestor lines that ended the chunk with none of their children after them move to the
        next chunk, so that no chunk ends with a header whose contents are all elsewhere.
        """
        moved = 0
        if not mid_line:
            while (
                moved < len(ancestors)
                and moved < len(self.placed) - 1
                and self.placed[-1 - moved] == (ancestors[-1 - moved], True)
            ):
                moved += 1
        if moved:
            keep = len(ancestors) - moved
            head = [*self._header_lines(ancestors[:keep]), *self.content[-moved:]]
            head_tokens = self.count("\n".join(head))
            rest_tokens = self.count("\n".join([*self.headers, *self.content[:-moved]]))
            if head_tokens < self.budget and rest_tokens <= self.budget:
                self.content, self.placed = self.content[:-moved], self.placed[:-moved]
                self.tokens = rest_tokens
                self.flush()
                self._start(ancestors[:keep])
                self._accept(head[keep:], head_tokens, ancestors[keep:])
                return
        self.flush()
        self._start(ancestors, mid_line=mid_line)

    def _only_ancestors(self, ancestors: Sequence[int]) -> bool:
        """The chunk holds nothing but lines of `ancestors`: breaking now would leave it all header."""
        tail = ancestors[len(ancestors) - len(self.placed) :] if len(self.placed) <= len(ancestors) else None
        return tail is not None and self.placed == [(a, True) for a in tail]

    def _fits_fresh(self, extra: Sequence[str], ancestors: Sequence[int]) -> int | None:
        """Tokens of a new chunk of `extra` under `ancestors`, or None if it would not fit."""
        n = self.count("\n".join([*self._header_lines(ancestors), *extra]))
        return n if n <= self.budget else None

    # -- placement

    def place_blocks(self, nodes: Sequence[_Node], ancestors: list[int]) -> None:
        """Whole blocks while they fit; a block that fits no chunk is split between its lines."""
        i = 0
        while i < len(nodes):
            if not self.started:
                self._start(ancestors)
            j = self._add_most(nodes, i)
            if j > i:
                i = j
                continue
            node = nodes[i]
            block = self.lines[node.index : node.end + 1]
            if (
                self.content
                and not self._only_ancestors(ancestors)
                and self._fits_fresh(block, ancestors) is not None
            ):
                self._break(ancestors)
                continue
            self._place_line(node.index, ancestors)
            self.place_blocks(node.children, [*ancestors, node.index])
            i += 1

    def _add_most(self, nodes: Sequence[_Node], i: int) -> int:
        """Add the longest run of whole blocks nodes[i:j] that fits the current chunk; return j."""

        def span(j: int) -> list[str]:
            return list(self.lines[nodes[i].index : nodes[j - 1].end + 1])

        good, good_tokens, bad = i, self.tokens, len(nodes) + 1
        probe = i + 1
        while probe < bad:  # gallop: 1, 2, 4, ... blocks
            n = self._measure(span(probe))
            if n > self.budget:
                bad = probe
                break
            good, good_tokens = probe, n
            if good == len(nodes):
                break
            probe = min(i + 2 * (probe - i), len(nodes))
        while bad - good > 1:
            mid = (good + bad) // 2
            n = self._measure(span(mid))
            if n <= self.budget:
                good, good_tokens = mid, n
            else:
                bad = mid
        if good > i:
            first, last = nodes[i].index, nodes[good - 1].end
            self._accept(span(good), good_tokens, range(first, last + 1))
        return good

    def _place_line(self, index: int, ancestors: Sequence[int]) -> None:
        line = self.lines[index]
        n = self._measure([line])
        if n <= self.budget:
            self._accept([line], n, [index])
            return
        if self.content and self._fits_fresh([line], ancestors) is not None:
            self._break(ancestors)
            n = self._measure([line])
            if n <= self.budget:
                self._accept([line], n, [index])
                return
        self._split_line(index, ancestors)

    def _split_line(self, index: int, ancestors: Sequence[int]) -> None:
        """Pieces of one line too long for any chunk, each as long as fits, none dropped."""
        line = self.lines[index]
        width = _indent_width(line)
        indent, rest = line[:width], line[width:]
        prefix = ""
        while True:
            whole = indent + prefix + rest
            n = self._measure([whole])
            if n <= self.budget:
                self._accept([whole], n, [index], whole=not prefix)
                return
            k, n = self._longest_piece(indent + prefix, rest)
            if k == 0:
                if self.content:
                    self._break(ancestors, mid_line=bool(prefix))
                    continue
                raise ValueError(
                    f"token budget {self.budget} is too small for line {index}: its context header and "
                    f"the piece markers leave no room for even one character of it"
                )
            self._accept([indent + prefix + rest[:k] + PIECE_END_MARKER], n, [index], whole=False)
            rest = rest[k:]
            prefix = PIECE_START_MARKER
            self._break(ancestors, mid_line=True)

    def _longest_piece(self, head: str, rest: str) -> tuple[int, int]:
        """The most characters of `rest` (fewer than all) that fit after `head`, and the tokens."""

        def measure(k: int) -> int:
            return self._measure([head + rest[:k] + PIECE_END_MARKER])

        lo, lo_tokens, hi = 0, 0, len(rest) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            n = measure(mid)
            if n <= self.budget:
                lo, lo_tokens = mid, n
            else:
                hi = mid - 1
        # Prefer to end a piece after a space, if that keeps at least half of it.
        space = rest.rfind(" ", 0, lo)
        if lo > 0 and space >= lo // 2 and space + 1 < lo:
            n = measure(space + 1)
            if n <= self.budget:
                return space + 1, n
        return lo, lo_tokens


def chunk_page(lines: list[str], count_tokens: TokenCounter, budget: int) -> list[PageChunk]:
    """Pack lines into chunks of at most `budget` tokens, as measured by `count_tokens`.

    Blocks (a line and its deeper-indented followers) are packed whole and greedily; a block that
    fits no chunk is split between its lines, the continuation chunks starting with its ancestor lines
    marked `(continued)`; a line that fits no chunk is split by characters, pieces ending in ` …` and
    continuing with `… `. Raises ValueError when the budget cannot hold a context header plus one
    token of content.
    """
    if budget < 1:
        raise ValueError(f"token budget must be at least 1, got {budget}")
    for i, line in enumerate(lines):
        if "\n" in line or "\r" in line:
            raise ValueError(f"line {i} contains a line break; pass one line per element")
    packer = _Packer(lines, count_tokens, budget)
    packer.place_blocks(_forest(lines), [])
    packer.flush()
    return packer.chunks


def page_chunks(aria: str | None, count_tokens: TokenCounter, budget: int) -> list[PageChunk]:
    """A crawled page's ARIA snapshot as budget-sized chunks; no snapshot gives no chunks."""
    if budget < 1:
        raise ValueError(f"token budget must be at least 1, got {budget}")
    if not aria or not aria.strip():
        return []
    return chunk_page(compact_snapshot(aria), count_tokens, budget)
