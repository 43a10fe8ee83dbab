"""Spanish translations of Maya's plan and seizure plan for the demo family: her father Luis
reads Spanish best and wrote them; Ana checked most of them. One is not checked yet, and one was
written before the original changed, so the demo shows every state a translation can be in.
Keyed by the English original, so they follow the demo text wherever its items are."""

from __future__ import annotations

PLAN_ES: dict[str, str] = {
    "Maya is a 7-year-old with hypoxic-ischemic encephalopathy at birth, epilepsy and spastic "
    "quadriplegic cerebral palsy; trach since 2019 with ventilator at night, fully G-tube fed. "
    "Nonverbal but very social; seizures controlled on levetiracetam and clobazam.": (
        "Maya tiene 7 años; tuvo encefalopatía hipóxico-isquémica al nacer y tiene epilepsia y "
        "parálisis cerebral cuadripléjica espástica. Traqueostomía desde 2019, con ventilador "
        "de noche; se alimenta solo por sonda de gastrostomía. No habla, pero es muy sociable; "
        "las convulsiones están controladas con levetiracetam y clobazam."
    ),
    "Heart rate 90-120 awake; breathing 20-28 per minute; SpO2 94-98% on room air by day; "
    "temperature 36.4-37.2 C.": (
        "Pulso de 90 a 120 despierta; respiración de 20 a 28 por minuto; SpO2 de 94 a 98 % con "
        "aire ambiente de día; temperatura de 36.4 a 37.2 °C."
    ),
    "Tracks faces and turns to voices. Increased tone in the legs. Brief startles when woken are "
    "normal for her and are not seizures.": (
        "Sigue las caras con la mirada y se voltea hacia las voces. Tono aumentado en las "
        "piernas. Los sobresaltos breves al despertar son normales en ella y no son convulsiones."
    ),
    "Smiles for yes, looks away for no, cries when in pain; uses an eye-gaze board at school. "
    "Understands English and Spanish.": (
        "Sonríe para decir sí, aparta la mirada para decir no y llora cuando tiene dolor; en la "
        "escuela usa un tablero de comunicación con la mirada. Entiende inglés y español."
    ),
    "Twice daily, 8 am and 8 pm": "Dos veces al día, a las 8 am y a las 8 pm",
    "Twice daily": "Dos veces al día",
    "Once, if a seizure lasts more than 5 minutes": (
        "Una vez, si una convulsión dura más de 5 minutos"
    ),
    "Call 911 after giving it.": "Llame al 911 después de dársela.",
    "Three times daily": "Tres veces al día",
    "Never stop suddenly: withdrawal can cause seizures and fever.": (
        "Nunca la suspenda de golpe: la abstinencia puede causar convulsiones y fiebre."
    ),
    "Latex gloves and catheters": "Guantes y sondas de látex",
    "Life-threatening latex allergy.": "Alergia al látex que pone en peligro su vida.",
    "Stopping baclofen suddenly": "Suspender el baclofeno de golpe",
    "Withdrawal can cause seizures and fever.": (
        "La abstinencia puede causar convulsiones y fiebre."
    ),
    "Maya goes to school four days a week": "Que Maya vaya a la escuela cuatro días por semana",
}
# Written by Luis, not checked by anyone yet.
PLAN_ES_UNCHECKED = {"Three times daily"}
# Written from the first wording ("Once daily"); the original has changed since.
PLAN_ES_STALE = {"Once daily before the morning feed": ("Once daily", "Una vez al día")}

SEIZURES_ES: dict[str, str] = {
    "Seizures": "Convulsiones",
    "Seizure lasting 5 minutes or more": "Convulsión que dura 5 minutos o más",
    "Seizures one after another without waking up between them": (
        "Convulsiones una tras otra sin despertar entre ellas"
    ),
    "Give midazolam 5 mg in the nose (2.5 mg each nostril)": (
        "Dele midazolam 5 mg por la nariz (2.5 mg en cada fosa nasal)"
    ),
    "Call 911": "Llame al 911",
    "Give oxygen 2 L/min through the trach; bag with oxygen if breathing is poor": (
        "Dele oxígeno a 2 L/min por la traqueostomía; dele ventilación con bolsa y oxígeno si "
        "respira mal"
    ),
    "Bring this plan, the go-bag and the medicine list": (
        "Lleve este plan, la maleta de emergencia y la lista de medicamentos"
    ),
    "A seizure lasts 5 minutes or more": "Una convulsión dura 5 minutos o más",
    "Breathing trouble or blue colour during or after a seizure": (
        "Dificultad para respirar o color azulado durante o después de una convulsión"
    ),
}
