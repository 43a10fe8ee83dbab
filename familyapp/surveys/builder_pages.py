"""The survey builder's pages as drawn from the saved survey (the survey with its items, and
one item's form), and saving from them: with the revision the page was drawn from, and a
refused save drawn again with its problems linked to the items they are about.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask import render_template, request, url_for
from flask_login import current_user

from familyapp.core.errors import ServiceError
from familyapp.surveys import builder, programs, service
from familyapp.surveys import questionnaire as fhirq
from familyapp.surveys.builder_forms import (
    KINDS,
    condition_targets,
    item_entries,
    item_values,
    kind_labels,
    kind_of,
    meta_values,
    operator_labels,
    other_languages,
    status_labels,
    with_blank_rows,
)
from familyapp.surveys.models import Questionnaire as QuestionnaireRow


def submitted_revision() -> int:
    """The revision the submitted page was drawn from (-1 when missing: treated as stale)."""
    try:
        return int(request.form.get("revision", ""))
    except ValueError:
        return -1


_ITEM_STEP = re.compile(r"^item\[(\d+)\]$")


def _link_id_at(resource: dict[str, Any], path: str) -> str | None:
    """The linkId of the item a problem's path ("item[2].item[0].enableWhen[0]") is in."""
    items: Any = resource.get("item")
    found: str | None = None
    for step in path.split("."):
        match = _ITEM_STEP.match(step)
        if not match or not isinstance(items, list):
            break
        index = int(match.group(1))
        if index >= len(items) or not isinstance(items[index], dict):
            break
        found = str(items[index].get("linkId") or "") or found
        items = items[index].get("item")
    return found


def _problems(
    error: ServiceError, attempted: dict[str, Any], row: QuestionnaireRow
) -> list[dict[str, Any]]:
    """The problems of a refused save, each with a link to the item it is about when that
    item exists in the saved survey."""
    saved = set(builder.link_ids(row.resource))
    shown = []
    for problem in error.errors.get("problems") or []:
        path = str(problem.get("path") or "")
        link_id = _link_id_at(attempted, path)
        url = None
        if link_id and link_id in saved:
            url = url_for("survey_builder.item", questionnaire_id=row.id, item_id=link_id)
        elif path in ("title", "description", "status") or path.startswith("_title"):
            url = "#meta"
        shown.append({"message": problem.get("message", ""), "link_id": link_id, "url": url})
    return shown


def save(row: QuestionnaireRow, resource: dict[str, Any]) -> QuestionnaireRow:
    """Save the edited survey, refused when the page was drawn from an older revision."""
    return service.save_questionnaire(current_user, row, resource, submitted_revision())


def _copy_targets(row: QuestionnaireRow) -> list[programs.ProgramRole]:
    """The programs a copy can go to: the survey's own first."""
    mine = programs.programs_for(current_user)
    return sorted(mine, key=lambda role: role.program.id != row.program_id)


def edit_page(
    row: QuestionnaireRow,
    role: programs.ProgramRole | None,
    *,
    status: int = 200,
    message: str | None = None,
    problems: list[dict[str, Any]] | None = None,
    errors: dict[str, list[str]] | None = None,
    meta: dict[str, str] | None = None,
    adding: dict[str, str] | None = None,
    revision: int | None = None,
) -> Any:
    """The survey's page: its title and status, its items, and adding one."""
    model = service.parsed(row)
    others = other_languages(model)
    used = service.in_use(row)
    return (
        render_template(
            "surveys/builder_edit.html",
            row=row,
            role=role,
            q=model,
            others=others,
            entries=item_entries(model, others),
            groups=[
                (item.link_id, fhirq.text_in(item.text, model.language, model.language))
                for item in model.walk()
                if item.type == "group"
            ],
            in_use=used,
            editable=role is not None and not used,
            copy_targets=_copy_targets(row),
            meta=meta or meta_values(model, others),
            adding=adding or {"kind": "single", "text": "", "parent": ""},
            kinds=kind_labels(),
            statuses=status_labels(),
            message=message,
            problems=problems or [],
            errors=errors or {},
            status=status,
            revision=row.revision if revision is None else revision,
            text_in=fhirq.text_in,
        ),
        status,
    )


def refused(
    error: ServiceError,
    row: QuestionnaireRow,
    attempted: dict[str, Any],
    page: Callable[..., Any],
) -> Any:
    """A refused save shown on the page it came from, with the problems listed. After a 412
    the page keeps the revision it was drawn from, so saving again is refused again until
    the survey is reloaded: nobody overwrites a change they have not seen."""
    return page(
        status=error.status,
        message=error.message,
        problems=_problems(error, attempted, row),
        revision=submitted_revision() if error.status == 412 else None,
    )


def item_page(
    row: QuestionnaireRow,
    role: programs.ProgramRole | None,
    item: fhirq.Item,
    values: dict[str, Any] | None = None,
    *,
    status: int = 200,
    message: str | None = None,
    problems: list[dict[str, Any]] | None = None,
    errors: dict[str, list[str]] | None = None,
    revision: int | None = None,
) -> Any:
    """One item's form (`values` as submitted, else as saved)."""
    model = service.parsed(row)
    others = other_languages(model)
    used = service.in_use(row)
    shown = with_blank_rows(values or item_values(model, item, others), others)
    kind = shown["kind"] if shown["kind"] in KINDS else kind_of(item)
    fhir_type = KINDS[kind][0]
    return (
        render_template(
            "surveys/builder_item.html",
            row=row,
            role=role,
            q=model,
            item=item,
            values=shown,
            fhir_type=fhir_type,
            others=others,
            targets=condition_targets(model, item),
            kinds={k: v for k, v in kind_labels().items() if k != "group"},
            operators=operator_labels(),
            in_use=used,
            editable=role is not None and not used,
            copy_targets=_copy_targets(row),
            message=message,
            problems=problems or [],
            errors=errors or {},
            status=status,
            revision=row.revision if revision is None else revision,
            text_in=fhirq.text_in,
            max_length_types=builder.MAX_LENGTH_TYPES,
            choice_types=fhirq.CHOICE_TYPES,
            number_types=fhirq.NUMBER_TYPES,
        ),
        status,
    )
