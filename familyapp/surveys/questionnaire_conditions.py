"""Reading enableWhen conditions, and checking each against the question it names once the
whole questionnaire is read (a condition may name a question further down).

`ConditionReader` extends the parse's FieldReader; questionnaire_items.py reads each item's
conditions with it.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l

from familyapp.surveys.definition import (
    BEHAVIORS,
    NUMBER_TYPES,
    OPERATORS,
    EnableWhen,
    as_decimal,
    parse_date,
    walk,
)
from familyapp.surveys.questionnaire_fields import FieldReader, listed


class ConditionReader(FieldReader):
    """The enableWhen part of a parse: rules as items are read, their targets checked after."""

    def enable_when(
        self, raw: dict[str, Any], path: str, owner: str, name: str
    ) -> tuple[tuple[EnableWhen, ...], str]:
        """An item's enableWhen rules and its enableBehavior ("all" when not given)."""
        behavior = raw.get("enableBehavior", "all")
        if behavior not in BEHAVIORS:
            self.problem(
                f"{path}.enableBehavior",
                _l("The enableBehavior of '%(item)s' must be 'all' or 'any'.", item=name),
            )
            behavior = "all"
        raw_rules = raw.get("enableWhen")
        if raw_rules is None:
            return (), str(behavior)
        if not isinstance(raw_rules, list):
            self.problem(
                f"{path}.enableWhen", _l("The enableWhen of '%(item)s' must be a list.", item=name)
            )
            return (), str(behavior)
        if len(raw_rules) > 1 and "enableBehavior" not in raw:
            # que-12: with more than one enableWhen, enableBehavior must say whether all or any.
            self.problem(
                f"{path}.enableBehavior",
                _l(
                    "Item '%(item)s' has several enableWhen "
                    "conditions: add enableBehavior 'all' or 'any'.",
                    item=name,
                ),
            )
        rules: list[EnableWhen] = []
        for i, raw_rule in enumerate(raw_rules):
            where = f"{path}.enableWhen[{i}]"
            rule = self.rule(raw_rule, where, owner, name)
            if rule is not None:
                rules.append(rule)
        return tuple(rules), str(behavior)

    def rule(self, raw: Any, path: str, owner: str, name: str) -> EnableWhen | None:
        """One enableWhen rule, kept for check_conditions; None when it is unusable."""
        if not isinstance(raw, dict):
            self.problem(path, _l("This enableWhen is not a JSON object."))
            return None
        question, operator = raw.get("question"), raw.get("operator")
        keys = [key for key in raw if key.startswith("answer")]
        problems = len(self.problems)
        if not isinstance(question, str) or not question:
            self.problem(
                f"{path}.question",
                _l(
                    "A condition of '%(item)s' does not say which question it depends on.",
                    item=name,
                ),
            )
        if operator not in OPERATORS:
            self.problem(
                f"{path}.operator",
                _l(
                    "A condition of '%(item)s' has no valid operator. Valid operators: %(valid)s.",
                    item=name,
                    valid=listed(OPERATORS),
                ),
            )
        if len(keys) != 1:
            self.problem(
                path,
                _l(
                    "A condition of '%(item)s' needs exactly one answer value "
                    "(answerBoolean, answerInteger, answerDecimal, answerDate, "
                    "answerString or answerCoding).",
                    item=name,
                ),
            )
            return None
        key = keys[0]
        answer = _rule_answer(key, raw[key])
        if answer is None:
            self.problem(
                f"{path}.{key}",
                _l("A condition of '%(item)s' has an unusable %(key)s.", item=name, key=key),
            )
        if len(self.problems) > problems:
            return None
        rule = EnableWhen(str(question), str(operator), answer)
        self.conditions.append((path, owner, key, rule))
        return rule

    def check_conditions(self) -> None:
        """enableWhen targets can come later in the questionnaire: check them once all is read."""
        for path, owner, key, rule in self.conditions:
            owner_item = self.by_id.get(owner)
            inside = {i.link_id for i in walk(owner_item.items)} if owner_item else set()
            target = self.by_id.get(rule.question)
            name = owner or path
            where = f"{path}.question"
            if rule.question == owner:
                self.problem(where, _l("Item '%(item)s' depends on its own answer.", item=name))
            elif rule.question in inside:
                self.problem(
                    where,
                    _l(
                        "Item '%(item)s' depends on '%(target)s', which is inside it.",
                        item=name,
                        target=rule.question,
                    ),
                )
            elif target is None:
                self.problem(
                    where,
                    _l(
                        "Item '%(item)s' depends on '%(target)s', which is not in "
                        "this questionnaire.",
                        item=name,
                        target=rule.question,
                    ),
                )
            elif target.type in ("group", "display"):
                self.problem(
                    where,
                    _l(
                        "Item '%(item)s' depends on '%(target)s', which is a "
                        "%(type)s and has no answer.",
                        item=name,
                        target=rule.question,
                        type=target.type,
                    ),
                )
            elif rule.operator == "exists":
                if key != "answerBoolean":
                    # que-7: if the operator is 'exists', the value must be a boolean.
                    self.problem(
                        path,
                        _l(
                            "A condition with the operator 'exists' needs "
                            "answerBoolean (true or false)."
                        ),
                    )
            elif target.type and key not in _RULE_KEYS[target.type]:
                self.problem(
                    f"{path}.{key}",
                    _l(
                        "Item '%(item)s' compares '%(target)s', a "
                        "%(type)s question, with %(key)s; use %(valid)s.",
                        item=name,
                        target=rule.question,
                        type=target.type,
                        key=key,
                        valid=listed(_RULE_KEYS[target.type]),
                    ),
                )
            elif rule.operator not in ("=", "!=") and target.type not in (*NUMBER_TYPES, "date"):
                self.problem(
                    f"{path}.operator",
                    _l(
                        "The operator '%(op)s' compares numbers or "
                        "dates, but '%(target)s' is a %(type)s question.",
                        op=rule.operator,
                        target=rule.question,
                        type=target.type,
                    ),
                )
            elif (target.type == "choice" or key == "answerCoding") and target.option(
                str(rule.answer)
            ) is None:
                self.problem(
                    f"{path}.{key}",
                    _l(
                        "'%(code)s' is not one of the answer options of '%(target)s'.",
                        code=rule.answer,
                        target=rule.question,
                    ),
                )


_RULE_KEYS: dict[str, tuple[str, ...]] = {
    "boolean": ("answerBoolean",),
    "integer": ("answerInteger", "answerDecimal"),
    "decimal": ("answerInteger", "answerDecimal"),
    "date": ("answerDate",),
    "string": ("answerString",),
    "text": ("answerString",),
    "choice": ("answerCoding", "answerString"),
    "open-choice": ("answerCoding", "answerString"),
}


def _rule_answer(key: str, value: Any) -> bool | int | Decimal | str | date | None:
    """The value of an enableWhen answer[x] (a coding becomes its code); None when unusable."""
    if key == "answerBoolean":
        return value if isinstance(value, bool) else None
    if key == "answerInteger":
        return value if isinstance(value, int) and not isinstance(value, bool) else None
    if key == "answerDecimal":
        return as_decimal(value)
    if key == "answerDate":
        return parse_date(value)
    if key == "answerString":
        return value if isinstance(value, str) and value else None
    if key == "answerCoding" and isinstance(value, dict):
        code = value.get("code")
        return code if isinstance(code, str) and code else None
    return None  # answerDateTime, answerTime, answerQuantity, answerReference: unsupported
