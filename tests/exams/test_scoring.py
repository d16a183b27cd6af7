"""The pure calculator: exact decimals, all-or-nothing or partial, normalised short answers, tolerance, 80 inclusive."""

from decimal import Decimal

from lms.exams.scoring import Item, grade, parse_number

D = Decimal


def single(ref, chosen, points="10", chapter="1"):
    return Item(
        ref=ref,
        type="single",
        points=D(points),
        chapter=chapter,
        clause=f"{chapter}.1",
        response={"choices": [chosen]} if chosen else None,
        choices={"a": (True, D(100)), "b": (False, D(0)), "c": (False, D(0))},
    )


def multiple(chosen, partial_weights=True):
    return Item(
        ref=9,
        type="multiple",
        points=D(10),
        chapter="2",
        clause="2.1",
        response={"choices": chosen},
        choices={"a": (True, D(50)), "b": (True, D(50)), "c": (False, D(-100))},
    )


def test_single_choice_and_breakdown_by_chapter():
    result = grade([single(1, "a", chapter="1"), single(2, "b", chapter="2"), single(3, None, chapter="2")], D(80))
    assert result.awarded == D(10) and result.possible == D(30)
    assert result.score == D("33.33") and not result.passed
    assert result.breakdown == {"1": {"awarded": "10", "possible": "10"}, "2": {"awarded": "0", "possible": "20"}}


def test_multiple_choice_all_or_nothing_by_default_partial_when_configured():
    assert grade([multiple(["a", "b"])], D(80)).score == D(100)
    assert grade([multiple(["a"])], D(80)).score == D(0)
    assert grade([multiple(["a"])], D(80), partial_credit=True).score == D(50)
    assert grade([multiple(["a", "c"])], D(80), partial_credit=True).score == D(0)  # clamped at 0


def test_short_answer_is_normalised_as_in_the_bank():
    item = Item(
        ref=1,
        type="short",
        points=D(2),
        chapter="5",
        clause="5.1",
        response={"text": " 每 季 度 "},
        answer={"accepted": [{"text": "每季度", "weight": "100"}, {"text": "三个月", "weight": "50"}]},
    )
    assert grade([item], D(80)).score == D(100)
    trad = Item(**{**item.__dict__, "response": {"text": "每季度"}})
    assert grade([trad], D(80)).score == D(100)
    half = Item(**{**item.__dict__, "response": {"text": "三個月"}})
    assert grade([half], D(80)).score == D(0)
    assert grade([half], D(80), partial_credit=True).score == D(50)


def test_numeric_tolerance_and_full_width_digits():
    spec = {"numeric": [{"value": "84", "tolerance": "0.5", "weight": "100"}], "unit": "分"}
    answers = {"84": True, "84.5": True, "８３.５": True, "84.51": False, "abc": False}
    for text, right in answers.items():
        item = Item(ref=1, type="numeric", points=D(5), chapter="2", clause="2.4", response={"text": text}, answer=spec)
        assert (grade([item], D(80)).score == D(100)) is right, text
    assert parse_number("1,000") == D(1000) and parse_number("八十") is None


def test_pass_mark_is_inclusive_and_decided_on_the_exact_fraction():
    eighty = [single(i, "a", points="1") for i in range(80)] + [single(100 + i, "b", points="1") for i in range(20)]
    assert grade(eighty, D(80)).passed and grade(eighty, D(80)).score == D(80)
    # 2 of 3 × 3 points → 66.666…; with pass mark 66.67 the rounded score would pass, the exact one does not.
    thirds = [single(1, "a", "3"), single(2, "a", "3"), single(3, "b", "3")]
    assert grade(thirds, D("66.67")).score == D("66.67") and not grade(thirds, D("66.67")).passed


def test_void_questions_leave_the_sum_and_accepted_answers_earn_full_points():
    void = Item(**{**single(2, "b").__dict__, "void": True})
    result = grade([single(1, "a"), void], D(80))
    assert result.possible == D(10) and result.score == D(100)
    accepted = Item(**{**single(2, "b").__dict__, "also_accepted": ({"choices": ["b"]},)})
    assert grade([single(1, "a"), accepted], D(80)).score == D(100)
