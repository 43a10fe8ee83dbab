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

RESPIRATORY: dict[str, Any] = {
    "kind": "respiratory",
    "title": RESPIRATORY_TITLE,
    "reviewed_by": "Dr. Grace Kim (Pulmonology)",
    "reviewed_on": "2026-09-18",
    "document": {
        "normal": "Breathes 20-28 a minute on room air by day with the trach open (HME on); "
        "ventilator at night. Oxygen 94-98%. Small amounts of clear or white secretions; "
        "suctions 4-6 times a day.",
        "green": {
            "signs": [
                "Breathing easy, 20-28 a minute",
                "Oxygen 94% or more on room air",
                "Secretions clear or white, usual amount",
            ],
            "steps": [
                "Suction as needed: 8 Fr catheter, to 7 cm (the mark on the obturator card)",
                "Change the trach ties daily and the HME every 24 hours",
                "Ventilator at night: Trilogy settings as on the plan",
            ],
        },
        "yellow": {
            "signs": [
                "Breathing faster (more than 35 a minute) or working harder",
                "Oxygen 90-93%",
                "Thicker, yellow or green secretions, or suctioning every hour",
                "Fever of 38.3 °C (101 °F) or more",
            ],
            "steps": [
                "Suction, then check the trach is in place and the ties are snug",
                "Saline 1 mL down the trach before suctioning thick secretions",
                "Albuterol 2.5 mg by nebulizer through the trach; may repeat every 4 hours",
                "Oxygen up to 1 L/min to keep her at 92% or more",
                "Call the pulmonology nurse line the same day",
            ],
        },
        "red": {
            "signs": [
                "Oxygen below 90% that does not rise after suction and 2 L/min oxygen",
                "The suction catheter will not pass (blocked trach)",
                "The trach is out (dislodged)",
                "Blue or grey lips, or she is very sleepy and hard to wake",
            ],
            "steps": [
                "Blocked or out: change the trach now with the spare 4.0 (the 3.5 if the "
                "4.0 will not go in)",
                "If the trach will not go in: cover the stoma and give breaths by mouth and "
                "nose with the ambu bag",
                "Call 911",
                "Bag with oxygen 2 L/min through the new trach; on the ventilator, "
                "disconnect it and bag",
                "Start CPR if she does not breathe and has no signs of life",
            ],
        },
        "call_911_when": [
            "The trach is blocked or out and a new one cannot be put in",
            "Oxygen stays below 90% after suction and oxygen",
            "She is blue, grey, or hard to wake",
        ],
        "call": [
            {
                "who": "Pulmonology nurse line",
                "phone": "(312) 555-0103",
                "when": "Same day, for yellow-zone breathing",
            },
            {
                "who": "Lakeside Medical Supply (24-hour line)",
                "phone": "(312) 555-0142",
                "when": "Ventilator or oxygen problems",
            },
        ],
        "bring": [
            "Go-bag: spare trachs 4.0 and 3.5, ties, obturator, scissors",
            "Portable suction with 8 Fr catheters, saline",
            "Ambu bag, oxygen tank, ventilator and its circuit",
        ],
        "avoid": [
            "Latex suction catheters and gloves (life-threatening allergy)",
            "No cuff to deflate: her trach is cuffless",
            "Do not force a trach that will not go in: use the smaller one",
        ],
    },
}

DYSTONIA: dict[str, Any] = {
    "kind": "dystonia",
    "title": DYSTONIA_TITLE,
    "reviewed_by": "Dr. Sam Patel (Neurology)",
    "reviewed_on": "2026-10-02",
    "document": {
        "normal": "Tight arms and legs when upset or in pain that ease with comfort in 10-20 "
        "minutes. Sleeps through the night with her baclofen.",
        "green": {
            "signs": ["Usual tone", "Comfortable in her chair or lying down"],
            "steps": [
                "Baclofen 10 mg by G-tube three times daily, on time",
                "Stretching and positioning as taught by physical therapy",
            ],
        },
        "yellow": {
            "signs": [
                "Arching, twisting or crying for more than 30 minutes",
                "Tight episodes that keep coming back through the day",
            ],
            "steps": [
                "Look for the cause: pain, a full bladder, constipation, reflux, a tight "
                "strap or splint, the trach ties",
                "Reposition her, loosen straps, warm blanket, quiet room, her music",
                "Give acetaminophen by G-tube for pain, at her weight's dose on the medicine list",
                "Call the neurology nurse line if it lasts more than 2 hours",
            ],
        },
        "red": {
            "signs": [
                "Non-stop spasms for hours that nothing eases",
                "Fever, heavy sweating or a very fast heart rate with the spasms",
                "Dark (cola-coloured) urine",
                "Breathing trouble during the spasms",
            ],
            "steps": [
                "Call 911: this can be a dystonic storm",
                "Keep her safe and cool; keep the trach clear and suction as needed",
                "Tell the team the time of her last baclofen dose",
            ],
        },
        "call_911_when": [
            "Non-stop spasms with fever, sweating, a fast heart rate or dark urine",
            "Breathing trouble during the spasms",
        ],
        "call": [
            {
                "who": "Neurology nurse line",
                "phone": "(312) 555-0102",
                "when": "Episodes over 2 hours, or more often than usual",
            },
        ],
        "bring": ["This plan and the medicine list", "Her baclofen (to show the dose)"],
        "avoid": [
            "Do not stop baclofen suddenly (withdrawal can cause a crisis)",
            "Do not hold her movements down",
        ],
    },
}
