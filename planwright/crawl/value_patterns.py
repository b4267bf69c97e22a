"""One value that fits a field's `pattern`, for the common shapes authors write (digits, letters,
fixed separators, bounded repeats, alternatives).

The generator takes the first alternative and the smallest useful repeat; what it builds is checked
with `re.fullmatch` before anyone uses it, and a pattern it cannot read yields None: no claim rather
than a guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_ESCAPES = {"d": "0123456789", "w": "abcdefghijklmnopqrstuvwxyz", "s": " "}
_META = set("()[]{}|*+?.^$\\")


class UnsupportedPattern(ValueError):
    """The pattern uses syntax this small generator does not read (lookarounds, backreferences...)."""


@dataclass
class _Cursor:
    pattern: str
    at: int = 0
    digits_used: int = 0

    def peek(self) -> str | None:
        return self.pattern[self.at] if self.at < len(self.pattern) else None

    def take(self) -> str:
        char = self.pattern[self.at]
        self.at += 1
        return char

    def digit(self, allowed: str) -> str:
        """Digits cycle 1, 2, 3 ... so a phone number reads like one, not 0000000."""
        self.digits_used += 1
        return allowed[self.digits_used % len(allowed)]


def _class_chars(cursor: _Cursor) -> str:
    """The characters a `[...]` class allows, as a string (a negated class picks from plain ones)."""
    negated = cursor.peek() == "^"
    if negated:
        cursor.take()
    chars: list[str] = []
    first = True
    while True:
        char = cursor.peek()
        if char is None:
            raise UnsupportedPattern("unclosed character class")
        if char == "]" and not first:
            cursor.take()
            break
        first = False
        cursor.take()
        if char == "\\":
            escaped = cursor.take()
            chars.extend(_ESCAPES.get(escaped, "" if escaped.isalpha() else escaped))
            continue
        if (
            cursor.peek() == "-"
            and cursor.at + 1 < len(cursor.pattern)
            and cursor.pattern[cursor.at + 1] != "]"
        ):
            cursor.take()
            end = cursor.take()
            chars.extend(chr(code) for code in range(ord(char), ord(end) + 1))
            continue
        chars.append(char)
    if negated:
        plain = "a1A_-. "
        return "".join(c for c in plain if c not in chars)
    return "".join(dict.fromkeys(chars))


def _atom(cursor: _Cursor) -> str | None:
    """The characters one atom allows (None for a group, which the caller expands)."""
    char = cursor.take()
    if char == "\\":
        escaped = cursor.take()
        if escaped in _ESCAPES:
            return _ESCAPES[escaped]
        if escaped.isalnum():
            raise UnsupportedPattern(f"escape \\{escaped}")
        return escaped
    if char == "[":
        return _class_chars(cursor)
    if char == ".":
        return "a"
    return char


def _repeat(cursor: _Cursor) -> int:
    """How many times to repeat the last atom: the smallest count that still shows it once."""
    char = cursor.peek()
    if char in ("*", "+"):
        cursor.take()
        return 1
    if char == "?":
        cursor.take()
        return 0
    if char == "{":
        match = re.match(r"\{(\d+)(,(\d*))?\}", cursor.pattern[cursor.at :])
        if not match:
            return 1
        cursor.at += match.end()
        low = int(match.group(1))
        high = match.group(3)
        return low if low > 0 else (1 if high is None or high == "" or int(high) >= 1 else 0)
    return 1


def _sequence(cursor: _Cursor, depth: int) -> str:
    """One alternative of a sequence, up to `|` or `)`; later alternatives are skipped."""
    out: list[str] = []
    while True:
        char = cursor.peek()
        if char is None or (char == ")" and depth > 0):
            return "".join(out)
        if char == "|":
            _skip_alternatives(cursor, depth)
            return "".join(out)
        if char in "^$":
            cursor.take()
            continue
        if char == "(":
            cursor.take()
            if cursor.peek() == "?":
                if cursor.pattern[cursor.at : cursor.at + 2] != "?:":
                    raise UnsupportedPattern("lookaround or named group")
                cursor.at += 2
            body = _sequence(cursor, depth + 1)
            if cursor.peek() != ")":
                raise UnsupportedPattern("unclosed group")
            cursor.take()
            out.append(body * _repeat(cursor))
            continue
        allowed = _atom(cursor)
        if not allowed:
            raise UnsupportedPattern("empty character class")
        count = _repeat(cursor)
        digits = all(c.isdigit() for c in allowed) and len(allowed) > 1
        out.extend(cursor.digit(allowed) if digits else allowed[0] for _ in range(count))


def _skip_alternatives(cursor: _Cursor, depth: int) -> None:
    """Move past the remaining `|...` alternatives of this group, keeping nested groups balanced."""
    nesting = 0
    while (char := cursor.peek()) is not None:
        if char == "\\":
            cursor.at += 2
            continue
        if char == "[":
            cursor.take()
            _class_chars(cursor)
            continue
        if char == "(":
            nesting += 1
        elif char == ")":
            if nesting == 0 and depth > 0:
                return
            nesting -= 1
        cursor.take()


def example_for_pattern(pattern: str) -> str | None:
    """A value that `re.fullmatch`es the pattern, or None when the pattern is beyond this generator."""
    try:
        cursor = _Cursor(pattern)
        value = _sequence(cursor, 0)
        if cursor.peek() is not None:
            return None
        return value if re.fullmatch(f"(?:{pattern})", value) else None
    except (UnsupportedPattern, IndexError, re.error):
        return None
