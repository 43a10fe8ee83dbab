"""The printable "cost of care" summary a family brings to a payer, a school or a legislator.

Drawn with fpdf2 through familyapp.plan.pdf's page class (its fonts, character cleaning,
wrapping, ruled tables and the footer naming the child on every page), imported rather than
copied as actionplans/cards.py does, so every document prints the same characters the same way.
Words are in the reader's language (flask_babel), so this runs in a request.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from babel.numbers import format_currency, format_decimal
from flask_babel import format_date, get_locale
from flask_babel import gettext as _

from familyapp.carelog import valuation
from familyapp.carelog.reports import Report
from familyapp.plan.pdf import BODY, MUTED, TABLE, Para, Run, _new_pdf


def _money(value: Decimal | None) -> str:
    return "" if value is None else format_currency(value, "USD", locale=get_locale())


def _hours(value: Decimal) -> str:
    return format_decimal(value, format="#,##0.0", locale=get_locale())


def cost_of_care_pdf(child: Any, report: Report, method_labels: dict[str, str]) -> bytes:
    """The report as an A4 summary: hours, every method with its source, the nursing gap."""
    title = _("The cost of care at home \u2014 %(name)s", name=child.display_name)
    pdf = _new_pdf(child, title)
    pdf.add_page()
    pdf.draw_para(Para([Run(title, bold=True)], 16, after=1.5))
    period = _(
        "%(start)s to %(end)s (%(days)s days)",
        start=format_date(report.from_, "long"),
        end=format_date(report.to, "long"),
        days=report.days,
    )
    pdf.draw_para(Para([Run(period)], BODY, after=1.0))
    pdf.draw_para(
        Para(
            [
                Run(
                    _("The family gave %(hours)s hours of care", hours=_hours(report.family_hours)),
                    bold=True,
                ),
                Run(
                    " "
                    + _(
                        "(%(week)s hours a week; the national average per child is "
                        "%(national)s hours a week).",
                        week=_hours(report.hours_per_week),
                        national=_hours(report.national_hours_per_week),
                    )
                ),
            ],
            BODY,
            after=1.5,
        )
    )
    rows: list[tuple[list[list[Run]], list[Run] | None]] = []
    for method in [*report.replacement_cost, report.foregone_earnings]:
        rows.append(
            (
                [
                    [Run(method_labels.get(method.code, method.code))],
                    [Run(_money(method.amount), bold=True)],
                    [Run(_money(method.annualised))],
                    [Run(_money(method.national_average))],
                ],
                [Run(_("Source: %(source)s", source=method.source), color=MUTED)],
            )
        )
    pdf.heading(_("What this work is worth"), 12, 20)
    pdf.grid(
        [_("Method"), _("This period"), _("Per year"), _("National average per year")],
        [50, 17, 17, 20],
        rows,
        TABLE,
    )
    pdf.heading(_("Hours by kind of care"), 12, 20)
    pdf.grid(
        [_("Kind of care"), _("Hours")],
        [80, 20],
        [([[Run(h.label)], [Run(_hours(h.hours))]], None) for h in report.by_class],
        TABLE,
    )
    if report.by_activity:
        pdf.heading(_("Hours by activity"), 12, 20)
        pdf.grid(
            [_("Activity"), _("Kind of care"), _("Hours")],
            [55, 30, 15],
            [
                (
                    [[Run(h.label)], [Run(_class(report, h.care_class))], [Run(_hours(h.hours))]],
                    None,
                )
                for h in report.by_activity
            ],
            TABLE,
        )
    pdf.heading(_("Home nursing and paid work"), 12, 20)
    for text in (
        _(
            "Home-nursing hours authorised: %(hours)s; delivered: %(done)s; "
            "not delivered: %(gap)s.",
            hours=_hours(report.nursing_authorised_hours),
            done=_hours(report.nursing_delivered_hours),
            gap=_hours(report.nursing_shortfall_hours),
        ),
        _(
            "Paid work missed to give care: %(hours)s hours.",
            hours=_hours(report.work_missed_hours),
        ),
        _(
            "Care by paid staff (not counted above): %(hours)s hours.",
            hours=_hours(report.paid_staff_hours),
        ),
    ):
        pdf.draw_para(Para([Run(text)], BODY, after=0.8))
    rates = report.rates
    pdf.heading(_("How these figures are made"), 12, 20)
    for text in (
        _(
            "Replacement cost is the hours times the wage of the worker one would hire to do "
            "the work. Skilled tasks follow Medicare's definition (42 CFR 409.32): who does a "
            "task does not change its class."
        ),
        _(
            "Wages (%(region)s, %(year)s, %(source)s): home health aide %(aide)s, licensed "
            "practical nurse %(lpn)s, registered nurse %(rn)s, all occupations %(all)s an hour; "
            "minimum wage %(minimum)s (%(minimum_source)s).",
            region=rates.region,
            year=rates.year,
            source=rates.source,
            aide=_money(rates.aide),
            lpn=_money(rates.lpn),
            rn=_money(rates.rn),
            all=_money(rates.all_occupations),
            minimum=_money(rates.minimum),
            minimum_source=rates.minimum_source,
        ),
        _(
            "National averages: %(source)s, per child with special health care needs, "
            "2015 dollars.",
            source=valuation.ROMLEY,
        ),
    ):
        pdf.draw_para(Para([Run(text, color=MUTED)], TABLE, after=0.8))
    return bytes(pdf.output())


def _class(report: Report, code: str) -> str:
    return next((h.label for h in report.by_class if h.code == code), code)
