"""Runnable test code from a plan: verified cases as pytest + Playwright and as Playwright Test (.spec.ts)."""

from planwright.codegen.python import to_pytest
from planwright.codegen.typescript import to_playwright_spec

__all__ = ["to_playwright_spec", "to_pytest"]
