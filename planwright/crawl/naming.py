"""A name a person would use for an element that has no accessible name, and where it came from.

Icon-only buttons (`<button id="btnPlay"><i class="fas fa-play"></i></button>`) have no accessible
name, so nothing could say "click Play". The page still says what they are: aria-label, title, alt,
visible text, a label, a placeholder, a test id, an id, icon classes, a name attribute, tried in
that order. Identifiers are split into words with noise such as btn/icon/js dropped, and generated
ids (`ember123`, `:r1:`) are ignored. The source is returned with the name so the locator can follow
Playwright's preference: a test id becomes `get_by_test_id`, a title `get_by_title`, an id `#id`.
"""

from __future__ import annotations

import json
import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

NameSource = Literal[
    "aria-label", "title", "alt", "text", "label", "placeholder", "testid", "id", "icon", "name", "class"
]
LocatorMethod = Literal[
    "get_by_role",
    "get_by_label",
    "get_by_title",
    "get_by_alt_text",
    "get_by_text",
    "get_by_placeholder",
    "get_by_test_id",
    "locator",
]

TEST_ID_ATTRIBUTES = ("data-testid", "data-test", "data-cy", "data-qa", "data-test-id")
NOISE_WORDS = frozenset(
    {
        "btn",
        "button",
        "icon",
        "ico",
        "el",
        "elem",
        "element",
        "js",
        "lnk",
        "link",
        "img",
        "image",
        "wrapper",
        "container",
        "wrap",
        "ctrl",
        "control",
        "cmp",
        "component",
        "item",
    }
)
# Prefixes of icon font classes; what follows is the icon's own word(s).
_ICON_PREFIXES = (
    "fa-",
    "bi-",
    "glyphicon-",
    "icon-",
    "ion-",
    "ion-md-",
    "ion-ios-",
    "ti-",
    "mdi-",
    "la-",
    "feather-",
    "ri-",
    "bx-",
    "bxs-",
    "las-",
    "oi-",
    "fi-",
    "gg-",
    "lucide-",
)
# Icon classes that change size, weight or animation, not what the icon shows.
_ICON_MODIFIERS = frozenset(
    {
        "lg",
        "xs",
        "sm",
        "xl",
        "1x",
        "2x",
        "3x",
        "4x",
        "5x",
        "fw",
        "spin",
        "pulse",
        "border",
        "inverse",
        "li",
        "ul",
        "beat",
        "fade",
        "bounce",
        "shake",
        "solid",
        "regular",
        "light",
        "thin",
        "duotone",
        "sharp",
        "brands",
        "alt",
        "o",
        "outline",
        "outlined",
        "fill",
        "filled",
        "line",
        "round",
        "rounded",
        "two",
        "tone",
        "1",
        "2",
        "3",
        "90",
        "180",
        "270",
        "horizontal",
        "vertical",
        "md",
        "ios",
    }
)
_WHOLE_CLASS_MODIFIERS = ("pull-", "rotate-", "flip-", "stack-", "border", "inverse", "swap-opacity")
_ICON_STYLE_CLASSES = frozenset(
    {
        "fa",
        "fas",
        "far",
        "fab",
        "fal",
        "fad",
        "fat",
        "fa-solid",
        "fa-regular",
        "fa-light",
        "fa-brands",
        "bi",
        "glyphicon",
        "mdi",
        "ti",
        "la",
        "las",
        "lar",
        "lab",
        "ion",
        "icon",
        "bx",
        "ri",
        "oi",
    }
)
_LIGATURE_CLASSES = ("material-icons", "material-symbols")
_GLYPH_WORDS = {"x": "close", "xmark": "close", "times": "close"}  # icons that are shapes, not words
_GENERATED_ID = re.compile(
    r"^(?:ember\d+|mui-\d+|react-\w+|radix-\S+|headlessui-\S+|yui_\S+|ext-\S+|gwt-\S+)$|:|^[a-f0-9-]{12,}$"
    r"|^(?=(?:.*\d){3})[a-z0-9]{8,}$",
    re.IGNORECASE,
)
_MAX_NAME = 80


class NamingFacts(BaseModel):
    """What the page says about an element that might name it (the page function collects these)."""

    model_config = ConfigDict(frozen=True)

    tag: str = ""  # lower-case tag name
    role: str | None = None
    aria_label: str | None = None
    title: str | None = None
    alt: str | None = None  # the element's own alt, or that of its only image
    text: str | None = None  # visible text
    label: str | None = None
    placeholder: str | None = None
    test_ids: dict[str, str] = Field(default_factory=dict)  # {"data-testid": "play-btn"}
    element_id: str | None = None
    classes: list[str] = Field(default_factory=list)  # the element's own classes
    inner_classes: list[str] = Field(default_factory=list)  # classes of its descendants (icons)
    ligature: str | None = None  # the text of a material-icons descendant ("play_arrow")
    name: str | None = None  # the name attribute


class LocatorHint(BaseModel):
    """The Playwright call the name's source suggests; the caller checks it is unique in the page."""

    model_config = ConfigDict(frozen=True)

    method: LocatorMethod
    argument: str
    role: str | None = None  # for get_by_role

    def describe(self) -> str:
        """The call as a QA engineer writes it."""
        argument = json.dumps(self.argument, ensure_ascii=False)
        if self.method == "get_by_role":
            return f"get_by_role({json.dumps(self.role)}, name={argument})"
        return f"{self.method}({argument})"


class PeopleName(BaseModel):
    """A name for people and where it came from; `written` is the source's value as the page has it."""

    model_config = ConfigDict(frozen=True)

    name: str
    source: NameSource
    written: str
    attribute: str | None = None  # "data-testid", "id", "class" ...
    hint: LocatorHint | None = None


_WORDY = re.compile(r"[^\W\d_]")


def _norm(text: str | None) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


def identifier_words(identifier: str) -> list[str]:
    """Words of an id or test id, noise dropped: `btnPlay`, `play-btn`, `play_button` → ["play"]."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", identifier)
    spaced = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1 \2", spaced)
    spaced = re.sub(r"([A-Za-z])(\d)", r"\1 \2", spaced)
    words = [word.lower() for word in re.split(r"[\W_]+", spaced) if word]
    meaningful = [word for word in words if word not in NOISE_WORDS]
    return meaningful if any(not word.isdigit() for word in meaningful) else []


def _icon_class_words(css_class: str) -> list[str]:
    lowered = css_class.lower()
    if lowered in _ICON_STYLE_CLASSES:
        return []
    for prefix in sorted(_ICON_PREFIXES, key=len, reverse=True):
        if lowered.startswith(prefix):
            rest = lowered[len(prefix) :]
            if rest.startswith(_WHOLE_CLASS_MODIFIERS):
                return []
            words = [word for word in rest.split("-") if word and word not in _ICON_MODIFIERS]
            return [_GLYPH_WORDS.get(word, word) for word in words]
    return []


def icon_words(classes: list[str], ligature: str | None = None) -> tuple[list[str], str | None]:
    """The words an icon shows (`fas fa-trash-alt` → ["trash"]) and the class they came from."""
    if ligature and any(cls.startswith(_LIGATURE_CLASSES) for cls in classes):
        words = [w for w in re.split(r"[\s_]+", ligature.strip().lower()) if w and w not in _ICON_MODIFIERS]
        if words:
            return words, next(cls for cls in classes if cls.startswith(_LIGATURE_CLASSES))
    for css_class in classes:
        words = _icon_class_words(css_class)
        if words:
            return words, css_class
    return [], None


def _capitalised(words: list[str]) -> str:
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def _css_id(element_id: str) -> str:
    return f"#{element_id}" if re.fullmatch(r"-?[A-Za-z_][\w-]*", element_id) else f'[id="{element_id}"]'


def _from_text(facts: NamingFacts) -> PeopleName | None:
    """Visible text, unless it is only a material icon's ligature (that is an icon, below)."""
    text = _norm(facts.text)
    if not text or (facts.ligature and text == _norm(facts.ligature)):
        return None
    short = text if len(text) <= _MAX_NAME else text[: _MAX_NAME - 1].rstrip() + "…"
    hint = LocatorHint(method="get_by_text", argument=text) if len(text) <= _MAX_NAME else None
    return PeopleName(name=short, source="text", written=text, hint=hint)


def _from_attributes(facts: NamingFacts) -> PeopleName | None:
    """aria-label, title and alt: written for people, so taken as they are."""
    aria_label = _norm(facts.aria_label)
    if aria_label:
        hint = (
            LocatorHint(method="get_by_role", argument=aria_label, role=facts.role)
            if facts.role
            else LocatorHint(method="get_by_label", argument=aria_label)
        )
        return PeopleName(
            name=aria_label, source="aria-label", written=aria_label, attribute="aria-label", hint=hint
        )
    title = _norm(facts.title)
    if title:
        return PeopleName(
            name=title,
            source="title",
            written=title,
            attribute="title",
            hint=LocatorHint(method="get_by_title", argument=title),
        )
    alt = _norm(facts.alt)
    if alt:
        return PeopleName(
            name=alt,
            source="alt",
            written=alt,
            attribute="alt",
            hint=LocatorHint(method="get_by_alt_text", argument=alt),
        )
    return None


def _from_identifiers(facts: NamingFacts) -> PeopleName | None:
    """Test ids, then the id: split into words; generated ids say nothing."""
    for attribute in TEST_ID_ATTRIBUTES:
        value = facts.test_ids.get(attribute, "").strip()
        words = identifier_words(value) if value else []
        if words:
            hint = (
                LocatorHint(method="get_by_test_id", argument=value)
                if attribute == "data-testid"
                else LocatorHint(method="locator", argument=f"[{attribute}={json.dumps(value)}]")
            )
            return PeopleName(
                name=_capitalised(words), source="testid", written=value, attribute=attribute, hint=hint
            )
    element_id = (facts.element_id or "").strip()
    if element_id and not _GENERATED_ID.search(element_id):
        words = identifier_words(element_id)
        if words:
            return PeopleName(
                name=_capitalised(words),
                source="id",
                written=element_id,
                attribute="id",
                hint=LocatorHint(method="locator", argument=_css_id(element_id)),
            )
    return None


def _from_icon(facts: NamingFacts) -> PeopleName | None:
    own_words, own_class = icon_words(facts.classes, facts.ligature)
    inner_words, inner_class = icon_words(facts.inner_classes, facts.ligature)
    words, css_class = (own_words, own_class) if own_words else (inner_words, inner_class)
    if not words or css_class is None:
        return None
    tag = facts.tag or "*"
    selector = f"{tag}.{css_class}" if own_words else f"{tag}:has(.{css_class})"
    if facts.ligature and css_class.startswith(_LIGATURE_CLASSES):
        selector = f"{tag}:has-text({json.dumps(_norm(facts.ligature))})"
    return PeopleName(
        name=_capitalised(words),
        source="icon",
        written=css_class,
        attribute="class",
        hint=LocatorHint(method="locator", argument=selector),
    )


def name_for(facts: NamingFacts) -> PeopleName | None:
    """The first name the page offers, in the order people-facing text beats identifiers beats icons."""
    found = _from_attributes(facts) or _from_text(facts)
    if found:
        return found
    label = _norm(facts.label)
    if label:
        return PeopleName(
            name=label, source="label", written=label, hint=LocatorHint(method="get_by_label", argument=label)
        )
    placeholder = _norm(facts.placeholder)
    if placeholder and _WORDY.search(placeholder):  # "0", "0.00": a sample value, not a name
        return PeopleName(
            name=placeholder,
            source="placeholder",
            written=placeholder,
            attribute="placeholder",
            hint=LocatorHint(method="get_by_placeholder", argument=placeholder),
        )
    found = _from_identifiers(facts) or _from_icon(facts)
    if found:
        return found
    name_attribute = (facts.name or "").strip()
    words = identifier_words(name_attribute) if name_attribute else []
    if words:
        tag = facts.tag or "*"
        return PeopleName(
            name=_capitalised(words),
            source="name",
            written=name_attribute,
            attribute="name",
            hint=LocatorHint(method="locator", argument=f"{tag}[name={json.dumps(name_attribute)}]"),
        )
    return _from_class(facts)


# Class words that say how a thing looks or is laid out, never what it is (Bootstrap, Tailwind...).
_STYLING_WORDS = frozenset(
    {"form", "input", "field", "text", "textbox", "check", "primary", "secondary", "large", "small",
     "active", "hidden", "visible", "disabled", "selected", "col", "row", "flex", "block", "inline",
     "full", "width", "rounded", "border", "shadow", "dark", "light", "outline", "default", "sm", "lg",
     "md", "xl", "xs", "mb", "mt", "ml", "mr", "px", "py", "p", "m", "w", "h"}
)  # fmt: skip


def _from_class(facts: NamingFacts) -> PeopleName | None:
    """The last resort for a field: a class that says what it is (TodoMVC's in-place `input.edit`), as
    hand-written vanilla pages name their parts; styling classes say nothing. Only fields: an unnamed
    div named by its class would be one more thing to click that nobody can tell apart."""
    if facts.tag not in ("input", "textarea", "select"):
        return None
    for css_class in facts.classes:
        if not re.fullmatch(r"[A-Za-z][\w-]*", css_class) or re.search(r"\d", css_class):
            continue
        words = identifier_words(css_class)
        if words and not any(word in _STYLING_WORDS for word in words):
            tag = facts.tag or "*"
            return PeopleName(
                name=_capitalised(words),
                source="class",
                written=css_class,
                attribute="class",
                hint=LocatorHint(method="locator", argument=f"{tag}.{css_class}"),
            )
    return None
