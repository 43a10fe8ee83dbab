"""FHIR R4 Questionnaire <-> the internal questionnaire model (pure: no web, no database).

`parse` reads a JSON-decoded R4 Questionnaire (https://hl7.org/fhir/R4/questionnaire.html) into
frozen dataclasses and `to_fhir` writes one back; `parse(to_fhir(q)) == q`. `parse` checks
everything before accepting a resource and reports every problem it finds at once, each with
where it is and what to change, so that whoever uploads a questionnaire can fix it in one go.

What this app supports of R4 is a deliberate subset, refused clearly rather than half-handled:
- item types group, display, boolean, decimal, integer, date, string, text, choice, open-choice;
  dateTime, time, url, attachment, reference and quantity are refused, and so are R5's "coding"
  and "question" (R4 spells them choice / open-choice and the concrete question types);
- answer options listed in `answerOption` (valueCoding, valueString or valueInteger); an
  `answerValueSet` would need a terminology server, so it is refused;
- child items under groups only: answers are one set per response keyed by linkId, so a
  repeating group (one answer set per repetition) and questions nested under a question (they
  belong under each answer in the response) are refused too.
Elements and extensions this module does not know (code, definition, initial, readOnly, ...)
are ignored.

Translations use the core translation extension on each primitive (`_text`, `_title`,
`_description`, `valueCoding._display`, `_valueString`): the plain value is in the resource's
`language` (the base language, "en" when absent) and each translation adds a language. So
every `Texts` holds the base language and any translations.

Scoring rules travel as one root extension, SCORING_URL, whose valueString is a JSON document
(`{"show_score": ..., "scales": [...]}`, see `Scale`). A JSON string rather than nested FHIR
extensions: the rules are scales holding bands holding translated labels, which as complex
extensions would be four levels deep and unreadable to a person editing them, and no FHIR tool
would do anything with them anyway. The document is validated as strictly as the rest, with
problem paths like "scoring.scales[0].items".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l

from familyapp.surveys.answers import (
    AnswersInvalid,
    answers_from_json,
    answers_to_json,
    enabled,
    from_response,
    to_response,
    validate_answers,
)
from familyapp.surveys.definition import (
    ANSWERABLE,
    BEHAVIORS,
    CHOICE_TYPES,
    LANGUAGE_CODE,
    NUMBER_TYPES,
    OPERATORS,
    STATUSES,
    TYPES,
    Answers,
    Band,
    EnableWhen,
    Item,
    Option,
    Problem,
    Questionnaire,
    QuestionnaireInvalid,
    Scale,
    Texts,
    Value,
    as_decimal,
    json_number,
    option_value,
    parse_date,
    scorable,
    score_range,
    text_in,
    walk,
)
from familyapp.surveys.scoring import read_rules, rules_json

# The model (definition.py) and the answer functions (answers.py) are re-exported: the app
# imports everything about questionnaires from here.
__all__ = [
    "ANSWERABLE",
    "CHOICE_TYPES",
    "MAX_TEXT",
    "NUMBER_TYPES",
    "TYPES",
    "Answers",
    "AnswersInvalid",
    "Band",
    "EnableWhen",
    "Item",
    "Option",
    "Problem",
    "Questionnaire",
    "QuestionnaireInvalid",
    "Scale",
    "Texts",
    "Value",
    "answers_from_json",
    "answers_to_json",
    "enabled",
    "from_response",
    "option_value",
    "parse",
    "scorable",
    "score_range",
    "text_in",
    "to_fhir",
    "to_response",
    "validate_answers",
    "walk",
]

_R4_UNSUPPORTED = ("dateTime", "time", "url", "attachment", "reference", "quantity")
_R5_ONLY = ("coding", "question")
# que-10: maxLength only on simple question types.
_MAX_LENGTH_TYPES = ("boolean", "decimal", "integer", "string", "text", "open-choice")

MAX_ITEMS = 500
MAX_DEPTH = 5
MAX_LINK_ID = 64
MAX_TEXT = 2000
MAX_LONG_TEXT = 20000  # description and copyright: an instrument's notice can be long

EXT = "http://hl7.org/fhir/StructureDefinition/"
TRANSLATION_URL = EXT + "translation"
MIN_VALUE_URL = EXT + "minValue"
MAX_VALUE_URL = EXT + "maxValue"
ORDINAL_URL = EXT + "ordinalValue"
# The R4 core extension, its older name, and R5's itemWeight: all mean an option's score.
ORDINAL_URLS = (ORDINAL_URL, EXT + "questionnaire-ordinalValue", EXT + "itemWeight")
SCORING_URL = "https://familyapp.org/fhir/StructureDefinition/questionnaire-scoring"


# Reading


def parse(resource: Any) -> Questionnaire:
    """Read an R4 Questionnaire (JSON-decoded); raise QuestionnaireInvalid with every problem."""
    if not isinstance(resource, dict):
        raise QuestionnaireInvalid([Problem("", _l("A questionnaire must be a JSON object."))])
    language = resource.get("language", "en")
    reader = _Reader(
        language if isinstance(language, str) and LANGUAGE_CODE.match(language) else "en"
    )
    return reader.questionnaire(resource)


class _Reader:
    """One parse: the problems found so far and what is known about the items."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.problems: list[Problem] = []
        self.by_id: dict[str, Item] = {}
        self.seen: dict[str, str] = {}  # linkId -> path of its first item
        self.count = 0
        self.conditions: list[tuple[str, str, str, EnableWhen]] = []  # path, owner, key, rule

    def problem(self, path: str, message: Any) -> None:
        self.problems.append(Problem(path, message))

    def questionnaire(self, res: dict[str, Any]) -> Questionnaire:
        if res.get("resourceType") != "Questionnaire":
            found = str(res.get("resourceType"))[:64]
            self.problem(
                "resourceType",
                _l(
                    "This is not a FHIR Questionnaire: its resourceType is '%(found)s'.",
                    found=found,
                ),
            )
        language = res.get("language", "en")
        if not isinstance(language, str) or not LANGUAGE_CODE.match(language):
            self.problem("language", _l("The language must be a language code such as 'en'."))
        status = res.get("status")
        if status not in STATUSES:
            self.problem("status", _l("The status must be one of %(valid)s.", valid=_or(STATUSES)))
        raw_items = res.get("item")
        items: tuple[Item, ...] = ()
        if not isinstance(raw_items, list) or not raw_items:
            self.problem("item", _l("The questionnaire has no items."))
        else:
            items = self.items(raw_items, "", 1)
        if self.count > MAX_ITEMS:
            self.problem(
                "item",
                _l(
                    "The questionnaire has %(count)s items; at most %(max)s are allowed.",
                    count=self.count,
                    max=MAX_ITEMS,
                ),
            )
        self.check_conditions()
        show_score, scales = self.scoring(res.get("extension"))
        q = Questionnaire(
            url=self.string(res, "url", "url"),
            version=self.string(res, "version", "version"),
            name=self.string(res, "name", "name"),
            title=self.texts(res, "title", ""),
            description=self.texts(res, "description", "", MAX_LONG_TEXT),
            language=self.base,
            status=str(status),
            publisher=self.string(res, "publisher", "publisher"),
            copyright=self.string(res, "copyright", "copyright", MAX_LONG_TEXT),
            items=items,
            scales=scales,
            show_score=show_score,
        )
        if self.problems:
            raise QuestionnaireInvalid(self.problems)
        return q

    def string(self, raw: dict[str, Any], key: str, path: str, limit: int = MAX_TEXT) -> str | None:
        value = raw.get(key)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            self.problem(path, _l("'%(key)s' must be a text.", key=key))
            return None
        if len(value) > limit:
            self.problem(
                path, _l("'%(key)s' is longer than %(max)s characters.", key=key, max=limit)
            )
        return value

    def texts(self, raw: dict[str, Any], key: str, at: str, limit: int = MAX_TEXT) -> Texts:
        """A translatable primitive: the base text plus its translation extensions."""
        path = f"{at}.{key}" if at else key
        texts: Texts = {}
        plain = self.string(raw, key, path, limit)
        if plain is not None:
            texts[self.base] = plain
        holder = raw.get("_" + key)
        extensions = holder.get("extension") if isinstance(holder, dict) else None
        for i, ext in enumerate(extensions if isinstance(extensions, list) else []):
            if not isinstance(ext, dict) or ext.get("url") != TRANSLATION_URL:
                continue
            where = f"{at}._{key}.extension[{i}]" if at else f"_{key}.extension[{i}]"
            parts = {p.get("url"): p for p in ext.get("extension") or [] if isinstance(p, dict)}
            lang = parts.get("lang", {}).get("valueCode")
            content = parts.get("content", {}).get("valueString")
            if not isinstance(lang, str) or not LANGUAGE_CODE.match(lang):
                self.problem(where, _l("A translation needs a language code (lang) such as 'es'."))
            elif not isinstance(content, str):
                self.problem(
                    where, _l("The translation into '%(lang)s' has no text (content).", lang=lang)
                )
            elif len(content) > limit:
                self.problem(
                    where,
                    _l(
                        "The translation into '%(lang)s' is longer than %(max)s characters.",
                        lang=lang,
                        max=limit,
                    ),
                )
            elif lang == self.base and plain is not None:
                continue  # the plain value is the base-language text
            elif lang in texts:
                self.problem(where, _l("There are two translations into '%(lang)s'.", lang=lang))
            elif content:
                texts[lang] = content
        texts.setdefault(self.base, "")
        return texts

    def items(self, raw: list[Any], at: str, depth: int) -> tuple[Item, ...]:
        found = (self.item(r, f"{at}item[{i}]", depth) for i, r in enumerate(raw))
        return tuple(item for item in found if item is not None)

    def item(self, raw: Any, path: str, depth: int) -> Item | None:
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
                    valid=_or(TYPES),
                ),
            )
        else:
            self.problem(
                where,
                _l(
                    "Item '%(item)s' has no valid type. Supported types: %(valid)s.",
                    item=name,
                    valid=_or(TYPES),
                ),
            )
        return ""

    def flag(self, raw: dict[str, Any], key: str, path: str) -> bool:
        value = raw.get(key, False)
        if not isinstance(value, bool):
            self.problem(f"{path}.{key}", _l("'%(key)s' must be true or false.", key=key))
            return False
        return value

    def options(self, raw: dict[str, Any], path: str, name: str, kind: str) -> tuple[Option, ...]:
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

    def enable_when(
        self, raw: dict[str, Any], path: str, owner: str, name: str
    ) -> tuple[tuple[EnableWhen, ...], str]:
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
                    valid=_or(OPERATORS),
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
                        valid=_or(_RULE_KEYS[target.type]),
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

    def scoring(self, extensions: Any) -> tuple[bool, tuple[Scale, ...]]:
        found = [
            ext
            for ext in (extensions if isinstance(extensions, list) else [])
            if isinstance(ext, dict) and ext.get("url") == SCORING_URL
        ]
        if not found:
            return False, ()
        if len(found) > 1:
            self.problem("extension", _l("The scoring rules are given more than once."))
        show, scales, problems = read_rules(found[0].get("valueString"), self.by_id, self.base)
        self.problems.extend(problems)
        return show, scales


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


def _or(values: Iterable[str]) -> str:
    return ", ".join(f"'{value}'" for value in values)


def _number_word(kind: str) -> Any:
    return _l("whole number") if kind == "integer" else _l("number")


# Writing


def to_fhir(q: Questionnaire) -> dict[str, Any]:
    """The questionnaire as an R4 Questionnaire resource (the inverse of `parse`)."""
    res: dict[str, Any] = {"resourceType": "Questionnaire"}
    for key in ("url", "version", "name"):
        if getattr(q, key) is not None:
            res[key] = getattr(q, key)
    res["status"] = q.status
    res["language"] = q.language
    _put_texts(res, "title", q.title, q.language)
    _put_texts(res, "description", q.description, q.language)
    if q.publisher is not None:
        res["publisher"] = q.publisher
    if q.copyright is not None:
        res["copyright"] = q.copyright
    if q.scales or q.show_score:
        res["extension"] = [{"url": SCORING_URL, "valueString": rules_json(q)}]
    by_id = {item.link_id: item for item in q.walk()}
    res["item"] = [_item_to_fhir(item, q.language, by_id) for item in q.items]
    return res


def _put_texts(element: dict[str, Any], key: str, texts: Texts, base: str) -> None:
    if texts.get(base):
        element[key] = texts[base]
    translations = [
        {
            "url": TRANSLATION_URL,
            "extension": [
                {"url": "lang", "valueCode": lang},
                {"url": "content", "valueString": text},
            ],
        }
        for lang, text in sorted(texts.items())
        if lang != base and text
    ]
    if translations:
        element["_" + key] = {"extension": translations}


def _item_to_fhir(item: Item, base: str, by_id: Mapping[str, Item]) -> dict[str, Any]:
    out: dict[str, Any] = {"linkId": item.link_id}
    if item.prefix is not None:
        out["prefix"] = item.prefix
    _put_texts(out, "text", item.text, base)
    out["type"] = item.type
    bounds = [(MIN_VALUE_URL, item.min_value), (MAX_VALUE_URL, item.max_value)]
    value_key = "valueInteger" if item.type == "integer" else "valueDecimal"
    extensions = [{"url": url, value_key: json_number(v)} for url, v in bounds if v is not None]
    if extensions:
        out["extension"] = extensions
    if item.enable_when:
        out["enableWhen"] = [_rule_to_fhir(rule, by_id) for rule in item.enable_when]
    if item.enable_when or item.enable_behavior != "all":
        out["enableBehavior"] = item.enable_behavior
    if item.required:
        out["required"] = True
    if item.repeats:
        out["repeats"] = True
    if item.max_length is not None:
        out["maxLength"] = item.max_length
    if item.options:
        out["answerOption"] = [_option_to_fhir(option, base) for option in item.options]
    if item.items:
        out["item"] = [_item_to_fhir(child, base, by_id) for child in item.items]
    return out


def _option_to_fhir(option: Option, base: str) -> dict[str, Any]:
    # Always a Coding: it carries code, display and system alike, and reads back the same.
    coding: dict[str, Any] = {"code": option.code}
    if option.system is not None:
        coding["system"] = option.system
    _put_texts(coding, "display", option.display, base)
    out: dict[str, Any] = {"valueCoding": coding}
    if option.ordinal is not None:
        out["extension"] = [{"url": ORDINAL_URL, "valueDecimal": json_number(option.ordinal)}]
    return out


def _rule_to_fhir(rule: EnableWhen, by_id: Mapping[str, Item]) -> dict[str, Any]:
    out: dict[str, Any] = {"question": rule.question, "operator": rule.operator}
    target = by_id.get(rule.question)
    answer = rule.answer
    if isinstance(answer, bool):
        out["answerBoolean"] = answer
    elif isinstance(answer, int):
        out["answerInteger"] = answer
    elif isinstance(answer, Decimal):
        out["answerDecimal"] = json_number(answer)
    elif isinstance(answer, date):
        out["answerDate"] = answer.isoformat()
    elif isinstance(answer, str) and target is not None and target.option(answer) is not None:
        option = target.option(answer)
        assert option is not None
        coding: dict[str, Any] = {"code": answer}
        if option.system is not None:
            coding["system"] = option.system
        out["answerCoding"] = coding
    elif answer is not None:
        out["answerString"] = str(answer)
    return out
