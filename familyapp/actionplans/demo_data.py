"""Maya Rivera's sick-day plans for the demo family (fictional, completed from the templates)."""

from __future__ import annotations

from typing import Any

SEIZURES: dict[str, Any] = {
    "kind": "seizures",
    "title": "Seizures",
    "reviewed_by": "Dr. Sam Patel (Neurology)",
    "reviewed_on": "2026-10-02",
    "document": {
        "normal": "Brief startles when she wakes are normal and are not seizures. Usual seizure: "
        "eyes to the right, right arm jerking, 1-2 minutes, sleepy for an hour after.",
        "green": {
            "signs": ["Alert, smiling, usual tone", "No seizures, or her usual brief startles"],
            "steps": [
                "Levetiracetam 500 mg by G-tube at 8 am and 8 pm",
                "Clobazam 5 mg by G-tube twice daily",
                "Write any seizure in the seizure log: time, length, what it looked like",
            ],
        },
        "yellow": {
            "signs": [
                "A seizure like her usual one, under 5 minutes",
                "More than 3 seizures in a day, or one with fever",
            ],
            "steps": [
                "Start timing the seizure",
                "Turn her on her side; keep the trach clear and suction if needed",
                "Nothing in the mouth; move hard objects away",
                "If on the ventilator, keep it connected; watch her oxygen (keep at or above 92%)",
                "Call the neurology nurse line the same day",
            ],
        },
        "red": {
            "signs": [
                "Seizure lasting 5 minutes or more",
                "Seizures one after another without waking up between them",
                "Oxygen below 90% that does not rise with suction and 2 L/min oxygen",
            ],
            "steps": [
                "Give midazolam 5 mg in the nose (2.5 mg each nostril)",
                "Call 911",
                "Give oxygen 2 L/min through the trach; bag with oxygen if breathing is poor",
                "If the seizure goes on 10 minutes after midazolam, tell 911 (no second dose "
                "at home)",
                "Bring this plan, the go-bag and the medicine list",
            ],
        },
        "call_911_when": [
            "A seizure lasts 5 minutes or more",
            "Breathing trouble or blue colour during or after a seizure",
            "Injury, or a seizure in water",
            "She does not return to her usual self within 1 hour",
        ],
        "call": [
            {
                "who": "Neurology nurse line",
                "phone": "(312) 555-0102",
                "when": "Same day, for a change in her seizures",
            },
            {"who": "Complex care clinic", "phone": "(312) 555-0100", "when": "Weekdays"},
        ],
        "bring": [
            "This plan and the medicine list",
            "Go-bag with spare trach 4.0 and 3.5",
            "Suction, ambu bag, oxygen tank",
            "Her eye-gaze board",
        ],
        "avoid": [
            "Nothing in the mouth during a seizure",
            "Do not hold her movements down",
            "Do not give a second midazolam dose at home",
        ],
    },
}

RESPIRATORY_TITLE = "Breathing trouble and trach emergencies"
DYSTONIA_TITLE = "Dystonia"
