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

Where the parts are: this module has `parse` and the reading of the resource's root;
questionnaire_items.py reads the items and questionnaire_conditions.py their enableWhen, both
on questionnaire_fields.py's reading of texts and flags; questionnaire_export.py has
`to_fhir`; questionnaire_profile.py the extension URLs and size limits.
"""

from __future__ import annotations

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
    CHOICE_TYPES,
    LANGUAGE_CODE,
    NUMBER_TYPES,
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
    option_value,
    scorable,
    score_range,
    text_in,
    walk,
)
from familyapp.surveys.questionnaire_export import to_fhir
from familyapp.surveys.questionnaire_fields import listed
from familyapp.surveys.questionnaire_items import ItemReader

# The extension URLs and limits, re-exported ("X as X") for the modules that take them from here.
from familyapp.surveys.questionnaire_profile import EXT as EXT
from familyapp.surveys.questionnaire_profile import MAX_DEPTH as MAX_DEPTH
from familyapp.surveys.questionnaire_profile import MAX_ITEMS, MAX_LONG_TEXT, MAX_TEXT, SCORING_URL
from familyapp.surveys.questionnaire_profile import MAX_LINK_ID as MAX_LINK_ID
from familyapp.surveys.questionnaire_profile import MAX_VALUE_URL as MAX_VALUE_URL
from familyapp.surveys.questionnaire_profile import MIN_VALUE_URL as MIN_VALUE_URL
from familyapp.surveys.questionnaire_profile import ORDINAL_URL as ORDINAL_URL
from familyapp.surveys.questionnaire_profile import ORDINAL_URLS as ORDINAL_URLS
from familyapp.surveys.questionnaire_profile import TRANSLATION_URL as TRANSLATION_URL
from familyapp.surveys.scoring import read_rules

# The model (definition.py), the answer functions (answers.py) and `to_fhir`
# (questionnaire_export.py) are re-exported: the app imports everything about questionnaires
# from here.
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


def parse(resource: Any) -> Questionnaire:
    """Read an R4 Questionnaire (JSON-decoded); raise QuestionnaireInvalid with every problem."""
    if not isinstance(resource, dict):
        raise QuestionnaireInvalid([Problem("", _l("A questionnaire must be a JSON object."))])
    language = resource.get("language", "en")
    reader = _Reader(
        language if isinstance(language, str) and LANGUAGE_CODE.match(language) else "en"
    )
    return reader.questionnaire(resource)


class _Reader(ItemReader):
    """One parse of a whole resource (the items and their conditions: see ItemReader)."""

    def questionnaire(self, res: dict[str, Any]) -> Questionnaire:
        """The whole resource: its root elements, its items and its scoring rules."""
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
            self.problem(
                "status", _l("The status must be one of %(valid)s.", valid=listed(STATUSES))
            )
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

    def scoring(self, extensions: Any) -> tuple[bool, tuple[Scale, ...]]:
        """show_score and the scales of the SCORING_URL extension (none without one)."""
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
