"""The survey charts' geometry: points in date order inside the plot, the axis covering the
scale's range, bars as long as their share."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from familyapp.surveys import chart


def test_trend_points_run_left_to_right_in_date_order_inside_the_plot() -> None:
    found = chart.trend(
        [
            (date(2026, 5, 1), Decimal(3)),
            (date(2025, 11, 1), Decimal(4)),
            (date(2026, 11, 1), Decimal(1)),
        ],
        Decimal(0),
        Decimal(4),
    )
    assert [p.day for p in found.points] == [date(2025, 11, 1), date(2026, 5, 1), date(2026, 11, 1)]
    xs = [p.x for p in found.points]
    assert xs == sorted(xs) and xs[0] == chart.LEFT and xs[-1] == chart.WIDTH - chart.RIGHT
    # 4 is the top of the scale, 0 its bottom: the highest value is drawn highest (smallest y).
    by_value = {p.value: p.y for p in found.points}
    assert by_value[Decimal(4)] == chart.TOP
    assert by_value[Decimal(1)] > by_value[Decimal(3)] > by_value[Decimal(4)]
    assert found.path.startswith(f"M{xs[0]} ") and found.path.count("L") == 2
    values = [t.value for t in found.ticks]
    assert values[0] == 0 and values[-1] == 4


def test_a_value_outside_the_bands_widens_the_axis() -> None:
    found = chart.trend([(date(2026, 1, 1), Decimal(12))], Decimal(0), Decimal(10))
    [point] = found.points
    assert point.x == chart.LEFT + (chart.WIDTH - chart.LEFT - chart.RIGHT) / 2
    assert max(t.value for t in found.ticks) >= 12
    assert chart.TOP <= point.y <= found.baseline


def test_bars_are_as_long_as_their_share() -> None:
    bars = chart.bars([("Yes", 3, Decimal("75")), ("No", 1, Decimal("25"))])
    assert [b.width for b in bars] == [chart.BAR_WIDTH * 0.75, chart.BAR_WIDTH * 0.25]
    assert bars[1].y > bars[0].y
