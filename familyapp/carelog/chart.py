"""The weekly chart's geometry (pure): bars, axis ticks and labels as numbers for an SVG that
the template draws. Server-rendered, so it needs no chart library and no script, and the page
shows the same figures in a table beside it for screen readers and print."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

WIDTH = 340
HEIGHT = 180
LEFT = 34  # room for the hour labels
BOTTOM = 22  # room for the week labels
TOP = 8


@dataclass(frozen=True)
class Bar:
    """One week's bar."""

    x: float
    y: float
    width: float
    height: float
    week_start: date
    hours: Decimal
    labelled: bool  # whether the x axis names this week (not every one fits)


@dataclass(frozen=True)
class Tick:
    """A horizontal gridline with its hour value."""

    y: float
    hours: int


@dataclass(frozen=True)
class Chart:
    """What the SVG draws."""

    width: int
    height: int
    left: int
    baseline: float
    bars: list[Bar]
    ticks: list[Tick]


def _step(top: float) -> int:
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 500):
        if top / step <= 5:
            return step
    return 1000


def weekly(weeks: list[tuple[date, Decimal]]) -> Chart:
    """Bars for hours per week, scaled to a rounded maximum with up to 5 gridlines."""
    plot_h = HEIGHT - BOTTOM - TOP
    plot_w = WIDTH - LEFT - 4
    most = max((float(h) for _d, h in weeks), default=0.0)
    step = _step(most or 1)
    top = max(step, math.ceil(most / step) * step)
    count = max(len(weeks), 1)
    slot = plot_w / count
    gap = min(4.0, slot * 0.2)
    every = max(1, math.ceil(count / 6))  # at most about 6 week labels fit on a phone
    bars = []
    for index, (week_start, value) in enumerate(weeks):
        height = plot_h * float(value) / top
        bars.append(
            Bar(
                x=round(LEFT + index * slot + gap / 2, 2),
                y=round(TOP + plot_h - height, 2),
                width=round(slot - gap, 2),
                height=round(height, 2),
                week_start=week_start,
                hours=value,
                labelled=index % every == 0,
            )
        )
    ticks = [
        Tick(round(TOP + plot_h - plot_h * value / top, 2), value)
        for value in range(0, top + 1, step)
    ]
    return Chart(WIDTH, HEIGHT, LEFT, TOP + plot_h, bars, ticks)
