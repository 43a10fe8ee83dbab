"""Maya Rivera's care log for the demo family (fictional): eight weeks ending yesterday of the
work a family of a child with a trach, a G-tube and seizures does, by Ana (her mother), Jordan
(the agency nurse, weeknights: paid staff) and Priya (the clinic's nurse coordinator)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

WEEKS = 8

# (activity, hour, minute, minutes): Ana's every day.
ANA_DAILY = (
    ("suctioning", 6, 45, 10),
    ("tube_feeding", 7, 0, 30),
    ("oral_medication", 7, 35, 10),
    ("dressing", 7, 50, 15),
    ("tube_feeding", 11, 30, 30),
    ("suctioning", 13, 0, 10),
    ("tube_feeding", 15, 30, 30),
    ("therapy_exercises", 17, 0, 20),
    ("tube_feeding", 19, 0, 30),
    ("trach_care", 20, 30, 20),
    ("suctioning", 22, 0, 10),
)
# (weekday, activity, hour, minute, minutes): Ana's week (Monday is 0).
ANA_WEEKLY = (
    (0, "coordination_calls", 10, 0, 30),
    (0, "bathing", 18, 15, 25),
    (1, "travel_appointments", 14, 40, 90),  # physical therapy, Tuesdays
    (2, "insurance_appeals", 10, 0, 45),
    (2, "bathing", 18, 15, 25),
    (3, "pharmacy_supplies", 9, 30, 20),
    (3, "scheduling", 10, 0, 20),
    (4, "forms", 10, 0, 30),
    (4, "bathing", 18, 15, 25),
    (5, "equipment_cleaning", 10, 0, 40),
    (6, "travel_pharmacy", 11, 0, 45),
)


def _at(day: date, hour: int, minute: int, tz: Any) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=tz)


def entries(
    today: date, tz: Any, ana: Any, jordan: Any, priya: Any, now: datetime | None = None
) -> list[dict[str, Any]]:
    """Schema-like rows (aware start times) for the eight weeks before `today`, each over by
    `now` (last night's shift, if it is still going on, is not logged yet)."""
    rows: list[dict[str, Any]] = []
    first = today - timedelta(days=7 * WEEKS)
    for offset in range(7 * WEEKS):
        day = first + timedelta(days=offset)
        for activity, hour, minute, minutes in ANA_DAILY:
            rows.append(_row(activity, _at(day, hour, minute, tz), minutes, ana))
        for weekday, activity, hour, minute, minutes in ANA_WEEKLY:
            if day.weekday() == weekday:
                rows.append(_row(activity, _at(day, hour, minute, tz), minutes, ana))
        if day.weekday() < 4:
            # Jordan's weeknight shift, 22:30 to 06:30: paid nursing, not the family's work.
            rows.append(_row("overnight_supervision", _at(day, 22, 30, tz), 480, jordan, "paid"))
        else:
            # The nights the agency has no nurse, Ana sleeps beside the ventilator alarm.
            rows.append(_row("overnight_supervision", _at(day, 22, 15, tz), 495, ana))
        if day.weekday() == 1:
            rows.append(_row("coordination_calls", _at(day, 9, 0, tz), 25, priya, "team"))
        if day.weekday() == 3 and offset % 14 < 7:
            rows.append(_row("forms", _at(day, 14, 0, tz), 40, priya, "team"))
    if now is not None:
        rows = [r for r in rows if r["started_at"] + timedelta(minutes=r["minutes"]) <= now]
    return rows


def _row(
    activity: str, start: datetime, minutes: int, who: Any, performed_by: str = "family"
) -> dict[str, Any]:
    return {
        "activity": activity,
        "started_at": start,
        "minutes": minutes,
        "caregiver": who,
        "performed_by": performed_by,
    }


def work_missed(today: date) -> list[dict[str, Any]]:
    """Ana's missed paid work: every Tuesday afternoon for therapy, and two whole days."""
    rows = []
    first = today - timedelta(days=7 * WEEKS)
    for offset in range(7 * WEEKS):
        day = first + timedelta(days=offset)
        if day.weekday() == 1:
            rows.append({"day": day, "hours": Decimal(4), "note": "Physical therapy"})
    rows.append(
        {"day": first + timedelta(days=17), "hours": Decimal(8), "note": "Nurse called out"}
    )
    rows.append({"day": first + timedelta(days=38), "hours": Decimal(8), "note": "Sick day"})
    return rows


def nursing_weeks(today: date) -> list[dict[str, Any]]:
    """Authorised 40 hours a week of home nursing; the agency rarely staffs them all."""
    monday = today - timedelta(days=today.weekday())
    delivered = (32, 24, 32, 16, 32, 24, 32, 24)
    return [
        {
            "week_start": monday - timedelta(days=7 * (WEEKS - i)),
            "authorised_hours": Decimal(40),
            "delivered_hours": Decimal(hours),
        }
        for i, hours in enumerate(delivered)
    ]
