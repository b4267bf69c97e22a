"""Which deny-listed controls the explorer may still use: the removal of an item its own steps created.

Why: "add a task, then delete it" is what a tester checks first on a list, and the deny-list (delete,
remove, ...) exists to keep the explorer off the data a site already had, not off what it just typed
in its own fresh context. So a "Delete" or "Remove" (`urls.ITEM_REMOVAL_NAMES`; never pay or log
out) is allowed only where all of this holds, judged from the states alone (pure, testable without
a browser):

- the state was reached by the run's own steps (a fresh context and load, then the prefix);
- the control is the only one of its role and name in that state, and the page at load had none;
- it sits in a list item or table row (`row`, from `element_extras.js`) showing a name the steps typed
  (at least three characters, not a number) that the page at load did not show.
"""

from __future__ import annotations

from planwright.crawl.explore.state import Node, State
from planwright.crawl.urls import ITEM_REMOVAL_NAMES, is_denied

MIN_NAME_CHARS = 3  # a typed value short or numeric ("1", "42") could match any row: not a name


def typed_names(node: Node) -> list[str]:
    """The values the steps to this state typed that can name an item, case-folded."""
    values = (action.data.strip() for action in node.prefix if action.action == "fill" and action.data)
    return [v.casefold() for v in values if len(v) >= MIN_NAME_CHARS and not v.replace(" ", "").isdigit()]


def removes_own_item(key: str, node: Node, root: State) -> bool:
    """Whether the control `key` of `node`'s state removes an item the steps to it created."""
    known = node.state.elements.get(key)
    if known is None or node.parent is None or not node.prefix:
        return False
    element = known.element
    if not is_denied(element.name, None, ITEM_REMOVAL_NAMES):
        return False
    same = (element.role, element.name)
    alike = [k for k in node.state.elements.values() if (k.element.role, k.element.name) == same]
    if len(alike) != 1 or any((k.element.role, k.element.name) == same for k in root.elements.values()):
        return False
    row = str(known.extra.get("row") or "").casefold()
    at_load = [text.casefold() for text in root.texts]
    return any(name in row and not any(name in text for text in at_load) for name in typed_names(node))
