"""The explorer of one crawl: explores each crawled page in turn (once per page template) and runs the
model's edge proposals, each page's walk done by `runner.PageExploration`.

Why apart from the walk: what a crawl remembers across pages (`browsing.CrawlMemory`) and the entry
points the crawler and the verify stage call are small; the walk is the part that grows.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from planwright.crawl.explore.browsing import MIN_RUN_S, ContextFactory, CrawlMemory
from planwright.crawl.explore.candidates import DEFAULT_RULES, CandidateRules, edge_candidate
from planwright.crawl.explore.runner import PageExploration
from planwright.crawl.explore.state import element_signature
from planwright.crawl.urls import DEFAULT_DENY_NAMES, page_path
from planwright.schemas import CrawlOptions, EdgeProposal, ObservedBehaviour, PageSnapshot


class Explorer:
    """Explores the pages of one crawl; remembers layout controls (nav, header) already explored.

    `new_context` must return a fresh, isolated browser context each call (the crawl passes its own
    storage state, so a logged-in crawl explores logged in); the explorer closes what it opens.
    """

    def __init__(
        self,
        new_context: ContextFactory,
        options: CrawlOptions,
        deny_names: Sequence[str] = DEFAULT_DENY_NAMES,
        *,
        deadline: float | None = None,
        rules: CandidateRules = DEFAULT_RULES,
    ) -> None:
        self.memory = CrawlMemory(new_context, options, list(deny_names), rules)
        self.options = options
        self.deadline = deadline if deadline is not None else time.monotonic() + options.total_timeout_s
        self.actions_used: dict[str, int] = {}  # page URL -> exploration runs spent there
        self.templates: dict[frozenset[tuple[str, str, str, str]], str] = {}  # controls -> first page URL

    @property
    def warnings(self) -> list[str]:
        return self.memory.warnings

    def learn_pages(self, pages: Sequence[PageSnapshot]) -> None:
        """Remember what each crawled page shows at load, so that after a step leads to another page
        only what the earlier steps added there counts as new (not the whole page)."""
        for page in pages:
            path = page_path(page.url)
            self.memory.known_pages.setdefault(path, set()).update(
                element_signature(e) for e in page.elements
            )

    def explore(self, snapshot: PageSnapshot, *, deadline: float | None = None) -> list[ObservedBehaviour]:
        """Explore one crawled page; returns its observed behaviours (possibly none)."""
        page_deadline = min(deadline, self.deadline) if deadline is not None else self.deadline
        template = frozenset(
            (e.kind, e.role, e.name, e.locator.describe()) for e in snapshot.elements if e.kind != "link"
        )
        if template and template in self.templates:
            # Same controls as a page explored already (another product of the same template): the
            # same steps would find the same behaviours, at the same cost.
            self.actions_used[snapshot.url] = 0
            return []
        if template:
            self.templates[template] = snapshot.url
        exploration = PageExploration(self.memory, snapshot, page_deadline)
        try:
            exploration.run()
        finally:
            self.actions_used[snapshot.url] = exploration.actions
        return exploration.behaviours

    def run_proposals(
        self, snapshot: PageSnapshot, proposals: Sequence[EdgeProposal], *, deadline: float | None = None
    ) -> list[tuple[EdgeProposal, ObservedBehaviour | None]]:
        """Execute the model's edge proposals for one page, each from a fresh context and load, exactly
        like an exploration step. Each proposal comes back with its `result` set and, when it ran and
        showed something checkable, the behaviour it produced (kind `edge_<kind>`)."""
        page_deadline = min(deadline, self.deadline) if deadline is not None else self.deadline
        exploration = PageExploration(self.memory, snapshot, page_deadline)
        root = exploration.baseline()
        results: list[tuple[EdgeProposal, ObservedBehaviour | None]] = []
        for proposal in proposals:
            if root is None:
                results.append(
                    (proposal.model_copy(update={"result": "not executable: the page did not load"}), None)
                )
                continue
            if exploration.remaining_s() <= MIN_RUN_S:
                results.append((proposal.model_copy(update={"result": "not executed: out of time"}), None))
                continue
            planned = edge_candidate(root, proposal, denied=exploration.denied, rules=self.memory.rules)
            if isinstance(planned, str):
                results.append((proposal.model_copy(update={"result": f"not executable: {planned}"}), None))
                continue
            node, candidate = planned
            recorded = len(exploration.behaviours)
            exploration.last_failure = ""
            exploration.try_candidate(node, candidate)
            if len(exploration.behaviours) > recorded:
                # The proposal's own behaviour; a reload check after it may have recorded one more.
                results.append(
                    (proposal.model_copy(update={"result": "kept"}), exploration.behaviours[recorded])
                )
            else:
                reason = exploration.last_failure or "the same behaviour was already recorded"
                results.append((proposal.model_copy(update={"result": reason}), None))
        return results


# ---------------------------------------------------------------- entry point


def explore_page(
    new_context: ContextFactory,
    snapshot: PageSnapshot,
    options: CrawlOptions,
    deny_names: Sequence[str] | None = None,
    *,
    deadline: float | None = None,
) -> list[ObservedBehaviour]:
    """Explore one page (see the module docstring); `deny_names` defaults to options', then the crawler's."""
    names = deny_names if deny_names is not None else (options.deny_names or DEFAULT_DENY_NAMES)
    explorer = Explorer(new_context, options, names, deadline=deadline)
    explorer.learn_pages([snapshot])
    return explorer.explore(snapshot)


__all__ = ["Explorer", "explore_page"]
