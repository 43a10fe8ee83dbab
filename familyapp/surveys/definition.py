"""The questionnaire definition model: frozen dataclasses shared by the FHIR mapping, the answer
checks, scoring and the rest of the app (pure: no web, no database).

`Texts` maps a language code to a text and always holds the questionnaire's base language (an
empty string when the resource had no text there). `Answers` maps a question's linkId to its
clean values: option codes for choice questions (open-choice also takes free strings), and
bool, int, Decimal, date or str for the other types.

`familyapp.surveys.questionnaire` re-exports every name here; import from either.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

Texts = dict[str, str]
Value = bool | int | Decimal | str | date
Answers = dict[str, list[Value]]

TYPES = (
    "group",
    "display",
    "boolean",
    "decimal",
    "integer",
    "date",
    "string",
    "text",
    "choice",
    "open-choice",
)
CHOICE_TYPES = ("choice", "open-choice")
NUMBER_TYPES = ("integer", "decimal")
ANSWERABLE = ("boolean", "decimal", "integer", "date", "string", "text", *CHOICE_TYPES)
STATUSES = ("draft", "active", "retired", "unknown")  # R4 publication-status
OPERATORS = ("exists", "=", "!=", ">", "<", ">=", "<=")  # R4 questionnaire-enable-operator
BEHAVIORS = ("all", "any")  # R4 questionnaire-enable-behavior
METHODS = ("sum", "mean")
MISSING = ("prorate", "ignore")

LANGUAGE_CODE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")  # BCP 47, loosely
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_INTEGER = re.compile(r"^[+-]?\d+$")


@dataclass(frozen=True)
class Option:
    """One answer option of a choice question: its code, its display and its score."""

    code: str
    display: Texts
    ordinal: Decimal | None = None
    system: str | None = None


@dataclass(frozen=True)
class EnableWhen:
    """One condition on another question's answer (for a choice question, an option code)."""

    question: str
    operator: str
    answer: bool | int | Decimal | str | date | None


@dataclass(frozen=True)
class Item:
    """A group, a display text or a question."""

    link_id: str
    type: str
    text: Texts
    required: bool = False
    repeats: bool = False
    options: tuple[Option, ...] = ()
    min_value: Decimal | None = None
    max_value: Decimal | None = None
    max_length: int | None = None
    enable_when: tuple[EnableWhen, ...] = ()
    enable_behavior: str = "all"
    items: tuple[Item, ...] = ()
    prefix: str | None = None

    def option(self, code: str) -> Option | None:
        """The answer option with this code, if any."""
        return next((option for option in self.options if option.code == code), None)


@dataclass(frozen=True)
class Band:
    """A labelled range of a scale's score, both ends included."""

    min: Decimal
    max: Decimal
    label: Texts


@dataclass(frozen=True)
class Scale:
    """How one score is computed from some questions, and how to read it."""

    code: str
    title: Texts
    method: str  # "sum" | "mean"
    items: tuple[str, ...]
    reverse: tuple[str, ...] = ()
    min_answered: int = 1
    bands: tuple[Band, ...] = ()
    missing: str = "prorate"  # "prorate" | "ignore"; only a sum has anything to prorate


@dataclass(frozen=True)
class Questionnaire:
    """A questionnaire: its metadata, its items and its scoring rules."""

    url: str | None
    version: str | None
    name: str | None
    title: Texts
    description: Texts
    language: str
    status: str
    publisher: str | None
    copyright: str | None
    items: tuple[Item, ...]
    scales: tuple[Scale, ...] = ()
    show_score: bool = False

    def walk(self) -> Iterator[Item]:
        """Every item, depth first, in questionnaire order."""
        return walk(self.items)

    def item(self, link_id: str) -> Item | None:
        """The item with this linkId, if any."""
        return next((item for item in self.walk() if item.link_id == link_id), None)

    def languages(self) -> list[str]:
        """The base language first, then every other language some text is written in."""
        texts: list[Texts] = [self.title, self.description]
        for item in self.walk():
            texts.append(item.text)
            texts.extend(option.display for option in item.options)
        for scale in self.scales:
            texts.append(scale.title)
            texts.extend(band.label for band in scale.bands)
        found = {lang for t in texts for lang, value in t.items() if value}
        return [self.language, *sorted(found - {self.language})]


@dataclass(frozen=True)
class Problem:
    """What is wrong in an uploaded questionnaire, and where (a path into the resource)."""

    path: str
    message: Any


class QuestionnaireInvalid(Exception):
    """A resource that is not a questionnaire this app can use; `problems` says why."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(f"{p.path}: {p.message}" for p in problems))
        self.problems = problems


def walk(items: Iterable[Item]) -> Iterator[Item]:
    """These items and all their descendants, depth first."""
    for item in items:
        yield item
        yield from walk(item.items)


def text_in(texts: Texts, lang: str, base: str) -> str:
    """The text in `lang` (or its primary language: "es" for "es-MX"), else in `base`."""
    for key in (lang, lang.split("-")[0], base):
        if texts.get(key):
            return texts[key]
    return ""


def option_value(option: Option) -> Decimal | None:
    """An option's score: its ordinal, else its code when that is a whole number."""
    if option.ordinal is not None:
        return option.ordinal
    return Decimal(option.code) if _INTEGER.match(option.code) else None


def score_range(item: Item) -> tuple[Decimal, Decimal] | None:
    """The lowest and highest score one answer can get, when both are known."""
    if item.type == "boolean":
        return Decimal(0), Decimal(1)
    if item.type in NUMBER_TYPES:
        if item.min_value is None or item.max_value is None:
            return None
        return item.min_value, item.max_value
    if item.type in CHOICE_TYPES and not item.repeats and item.options:
        values = [option_value(option) for option in item.options]
        known = [value for value in values if value is not None]
        if len(known) == len(values):
            return min(known), max(known)
    return None


def scorable(item: Item) -> bool:
    """Whether answers to this item are numbers to score (see scoring.item_value)."""
    if item.type in ("boolean", *NUMBER_TYPES):
        return True
    return (
        item.type in CHOICE_TYPES
        and bool(item.options)
        and all(option_value(option) is not None for option in item.options)
    )


def as_decimal(value: Any) -> Decimal | None:
    """A JSON number (int, float or Decimal, never a bool) as a finite Decimal, else None."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return None
    # str() first: Decimal(0.1) would carry the float's binary error into the value.
    number = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    return number if number.is_finite() else None


def json_number(value: Decimal) -> int | float:
    """A Decimal as a JSON number: FHIR decimals are JSON numbers, not strings."""
    return int(value) if value == value.to_integral_value() else float(value)


def parse_date(value: Any) -> date | None:
    """A full ISO date "YYYY-MM-DD" (FHIR's partial "YYYY" and "YYYY-MM" are not answers)."""
    if not isinstance(value, str) or not _DATE.match(value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None
