"""Bounds on what one page may put into a plan: a page of 20 000 elements or a megabyte of ARIA
snapshot would cost the crawl, the database and the model's prompts without adding cases a person
reads. What is cut is said, so the plan carries a note instead of silently missing parts."""

from __future__ import annotations

from planwright.schemas import PageSnapshot

SNAPSHOT_CUT_MARK = "\n- … (snapshot cut here: the page's ARIA tree was longer than the plan keeps)"


def cap_snapshot(
    snapshot: PageSnapshot, *, max_elements: int, max_snapshot_chars: int, found_elements: int | None = None
) -> list[str]:
    """Cut the page's elements and ARIA snapshot to the bounds, in place; returns a note per cut.
    `found_elements`: how many the page had when extraction already stopped at the bound."""
    notes = []
    found = max(found_elements or 0, len(snapshot.elements))
    if found > max_elements:
        kept = snapshot.elements[:max_elements]
        keys = {element.key for element in kept}
        # A form whose fields or button were cut would be tested without them: it goes too.
        kept = [
            element
            for element in kept
            if element.kind != "form"
            or (
                set(element.field_keys or []) <= keys
                and (element.submit_key is None or element.submit_key in keys)
            )
        ]
        snapshot.elements = kept
        notes.append(
            f"{snapshot.url} has {found} interactive elements; the first {len(kept)} were kept "
            f"(CRAWL_MAX_ELEMENTS_PER_PAGE={max_elements})"
        )
    if snapshot.aria_snapshot and len(snapshot.aria_snapshot) > max_snapshot_chars:
        found = len(snapshot.aria_snapshot)
        cut = snapshot.aria_snapshot[:max_snapshot_chars]
        snapshot.aria_snapshot = cut[: cut.rfind("\n")] + SNAPSHOT_CUT_MARK if "\n" in cut else cut
        notes.append(
            f"{snapshot.url}'s ARIA snapshot has {found} characters; {max_snapshot_chars} were kept "
            "(CRAWL_MAX_SNAPSHOT_CHARS)"
        )
    return notes
