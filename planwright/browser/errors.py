"""The two ways a step can go wrong, shared by every caller of `perform`.

Why two: a verifier must tell "the site did not do it" (`StepFailed`: a timeout, a navigation error,
an element that would not take the click) from "the plan cannot be run as written" (`NotExecutable`:
a missing or ambiguous target, an unsupported action). The explorer treats both as "not replayable".
"""

from __future__ import annotations


class StepFailed(Exception):
    """The site did not let the step happen (timeout, navigation error, element not interactable)."""


class NotExecutable(Exception):
    """The plan cannot be executed as written; the message is the whole detail."""


def first_line(exc: BaseException) -> str:
    """Playwright errors carry a multi-line call log; the first line is the reason a person needs."""
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0].strip()
