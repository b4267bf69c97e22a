"""Verification: execute each case with Playwright and mark it verified, failed or not executable."""

from planwright.verify.runner import summary, verify_case, verify_cases

__all__ = ["summary", "verify_case", "verify_cases"]
