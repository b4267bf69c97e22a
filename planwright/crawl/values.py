"""Values a field accepts, and values it must refuse, read from what the field says about itself.

Apps refuse "Test item" in an amount field, so a case typed it and still claimed "valid data". Here a
field's type, inputmode, pattern, min/max/step, lengths, placeholder, label and id/name words (English
and Russian; numbers in any script) give ordered candidates per class: `valid` (most plausible first,
for the value search that tries the next one when the app shows a validation message), `invalid`
(what the field must refuse) and `boundary` (the limits themselves). Every candidate is checked
against the field's own constraints, so a value is never labelled valid when the field's markup rules
it out; a pattern nothing fits leaves `valid` empty rather than guessing. Pure Python, no browser.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from planwright.crawl.value_patterns import example_for_pattern
from planwright.crawl.value_words import (
    DEFAULT_NUMBERS,
    NUMERIC_MEANINGS,
    TEXT_VALUES,
    meaning_from_words,
    noun_for,
    words_of,
)

ValueClass = Literal["valid", "invalid", "boundary"]

_NUMERIC_TYPES = {"number", "range"}
_TYPE_MEANINGS = {
    "email": "email",
    "tel": "phone",
    "url": "url",
    "password": "password",
    "color": "color",
    "time": "time",
    "datetime-local": "datetime",
    "month": "month",
    "week": "week",
}
_INPUTMODE_MEANINGS = {"email": "email", "tel": "phone", "url": "url"}
_EXAMPLE_PREFIX = re.compile(
    r"^\s*(?:e\.?\s?g\.?|ex\.?|example:?|for example,?|например,?|напр\.?|пример:?)\s*[:,]?\s*",
    re.IGNORECASE,
)
_RANGE_HINT = re.compile(
    r"(?:от|from|between)?\s*(-?\d+(?:[.,]\d+)?)\s*(?:-|–|—|\.\.|to|до|and|и)\s*(-?\d+(?:[.,]\d+)?)",
    re.IGNORECASE,
)
_DATE_FORMATS = {"ru": "%d.%m.%Y", "en": "%m/%d/%Y"}


class FieldFacts(BaseModel):
    """What the page says about one text-like field (the attributes are strings as the DOM has them)."""

    model_config = ConfigDict(frozen=True)

    tag: Literal["input", "textarea"] = "input"
    input_type: str = "text"
    inputmode: str | None = None
    pattern: str | None = None
    min: str | None = None
    max: str | None = None
    step: str | None = None
    maxlength: int | None = None
    minlength: int | None = None
    required: bool = False
    placeholder: str | None = None
    label: str | None = None
    element_id: str | None = None
    name: str | None = None
    page_language: str | None = None  # <html lang> or the plan's language: "ru", "en-US", ...
    site_words: list[str] = Field(default_factory=list)  # title, headings, item names: search terms


class CandidateValue(BaseModel):
    """One value to type, with the class it belongs to and what it is, so a case can say so honestly."""

    model_config = ConfigDict(frozen=True)

    value: str
    value_class: ValueClass
    what: str  # "a plausible loan amount", "below the minimum (1)", "letters in a number field"


class FieldValues(BaseModel):
    """Ordered candidates for one field; `meaning` is what the field was read as asking for."""

    meaning: str
    language: str
    valid: list[CandidateValue] = Field(default_factory=list)
    invalid: list[CandidateValue] = Field(default_factory=list)
    boundary: list[CandidateValue] = Field(default_factory=list)
    pattern_unmet: bool = False  # the field has a pattern no candidate fits: no value is claimed valid

    def next_valid(self, refused: str | None = None) -> CandidateValue | None:
        """The value search's next try: the first valid candidate, or the one after a refused value."""
        values = [candidate.value for candidate in self.valid]
        index = values.index(refused) + 1 if refused in values else 0
        return next((c for c in self.valid[index:] if c.value != refused), None)


# ---------------------------------------------------------------- reading numbers


def to_ascii_digits(text: str) -> str:
    """Digits of any script (Arabic-Indic, Devanagari, full-width ...) as ASCII, other characters kept."""
    out = []
    for char in text:
        digit = unicodedata.decimal(char, None)
        out.append(str(digit) if digit is not None else char)
    return "".join(out)


def parse_number(text: str | None) -> Decimal | None:
    """A number as a person writes it ("1 000,50", "١٠٠"), or None when the text is not one."""
    if text is None:
        return None
    cleaned = to_ascii_digits(text).strip().replace("\u00a0", "").replace(" ", "")
    if re.fullmatch(r"-?\d+,\d+", cleaned):
        cleaned = cleaned.replace(",", ".")
    try:
        number = Decimal(cleaned)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _format_number(number: Decimal) -> str:
    text = format(number.normalize(), "f")
    return text if "." not in text else text.rstrip("0").rstrip(".")


class _NumberRule:
    """min/max/step of a numeric field (markup or a range the label states), as HTML checks them."""

    def __init__(self, facts: FieldFacts, stated_range: tuple[Decimal, Decimal] | None) -> None:
        self.minimum = parse_number(facts.min)
        self.maximum = parse_number(facts.max)
        self.stated = stated_range
        step_text = (facts.step or "").strip().lower()
        default_step = Decimal(1) if facts.input_type in _NUMERIC_TYPES else None
        self.step = None if step_text == "any" else (parse_number(step_text) or default_step)
        if self.step is not None and self.step <= 0:
            self.step = default_step
        self.base = self.minimum if self.minimum is not None else Decimal(0)

    def low(self) -> Decimal | None:
        lows = [n for n in (self.minimum, self.stated[0] if self.stated else None) if n is not None]
        return max(lows) if lows else None

    def high(self) -> Decimal | None:
        highs = [n for n in (self.maximum, self.stated[1] if self.stated else None) if n is not None]
        return min(highs) if highs else None

    def on_step(self, number: Decimal) -> bool:
        return self.step is None or (number - self.base) % self.step == 0

    def accepts(self, number: Decimal) -> bool:
        low, high = self.low(), self.high()
        if (low is not None and number < low) or (high is not None and number > high):
            return False
        return self.on_step(number)

    def inside(self) -> Decimal | None:
        """A value on the step grid inside the limits, near their middle, for when no default fits."""
        low, high = self.low(), self.high()
        if low is None and high is None:
            return None
        target = (
            (low + high) / 2 if low is not None and high is not None else (low if low is not None else high)
        )
        assert target is not None
        step = self.step if self.step is not None else Decimal(1)  # whole numbers read as plausible
        target = self.base + ((target - self.base) // step) * step
        if low is not None and target < low:
            target += step
        return target if self.accepts(target) else None


def _stated_range(*texts: str | None) -> tuple[Decimal, Decimal] | None:
    """A range written in the label or placeholder ("Years (1-30)", "от 1 до 30")."""
    for text in texts:
        match = _RANGE_HINT.search(to_ascii_digits(text or ""))
        if match:
            low, high = parse_number(match.group(1)), parse_number(match.group(2))
            if low is not None and high is not None and low < high:
                return low, high
    return None


# ---------------------------------------------------------------- the field's meaning


def language_of(facts: FieldFacts) -> str:
    """The language for people's names and words: the page's, else the script of the field's texts."""
    declared = (facts.page_language or "").strip().lower()[:2]
    if declared:
        return declared
    texts = " ".join([facts.label or "", facts.placeholder or "", *facts.site_words])
    return "ru" if re.search(r"[\u0400-\u04ff]", texts) else "en"


def meaning_of(facts: FieldFacts) -> str:
    """What the field asks for: its type first, then the words a person reads, then its id/name."""
    if facts.input_type in _TYPE_MEANINGS:
        return _TYPE_MEANINGS[facts.input_type]
    if facts.inputmode in _INPUTMODE_MEANINGS:
        return _INPUTMODE_MEANINGS[facts.inputmode]
    for text in (facts.label, facts.placeholder, facts.element_id, facts.name):
        meaning = meaning_from_words(words_of(text or ""))
        if meaning:
            break
    else:
        meaning = None
    if facts.input_type == "date":
        return "birth_date" if meaning == "birth_date" else "date"
    numeric = facts.input_type in _NUMERIC_TYPES or facts.inputmode in ("numeric", "decimal")
    if meaning == "search" or (meaning is None and facts.input_type == "search"):
        site = words_of(" ".join(facts.site_words))
        return "book" if meaning_from_words(site) == "book" else "search"
    if meaning is None:
        return "number" if numeric else ("message" if facts.tag == "textarea" else "text")
    if numeric and meaning not in NUMERIC_MEANINGS:
        return "number"
    return meaning


# ---------------------------------------------------------------- candidates


def _examples_in(placeholder: str | None, meaning: str) -> list[str]:
    """The example a placeholder offers ("e.g. 5000", "напр. 82,5", "you@example.com"); a decimal
    comma is offered with a point first, since scripts parse numbers with parseFloat."""
    if not placeholder:
        return []
    if meaning in NUMERIC_MEANINGS:
        match = re.search(r"-?\d+(?:[.,]\d+)?", to_ascii_digits(placeholder))
        if match is None or _stated_range(placeholder):
            return []
        written = match.group(0)
        return list(dict.fromkeys([written.replace(",", "."), written]))
    stripped = _EXAMPLE_PREFIX.sub("", placeholder, count=1).strip()
    if stripped != placeholder.strip() and stripped:
        return [stripped]
    if meaning == "email" and "@" in placeholder:
        return [placeholder.strip()]
    return []


def _date_candidates(facts: FieldFacts, meaning: str, language: str) -> list[str]:
    day = ("1990", "05", "20") if meaning == "birth_date" else ("2026", "03", "15")
    iso = "-".join(day)
    if facts.input_type == "date":
        low, high = facts.min or "", facts.max or ""
        if (low and iso < low) or (high and iso > high):
            return [low or high]
        return [iso]
    year, month, dom = day
    shape = (facts.placeholder or "").lower()
    if re.search(r"(дд|dd)\.(мм|mm)\.(гггг|yyyy)", shape):
        return [f"{dom}.{month}.{year}", iso]
    if "mm/dd/yyyy" in shape:
        return [f"{month}/{dom}/{year}", iso]
    if "dd/mm/yyyy" in shape:
        return [f"{dom}/{month}/{year}", iso]
    if re.search(r"(yyyy|гггг)-(mm|мм)-(dd|дд)", shape):
        return [iso]
    local = f"{dom}.{month}.{year}" if language == "ru" else f"{month}/{dom}/{year}"
    return [local, iso]


def _search_terms(facts: FieldFacts, language: str) -> list[str]:
    """Words the site itself shows (so a search finds something), then a plain word of its language."""
    terms = [
        word
        for word in (w.strip() for w in facts.site_words)
        if len(word) >= 4 and not re.search(r"\d", word) and len(word.split()) <= 3
    ]
    return [*terms[:3], *TEXT_VALUES["search"].get(language, TEXT_VALUES["search"]["en"])]


def _raw_candidates(facts: FieldFacts, meaning: str, language: str) -> list[tuple[str, str]]:
    """(value, what it is) in order of plausibility, before the field's constraints are applied."""
    examples = _examples_in(facts.placeholder, meaning)
    found = [(example, "the example the placeholder gives") for example in examples]
    what = noun_for(meaning)
    if meaning in NUMERIC_MEANINGS:
        found += [(value, f"a plausible {what}") for value in DEFAULT_NUMBERS[meaning]]
    elif meaning in ("date", "birth_date"):
        found += [(value, f"a {what}") for value in _date_candidates(facts, meaning, language)]
    elif meaning == "search":
        found += [
            (value, "a search term the site's words suggest") for value in _search_terms(facts, language)
        ]
    else:
        by_language = TEXT_VALUES.get(meaning, TEXT_VALUES["text"])
        found += [(value, f"a plausible {what}") for value in by_language.get(language, by_language["en"])]
    return found


def _fits_length(value: str, facts: FieldFacts) -> bool:
    if facts.maxlength is not None and len(value) > facts.maxlength:
        return False
    return not (facts.minlength is not None and len(value) < facts.minlength)


def _fits_pattern(value: str, pattern: str | None) -> bool | None:
    """True/False as the browser would judge it, None when Python cannot read the pattern."""
    if not pattern:
        return True
    try:
        return re.fullmatch(f"(?:{pattern})", value) is not None
    except re.error:
        return None


def _is_numeric(facts: FieldFacts, meaning: str) -> bool:
    return facts.input_type in _NUMERIC_TYPES or meaning in NUMERIC_MEANINGS


def _fits(value: str, facts: FieldFacts, meaning: str, rule: _NumberRule) -> bool:
    if not _fits_length(value, facts) or _fits_pattern(value, facts.pattern) is not True:
        return False
    if facts.input_type in _NUMERIC_TYPES and not re.fullmatch(r"-?\d+(\.\d+)?", value):
        return False  # a number input takes only this form; the browser refuses the rest
    if _is_numeric(facts, meaning):
        number = parse_number(value)
        return number is not None and rule.accepts(number)
    return True


def _to_length(value: str, facts: FieldFacts, filler: str) -> str:
    """The value cut to maxlength or padded to minlength, keeping it free of edge spaces."""
    if facts.maxlength is not None and len(value) > facts.maxlength:
        value = value[: facts.maxlength].rstrip() or filler * facts.maxlength
    if facts.minlength is not None and len(value) < facts.minlength:
        value += filler * (facts.minlength - len(value))
    return value


def _valid(facts: FieldFacts, meaning: str, language: str, rule: _NumberRule) -> list[CandidateValue]:
    raw = _raw_candidates(facts, meaning, language)
    inside = rule.inside()
    if inside is not None:
        raw.append((_format_number(inside), "a value inside the field's limits"))
    filler = "1" if _is_numeric(facts, meaning) else "a"
    adjusted = [
        (_to_length(value, facts, filler), f"{what}, cut to fit the length limits") for value, what in raw
    ]
    generated = example_for_pattern(facts.pattern) if facts.pattern else None
    if generated is not None:
        adjusted.append((generated, "a value built from the field's pattern"))
    chosen: list[CandidateValue] = []
    for value, what in [*raw, *adjusted]:
        if value in (c.value for c in chosen) or not _fits(value, facts, meaning, rule):
            continue
        chosen.append(CandidateValue(value=value, value_class="valid", what=what))
    return chosen


def _boundaries(
    facts: FieldFacts, meaning: str, rule: _NumberRule, valid: list[CandidateValue]
) -> list[CandidateValue]:
    found: list[CandidateValue] = []
    if facts.input_type == "date":
        found += [
            CandidateValue(value=v, value_class="boundary", what=f"the {w} date ({v})")
            for v, w in ((facts.min, "earliest"), (facts.max, "latest"))
            if v
        ]
    elif _is_numeric(facts, meaning):
        for number, what in ((rule.low(), "minimum"), (rule.high(), "maximum")):
            if number is not None and rule.accepts(number):
                text = _format_number(number)
                found.append(CandidateValue(value=text, value_class="boundary", what=f"the {what} ({text})"))
    seed = valid[0].value if valid else ("1" if _is_numeric(facts, meaning) else "a")
    for length, what in ((facts.maxlength, "maxlength"), (facts.minlength, "minlength")):
        if not length:
            continue
        value = (seed * (length // len(seed) + 1))[:length]
        value = value[:-1] + "x" if value.endswith(" ") else value
        if _fits(value, facts, meaning, rule) or (
            _is_numeric(facts, meaning) and _fits_pattern(value, facts.pattern)
        ):
            found.append(
                CandidateValue(
                    value=value, value_class="boundary", what=f"exactly {what} ({length}) characters"
                )
            )
    return [c for i, c in enumerate(found) if c.value not in (o.value for o in found[:i])]


def _invalid(
    facts: FieldFacts, meaning: str, language: str, rule: _NumberRule, valid: list[CandidateValue]
) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    if facts.required:
        found.append(("", "empty, though the field is required"))
    numeric = _is_numeric(facts, meaning)
    if numeric and facts.input_type != "range":
        step = rule.step or Decimal(1)
        low, high = rule.low(), rule.high()
        if low is not None:
            found.append((_format_number(low - step), f"below the minimum ({_format_number(low)})"))
        if high is not None:
            found.append((_format_number(high + step), f"above the maximum ({_format_number(high)})"))
        if (
            rule.step is not None
            and facts.input_type == "number"
            and (low is None or high is None or high - low > step)
        ):
            off = (low if low is not None else Decimal(0)) + step / 2
            found.append((_format_number(off), f"between the steps of {_format_number(step)}"))
        if low is None and meaning == "quantity":
            found.append(("0", "zero, where a number of people or items is asked"))
        if low is None and meaning != "number":
            found.append((f"-{DEFAULT_NUMBERS[meaning][0]}", f"a negative {noun_for(meaning)}"))
        if facts.input_type != "number":  # a number input refuses typed letters before the app sees them
            found.append(("abc" if language != "ru" else "абв", "letters in a number field"))
    elif meaning == "email":
        local = (valid[0].value if valid else "alex.tester").split("@")[0]
        found += [(local, "an email without @"), (local + "@", "an email without a domain")]
    elif meaning == "phone":
        found.append(("phone" if language != "ru" else "телефон", "letters in a phone number"))
    elif meaning == "url":
        found.append(("not a url", "text that is not an address"))
    elif meaning in ("date", "birth_date") and facts.input_type != "date":
        found += [
            ("31.02.2026" if language == "ru" else "02/31/2026", "a day that does not exist"),
            ("abc", "letters in a date"),
        ]
    if facts.maxlength is not None:
        seed = valid[0].value if valid else "a"
        over = (seed * (facts.maxlength // max(len(seed), 1) + 2))[: facts.maxlength + 1]
        found.append((over, f"one character over maxlength ({facts.maxlength}); the browser may cut it"))
    if facts.minlength is not None and facts.minlength > 1:
        found.append(("a" * (facts.minlength - 1), f"shorter than minlength ({facts.minlength})"))
    if facts.pattern and _fits_pattern("", facts.pattern) is not None:
        off_pattern = next(
            (v for v in ("abc", "123", "!!!", "a b") if _fits_pattern(v, facts.pattern) is False), None
        )
        if off_pattern is not None:
            found.append((off_pattern, "text that does not match the field's pattern"))
    return found


def values_for(facts: FieldFacts) -> FieldValues:
    """Valid, invalid and boundary candidates for a field, each checked against the field's rules."""
    language = language_of(facts)
    meaning = meaning_of(facts)
    rule = _NumberRule(facts, _stated_range(facts.label, facts.placeholder))
    valid = _valid(facts, meaning, language, rule)
    pattern_unmet = bool(facts.pattern) and not valid
    boundary = _boundaries(facts, meaning, rule, valid)
    invalid: list[CandidateValue] = []
    for value, what in _invalid(facts, meaning, language, rule, valid):
        if value in (c.value for c in invalid):
            continue
        if value in (c.value for c in valid):
            continue  # a value offered as valid cannot also be claimed as refused
        invalid.append(CandidateValue(value=value, value_class="invalid", what=what))
    return FieldValues(
        meaning=meaning,
        language=language,
        valid=valid,
        invalid=invalid,
        boundary=boundary,
        pattern_unmet=pattern_unmet,
    )
