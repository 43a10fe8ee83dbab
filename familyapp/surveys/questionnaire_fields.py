"""Reading a Questionnaire's primitive elements (plain texts, translated texts, true/false
flags) and collecting the problems of one parse.

`FieldReader` holds the state of one parse; questionnaire_conditions.py and
questionnaire_items.py build on it, and questionnaire.py reads the resource's root with them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_babel import lazy_gettext as _l

from familyapp.surveys.definition import LANGUAGE_CODE, EnableWhen, Item, Problem, Texts
from familyapp.surveys.questionnaire_profile import MAX_TEXT, TRANSLATION_URL


class FieldReader:
    """One parse: the problems found so far and what is known about the items."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.problems: list[Problem] = []
        self.by_id: dict[str, Item] = {}
        self.seen: dict[str, str] = {}  # linkId -> path of its first item
        self.count = 0
        self.conditions: list[tuple[str, str, str, EnableWhen]] = []  # path, owner, key, rule

    def problem(self, path: str, message: Any) -> None:
        """Note what is wrong at `path`; the parse goes on to find the rest."""
        self.problems.append(Problem(path, message))

    def string(self, raw: dict[str, Any], key: str, path: str, limit: int = MAX_TEXT) -> str | None:
        """An optional plain text: None when absent, a problem when empty or too long."""
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
            inner = ext.get("extension")
            parts = {
                p["url"]: p
                for p in (inner if isinstance(inner, list) else [])
                if isinstance(p, dict) and isinstance(p.get("url"), str)
            }
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

    def flag(self, raw: dict[str, Any], key: str, path: str) -> bool:
        """An optional true/false (false when absent)."""
        value = raw.get(key, False)
        if not isinstance(value, bool):
            self.problem(f"{path}.{key}", _l("'%(key)s' must be true or false.", key=key))
            return False
        return value


def listed(values: Iterable[str]) -> str:
    """The values quoted and comma-separated, for a message: 'all', 'any'."""
    return ", ".join(f"'{value}'" for value in values)
