"""Verification: execute each case with Playwright and mark it verified, failed or not executable.

`runner` executes cases (on `planwright.browser`); `checks` holds the rules the verifier and the code
generators share, without a browser. The runner's names load on first use, so importing
`planwright.verify.checks` (as the exports do) does not import Playwright.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from planwright.verify.runner import summary, verify_case, verify_cases

__all__ = ["summary", "verify_case", "verify_cases"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from planwright.verify import runner

        return getattr(runner, name)
    raise AttributeError(f"module 'planwright.verify' has no attribute {name!r}")
