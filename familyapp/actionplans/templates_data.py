"""Starting templates for action plans: seizures, breathing (trach / ventilator), dystonia and
behaviour crisis.

Every template is a STARTING POINT, not medical advice. The family completes it and reviews it
with the child's clinician: every "[...]" is a value only the child's own team can fill in
(medicines, doses, limits, sizes, names). Phone numbers are left empty on purpose.

The content is plain language (about grade 6-8), in English; each line fits the schema's limit
(familyapp.actionplans.schemas.LINE). Green is the usual day, yellow the warning signs and first
steps, red the emergency. Steps are in the order to do them.

Public sources the content follows (general, well-known guidance; nothing copied verbatim):

Seizures
- Epilepsy Foundation: Seizure Action Plan, and "Seizure First Aid" (Stay, Safe, Side: stay,
  time the seizure, keep safe, turn on the side, nothing in the mouth, do not restrain; give
  rescue medicine as prescribed; call 911 for a seizure of 5 minutes or more, repeated seizures
  without recovery, breathing trouble, injury, a first seizure, a seizure in water).
- CDC: Seizure First Aid (same thresholds).

Breathing, tracheostomy and home ventilation
- Sterni LM, et al. An Official American Thoracic Society Clinical Practice Guideline:
  Pediatric Chronic Home Invasive Ventilation. Am J Respir Crit Care Med 2016;193(8):e16-e35
  (trained carers, spare tracheostomy tubes including one size smaller, suction, self-inflating
  bag, pulse oximetry, emergency go-bag travels with the child).
- Mitchell RB, et al. Clinical Consensus Statement: Tracheostomy Care. Otolaryngol Head Neck
  Surg 2013;148(1):6-20 (AAO-HNS).
- Doherty C, et al. Multidisciplinary guidelines for the management of paediatric tracheostomy
  emergencies (UK National Tracheostomy Safety Project). Anaesthesia 2018;73(11):1400-1417
  (call for help; remove speaking valve / cap; suction; if the catheter will not pass, change the
  tube; if it will not go in, the one-size-smaller tube; give breaths and oxygen; CPR).
- American Academy of Pediatrics (HealthyChildren.org) family pages on home tracheostomy care.

Dystonia and dystonic storm (status dystonicus)
- Allen NM, Lin JP, Lynch T, King MD. Status dystonicus: a practice guide. Dev Med Child Neurol
  2014;56(2):105-112 (dystonia action plans; triggers such as infection, pain, constipation,
  reflux and medicine changes; red flags: fever, fast heart rate, breathing or swallowing
  trouble, rhabdomyolysis with dark urine).
- Lumsden DE, et al. Dystonia Severity Action Plan (DSAP), Evelina London Children's Hospital,
  2013 (level 1: sits comfortably and joins in; level 2: cannot sit comfortably; and upward).
- Lioresal / Gablofen intrathecal baclofen prescribing information (US FDA boxed warning):
  abrupt stop of intrathecal baclofen can cause high fever, confusion, rebound stiffness and
  rhabdomyolysis, and can be fatal; pump alarms and refill dates matter.

Behaviour crisis (autism, intellectual and developmental disability, complex needs)
- NICE guideline NG11 (2015): Challenging behaviour and learning disabilities: prevention and
  interventions (look for pain and physical illness, known triggers, proactive and reactive
  strategies, restrictive interventions only as a last resort and as planned).
- Hyman SL, Levy SE, Myers SM; AAP Council on Children with Disabilities. Identification,
  Evaluation, and Management of Children With Autism Spectrum Disorder. Pediatrics
  2020;145(1):e20193447 (medical causes of behaviour change: pain, GI problems, sleep, seizures).
- US Department of Education: Restraint and Seclusion: Resource Document (2012) (no restraint
  that restricts breathing; restraint only when there is imminent danger of serious harm).
- Autism and first-responder safety guidance (e.g. Autism Society, National Autism
  Association): when calling 911, say the child has a disability and how they communicate.
"""

from __future__ import annotations

import copy
from typing import Any

DISCLAIMER = (
    "A starting point, not medical advice: complete it and review it with the child's clinician."
)

# ---------------------------------------------------------------------------------------------
# Seizures (Epilepsy Foundation Seizure Action Plan and seizure first aid; CDC seizure first aid)
# ---------------------------------------------------------------------------------------------
_SEIZURES: dict[str, Any] = {
    "normal": (
        "[Child's name] has [type of seizures, e.g. focal or tonic-clonic]. A usual seizure looks "
        "like [describe what you see] and lasts about [how long]. After a seizure, [child's name] "
        "usually [sleeps for ... / is back to usual in ...]. Known triggers: [e.g. fever, poor "
        "sleep, missed medicine]."
    ),
    "green": {
        "signs": [
            "No seizures, or no more than the usual number: [usual number] a [day / week].",
            "Awake, alert and responding as usual for [child's name].",
            "Taking daily seizure medicines on time.",
        ],
        "steps": [
            "Give daily seizure medicines on time: [medicine, dose, times].",
            "Keep the rescue medicine with [child's name] at all times: [rescue medicine]. "
            "Check the expiry date every month.",
            "Write each seizure in a seizure diary: date, time, how long, what it looked like.",
            "Avoid known triggers when you can: [e.g. missed sleep, fever, missed doses].",
            "Always stay with [child's name] in the bath or near water.",
        ],
    },
    "yellow": {
        "signs": [
            "More seizures than usual: [number] or more in [time].",
            "A seizure that looks different from usual, or lasts longer than usual.",
            "Fever, illness, vomiting, or very poor sleep.",
            "A missed dose, or a dose vomited within [30] minutes of giving it.",
            "Still not back to usual [time] after a seizure.",
        ],
        "steps": [
            "For any seizure, use the first aid steps in the red zone. Time every seizure.",
            "If a dose was missed or vomited, do what [neurologist] said: [what to do].",
            "Treat fever as planned: [fever medicine, dose, route].",
            "Watch [child's name] closely. Write down each seizure and how long it lasted.",
            "Call [neurologist] today. Tell them how many seizures and what they looked like.",
            "Take a short video of a seizure if you safely can, to show the team.",
        ],
    },
    "red": {
        "signs": [
            "A seizure that lasts [5] minutes or longer.",
            "[3] or more seizures in [1 hour], or seizures one after another (a cluster).",
            "Not waking up or not breathing normally between seizures.",
            "Trouble breathing, or blue or gray lips or face.",
            "An injury during a seizure, or a seizure in water.",
        ],
        "steps": [
            "Stay calm and stay with [child's name]. Time the seizure from the start.",
            "Keep [child's name] safe: move hard or sharp things away and put something soft "
            "under the head.",
            "Turn [child's name] onto one side. Loosen anything tight around the neck.",
            "Do not put anything in the mouth. Do not hold the movements down.",
            "If [child's name] has a trach: keep it clear and suction as needed. Give oxygen "
            "[amount] if prescribed.",
            "Give [rescue medicine, dose, route] if the seizure lasts more than [5] minutes.",
            "Call 911 if the seizure has not stopped [5] minutes after the rescue medicine, or "
            "if any 'call 911' sign below is true.",
            "When the seizure ends: keep [child's name] on one side, check breathing, and stay "
            "until fully awake.",
            "Write down the start and end time, what you saw, and any medicine given and when.",
        ],
    },
    "call_911_when": [
        "A seizure lasts 5 minutes or longer and there is no rescue medicine or no rescue plan.",
        "The seizure has not stopped [5] minutes after giving [rescue medicine].",
        "Seizures happen one after another without waking up in between.",
        "Trouble breathing, or blue or gray lips or face, during or after the seizure.",
        "Not waking up, or breathing not back to usual, [time] after the seizure ends.",
        "An injury, such as a head injury, during the seizure.",
        "A seizure happens in water.",
        "A first-ever seizure, or a seizure very different from the usual ones.",
    ],
    "call": [
        {
            "who": "[Neurologist]",
            "phone": "",
            "when": "More seizures than usual, a new kind of seizure, or rescue medicine used.",
        },
        {
            "who": "[Complex care clinic]",
            "phone": "",
            "when": "Illness, fever, or trouble giving medicines or feeds.",
        },
        {
            "who": "[Home nursing agency]",
            "phone": "",
            "when": "To let them know about a seizure emergency or a change in the plan.",
        },
    ],
    "bring": [
        "This plan and the current medicine list.",
        "Emergency information card.",
        "Rescue medicine and what you need to give it: [rescue medicine].",
        "Seizure diary and any videos of seizures.",
        "VNS magnet, if [child's name] has a VNS: [yes / no].",
        "Oxygen and pulse oximeter, if prescribed.",
        "Feeding supplies: [G-tube extension set, syringes, formula].",
        "Communication device (AAC) and charger.",
        "Comfort item: [favourite blanket or toy].",
        "Insurance card.",
    ],
    "avoid": [
        "Nothing in the mouth during a seizure: no fingers, no objects, no food or drink.",
        "Do not restrain movements or hold [child's name] down.",
        "Do not give food, drink or medicine by mouth until fully awake.",
        "Do not give more rescue medicine than the plan says.",
        "Do not stop seizure medicines suddenly unless [neurologist] says so.",
        "Do not leave [child's name] alone in the bath or near water.",
    ],
}

# ---------------------------------------------------------------------------------------------
# Breathing: tracheostomy / home ventilation (ATS 2016; AAO-HNS 2013; NTSP paediatric 2018)
# ---------------------------------------------------------------------------------------------
_RESPIRATORY: dict[str, Any] = {
    "normal": (
        "[Child's name] has a [size, brand, cuffed or uncuffed] trach. Spare trachs: [same size] "
        "and one size smaller [spare trach size]. Ventilator: [settings, hours]. Usual oxygen: "
        "[amount]. Usual oxygen level (SpO2): [range]%. "
        "Suction depth: [cm]. Breaths by mouth and nose possible: [yes / no]."
    ),
    "green": {
        "signs": [
            "Breathing easily at the usual rate: [range] breaths a minute.",
            "Oxygen level [range]% on the usual oxygen [amount] and ventilator settings.",
            "Secretions as usual: [clear or white, usual amount].",
            "Usual colour, usual energy, feeding as usual.",
        ],
        "steps": [
            "Do trach care and tie changes as taught: [how often].",
            "Suction when needed, to [cm] only.",
            "Check the ventilator settings, alarms, humidifier and tubing every [shift / day].",
            "Keep the go-bag with [child's name] at all times, including a spare trach one size "
            "smaller [spare trach size].",
            "Give breathing treatments as planned: [medicine or airway clearance, how often].",
        ],
    },
    "yellow": {
        "signs": [
            "Needs suction more often than usual.",
            "Secretions thicker, yellow or green, smelly, or with streaks of blood.",
            "Breathing faster than usual: more than [number] breaths a minute.",
            "Working harder to breathe: skin pulling in between the ribs or at the neck.",
            "Needs more oxygen than usual to keep the oxygen level above [number]%.",
            "Fever over [temperature], or more tired or fussy than usual.",
            "More ventilator alarms than usual.",
        ],
        "steps": [
            "Suction the trach to [cm]. Check that the trach is in place and the ties are snug.",
            "Check the ventilator, tubing, humidifier and oxygen are connected and working.",
            "Increase oxygen up to [amount] if the plan allows, to keep the level above [number]%.",
            "Give extra breathing treatments as planned: [medicine or airway clearance, dose].",
            "Check and write down temperature, heart rate, breathing rate and oxygen level every "
            "[time].",
            "Call [complex care clinic] today if oxygen was increased or [child's name] is not "
            "back to usual in [hours].",
        ],
    },
    "red": {
        "signs": [
            "The trach is blocked: the suction catheter will not pass.",
            "The trach is out or partly out.",
            "Struggling to breathe, or not breathing.",
            "Blue or gray lips or skin.",
            "Oxygen level below [number]% and not rising with suction and oxygen.",
            "Very sleepy, floppy or hard to wake.",
            "A ventilator alarm you cannot fix, or the ventilator stops.",
        ],
        "steps": [
            "Stay with [child's name]. Shout for help. Ask someone to call 911.",
            "Take off the speaking valve, cap or HME. Remove the inner tube if there is one.",
            "If on a ventilator, disconnect it. If the trach is in place, give breaths with the "
            "ambu bag and oxygen.",
            "Suction the trach. If the catheter will not pass, the trach is blocked: change the "
            "trach now.",
            "If the trach is out or blocked, put in a new trach of the same size [size].",
            "If it will not go in, use the spare trach one size smaller [spare trach size].",
            "If no trach will go in, give breaths with the bag and mask over [the stoma / the "
            "mouth and nose with the stoma covered], as your trach team taught you.",
            "Give breaths with the ambu bag and oxygen [amount] through the new trach until "
            "breathing and colour improve.",
            "If there are no signs of life, start CPR as you were taught. Keep going until help "
            "arrives.",
        ],
    },
    "call_911_when": [
        "The trach is blocked or out and a new trach cannot be put in.",
        "Struggling to breathe, or not breathing, after suction and a trach change.",
        "Blue or gray lips or skin, or oxygen level below [number]% with oxygen on.",
        "[Child's name] needs ambu bag breaths to stay pink or keep the oxygen level up.",
        "Very sleepy, floppy, or hard to wake.",
        "Bright red bleeding from the trach, more than a few streaks.",
        "The ventilator has failed and there is no backup ventilator.",
    ],
    "call": [
        {
            "who": "[Complex care clinic]",
            "phone": "",
            "when": "Warning signs (yellow zone), or oxygen increased above the usual amount.",
        },
        {
            "who": "[Pulmonologist or ENT / trach team]",
            "phone": "",
            "when": "Trach problems, a hard trach change, or bleeding from the trach.",
        },
        {
            "who": "[Home nursing agency]",
            "phone": "",
            "when": "No nurse for a planned shift, or after any trach emergency.",
        },
        {
            "who": "[Equipment supplier]",
            "phone": "",
            "when": "Ventilator, oxygen or suction problems you cannot fix.",
        },
    ],
    "bring": [
        "Spare trach of the same size [size] and one size smaller [spare trach size].",
        "Trach ties, scissors, water-based lubricant, and a syringe for the cuff [if cuffed].",
        "Suction machine (charged), suction catheters and saline.",
        "Ambu bag (self-inflating bag) and a mask.",
        "Portable oxygen and tubing.",
        "Ventilator, spare battery, charger and spare circuit.",
        "Pulse oximeter.",
        "This plan, the current medicine list, and the emergency information card.",
        "Feeding supplies: [G-tube extension set, syringes, formula].",
        "Communication device (AAC) and charger.",
        "Comfort item: [favourite blanket or toy].",
        "Insurance card.",
    ],
    "avoid": [
        "Do not leave [child's name] without a carer trained in trach care and CPR.",
        "Do not travel without the go-bag, even for a short trip.",
        "Do not suction deeper than [cm].",
        "Never use a speaking valve with the cuff inflated, or during sleep unless told to.",
        "Do not force a trach in. If it will not go, use the one-size-smaller trach.",
        "Do not wait to call 911 while trying to fix equipment if [child's name] is struggling.",
        "Keep water, powder, fluff and smoke away from the trach. No smoking or vaping nearby.",
    ],
}

# ---------------------------------------------------------------------------------------------
# Dystonia and dystonic storm (Allen et al. 2014; Lumsden et al. DSAP; intrathecal baclofen
# withdrawal warning)
# ---------------------------------------------------------------------------------------------
_DYSTONIA: dict[str, Any] = {
    "normal": (
        "[Child's name]'s usual dystonia looks like [describe]. On a usual day [child's name] can "
        "[sit in the chair for ... hours, sleep ... hours]. Usual heart rate: [range]. Regular "
        "medicines: [medicine, dose, times]. Baclofen pump: [yes / no; refill date; pump clinic]."
    ),
    "green": {
        "signs": [
            "Sits comfortably and joins in usual activities.",
            "Sleeps as usual: [hours].",
            "Heart rate and temperature as usual.",
            "Regular bowel movements (poo), no signs of pain.",
        ],
        "steps": [
            "Give regular dystonia medicines on time: [medicine, dose, times].",
            "Keep baclofen pump refill appointments: next refill [date].",
            "Keep bowel movements regular with the constipation plan: [what to give].",
            "Manage reflux as planned: [medicine or feeding plan].",
            "Check seating, splints and straps fit well and do not rub.",
            "Keep a diary of spasms and possible triggers.",
        ],
    },
    "yellow": {
        "signs": [
            "Cannot sit comfortably, or cannot tolerate sitting at all.",
            "More spasms than usual, or harder to position or dress.",
            "Spasms wake [child's name] at night.",
            "Signs of a trigger: pain, fever or infection, constipation, reflux or vomiting.",
            "Too hot or too cold, or a recent medicine change.",
            "Sweaty, crying, or more upset than usual.",
        ],
        "steps": [
            "Look for triggers: pain (teeth, ears, hips, skin, a hidden injury), constipation, "
            "reflux, infection, full bladder, tight straps or splints.",
            "Treat what you find as planned: [pain medicine, dose, route], [constipation plan].",
            "Help with comfort: [positions that help], pillows for support, a quiet, calm room.",
            "Keep the temperature comfortable: not too hot, not too cold.",
            "Give the planned as-needed medicine: [PRN medicine, dose, route, how often].",
            "Check and write down temperature, heart rate and pee colour every [time].",
            "If there is a baclofen pump: check for an alarm and the refill date.",
            "Call [neurologist] today if not better in [hours], or the as-needed medicine is "
            "needed more than [number] times in 24 hours.",
        ],
    },
    "red": {
        "signs": [
            "Spasms that do not stop, or almost nonstop; cannot rest or sleep (dystonic storm).",
            "Fever over [temperature].",
            "Fast heart rate: over [number] beats a minute at rest.",
            "Fast breathing, trouble breathing, or trouble swallowing or handling spit.",
            "Dark pee (like tea or cola), or very little pee.",
            "Baclofen pump alarm, missed refill, or signs of baclofen withdrawal: itching, "
            "fever, confusion, sudden worse stiffness.",
        ],
        "steps": [
            "Give the emergency medicine in the plan: [medicine, dose, route].",
            "Call 911 or go to the emergency room now.",
            "Say: 'This may be a dystonic storm. Please check for muscle breakdown "
            "(rhabdomyolysis) and kidney function.'",
            "If there is a baclofen pump, say so: it may have stopped. Show the pump card.",
            "Keep [child's name] safe: pad hard edges and support the body. Do not force limbs "
            "straight.",
            "Cool [child's name] if hot: remove extra blankets and clothes.",
            "Give fluids as planned: [amount, by G-tube or mouth].",
            "If [child's name] has a trach or breathing support, follow the breathing plan too.",
        ],
    },
    "call_911_when": [
        "Spasms are nonstop and not easing [time] after the emergency medicine.",
        "Trouble breathing, blue or gray lips, or choking on spit.",
        "Fever with severe spasms.",
        "Dark pee (like tea or cola), or no pee for [hours].",
        "Baclofen pump alarm or possible baclofen withdrawal: high fever, confusion, or "
        "sudden severe stiffness. This is an emergency.",
        "Very sleepy or hard to wake after as-needed medicines.",
    ],
    "call": [
        {
            "who": "[Neurologist]",
            "phone": "",
            "when": "Yellow zone not better in [hours], or medicine questions.",
        },
        {
            "who": "[Baclofen pump clinic]",
            "phone": "",
            "when": "Any pump alarm, a missed refill, or worse stiffness with a pump.",
        },
        {
            "who": "[Complex care clinic]",
            "phone": "",
            "when": "Illness, fever, constipation or feeding problems.",
        },
        {
            "who": "[Home nursing agency]",
            "phone": "",
            "when": "To let them know about a bad spasm episode or a hospital visit.",
        },
    ],
    "bring": [
        "This plan, the current medicine list with as-needed doses, and the emergency card.",
        "Baclofen pump card: pump model, medicine strength, daily dose, pump clinic phone.",
        "As-needed and emergency medicines: [names].",
        "Videos of usual dystonia and of this episode.",
        "Positioning supports and pillows.",
        "Feeding supplies: [G-tube extension set, syringes, formula].",
        "Communication device (AAC) and charger.",
        "Comfort item: [favourite blanket or toy].",
        "Insurance card.",
    ],
    "avoid": [
        "Do not stop [baclofen] suddenly, by mouth or by pump.",
        "Do not miss a baclofen pump refill, and never ignore a pump alarm.",
        "Do not restrain movements or force limbs straight during spasms.",
        "Do not give more as-needed medicine than the plan says.",
        "Do not let [child's name] get too hot: no heavy blankets during spasms.",
    ],
}

# ---------------------------------------------------------------------------------------------
# Behaviour crisis (NICE NG11; AAP 2020 autism clinical report; US ED restraint and seclusion
# resource document)
# ---------------------------------------------------------------------------------------------
_BEHAVIOUR: dict[str, Any] = {
    "normal": (
        "[Child's name] communicates by [words, signs, pictures, AAC device]. Says yes and no by "
        "[how]. Likes: [favourite things]. Known triggers: [e.g. noise, waiting, changes, being "
        "touched]. What helps: [e.g. quiet space, music, deep pressure]."
    ),
    "green": {
        "signs": [
            "Calm and joining in activities.",
            "Communicating in the usual way.",
            "Sleeping, eating and using the toilet as usual.",
        ],
        "steps": [
            "Keep a predictable routine. Use a visual schedule: [where it is].",
            "Warn about changes ahead of time, with 'first ... then ...'.",
            "Keep the communication device (AAC) charged and within reach.",
            "Offer breaks and choices. Use sensory supports: [e.g. headphones, weighted blanket].",
            "Praise calm and good moments.",
            "Keep up health checks: teeth, ears, bowel movements, sleep.",
        ],
    },
    "yellow": {
        "signs": [
            "Early warning signs: [e.g. pacing, covering ears, repeating words, louder voice].",
            "Refusing, restless, or more upset than usual.",
            "Changes in sleep, eating or toileting.",
            "Possible signs of pain: [e.g. rubbing ears, hitting head, refusing food].",
        ],
        "steps": [
            "Stay calm. Use a low voice and few words.",
            "Lower demands, noise, light and the number of people around.",
            "Offer [calming item or activity] and the safe space: [where].",
            "Use communication supports: AAC, pictures, 'first ... then ...'. Give time to answer.",
            "Give personal space. Do not touch without warning.",
            "Check for pain or illness: ears, teeth, constipation, reflux, fever, injury, "
            "seizures, medicine side effects, hunger, tiredness.",
            "Give the as-needed medicine only if it is in the plan: [medicine, dose, route].",
            "Call [behaviour team] if not calmer in [minutes], or if this keeps happening.",
        ],
    },
    "red": {
        "signs": [
            "Hurting self: [e.g. head-banging, biting self].",
            "Hurting others, or about to.",
            "Running off, especially toward roads or water.",
            "Breaking or throwing things that could hurt someone.",
            "Signs of a medical emergency: seizure, trouble breathing, injury.",
        ],
        "steps": [
            "Keep everyone safe: move other children and people away. Remove dangerous objects.",
            "Give space. One calm adult talks; everyone else steps back.",
            "Do not argue or give orders. Use short, calm words and [AAC / pictures].",
            "Guide [child's name] to the safe space if you can do it safely: [where].",
            "Use protective equipment only as planned: [e.g. helmet, padding].",
            "Use holds only as written in [behaviour plan], and only by trained people.",
            "Call 911 if anyone is in danger. Say [child's name] has a disability, how "
            "[child's name] communicates, and what helps.",
            "Afterwards: check for injuries, allow rest, and write down what happened before, "
            "during and after.",
            "Tell [behaviour team] and [doctor] what happened.",
        ],
    },
    "call_911_when": [
        "Someone is seriously hurt, or about to be seriously hurt, and you cannot keep them safe.",
        "Self-injury you cannot make safe, such as head-banging with a head injury.",
        "[Child's name] has run off and cannot be found, or is near a road or water.",
        "[Child's name] may have swallowed something dangerous or too much medicine.",
        "Signs of a medical emergency: a seizure, trouble breathing, or a serious injury.",
    ],
    "call": [
        {
            "who": "[Behaviour team or psychologist]",
            "phone": "",
            "when": "Yellow zone not getting better, or after any red zone episode.",
        },
        {
            "who": "[Mobile crisis team or 988]",
            "phone": "",
            "when": "A mental health crisis when no one is in immediate danger.",
        },
        {
            "who": "[Complex care clinic or doctor]",
            "phone": "",
            "when": "Possible pain or illness, or a big change in behaviour, sleep or eating.",
        },
        {
            "who": "[Poison control]",
            "phone": "",
            "when": "[Child's name] may have swallowed something harmful and is awake and well.",
        },
    ],
    "bring": [
        "This plan, the behaviour plan, and the current medicine list.",
        "Emergency card that says how [child's name] communicates and what helps.",
        "Communication device (AAC) and charger, or picture cards.",
        "Comfort and sensory items: [e.g. headphones, fidget, blanket].",
        "Tablet or phone with [favourite videos or music].",
        "Safe snack or drink, or feeding supplies: [what].",
        "Spare clothes.",
        "Insurance card.",
    ],
    "avoid": [
        "Do not use restraint or seclusion except as written in [behaviour plan].",
        "Never hold [child's name] face down or press on the chest, back or neck.",
        "Do not shout, argue, threaten or crowd [child's name].",
        "Do not take away the communication device, even as a consequence.",
        "Do not assume it is 'just behaviour': check for pain and illness first.",
        "Avoid known triggers: [list].",
    ],
}

TEMPLATES: dict[str, dict[str, Any]] = {
    "seizures": {"title": "Seizure action plan", "document": _SEIZURES},
    "respiratory": {"title": "Breathing and trach emergency plan", "document": _RESPIRATORY},
    "dystonia": {"title": "Dystonia and dystonic storm plan", "document": _DYSTONIA},
    "behaviour": {"title": "Behaviour crisis plan", "document": _BEHAVIOUR},
}


def template_document(kind: str) -> dict[str, Any]:
    """A deep copy of one template's document (KeyError for an unknown kind)."""
    document: dict[str, Any] = copy.deepcopy(TEMPLATES[kind]["document"])
    return document


def template_title(kind: str) -> str:
    """The English title of one template (KeyError for an unknown kind)."""
    return str(TEMPLATES[kind]["title"])
