"""State exploration: act on a page within bounds and record what each sequence of actions changed.

Why: a page at load time shows only part of an application. Most of what a QA engineer tests happens
after acting (add an item, submit a form, tick a box, open a menu), so the explorer acts, in the spirit
of Crawljax: it types sample values and submits, submits empty and invalid values, toggles checkboxes,
picks select options, hovers controls that reveal menus, clicks buttons, double-clicks where that may
reveal controls (elements with a dblclick handler; labels of list items that appeared after an action,
the in-place edit of a to-do item), presses Escape in opened dialogs and menus, reloads to see what
persists, and after steps that changed the page's state and then left it, goes back in the browser's
history to see what the page still shows. It then explores from the states it reached, acting on the
elements that appeared there (an added to-do item's checkbox, a revealed submenu link).

Every sequence runs from a fresh browser context and a fresh load, exactly as the verifier will run the
case later, so what is recorded is what a fresh run reproduces. A state change is measured by comparing
visible texts, list/row/checked counts, alerts, validation messages (the same `invalid`-event tracker
the verifier uses), dialogs and the URL before and after the last step.

Bounds: `max_actions_per_page` exploration runs per page (a run is one new step from a reached state; a
form's fills and its submit count as one step, a reload or back check as another), sequences at most
`1 + max_explore_depth` steps long, states deduplicated by a normalised text snapshot, per-action
timeouts from `page_timeout_s`, and the crawl's overall deadline. Elements whose names are on the
deny-list (delete, remove, log out, pay, ...) are never acted on unless `allow_destructive` is set,
except the "Delete"/"Remove" of an item the run's own steps created (`own_items`: add a task, delete
it); a form whose submit button is denied is neither clicked nor submitted with Enter.

Layout: state apart from policy. `state` (what a state is: plain data), `candidates` (what can be acted
on: pure, rules as data, pluggable sources), `samples` (the values typed: data), `own_items` (the
one exception to the deny-list: pure), `diffing` (what a step changed and which follow-up it
deserves: pure), `elements` (one key per element across the states), `runner` (one page's walk and
its budget), `browsing` (that walk's browser steps: a fresh context, a load, a step, capturing and
settling), `recording` (its behaviours and their reload and back checks), `explorer` (the crawl's
entry points: every page, the model's edge proposals). The browser work itself (acting, recording dialogs and navigations, the
in-page scripts) is `planwright.browser`'s, the same as the verifier's.
"""

from planwright.crawl.explore.candidates import DEFAULT_RULES, CandidateRules, plan
from planwright.crawl.explore.explorer import Explorer, explore_page
from planwright.crawl.explore.samples import DEFAULT_SAMPLES, SampleValues, sample_value

__all__ = [
    "DEFAULT_RULES",
    "DEFAULT_SAMPLES",
    "CandidateRules",
    "Explorer",
    "SampleValues",
    "explore_page",
    "plan",
    "sample_value",
]
