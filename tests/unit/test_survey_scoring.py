"""Scoring: item values, reverse items, missing answers, means, bands, with worked examples."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from familyapp.surveys import questionnaire as fq
from familyapp.surveys import scoring
from familyapp.surveys.questionnaire import Band, Item, Option, Questionnaire, Scale

D = Decimal


# A small questionnaire, built from the model directly


def choice(link_id: str, scores: range | list[int] = range(5), **more: Any) -> Item:
    """A choice question whose options score 0..4 (codes "a".."e" unless given)."""
    options = tuple(
        Option(chr(ord("a") + i), {"en": f"Option {i}"}, D(score)) for i, score in enumerate(scores)
    )
    return Item(link_id, "choice", {"en": link_id}, options=options, **more)


def survey(*scales: Scale, extra: tuple[Item, ...] = ()) -> Questionnaire:
    items = (
        Item(
            "g",
            "group",
            {"en": "Group"},
            items=(choice("q1"), choice("q2"), choice("q3"), choice("q4")),
        ),
        Item("hours", "integer", {"en": "Hours"}, min_value=D(0), max_value=D(10)),
        Item("weight", "decimal", {"en": "Weight"}),
        Item("yes", "boolean", {"en": "Yes?"}),
        Item(
            "multi",
            "choice",
            {"en": "Which?"},
            repeats=True,
            options=(
                Option("x", {"en": "X"}, D(1)),
                Option("y", {"en": "Y"}, D(2)),
                Option("z", {"en": "Z"}, D("0.5")),
            ),
        ),
        Item(
            "open",
            "open-choice",
            {"en": "Open"},
            options=(Option("1", {"en": "One"}), Option("3", {"en": "Three"})),
        ),
        Item("note", "string", {"en": "Note"}),
        *extra,
    )
    return Questionnaire(
        None, None, None, {"en": "T"}, {"en": ""}, "en", "active", None, None, items, scales
    )


def total(**kw: Any) -> Scale:
    settings: dict[str, Any] = {"code": "total", "title": {"en": "Total"}, "method": "sum"}
    settings.update(kw)
    settings.setdefault("items", ("q1", "q2", "q3"))
    return Scale(**settings)


def one(q: Questionnaire, answers: fq.Answers) -> scoring.ScaleScore:
    (found,) = scoring.score(q, answers)
    return found


def item(q: Questionnaire, link_id: str) -> Item:
    found = q.item(link_id)
    assert found is not None
    return found


# Item values


def test_item_values() -> None:
    q = survey()
    assert scoring.item_value(item(q, "q1"), ["d"]) == D(3)  # option d scores 3
    assert scoring.item_value(item(q, "q1"), []) is None
    assert scoring.item_value(item(q, "hours"), [7]) == D(7)
    assert scoring.item_value(item(q, "weight"), [D("2.5")]) == D("2.5")
    assert scoring.item_value(item(q, "yes"), [True]) == D(1)
    assert scoring.item_value(item(q, "yes"), [False]) == D(0)
    # Several chosen options add up: x 1 + z 0.5 = 1.5.
    assert scoring.item_value(item(q, "multi"), ["x", "z"]) == D("1.5")
    # An option without an ordinal scores its whole-number code; free text scores nothing.
    assert scoring.item_value(item(q, "open"), ["3"]) == D(3)
    assert scoring.item_value(item(q, "open"), ["Someone else"]) is None
    assert scoring.item_value(item(q, "note"), ["text"]) is None


# Sums, reverse items and missing answers


def test_sum_with_a_reverse_item() -> None:
    q = survey(total(reverse=("q2",)))
    # q1 d = 3, q2 b = 1 reversed on 0..4 -> 4 - 1 = 3, q3 c = 2: 3 + 3 + 2 = 8.
    found = one(q, {"q1": ["d"], "q2": ["b"], "q3": ["c"]})
    assert (found.value, found.answered, found.expected) == (D("8.00"), 3, 3)
    assert (found.code, found.title) == ("total", {"en": "Total"})


def test_reverse_uses_the_option_range_not_0_to_4() -> None:
    q = survey(
        total(items=("q1", "r"), reverse=("r",)),
        extra=(choice("r", [1, 2, 3, 4, 5]),),
    )
    # r scores 1..5: b = 2 reversed -> 1 + 5 - 2 = 4; q1 a = 0: 0 + 4 = 4.
    assert one(q, {"q1": ["a"], "r": ["b"]}).value == D(4)


def test_reverse_numbers_and_yes_no() -> None:
    q = survey(total(items=("hours", "yes"), reverse=("hours", "yes")))
    # hours 3 on 0..10 -> 7; yes -> 0: 7 + 0 = 7.
    assert one(q, {"hours": [3], "yes": [True]}).value == D(7)
    # no -> 1; hours 10 -> 0: 1.
    assert one(q, {"hours": [10], "yes": [False]}).value == D(1)


def test_missing_answers_prorate_ignore_or_no_score() -> None:
    answers: fq.Answers = {"q1": ["d"], "q3": ["c"]}  # q2 unanswered: 3 + 2 = 5
    prorated = one(survey(total(min_answered=2)), answers)
    # 5 x 3 expected / 2 answered = 7.5.
    assert (prorated.value, prorated.answered, prorated.expected) == (D("7.50"), 2, 3)
    ignored = one(survey(total(min_answered=2, missing="ignore")), answers)
    assert ignored.value == D(5)
    # Only 2 answers where 3 are needed: no score, and so no band.
    strict = survey(total(min_answered=3, bands=(Band(D(0), D(12), {"en": "Any"}),)))
    found = one(strict, answers)
    assert (found.value, found.band, found.answered) == (None, None, 2)


def test_nothing_answered_gives_no_score() -> None:
    found = one(survey(total()), {})
    assert (found.value, found.answered, found.expected) == (None, 0, 3)


def test_a_free_text_answer_counts_as_missing() -> None:
    q = survey(total(items=("q1", "open"), missing="prorate"))
    # q1 e = 4, open is free text: 4 x 2 / 1 = 8.
    found = one(q, {"q1": ["e"], "open": ["My aunt"]})
    assert (found.value, found.answered) == (D(8), 1)


def test_prorating_rounds_half_up_to_two_decimals() -> None:
    q = survey(total(items=("q1", "q2", "q3", "hours", "weight", "yes")))
    # 6 items, 4 answered: q1 b 1 + q2 b 1 + q3 a 0 + yes 1 = 3; 3 x 6 / 4 = 4.5.
    assert one(q, {"q1": ["b"], "q2": ["b"], "q3": ["a"], "yes": [True]}).value == D("4.50")
    # 5 answered: 1 + 1 + 0 + 1 + weight 0.01 = 3.01; 3.01 x 6 / 5 = 3.612 -> 3.61.
    found = one(q, {"q1": ["b"], "q2": ["b"], "q3": ["a"], "yes": [True], "weight": [D("0.01")]})
    assert found.value == D("3.61")
    # 3 items, 2 answered: q1 b 1 + weight 0.67 = 1.67; 1.67 x 3 / 2 = 2.505 -> 2.51 (half up;
    # half even would give 2.50).
    q = survey(total(items=("q1", "weight", "yes")))
    assert one(q, {"q1": ["b"], "weight": [D("0.67")]}).value == D("2.51")


def test_mean() -> None:
    q = survey(total(method="mean"))
    # (3 + 3 + 2) / 3 = 2.666... -> 2.67.
    assert one(q, {"q1": ["d"], "q2": ["d"], "q3": ["c"]}).value == D("2.67")
    # Missing answers simply leave the mean: (3 + 2) / 2 = 2.5.
    assert one(q, {"q1": ["d"], "q3": ["c"]}).value == D("2.50")


def test_half_up_not_half_even() -> None:
    q = survey(total(items=("weight",), method="mean"))
    # 1.005 rounds to 1.01 (half up); banker's rounding would give 1.00.
    assert one(q, {"weight": [D("1.005")]}).value == D("1.01")
    assert one(q, {"weight": [D("1.004")]}).value == D("1.00")


def test_multiple_choice_sums_and_booleans() -> None:
    q = survey(total(items=("multi", "yes")))
    # multi x 1 + y 2 + z 0.5 = 3.5; yes 1: 4.5.
    assert one(q, {"multi": ["x", "y", "z"], "yes": [True]}).value == D("4.50")
    # multi y 2; no 0: 2.
    assert one(q, {"multi": ["y"], "yes": [False]}).value == D(2)


# Bands


BANDS = (
    Band(D(0), D(4), {"en": "Low", "es": "Bajo"}),
    Band(D(5), D(8), {"en": "Some", "es": "Algo"}),
    Band(D("8.5"), D(12), {"en": "High", "es": "Alto"}),
)


@pytest.mark.parametrize(
    ("answers", "value", "band"),
    [
        ({"q1": ["a"], "q2": ["a"], "q3": ["a"]}, D(0), "Low"),  # the lowest edge
        ({"q1": ["e"], "q2": ["a"], "q3": ["a"]}, D(4), "Low"),  # 4: the top of Low
        ({"q1": ["e"], "q2": ["b"], "q3": ["a"]}, D(5), "Some"),  # 5: the bottom of Some
        ({"q1": ["e"], "q2": ["e"], "q3": ["a"]}, D(8), "Some"),
        ({"q1": ["e"], "q2": ["e"], "q3": ["e"]}, D(12), "High"),  # the highest edge
    ],
)
def test_bands_hold_both_ends(answers: fq.Answers, value: Decimal, band: str) -> None:
    found = one(survey(total(bands=BANDS)), answers)
    assert found.value == value
    assert found.band is not None and found.band.label["en"] == band


def test_a_score_between_bands_has_no_band() -> None:
    q = survey(Scale("m", {"en": "M"}, "mean", ("weight",), bands=BANDS))
    # 4.5 is above Low (0..4) and below Some (5..8); 8.25 between Some and High (8.5..).
    assert one(q, {"weight": [D("4.5")]}).band is None
    assert one(q, {"weight": [D("8.25")]}).band is None
    assert one(q, {"weight": [D("8.5")]}).band == BANDS[2]
    assert one(q, {"weight": [D("4.001")]}).band == BANDS[0]  # rounded to 4.00 first


def test_every_scale_is_scored() -> None:
    q = survey(total(), Scale("hours", {"en": "Hours"}, "sum", ("hours",), missing="ignore"))
    found = scoring.score(q, {"q1": ["b"], "hours": [4]})
    # total: q1 b 1, the only one of 3 answered, prorated 1 x 3 / 1 = 3; hours: 4.
    assert [(s.code, s.value) for s in found] == [("total", D(3)), ("hours", D(4))]


# Rules as data


def test_rules_json_reads_back_the_same_scales() -> None:
    scales = (
        total(reverse=("q2",), min_answered=2, bands=BANDS),
        Scale("mean", {"en": "Mean"}, "mean", ("hours", "weight"), missing="ignore"),
    )
    q = survey(*scales)
    doc = json.loads(scoring.rules_json(q))
    assert doc["scales"][0]["bands"][2] == {
        "min": 8.5,
        "max": 12,
        "label": {"en": "High", "es": "Alto"},
    }
    items = {i.link_id: i for i in q.walk()}
    show, read, problems = scoring.read_rules(scoring.rules_json(q), items, "en")
    assert (show, read, problems) == (False, scales, [])


def test_read_rules_reports_paths() -> None:
    q = survey()
    items = {i.link_id: i for i in q.walk()}
    doc = {"scales": [{"code": "t", "method": "sum", "items": ["q1", "note"], "reverse": ["x"]}]}
    _show, scales, problems = scoring.read_rules(json.dumps(doc), items, "en")
    assert scales == ()
    assert [p.path for p in problems] == ["scoring.scales[0].items", "scoring.scales[0].reverse"]
    assert "'note' cannot be scored" in str(problems[0].message)
