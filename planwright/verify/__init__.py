"""Verification: execute each case with Playwright and mark it verified, failed or not executable."""

from planwright.verify.runner import resolve_locator, summary, verify_case, verify_cases

__all__ = ["resolve_locator", "summary", "verify_case", "verify_cases"]
