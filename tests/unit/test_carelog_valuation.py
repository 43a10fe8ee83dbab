"""The valuation methods with worked examples: exact figures at the default rates."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from familyapp.carelog import chart, taxonomy, valuation
from familyapp.carelog.valuation import DEFAULT_RATES, WorkMissed

D = Decimal


def _by_code(results: list[valuation.MethodResult]) -> dict[str, Decimal]:
    return {r.code: r.amount for r in results}


def test_defaults_carry_year_and_source() -> None:
    assert DEFAULT_RATES.year == 2024
    assert "BLS OEWS May 2024" in DEFAULT_RATES.source
    assert (DEFAULT_RATES.aide, DEFAULT_RATES.lpn, DEFAULT_RATES.rn) == (D(17), D(30), D(45))
    assert DEFAULT_RATES.all_occupations == D(24)
    assert DEFAULT_RATES.minimum == D("7.25")


def test_worked_example_10h_suctioning_and_5h_bathing() -> None:
    # Suctioning is skilled (42 CFR 409.33(b)); bathing is personal care (409.33(d)).
    assert taxonomy.builtin("suctioning").care_class == taxonomy.SKILLED  # type: ignore[union-attr]
    assert taxonomy.builtin("bathing").care_class == taxonomy.PERSONAL  # type: ignore[union-attr]
    hours = {taxonomy.SKILLED: D(10), taxonomy.PERSONAL: D(5)}
    results = valuation.replacement_costs(hours)
    assert [r.code for r in results] == list(valuation.METHODS)
    # 15 h x $17 = $255.00; 15 h x $7.25 = $108.75; 10 h x $30 + 5 h x $17 = $385.00.
    assert _by_code(results) == {
        valuation.AIDE_ALL: D("255.00"),
        valuation.MINIMUM_ALL: D("108.75"),
        valuation.TASK_BASED: D("385.00"),
    }
    assert all(r.hours == D(15) for r in results)
    task = results[2]
    assert task.wages == {"skilled": D(30), "other": D(17)}
    assert "42 CFR 409.32" in task.source
    assert "Romley" in results[0].source and "29 U.S.C. 206" in results[1].source


def test_every_non_skilled_class_is_valued_at_the_aide_wage_in_the_task_method() -> None:
    hours = {
        taxonomy.THERAPY: D(1),
        taxonomy.COORDINATION: D(2),
        taxonomy.TRAVEL: D(3),
    }
    task = _by_code(valuation.replacement_costs(hours))[valuation.TASK_BASED]
    assert task == D("102.00")  # 6 h x $17


def test_minutes_are_exact_hours_and_rounding_is_once_at_the_end() -> None:
    # 20 minutes three times is exactly one hour, not 3 x 0.33.
    hours = {taxonomy.SKILLED: valuation.hours(20) * 3}
    assert _by_code(valuation.replacement_costs(hours))[valuation.TASK_BASED] == D("30.00")
    # 7 minutes at the minimum wage: 0.84583... rounds half up to $0.85.
    assert valuation.money(valuation.hours(7) * D("7.25")) == D("0.85")


def test_foregone_earnings_with_own_wage_annual_and_default() -> None:
    items = [
        WorkMissed(D(8)),  # no wage given: national median $24 -> $192.00
        WorkMissed(D(4), hourly=D("21.50")),  # $86.00
        WorkMissed(D(10), annual=D(52200)),  # 52,200 / 2,088 = $25.00 -> $250.00
    ]
    assert valuation.hourly_from_annual(D(52200)) == D("25.00")
    assert valuation.foregone_earnings(items) == D("528.00")
    assert valuation.foregone_earnings([]) == D("0.00")


def test_annualised_and_national_averages() -> None:
    # $255 over 28 days is $3,324.11 a year (255 x 365 / 28 = 3324.107...).
    assert valuation.annualised(D(255), 28) == D("3324.11")
    assert valuation.annualised(D(255), 0) == D(0)
    assert valuation.per_week(D(30), 28) == D("7.5")
    national = valuation.NATIONAL_AVERAGES
    assert national[valuation.AIDE_ALL].amount == D(6400)
    assert national[valuation.MINIMUM_ALL].amount == D(2100)
    assert national["foregone"].amount == D(3200)
    assert national[valuation.AIDE_ALL].hours_per_week == D("5.1")
    assert "Pediatrics 2017" in national[valuation.AIDE_ALL].source


def test_team_cost_at_the_rn_wage() -> None:
    assert valuation.team_cost(D("2.3")) == D("103.50")


def test_other_rates_change_every_method() -> None:
    rates = valuation.WageRates("MN", 2025, "test", D(20), D(35), D(50), D(28), D(11), "state")
    hours = {taxonomy.SKILLED: D(10), taxonomy.PERSONAL: D(5)}
    assert _by_code(valuation.replacement_costs(hours, rates)) == {
        valuation.AIDE_ALL: D("300.00"),
        valuation.MINIMUM_ALL: D("165.00"),
        valuation.TASK_BASED: D("450.00"),
    }
    assert valuation.foregone_earnings([WorkMissed(D(1))], rates) == D("28.00")


def test_taxonomy_codes_are_unique_and_classes_known() -> None:
    codes = [a.code for a in taxonomy.ACTIVITIES]
    assert len(codes) == len(set(codes))
    assert {a.care_class for a in taxonomy.ACTIVITIES} == set(taxonomy.CLASSES)
    for skilled in ("tube_feeding", "trach_care", "ventilator", "injection_iv", "wound_care"):
        assert taxonomy.BY_CODE[skilled].care_class == taxonomy.SKILLED
    for personal in ("bathing", "dressing", "toileting", "oral_medication"):
        assert taxonomy.BY_CODE[personal].care_class == taxonomy.PERSONAL
    assert set(taxonomy.CLASS_INFO) == set(taxonomy.CLASSES)


@pytest.mark.parametrize("top", [0, 3, 12, 60])
def test_chart_bars_fit_and_scale(top: int) -> None:
    weeks = [(date(2026, 11, 2), D(top)), (date(2026, 11, 9), D(top) / 2)]
    drawn = chart.weekly(weeks)
    assert len(drawn.bars) == 2
    assert drawn.ticks[0].hours == 0 and drawn.ticks[-1].hours >= top
    for bar in drawn.bars:
        assert bar.y >= 0 and bar.y + bar.height <= drawn.baseline + 0.01
    if top:
        assert drawn.bars[0].height == pytest.approx(2 * drawn.bars[1].height, abs=0.02)
