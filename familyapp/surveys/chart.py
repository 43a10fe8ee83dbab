"""Chart geometry (pure): a family's score over time as points on a line, and a question's
answers as horizontal bars. Server-rendered SVG with a table beside it, so it needs no chart
library and no script (the same approach as the care log's weekly chart)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

WIDTH = 340
HEIGHT = 180
LEFT = 34  # room for the score labels
BOTTOM = 22  # room for the date labels
TOP = 10
RIGHT = 12


@dataclass(frozen=True)
class Point:
    """One response's score."""

    x: float
    y: float
    day: date
    value: Decimal
    labelled: bool  # whether the x axis names this date (not every one fits)


@dataclass(frozen=True)
class Tick:
    """A horizontal gridline with its value."""

    y: float
    value: Decimal


@dataclass(frozen=True)
class TrendChart:
    """What the trend SVG draws."""

    width: int
    height: int
    left: int
    baseline: float
    points: list[Point]
    ticks: list[Tick]
    path: str


def _nice_step(span: float) -> float:
    for step in (0.1, 0.2, 0.25, 0.5, 1, 2, 5, 10, 20, 25, 50, 100, 200, 500):
        if span / step <= 5:
            return step
    return 1000.0


def trend(
    points: list[tuple[date, Decimal]], low: Decimal | None = None, high: Decimal | None = None
) -> TrendChart:
    """Points over time on a value axis from the scale's range (or the data's), left to right
    in date order, evenly spaced (surveys come months apart, not on a regular clock)."""
    values = [float(v) for _d, v in points] or [0.0]
    bottom = min(float(low) if low is not None else min(values), min(values))
    top = max(float(high) if high is not None else max(values), max(values))
    if top <= bottom:
        top = bottom + 1
    step = _nice_step(top - bottom)
    bottom = math.floor(bottom / step) * step
    top = math.ceil(top / step) * step
    plot_h = HEIGHT - BOTTOM - TOP
    plot_w = WIDTH - LEFT - RIGHT
    count = len(points)
    every = max(1, math.ceil(count / 4))  # about four dates fit under a phone-wide chart

    def y_of(value: float) -> float:
        return round(TOP + plot_h - plot_h * (value - bottom) / (top - bottom), 2)

    placed = []
    for index, (day, value) in enumerate(sorted(points)):
        x = LEFT + (plot_w / 2 if count == 1 else plot_w * index / (count - 1))
        placed.append(Point(round(x, 2), y_of(float(value)), day, value, index % every == 0))
    path = " ".join(f"{'M' if index == 0 else 'L'}{p.x} {p.y}" for index, p in enumerate(placed))
    ticks = []
    level = bottom
    while level <= top + step / 1000:
        ticks.append(Tick(y_of(level), Decimal(str(round(level, 2))).normalize()))
        level += step
    return TrendChart(WIDTH, HEIGHT, LEFT, TOP + plot_h, placed, ticks, path)


@dataclass(frozen=True)
class Bar:
    """One option's share as a horizontal bar."""

    y: float
    width: float
    label: str
    count: int
    percent: Decimal


BAR_HEIGHT = 18
BAR_GAP = 26
BAR_LEFT = 0
BAR_WIDTH = 300


def bars(rows: list[tuple[str, int, Decimal]]) -> list[Bar]:
    """Horizontal bars for (label, count, percent) rows, the percent setting the length."""
    return [
        Bar(
            y=index * BAR_GAP,
            width=round(BAR_WIDTH * float(percent) / 100, 2),
            label=label,
            count=count,
            percent=percent,
        )
        for index, (label, count, percent) in enumerate(rows)
    ]
