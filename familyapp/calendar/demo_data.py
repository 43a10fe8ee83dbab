"""Maya Rivera's appointments for the demo family (fictional), placed around the day the demo
is made so the agenda, the home screen and the feed always have something to show."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute))


def _next(day: date, weekday: int) -> date:
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def appointments(today: date) -> list[dict[str, Any]]:
    """Schema input (local times in the family's zone) for the demo child's appointments."""
    tuesday = _next(today, 1) - timedelta(days=7)  # the series began last week
    thursday = _next(today, 3)
    first_monday = _next(today.replace(day=1), 0)
    return [
        {
            "title": "Physical therapy",
            "discipline": "pt",
            "provider": "Kim Nguyen, PT (Lakeside Pediatric Therapy)",
            "location": "Lakeside Pediatric Therapy, 220 Lake St, Suite 4",
            "starts_at": _at(tuesday, 15, 30),
            "ends_at": _at(tuesday, 16, 30),
            "rrule": "FREQ=WEEKLY;BYDAY=TU",
            "reminder_offsets_minutes": [1440, 120],
            "bring": "Stander straps, AFOs, suction machine",
        },
        {
            "title": "Speech therapy (AAC device)",
            "discipline": "speech",
            "provider": "Rosa Díaz, SLP",
            "location": "https://video.example.org/lakeside-slp",
            "starts_at": _at(thursday, 10, 0),
            "ends_at": _at(thursday, 10, 45),
            "rrule": "FREQ=WEEKLY;INTERVAL=2",
            "reminder_offsets_minutes": [60],
            "notes": "Telehealth: charge the eye-gaze tablet the night before.",
        },
        {
            "title": "Monthly trach change",
            "discipline": "home_nursing",
            "provider": "Ana (parent) with Jordan Lee, LPN",
            "location": "Home",
            "starts_at": _at(first_monday, 18, 0),
            "ends_at": _at(first_monday, 18, 30),
            "rrule": "FREQ=MONTHLY;BYDAY=1MO",
            "reminder_offsets_minutes": [1440],
            "bring": "New Shiley 4.0 PEDC trach and one size smaller, ties, 3 mL syringe, "
            "saline, shoulder roll",
        },
        {
            "title": "Weight and growth check",
            "discipline": "home_nursing",
            "provider": "Jordan Lee, LPN",
            "location": "Home",
            "starts_at": _at(today, 19, 30),
            "ends_at": _at(today, 20, 0),
            "reminder_offsets_minutes": [120],
        },
        {
            "title": "Feeding pump supplies delivery",
            "discipline": "dme_delivery",
            "provider": "Midwest Home Medical",
            "location": "Home",
            "starts_at": _at(today + timedelta(days=3), 9, 0),
            "ends_at": _at(today + timedelta(days=3), 12, 0),
            "reminder_offsets_minutes": [1440],
            "notes": "Extension sets (MIC-KEY 14 Fr), Kangaroo Joey bags, 60 mL syringes.",
        },
        {
            "title": "Neurology follow-up",
            "discipline": "neurology",
            "provider": "Dr. Sam Patel",
            "location": "Children's Hospital, Neurology Clinic, 3rd floor",
            "starts_at": _at(today + timedelta(days=9), 10, 30),
            "ends_at": _at(today + timedelta(days=9), 11, 15),
            "reminder_offsets_minutes": [1440, 120],
            "bring": "Seizure log, medication list, spare trach kit, insurance card",
            "questions": "Clusters are more frequent at night: should the evening clobazam "
            "dose change? Is an EEG due?",
        },
        {
            "title": "IEP meeting",
            "discipline": "school_iep",
            "provider": "Westside Elementary special-education team",
            "location": "Westside Elementary, room 12",
            "starts_at": _at(today + timedelta(days=16), 14, 0),
            "ends_at": _at(today + timedelta(days=16), 15, 30),
            "reminder_offsets_minutes": [10080, 1440],
            "questions": "Nurse on the bus? Suction training for the classroom aide.",
        },
        {
            "title": "Pulmonology and ventilator check",
            "discipline": "pulmonology",
            "provider": "Dr. Lena Ortiz",
            "location": "Children's Hospital, Pulmonary Clinic",
            "starts_at": _at(today + timedelta(days=23), 8, 45),
            "ends_at": _at(today + timedelta(days=23), 10, 0),
            "reminder_offsets_minutes": [1440, 120],
            "bring": "Ventilator with its log, last two weeks of oxygen readings",
        },
        {
            "title": "GI clinic",
            "discipline": "gi",
            "provider": "Dr. Omar Haddad",
            "location": "Children's Hospital, GI Clinic",
            "starts_at": _at(today - timedelta(days=10), 13, 0),
            "ends_at": _at(today - timedelta(days=10), 13, 45),
            "after_notes": "Weight up 0.4 kg. Keep the feed at 55 mL/h overnight; recheck in "
            "3 months.",
        },
    ]
