"""What a program sees of a campaign: counts, answers per question, mean scores, and a
de-identified CSV; never any one family's answers, and nothing at all under five respondents."""

from __future__ import annotations

import csv
import io
import secrets
import statistics
from collections import Counter
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from familyapp.accounts.models import User
from familyapp.core import audit
from familyapp.core.db import db
from familyapp.core.errors import ServiceError
from familyapp.surveys import questionnaire as fhirq
from familyapp.surveys import service
from familyapp.surveys.models import Campaign, Questionnaire, Response

# Fewer respondents than this and a program sees nothing, not even the count (a family could
# be recognised in a group of three). The same floor as the care log's program totals, and
# applied per question too, so a follow-up question only a few people reached stays hidden.
MIN_RESPONDENTS = 5
CHOICE_TYPES = ("choice", "open-choice", "boolean")
NUMBER_TYPES = ("integer", "decimal")
# Free text and dates can name or date a family: they are counted, never shown or exported.
PRIVATE_TYPES = ("string", "text", "date")
TWO = Decimal("0.01")


@dataclass(frozen=True)
class OptionCount:
    """How many chose one option."""

    code: str
    label: str
    count: int
    percent: Decimal


@dataclass(frozen=True)
class NumberSummary:
    """Numeric answers summarised."""

    mean: Decimal
    median: Decimal
    low: Decimal
    high: Decimal


@dataclass
class ItemResult:
    """One question's answers, summarised (or withheld)."""

    link_id: str
    text: str
    type: str
    answered: int | None  # None: withheld (fewer than MIN_RESPONDENTS answered)
    options: list[OptionCount] = field(default_factory=list)
    numbers: NumberSummary | None = None
    private: bool = False


@dataclass
class ScaleResult:
    """One scale's scores across respondents."""

    code: str
    title: str
    scored: int | None
    mean: Decimal | None
    median: Decimal | None
    bands: list[OptionCount] = field(default_factory=list)


@dataclass
class CampaignResults:
    """A campaign's aggregates; `suppressed` means too few answered to show anything."""

    campaign: Campaign
    questionnaire_title: str
    asked: int
    responses: int | None
    suppressed: bool
    minimum: int = MIN_RESPONDENTS
    items: list[ItemResult] = field(default_factory=list)
    scales: list[ScaleResult] = field(default_factory=list)


def _round(value: Decimal) -> Decimal:
    return value.quantize(TWO, rounding=ROUND_HALF_UP)


def _percent(count: int, total: int) -> Decimal:
    return _round(Decimal(count) * 100 / Decimal(total)) if total else Decimal(0)


def _load(campaign: Campaign) -> tuple[Questionnaire, fhirq.Questionnaire, list[Any]]:
    row = db.session.get(Questionnaire, campaign.questionnaire_id)
    assert row is not None
    # Only the answers, scores and day: results never need who or which family.
    rows = db.session.execute(
        select(Response.answers, Response.scores, Response.submitted_on).where(
            Response.campaign_id == campaign.id
        )
    ).all()
    return row, service.parsed(row), list(rows)


def _item_result(item: fhirq.Item, values: list[list[Any]], lang: str, base: str) -> ItemResult:
    text = fhirq.text_in(item.text, lang, base)
    answered = len(values)
    result = ItemResult(item.link_id, text, item.type, answered if answered else 0)
    if item.type in PRIVATE_TYPES:
        result.private = True
        if answered < MIN_RESPONDENTS:
            result.answered = None
        return result
    if answered < MIN_RESPONDENTS:
        result.answered = None
        return result
    if item.type in CHOICE_TYPES:
        # One Counter over a flat list: 5,000 small updates cost three times as much.
        counts = Counter(
            [
                ("true" if v else "false") if v is True or v is False else v
                for c in values
                for v in c
            ]
        )
        if item.type == "boolean":
            labels = [("true", _("Yes")), ("false", _("No"))]
        else:
            labels = [(o.code, fhirq.text_in(o.display, lang, base)) for o in item.options]
        known = {code for code, _label in labels}
        other = sum(count for code, count in counts.items() if code not in known)
        result.options = [
            OptionCount(code, label, counts.get(code, 0), _percent(counts.get(code, 0), answered))
            for code, label in labels
        ]
        if other:
            # Open-choice free answers are counted together, never listed.
            result.options.append(
                OptionCount("_other", _("Other"), other, _percent(other, answered))
            )
    elif item.type in NUMBER_TYPES:
        numbers = [Decimal(str(v)) for chosen in values for v in chosen]
        result.numbers = NumberSummary(
            mean=_round(sum(numbers, Decimal(0)) / len(numbers)),
            median=_round(Decimal(statistics.median(numbers))),
            low=min(numbers),
            high=max(numbers),
        )
    return result


def _scale_result(
    scale: Any, stored: list[dict[str, Any]], lang: str, base: str, responses: int
) -> ScaleResult:
    values = [Decimal(s["value"]) for s in stored if s["value"] is not None]
    title = fhirq.text_in(scale.title, lang, base)
    if len(values) < MIN_RESPONDENTS:
        return ScaleResult(scale.code, title, None, None, None)
    bands: Counter[int] = Counter(s["band"] for s in stored if s.get("band") is not None)
    return ScaleResult(
        code=scale.code,
        title=title,
        scored=len(values),
        mean=_round(sum(values, Decimal(0)) / len(values)),
        median=_round(Decimal(statistics.median(values))),
        bands=[
            OptionCount(
                str(index),
                fhirq.text_in(band.label, lang, base),
                bands.get(index, 0),
                _percent(bands.get(index, 0), len(values)),
            )
            for index, band in enumerate(scale.bands)
        ],
    )


def results_for(user: User, campaign: Campaign, lang: str) -> CampaignResults:
    """A campaign's aggregates for a person who runs its program (audited)."""
    _row, model, rows = _load(campaign)
    base = model.language
    title = fhirq.text_in(model.title, lang, base)
    audit.record(
        "survey.results.read", actor_id=user.id, target=f"campaign:{campaign.id}", detail={}
    )
    db.session.commit()
    asked = service.asked_count(campaign)
    if len(rows) < MIN_RESPONDENTS:
        return CampaignResults(campaign, title, asked, None, True)
    per_item: dict[str, list[list[Any]]] = {}
    for answers, _scores, _day in rows:
        for link_id, values in answers.items():
            if values:
                per_item.setdefault(link_id, []).append(values)
    items = [
        _item_result(item, per_item.get(item.link_id, []), lang, base)
        for item in model.walk()
        if item.type not in ("group", "display")
    ]
    by_scale: dict[str, list[dict[str, Any]]] = {}
    for _answers, scores, _day in rows:
        for stored in scores:
            by_scale.setdefault(stored["code"], []).append(stored)
    scales = [
        _scale_result(scale, by_scale.get(scale.code, []), lang, base, len(rows))
        for scale in model.scales
    ]
    return CampaignResults(campaign, title, asked, len(rows), False, items=items, scales=scales)


def _cell(values: list[Any]) -> str:
    return ";".join(str(v).lower() if isinstance(v, bool) else str(v) for v in values)


def csv_export(user: User, campaign: Campaign) -> str:
    """De-identified responses as CSV: shuffled rows, the month only, no free text or dates,
    no question answered by fewer than five (audited)."""
    _row, model, rows = _load(campaign)
    if len(rows) < MIN_RESPONDENTS:
        raise ServiceError(
            _("Results appear once at least %(n)d people have answered.", n=MIN_RESPONDENTS),
            status=403,
        )
    items = [
        item
        for item in model.walk()
        if item.type not in ("group", "display") and item.type not in PRIVATE_TYPES
    ]
    counts = Counter(
        link_id for answers, _scores, _day in rows for link_id, values in answers.items() if values
    )
    shown = [item for item in items if counts.get(item.link_id, 0) >= MIN_RESPONDENTS]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [_("row"), _("month")]
        + [item.link_id for item in shown]
        + [f"score:{scale.code}" for scale in model.scales]
    )
    # Rows are shuffled so the file's order says nothing about who answered first.
    paired = [(answers, scores, day.strftime("%Y-%m")) for answers, scores, day in rows]
    secrets.SystemRandom().shuffle(paired)
    for number, (answers, scores, month) in enumerate(paired, start=1):
        by_code = {s["code"]: s["value"] for s in scores}
        writer.writerow(
            [str(number), month]
            + [_cell(answers.get(item.link_id, [])) for item in shown]
            + [by_code.get(scale.code) or "" for scale in model.scales]
        )
    audit.record(
        "survey.results.export",
        actor_id=user.id,
        target=f"campaign:{campaign.id}",
        detail={"rows": len(paired)},
    )
    db.session.commit()
    return out.getvalue()
