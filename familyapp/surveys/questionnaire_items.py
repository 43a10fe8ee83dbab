"""Reading a Questionnaire's items: groups, display texts and questions, with their linkIds,
types, answer options and their scores, number bounds and maximum lengths.

`ItemReader` extends ConditionReader (each item's enableWhen is read there); the reader of the
whole resource in questionnaire.py extends it in turn.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l

from familyapp.surveys.definition import CHOICE_TYPES, NUMBER_TYPES, TYPES, Item, Option, as_decimal
from familyapp.surveys.questionnaire_conditions import ConditionReader
from familyapp.surveys.questionnaire_fields import listed
from familyapp.surveys.questionnaire_profile import (
    MAX_DEPTH,
    MAX_LINK_ID,
    MAX_TEXT,
    MAX_VALUE_URL,
    MIN_VALUE_URL,
    ORDINAL_URLS,
)

_R4_UNSUPPORTED = ("dateTime", "time", "url", "attachment", "reference", "quantity")
_R5_ONLY = ("coding", "question")
# que-10: maxLength only on simple question types.
_MAX_LENGTH_TYPES = ("boolean", "decimal", "integer", "string", "text", "open-choice")


class ItemReader(ConditionReader):
    """The items part of a parse: each item checked on its own as it is read."""

    def items(self, raw: list[Any], at: str, depth: int) -> tuple[Item, ...]:
        """The items of a list (`at` is the path of its holder), without those unreadable."""
        found = (self.item(r, f"{at}item[{i}]", depth) for i, r in enumerate(raw))
        return tuple(item for item in found if item is not None)

    def item(self, raw: Any, path: str, depth: int) -> Item | None:
        """One item and everything in it; None when it is not a JSON object."""
        if not isinstance(raw, dict):
            self.problem(path, _l("This item is not a JSON object."))
            return None
        self.count += 1
        link_id = self.link_id(raw.get("linkId"), path)
        name = link_id or path
        kind = self.kind(raw.get("type"), path, name)
        text = self.texts(raw, "text", path)
        if kind not in ("group", "") and not text[self.base].strip():
            self.problem(f"{path}.text", _l("Item '%(item)s' has no text.", item=name))
        prefix = self.string(raw, "prefix", f"{path}.prefix")
        required = self.flag(raw, "required", path)
        repeats = self.flag(raw, "repeats", path)
        if kind == "display" and (required or repeats):
            # que-6: required and repeats are not permitted for display items.
            self.problem(
                path,
                _l(
                    "Item '%(item)s' is a display text: it cannot be required or repeat.", item=name
                ),
            )
        if kind == "group" and repeats:
            self.problem(
                f"{path}.repeats",
                _l(
                    "Item '%(item)s' is a repeating group, which this "
                    "app does not support: answers are one per question.",
                    item=name,
                ),
            )
        options = self.options(raw, path, name, kind)
        low, high = self.bounds(raw, path, name, kind)
        max_length = self.max_length(raw, path, name, kind)
        enable_when, behavior = self.enable_when(raw, path, link_id, name)
        children: tuple[Item, ...] = ()
        raw_children = raw.get("item")
        if raw_children is not None and not isinstance(raw_children, list):
            self.problem(
                f"{path}.item", _l("The child items of '%(item)s' must be a list.", item=name)
            )
        elif raw_children and kind not in ("group", ""):
            self.problem(
                f"{path}.item",
                _l(
                    "Item '%(item)s' is not a group: only groups can hold other items here.",
                    item=name,
                ),
            )
        elif raw_children and depth >= MAX_DEPTH:
            self.problem(
                f"{path}.item",
                _l(
                    "Groups are nested more than %(max)s levels deep at '%(item)s'.",
                    max=MAX_DEPTH,
                    item=name,
                ),
            )
        elif raw_children:
            children = self.items(raw_children, f"{path}.", depth + 1)
        elif kind == "group":
            # que-1: group items must have nested items.
            self.problem(path, _l("Item '%(item)s' is a group without any items in it.", item=name))
        item = Item(
            link_id=link_id,
            type=kind,
            text=text,
            required=required,
            repeats=repeats,
            options=options,
            min_value=low,
            max_value=high,
            max_length=max_length,
            enable_when=enable_when,
            enable_behavior=behavior,
            items=children,
            prefix=prefix,
        )
        if link_id:
            self.by_id.setdefault(link_id, item)
        return item

    def link_id(self, value: Any, path: str) -> str:
        """An item's linkId, unique in the questionnaire ("" when unusable)."""
        if not isinstance(value, str) or not value.strip():
            self.problem(f"{path}.linkId", _l("This item has no linkId."))
            return ""
        if len(value) > MAX_LINK_ID:
            self.problem(
                f"{path}.linkId",
                _l(
                    "The linkId '%(item)s…' is longer than %(max)s characters.",
                    item=value[:MAX_LINK_ID],
                    max=MAX_LINK_ID,
                ),
            )
            return ""
        if value in self.seen:
            # que-2: linkIds are unique within the whole questionnaire.
            self.problem(
                f"{path}.linkId",
                _l(
                    "The linkId '%(item)s' is already used by the item at %(first)s.",
                    item=value,
                    first=self.seen[value],
                ),
            )
        else:
            self.seen[value] = path
        return value

    def kind(self, value: Any, path: str, name: str) -> str:
        """An item's type when this app supports it, else "" (with the reason noted)."""
        if value in TYPES:
            return str(value)
        where = f"{path}.type"
        if value in _R5_ONLY:
            self.problem(
                where,
                _l(
                    "Item '%(item)s' has type '%(type)s', which exists only in "
                    "FHIR R5; this app reads R4 questionnaires (use choice or "
                    "open-choice).",
                    item=name,
                    type=value,
                ),
            )
        elif value in _R4_UNSUPPORTED:
            self.problem(
                where,
                _l(
                    "Item '%(item)s' has type '%(type)s', which this app does not "
                    "support. Supported types: %(valid)s.",
                    item=name,
                    type=value,
                    valid=listed(TYPES),
                ),
            )
        else:
            self.problem(
                where,
                _l(
                    "Item '%(item)s' has no valid type. Supported types: %(valid)s.",
                    item=name,
                    valid=listed(TYPES),
                ),
            )
        return ""

    def options(self, raw: dict[str, Any], path: str, name: str, kind: str) -> tuple[Option, ...]:
        """A choice question's answer options (answerOption), their codes unique."""
        if "answerValueSet" in raw:
            # que-4/que-5 allow a value set on choice items; expanding it needs a terminology
            # server, which this app does not have.
            self.problem(
                f"{path}.answerValueSet",
                _l(
                    "Item '%(item)s' takes its options from a "
                    "value set (answerValueSet), which this app does not support: list the "
                    "options in answerOption.",
                    item=name,
                ),
            )
        raw_options = raw.get("answerOption")
        if raw_options is None or raw_options == []:
            if kind in CHOICE_TYPES and "answerValueSet" not in raw:
                self.problem(
                    path,
                    _l(
                        "Item '%(item)s' is a %(type)s question without any answer options.",
                        item=name,
                        type=kind,
                    ),
                )
            return ()
        if not isinstance(raw_options, list):
            self.problem(
                f"{path}.answerOption",
                _l("The answer options of '%(item)s' must be a list.", item=name),
            )
            return ()
        if kind not in (*CHOICE_TYPES, ""):
            self.problem(
                f"{path}.answerOption",
                _l(
                    "Item '%(item)s' is a %(type)s item; only "
                    "choice and open-choice questions can have answer options here.",
                    item=name,
                    type=kind,
                ),
            )
            return ()
        options: list[Option] = []
        codes: set[str] = set()
        for i, raw_option in enumerate(raw_options):
            where = f"{path}.answerOption[{i}]"
            option = self.option(raw_option, where, name)
            if option is None:
                continue
            if option.code in codes:
                self.problem(
                    where,
                    _l(
                        "Item '%(item)s' has two answer options with the code '%(code)s'.",
                        item=name,
                        code=option.code,
                    ),
                )
            codes.add(option.code)
            options.append(option)
        return tuple(options)

    def option(self, raw: Any, path: str, name: str) -> Option | None:
        """One answer option (valueCoding, valueString or valueInteger); None when unusable."""
        if not isinstance(raw, dict):
            self.problem(path, _l("This answer option is not a JSON object."))
            return None
        values = [key for key in raw if key.startswith("value")]
        ordinal = self.ordinal(raw.get("extension"), path)
        if values == ["valueCoding"] and isinstance(raw["valueCoding"], dict):
            coding = raw["valueCoding"]
            code = coding.get("code")
            if not isinstance(code, str) or not code.strip() or len(code) > MAX_TEXT:
                self.problem(
                    f"{path}.valueCoding.code",
                    _l("An answer option of '%(item)s' has no code.", item=name),
                )
                return None
            system = self.string(coding, "system", f"{path}.valueCoding.system")
            display = self.texts(coding, "display", f"{path}.valueCoding")
            display[self.base] = display[self.base] or code
            # The R4 ordinalValue extension's context is Coding as well as answerOption.
            ordinal = (
                ordinal if ordinal is not None else self.ordinal(coding.get("extension"), path)
            )
            return Option(code, display, ordinal, system)
        if values == ["valueString"] and isinstance(raw["valueString"], str):
            display = self.texts(raw, "valueString", path)
            if not display[self.base].strip():
                self.problem(
                    f"{path}.valueString", _l("An answer option of '%(item)s' is empty.", item=name)
                )
                return None
            return Option(display[self.base], display, ordinal)
        if values == ["valueInteger"] and as_decimal(raw["valueInteger"]) is not None:
            number = raw["valueInteger"]
            if isinstance(number, int):
                code = str(number)
                return Option(
                    code, {self.base: code}, Decimal(number) if ordinal is None else ordinal
                )
        self.problem(
            path,
            _l(
                "An answer option of '%(item)s' needs exactly one of valueCoding, "
                "valueString or valueInteger.",
                item=name,
            ),
        )
        return None

    def ordinal(self, extensions: Any, path: str) -> Decimal | None:
        """The score an ordinalValue (or itemWeight) extension gives, if there is one."""
        for ext in extensions if isinstance(extensions, list) else []:
            if isinstance(ext, dict) and ext.get("url") in ORDINAL_URLS:
                value = as_decimal(ext.get("valueDecimal", ext.get("valueInteger")))
                if value is None:
                    self.problem(
                        f"{path}.extension",
                        _l("The score (ordinalValue) of an answer option must be a number."),
                    )
                return value
        return None

    def bounds(
        self, raw: dict[str, Any], path: str, name: str, kind: str
    ) -> tuple[Decimal | None, Decimal | None]:
        """A number question's minValue and maxValue extensions (None when not given)."""
        found: dict[str, Decimal | None] = {MIN_VALUE_URL: None, MAX_VALUE_URL: None}
        extensions = raw.get("extension")
        for i, ext in enumerate(extensions if isinstance(extensions, list) else []):
            if not isinstance(ext, dict) or ext.get("url") not in found:
                continue
            where = f"{path}.extension[{i}]"
            if kind not in NUMBER_TYPES:
                self.problem(
                    where,
                    _l(
                        "Item '%(item)s': minValue and maxValue are supported on "
                        "integer and decimal questions only.",
                        item=name,
                    ),
                )
                continue
            value = as_decimal(ext.get("valueInteger", ext.get("valueDecimal")))
            if value is None or (kind == "integer" and value != value.to_integral_value()):
                self.problem(
                    where,
                    _l(
                        "Item '%(item)s' has a minValue or maxValue that is not a %(kind)s.",
                        item=name,
                        kind=_number_word(kind),
                    ),
                )
                continue
            found[str(ext["url"])] = value
        low, high = found[MIN_VALUE_URL], found[MAX_VALUE_URL]
        if low is not None and high is not None and low > high:
            self.problem(
                f"{path}.extension",
                _l(
                    "Item '%(item)s' has a minValue (%(min)s) above its maxValue (%(max)s).",
                    item=name,
                    min=low,
                    max=high,
                ),
            )
        return low, high

    def max_length(self, raw: dict[str, Any], path: str, name: str, kind: str) -> int | None:
        """An item's maxLength, when it has one and its type can."""
        value = raw.get("maxLength")
        if value is None:
            return None
        if kind not in (*_MAX_LENGTH_TYPES, ""):
            # que-10: maximum length can only be declared for simple question types.
            self.problem(
                f"{path}.maxLength",
                _l(
                    "Item '%(item)s' is a %(type)s item, which cannot have a maxLength.",
                    item=name,
                    type=kind,
                ),
            )
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            self.problem(
                f"{path}.maxLength",
                _l("The maxLength of '%(item)s' must be a whole number of at least 1.", item=name),
            )
            return None
        return value


def _number_word(kind: str) -> Any:
    return _l("whole number") if kind == "integer" else _l("number")
