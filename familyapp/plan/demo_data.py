"""Maya Rivera's plan of care for the demo family (fictional, clinically realistic)."""

from __future__ import annotations

from typing import Any

SUMMARY = (
    "Maya is a 7-year-old with hypoxic-ischemic encephalopathy at birth, epilepsy and spastic "
    "quadriplegic cerebral palsy; trach since 2019 with ventilator at night, fully G-tube fed. "
    "Nonverbal but very social; seizures controlled on levetiracetam and clobazam."
)

FIRST_VERSION: dict[str, Any] = {
    "summary": SUMMARY,
    "allergies": [
        {"substance": "Latex", "reaction": "Hives and wheezing", "severity": "life_threatening"},
        {"substance": "Amoxicillin", "reaction": "Diffuse rash (2021)", "severity": "moderate"},
    ],
    "medications": [
        {
            "name": "Levetiracetam",
            "dose_amount": "500",
            "dose_unit": "mg",
            "route": "g_tube",
            "schedule": "Twice daily, 8 am and 8 pm",
            "purpose": "Seizures",
            "prescriber": "Dr. Sam Patel (Neurology)",
        },
        {
            "name": "Clobazam",
            "dose_amount": "5",
            "dose_unit": "mg",
            "route": "g_tube",
            "schedule": "Twice daily",
            "purpose": "Seizures",
            "prescriber": "Dr. Sam Patel (Neurology)",
        },
        {
            "name": "Midazolam (rescue)",
            "dose_amount": "5",
            "dose_unit": "mg",
            "route": "intranasal",
            "schedule": "Once, if a seizure lasts more than 5 minutes",
            "purpose": "Seizure rescue",
            "prescriber": "Dr. Sam Patel (Neurology)",
            "notes": "Call 911 after giving it.",
        },
        {
            "name": "Baclofen",
            "dose_amount": "10",
            "dose_unit": "mg",
            "route": "g_tube",
            "schedule": "Three times daily",
            "purpose": "Spasticity",
            "prescriber": "Dr. Elena Morales (Complex Care)",
            "notes": "Never stop suddenly: withdrawal can cause seizures and fever.",
        },
        {
            "name": "Glycopyrrolate",
            "dose_amount": "0.5",
            "dose_unit": "mg",
            "route": "g_tube",
            "schedule": "Three times daily",
            "purpose": "Oral and trach secretions",
            "prescriber": "Dr. Elena Morales (Complex Care)",
        },
        {
            "name": "Omeprazole",
            "dose_amount": "10",
            "dose_unit": "mg",
            "route": "g_tube",
            "schedule": "Once daily before the morning feed",
            "purpose": "Reflux",
            "prescriber": "Dr. Elena Morales (Complex Care)",
        },
        {
            "name": "Albuterol",
            "dose_amount": "2.5",
            "dose_unit": "mg",
            "route": "nebulized",
            "schedule": "Every 4 hours as needed for wheezing",
            "purpose": "Wheezing",
            "prescriber": "Dr. Grace Kim (Pulmonology)",
        },
        {
            "name": "Polyethylene glycol 3350",
            "dose_amount": "8.5",
            "dose_unit": "g",
            "route": "g_tube",
            "schedule": "Once daily, in 120 mL water",
            "purpose": "Constipation",
            "prescriber": "Dr. Elena Morales (Complex Care)",
        },
    ],
    "equipment": [
        {
            "name": "Tracheostomy tube",
            "kind": "tracheostomy",
            "model": "Shiley pediatric, cuffless",
            "size": "4.0",
            "settings": "Cuffless: nothing to deflate. Spare trach and one size smaller (3.5) in "
            "the go-bag. Ties changed daily; tube changed every 4 weeks.",
            "supplier": "Lakeside Medical Supply (DME)",
            "supplier_phone": "(312) 555-0142",
        },
        {
            "name": "Home ventilator",
            "kind": "ventilator",
            "model": "Philips Trilogy Evo",
            "settings": "Nights and naps: PC mode, IPAP 18, PEEP 6, rate 20, Ti 0.8 s, "
            "oxygen bled in to keep SpO2 at or above 92%.",
            "supplier": "Lakeside Medical Supply (DME)",
            "supplier_phone": "(312) 555-0142",
        },
        {
            "name": "Oxygen",
            "kind": "oxygen",
            "model": "Home concentrator, portable tanks for outings",
            "settings": "0.5 L/min through the trach collar or the ventilator; up to 2 L/min "
            "to keep SpO2 at or above 92%.",
            "supplier": "Lakeside Medical Supply (DME)",
            "supplier_phone": "(312) 555-0142",
        },
        {
            "name": "G-tube",
            "kind": "gastrostomy",
            "model": "MIC-KEY low-profile button",
            "size": "14 Fr, 1.5 cm",
            "balloon_volume_ml": "5",
            "settings": "Balloon filled with sterile water, checked weekly on Sundays.",
            "supplier": "Lakeside Medical Supply (DME)",
            "supplier_phone": "(312) 555-0142",
        },
        {
            "name": "Suction catheters",
            "kind": "suction",
            "size": "8 Fr",
            "settings": "Pre-measured depth 6.5 cm; suction pressure 80-100 mmHg.",
        },
        {
            "name": "Feeding pump",
            "kind": "pump",
            "model": "Kangaroo Joey",
            "settings": "PediaSure 1.0: 60 mL/h for 10 hours overnight; 120 mL water flushes "
            "4 times a day.",
            "supplier": "Lakeside Medical Supply (DME)",
            "supplier_phone": "(312) 555-0142",
        },
        {
            "name": "Pulse oximeter",
            "kind": "monitor",
            "settings": "Alarm below 90% and HR below 70 or above 170.",
        },
        {"name": "Diapers", "kind": "diapers", "size": "Size 6"},
    ],
}

FULL_VERSION: dict[str, Any] = {
    **FIRST_VERSION,
    "baseline": {
        "vitals": "Heart rate 90-120 awake; breathing 20-28 per minute; SpO2 94-98% on room air "
        "by day; temperature 36.4-37.2 C.",
        "neuro": "Tracks faces and turns to voices. Increased tone in the legs. Brief startles "
        "when woken are normal for her and are not seizures.",
        "communication": "Smiles for yes, looks away for no, cries when in pain; uses an "
        "eye-gaze board at school. Understands English and Spanish.",
        "other": "Sleeps on her side with the head of the bed raised 30 degrees.",
    },
    "avoid": [
        {"what": "Latex gloves and catheters", "why": "Life-threatening latex allergy."},
        {
            "what": "Sedatives without an airway plan",
            "why": "Trach and ventilator dependent at night; call the complex care team first.",
        },
        {"what": "Stopping baclofen suddenly", "why": "Withdrawal can cause seizures and fever."},
    ],
    "problems": [
        {"name": "Hypoxic-ischemic encephalopathy with spastic quadriplegic cerebral palsy"},
        {
            "name": "Epilepsy (focal seizures with secondary generalization)",
            "details": "Usual seizure: eyes to the right, right arm jerking, 1-2 minutes.",
        },
        {
            "name": "Chronic respiratory failure",
            "details": "Tracheostomy since 2019; ventilator at night and with illness.",
        },
        {"name": "Oropharyngeal dysphagia, G-tube dependent"},
        {"name": "Gastroesophageal reflux"},
        {"name": "Neuromuscular scoliosis", "details": "Monitored by orthopedics every 6 months."},
    ],
    "goals": [
        {
            "goal": "Maya goes to school four days a week",
            "who": "Parents, school nurse, home nurse",
            "by_when": "2027-01-31",
        },
        {
            "goal": "Fewer than two hospital stays this winter",
            "who": "Family and the complex care team",
            "by_when": "2027-03-31",
        },
        {
            "goal": "Try a speaking valve during the day",
            "who": "Pulmonology and speech therapy",
            "by_when": "2027-03-01",
        },
    ],
    "contacts": [
        {
            "name": "Dr. Elena Morales",
            "kind": "care_team",
            "role": "Complex care pediatrician",
            "organization": "Children's Complex Care Clinic",
            "phone": "(312) 555-0100",
            "email": "complexcare@example.org",
        },
        {
            "name": "Priya Shah, RN",
            "kind": "care_team",
            "role": "Nurse care coordinator",
            "organization": "Children's Complex Care Clinic",
            "phone": "(312) 555-0101",
            "email": "coordinator@example.org",
        },
        {
            "name": "Dr. Sam Patel",
            "kind": "care_team",
            "role": "Neurologist",
            "organization": "Children's Neurology",
            "phone": "(312) 555-0102",
        },
        {
            "name": "Dr. Grace Kim",
            "kind": "care_team",
            "role": "Pulmonologist",
            "organization": "Children's Pulmonary and Sleep",
            "phone": "(312) 555-0103",
        },
        {
            "name": "Marcus Bell, LCSW",
            "kind": "care_team",
            "role": "Social worker",
            "organization": "Children's Complex Care Clinic",
            "phone": "(312) 555-0104",
        },
        {
            "name": "Dr. Ruth Adler",
            "kind": "care_team",
            "role": "Primary care pediatrician",
            "organization": "Northside Pediatrics",
            "phone": "(312) 555-0110",
        },
        {
            "name": "BrightPath Home Health",
            "kind": "agency",
            "role": "Home nursing, weeknights",
            "phone": "(312) 555-0150",
        },
        {
            "name": "Lakeside Medical Supply",
            "kind": "agency",
            "role": "DME and supplies",
            "phone": "(312) 555-0142",
            "notes": "Order supplies by the 20th of each month.",
        },
        {
            "name": "Westside Elementary, school nurse",
            "kind": "agency",
            "role": "School",
            "phone": "(312) 555-0160",
        },
        {
            "name": "Illinois Title V CYSHCN program",
            "kind": "agency",
            "role": "Care coordination and benefits",
            "phone": "(312) 555-0170",
        },
    ],
    "transitions": [
        {
            "kind": "hospital_to_home",
            "status": "done",
            "plan": "After each PICU stay: two trained caregivers, supplies delivered, "
            "nursing hours "
            "confirmed before discharge.",
        },
        {
            "kind": "school",
            "status": "active",
            "target_date": "2027-01-05",
            "plan": "Start first grade with a 1:1 nurse; IEP meeting in December; emergency plan "
            "and spare trach on file with the school nurse.",
        },
        {
            "kind": "adult_care",
            "status": "on_hold",
            "plan": "Start planning the move to adult care at age 12 (guardianship, adult "
            "specialists, benefits).",
        },
    ],
}
