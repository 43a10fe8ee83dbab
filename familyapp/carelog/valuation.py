"""Valuing the family's care work: the published methods side by side (pure: no Flask, no
database). Money is Decimal, rounded to the cent once, at the end of each method.

Methods (domain.md, "Replacement costs and the family's hidden work"):
- Replacement cost = hours of a task x the market wage of the worker one would hire for it.
  Romley et al. (Pediatrics 2017) valued every hour at a home-health-aide wage (their upper
  figure) and at the federal minimum wage (their lower figure); the task-based method values
  skilled nursing tasks at a licensed practical nurse's wage and every other hour at an aide's.
- Foregone earnings (opportunity cost) = hours of paid work the caregiver gave up x that
  caregiver's hourly wage; annual earnings / 2,088 (a full-time year: 52 weeks x 40 hours,
  the divisor OPM uses, 5 U.S.C. 5504) when given as annual; the national median wage of all
  occupations when the caregiver gave none.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from familyapp.carelog.taxonomy import SKILLED

CENT = Decimal("0.01")
HOURS_PER_WORK_YEAR = Decimal(2088)
DAYS_PER_YEAR = Decimal(365)
MINUTES_PER_HOUR = Decimal(60)

AIDE_ALL = "aide_all"
MINIMUM_ALL = "minimum_all"
TASK_BASED = "task_based"
METHODS = (AIDE_ALL, MINIMUM_ALL, TASK_BASED)


@dataclass(frozen=True)
class WageRates:
    """Hourly wages in force, with where they come from (region, year, source)."""

    region: str
    year: int
    source: str
    aide: Decimal  # home health and personal care aides (SOC 31-1120)
    lpn: Decimal  # licensed practical and licensed vocational nurses (SOC 29-2061)
    rn: Decimal  # registered nurses (SOC 29-1141)
    all_occupations: Decimal  # all occupations (SOC 00-0000): the default caregiver wage
    minimum: Decimal
    minimum_source: str


# BLS Occupational Employment and Wage Statistics, May 2024, national median hourly wages,
# rounded to the dollar as domain.md gives them (check against the current release when the
# table is updated). The federal minimum wage is $7.25 since 24 July 2009.
DEFAULT_RATES = WageRates(
    region="US",
    year=2024,
    source="BLS OEWS May 2024, national median hourly wages",
    aide=Decimal("17.00"),
    lpn=Decimal("30.00"),
    rn=Decimal("45.00"),
    all_occupations=Decimal("24.00"),
    minimum=Decimal("7.25"),
    minimum_source="Fair Labor Standards Act, 29 U.S.C. 206(a)(1)",
)


@dataclass(frozen=True)
class NationalAverage:
    """A published national figure per child per year, with its source."""

    code: str
    amount: Decimal
    hours_per_week: Decimal
    source: str


ROMLEY = "Romley et al., Pediatrics 2017 (2009-10 survey data, 2015 dollars)"
# Per child with special health care needs, per year: the same 5.1 h/week valued two ways,
# plus the caregivers' foregone earnings.
NATIONAL_AVERAGES: dict[str, NationalAverage] = {
    AIDE_ALL: NationalAverage(AIDE_ALL, Decimal(6400), Decimal("5.1"), ROMLEY),
    MINIMUM_ALL: NationalAverage(MINIMUM_ALL, Decimal(2100), Decimal("5.1"), ROMLEY),
    "foregone": NationalAverage("foregone", Decimal(3200), Decimal("5.1"), ROMLEY),
}


@dataclass(frozen=True)
class MethodResult:
    """One valuation method's result: the hours it valued, at which wages, and the amount."""

    code: str
    hours: Decimal
    amount: Decimal
    wages: dict[str, Decimal]  # which wage applied to which hours ("all", "skilled", "other")
    source: str


def money(value: Decimal) -> Decimal:
    """Round to the cent, halves up (as a payer's statement would)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def hours(minutes: int | Decimal) -> Decimal:
    """Minutes as exact decimal hours (90 -> 1.5; 20 -> 0.333... kept unrounded)."""
    return Decimal(minutes) / MINUTES_PER_HOUR


def hourly_from_annual(annual: Decimal) -> Decimal:
    """An annual salary as an hourly wage: / 2,088 hours of a full-time work year."""
    return money(annual / HOURS_PER_WORK_YEAR)


def replacement_costs(
    hours_by_class: Mapping[str, Decimal], rates: WageRates = DEFAULT_RATES
) -> list[MethodResult]:
    """Every replacement-cost method for the same hours, in METHODS order."""
    total = sum(hours_by_class.values(), Decimal(0))
    skilled = hours_by_class.get(SKILLED, Decimal(0))
    other = total - skilled
    source = f"{rates.source} ({rates.region}, {rates.year})"
    return [
        MethodResult(
            AIDE_ALL, total, money(total * rates.aide), {"all": rates.aide}, f"{ROMLEY}; {source}"
        ),
        MethodResult(
            MINIMUM_ALL,
            total,
            money(total * rates.minimum),
            {"all": rates.minimum},
            f"{ROMLEY}; {rates.minimum_source}",
        ),
        MethodResult(
            TASK_BASED,
            total,
            money(skilled * rates.lpn + other * rates.aide),
            {"skilled": rates.lpn, "other": rates.aide},
            f"42 CFR 409.32; {source}",
        ),
    ]


@dataclass(frozen=True)
class WorkMissed:
    """Hours of paid work one caregiver missed, and that caregiver's own wage if known."""

    hours: Decimal
    hourly: Decimal | None = None
    annual: Decimal | None = None


def caregiver_wage(
    hourly: Decimal | None, annual: Decimal | None, rates: WageRates = DEFAULT_RATES
) -> Decimal:
    """The wage foregone earnings use: the hourly wage, else annual / 2,088, else the median."""
    if hourly is not None:
        return hourly
    if annual is not None:
        return hourly_from_annual(annual)
    return rates.all_occupations


def foregone_earnings(items: Iterable[WorkMissed], rates: WageRates = DEFAULT_RATES) -> Decimal:
    """Sum of hours of paid work missed x each caregiver's wage, rounded once."""
    total = sum(
        (item.hours * caregiver_wage(item.hourly, item.annual, rates) for item in items),
        Decimal(0),
    )
    return money(total)


def annualised(amount: Decimal, days: int) -> Decimal:
    """A figure over `days` days scaled to a 365-day year (to compare with yearly averages)."""
    if days <= 0:
        return Decimal(0)
    return money(amount * DAYS_PER_YEAR / Decimal(days))


def per_week(total_hours: Decimal, days: int) -> Decimal:
    """Average hours a week over `days` days, to one decimal."""
    if days <= 0:
        return Decimal(0)
    return (total_hours * 7 / Decimal(days)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def team_cost(team_hours: Decimal, rates: WageRates = DEFAULT_RATES) -> Decimal:
    """Unbilled care-team coordination time at a registered nurse's wage (Ronis et al.,
    Pediatrics 2019, costed a team's non-billed coordination at staff wages; the coordinators
    of complex-care programs are most often RNs)."""
    return money(team_hours * rates.rn)
