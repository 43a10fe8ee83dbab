"""Scoring rules as data, and the scores they give (pure: no web, no database).

A questionnaire's scales (`Scale`, `Band` in model.py) are data, stored in the questionnaire's
scoring extension as a JSON document (questionnaire.py says why a JSON string):

    {"show_score": false,
     "scales": [{"code": "total", "title": {"en": "Total", "es": "Total"}, "method": "sum",
                 "items": ["q1", "q2", "q3"], "reverse": ["q2"], "min_answered": 2,
                 "missing": "prorate",
                 "bands": [{"min": 0, "max": 10, "label": {"en": "Low", "es": "Bajo"}}]}]}

`read_rules` validates such a document against the questionnaire's items and `rules_json`
writes one. `score` applies the rules to clean answers:
- an item's value is its option's ordinal (or whole-number code), the number itself, or 1/0 for
  yes/no; several chosen options add up; a free-text open-choice answer has no value;
- a reverse-scored value is (lowest + highest) - value, so 1 on a 0..4 item counts 3;
- fewer than `min_answered` values give no score; "mean" averages the values given; "sum" with
  "prorate" scales the sum of the values given up to all items (sum x expected / answered, the
  usual way instruments allow a few missing answers), and with "ignore" is the plain sum;
- scores are rounded half up to 2 decimals, then placed in the band whose [min, max] holds them
  (a score between two bands has no band).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from itertools import pairwise
from typing import Any

from flask_babel import lazy_gettext as _l

from familyapp.surveys.definition import (
    CHOICE_TYPES,
    LANGUAGE_CODE,
    METHODS,
    MISSING,
    NUMBER_TYPES,
    Answers,
    Band,
    Item,
    Problem,
    Questionnaire,
    Scale,
    Texts,
    as_decimal,
    json_number,
    option_value,
    scorable,
    score_range,
)

CENT = Decimal("0.01")
MAX_LABEL = 2000
_RULES_KEYS = ("show_score", "scales")
_SCALE_KEYS = ("code", "title", "method", "items", "reverse", "min_answered", "missing", "bands")
_BAND_KEYS = ("min", "max", "label")


@dataclass(frozen=True)
class ScaleScore:
    """One scale's result: the score (None when too few answers), counts and band."""

    code: str
    title: Texts
    value: Decimal | None
    answered: int
    expected: int
    band: Band | None


def item_value(item: Item, values: list[Any]) -> Decimal | None:
    """The number one answered item contributes, before any reverse scoring."""
    if item.type in CHOICE_TYPES:
        found = [item.option(v) for v in values if isinstance(v, str)]
        numbers = [n for n in (option_value(o) for o in found if o is not None) if n is not None]
        return sum(numbers, Decimal(0)) if numbers else None
    if not values:
        return None
    value = values[0]
    if item.type == "boolean" and isinstance(value, bool):
        return Decimal(1) if value else Decimal(0)
    if item.type in NUMBER_TYPES:
        return as_decimal(value)
    return None


def score(q: Questionnaire, answers: Answers) -> list[ScaleScore]:
    """Every scale's score for these (clean) answers."""
    items = {item.link_id: item for item in q.walk()}
    return [_scale_score(scale, items, answers) for scale in q.scales]


def _scale_score(scale: Scale, items: Mapping[str, Item], answers: Answers) -> ScaleScore:
    values: list[Decimal] = []
    for link_id in scale.items:
        item = items.get(link_id)
        value = item_value(item, answers.get(link_id, [])) if item is not None else None
        if value is None or item is None:
            continue
        span = score_range(item) if link_id in scale.reverse else None
        values.append(span[0] + span[1] - value if span is not None else value)
    expected, answered = len(scale.items), len(values)
    if answered == 0 or answered < scale.min_answered:
        return ScaleScore(scale.code, scale.title, None, answered, expected, None)
    total = sum(values, Decimal(0))
    if scale.method == "mean":
        result = total / answered
    elif scale.missing == "prorate":
        result = total * expected / answered
    else:
        result = total
    result = result.quantize(CENT, rounding=ROUND_HALF_UP)
    band = next((b for b in scale.bands if b.min <= result <= b.max), None)
    return ScaleScore(scale.code, scale.title, result, answered, expected, band)


def rules_json(q: Questionnaire) -> str:
    """The questionnaire's scoring rules as the JSON document of its scoring extension."""
    scales = [
        {
            "code": s.code,
            "title": s.title,
            "method": s.method,
            "items": list(s.items),
            "reverse": list(s.reverse),
            "min_answered": s.min_answered,
            "missing": s.missing,
            "bands": [
                {"min": json_number(b.min), "max": json_number(b.max), "label": b.label}
                for b in s.bands
            ],
        }
        for s in q.scales
    ]
    return json.dumps({"show_score": q.show_score, "scales": scales}, ensure_ascii=False)


def read_rules(
    text: Any, items: Mapping[str, Item], base: str
) -> tuple[bool, tuple[Scale, ...], list[Problem]]:
    """Read and check a scoring document: (show_score, scales, problems at "scoring...")."""
    reader = _RulesReader(items, base)
    show, scales = reader.rules(text)
    return show, scales, reader.problems


class _RulesReader:
    """One scoring document being checked against the questionnaire's items."""

    def __init__(self, items: Mapping[str, Item], base: str) -> None:
        self.items = items
        self.base = base
        self.problems: list[Problem] = []

    def problem(self, path: str, message: Any) -> None:
        self.problems.append(Problem(path, message))

    def rules(self, text: Any) -> tuple[bool, tuple[Scale, ...]]:
        if not isinstance(text, str):
            self.problem("scoring", _l("The scoring rules must be a JSON text in valueString."))
            return False, ()
        try:
            doc = json.loads(text)
        except ValueError as error:
            self.problem(
                "scoring",
                _l("The scoring rules are not valid JSON: %(error)s.", error=str(error)),
            )
            return False, ()
        if not isinstance(doc, dict):
            self.problem("scoring", _l("The scoring rules must be a JSON object."))
            return False, ()
        self.unknown_keys(doc, _RULES_KEYS, "scoring")
        show = doc.get("show_score", False)
        if not isinstance(show, bool):
            self.problem("scoring.show_score", _l("'show_score' must be true or false."))
        raw_scales = doc.get("scales", [])
        if not isinstance(raw_scales, list):
            self.problem("scoring.scales", _l("'scales' must be a list."))
            return show is True, ()
        scales: list[Scale] = []
        for i, raw in enumerate(raw_scales):
            scale = self.scale(raw, f"scoring.scales[{i}]")
            if scale is None:
                continue
            if any(s.code == scale.code for s in scales):
                self.problem(
                    f"scoring.scales[{i}].code",
                    _l("Two scales have the code '%(code)s'.", code=scale.code),
                )
            scales.append(scale)
        return show is True, tuple(scales)

    def scale(self, raw: Any, path: str) -> Scale | None:
        if not isinstance(raw, dict):
            self.problem(path, _l("A scale must be a JSON object."))
            return None
        before = len(self.problems)
        self.unknown_keys(raw, _SCALE_KEYS, path)
        code = raw.get("code")
        if not isinstance(code, str) or not code.strip():
            self.problem(f"{path}.code", _l("A scale needs a code."))
            code = ""
        title = self.texts(raw["title"], f"{path}.title") if "title" in raw else {self.base: code}
        method = raw.get("method")
        if method not in METHODS:
            self.problem(f"{path}.method", _l("The method must be 'sum' or 'mean'."))
        missing = raw.get("missing", "prorate")
        if missing not in MISSING:
            self.problem(f"{path}.missing", _l("'missing' must be 'prorate' or 'ignore'."))
        items = self.scale_items(raw.get("items"), f"{path}.items")
        reverse = self.reverse_items(raw.get("reverse", []), items, f"{path}.reverse")
        least = raw.get("min_answered", 1)
        if items and (
            isinstance(least, bool) or not isinstance(least, int) or not 1 <= least <= len(items)
        ):
            self.problem(
                f"{path}.min_answered",
                _l(
                    "'min_answered' must be a whole number from 1 to %(count)s (the number of "
                    "items in the scale).",
                    count=len(items),
                ),
            )
        bands = self.bands(raw.get("bands", []), f"{path}.bands")
        if len(self.problems) > before:
            return None
        return Scale(code, title, str(method), items, reverse, least, bands, str(missing))

    def scale_items(self, raw: Any, path: str) -> tuple[str, ...]:
        if not isinstance(raw, list) or not raw or not all(isinstance(x, str) for x in raw):
            self.problem(path, _l("'items' must be a non-empty list of linkIds."))
            return ()
        for link_id in raw:
            item = self.items.get(link_id)
            if item is None:
                self.problem(
                    path, _l("'%(item)s' is not an item of this questionnaire.", item=link_id)
                )
            elif not scorable(item) and not (item.type in CHOICE_TYPES and not item.options):
                # (a choice without options is reported as such; no need to say it twice)
                self.problem(
                    path,
                    _l(
                        "'%(item)s' cannot be scored: a scale takes yes/no, whole-number and "
                        "number questions, and choice questions whose every option has a "
                        "score (ordinalValue) or a whole-number code.",
                        item=link_id,
                    ),
                )
        if len(set(raw)) < len(raw):
            self.problem(path, _l("An item is listed twice in the same scale."))
        return tuple(raw)

    def reverse_items(self, raw: Any, items: tuple[str, ...], path: str) -> tuple[str, ...]:
        if not isinstance(raw, list) or not all(isinstance(x, str) for x in raw):
            self.problem(path, _l("'reverse' must be a list of linkIds."))
            return ()
        for link_id in raw:
            item = self.items.get(link_id)
            if link_id not in items:
                self.problem(
                    path,
                    _l(
                        "'%(item)s' is reverse-scored but is not one of the scale's items.",
                        item=link_id,
                    ),
                )
            elif item is not None and scorable(item) and score_range(item) is None:
                self.problem(
                    path,
                    _l(
                        "'%(item)s' is reverse-scored, so its lowest and highest score must be "
                        "known: give a number question a minValue and a maxValue; a choice "
                        "question must take a single answer.",
                        item=link_id,
                    ),
                )
        return tuple(raw)

    def bands(self, raw: Any, path: str) -> tuple[Band, ...]:
        if not isinstance(raw, list):
            self.problem(path, _l("'bands' must be a list."))
            return ()
        bands: list[Band] = []
        for i, raw_band in enumerate(raw):
            where = f"{path}[{i}]"
            if not isinstance(raw_band, dict):
                self.problem(where, _l("A band must be a JSON object."))
                continue
            self.unknown_keys(raw_band, _BAND_KEYS, where)
            low, high = as_decimal(raw_band.get("min")), as_decimal(raw_band.get("max"))
            label = self.texts(raw_band.get("label"), f"{where}.label")
            if low is None or high is None:
                self.problem(where, _l("A band needs a number for both min and max."))
            elif low > high:
                self.problem(
                    where,
                    _l("A band's min (%(min)s) is above its max (%(max)s).", min=low, max=high),
                )
            else:
                bands.append(Band(low, high, label))
        ordered = sorted(bands, key=lambda band: band.min)
        for first, second in pairwise(ordered):
            if second.min <= first.max:
                self.problem(
                    path,
                    _l(
                        "The bands %(a)s to %(b)s and %(c)s to %(d)s overlap.",
                        a=first.min,
                        b=first.max,
                        c=second.min,
                        d=second.max,
                    ),
                )
        return tuple(bands)

    def texts(self, raw: Any, path: str) -> Texts:
        """A text of the document: a string, or an object of texts by language code."""
        if isinstance(raw, str) and raw.strip() and len(raw) <= MAX_LABEL:
            return {self.base: raw}
        if (
            isinstance(raw, dict)
            and raw.get(self.base)
            and all(isinstance(k, str) and LANGUAGE_CODE.match(k) for k in raw)
            and all(isinstance(v, str) and len(v) <= MAX_LABEL for v in raw.values())
        ):
            return dict(raw)
        self.problem(
            path,
            _l(
                "This needs a text, or an object of texts by language that includes '%(lang)s'.",
                lang=self.base,
            ),
        )
        return {self.base: ""}

    def unknown_keys(self, raw: dict[str, Any], known: tuple[str, ...], path: str) -> None:
        # A typo in hand-written rules ("revers") would otherwise be silently ignored.
        for key in raw:
            if key not in known:
                self.problem(
                    f"{path}.{key}",
                    _l(
                        "'%(key)s' is not a scoring setting here; known settings: %(valid)s.",
                        key=key,
                        valid=", ".join(f"'{k}'" for k in known),
                    ),
                )
