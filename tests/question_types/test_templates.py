"""Each type's two templates exist, and the review templates show what the type stores."""

from types import SimpleNamespace

from flask import render_template

from lms import question_types


def test_every_type_has_its_take_and_review_templates(app):
    for kind in question_types.all_types():
        for name in (kind.take_template, kind.review_template):
            assert app.jinja_env.get_template(name)


def test_numeric_review_shows_partial_credit_and_the_feedback_for_other_answers(app):
    question = SimpleNamespace(
        answer={
            "numeric": [
                {"value": "70", "tolerance": "0", "weight": "100"},
                {"value": "70", "tolerance": "5", "weight": "50"},
            ],
            "unit": "%",
            "feedback_wrong": "差得远",
        }
    )
    with app.test_request_context():
        html = render_template("question_types/numeric/review.html", question=question)
    assert "70 ± 5 %（50%）" in html and "其他答案的反馈：差得远" in html


def test_short_review_explains_the_wildcard_only_when_an_answer_uses_it(app):
    with app.test_request_context():
        wild = render_template(
            "question_types/short/review.html",
            question=SimpleNamespace(answer={"accepted": [{"text": "*满意*", "weight": "100", "feedback": ""}]}),
        )
        plain = render_template(
            "question_types/short/review.html",
            question=SimpleNamespace(answer={"accepted": [{"text": "季度", "weight": "100", "feedback": ""}]}),
        )
    assert "* 可代替任意几个字" in wild and "* 可代替" not in plain


def test_options_are_labelled_by_place_never_by_their_key(app):
    from flask import render_template_string

    from lms.question_bank.service import RepQuestion
    from lms.question_types import RepOption

    rep = RepQuestion(
        key="1",
        type="multiple",
        type_label="多选题",
        stem_html="",
        unit="",
        points="2",
        options=(RepOption("tok9x", "乙"), RepOption("tok3q", "甲")),
    )
    with app.test_request_context():
        html = render_template_string(
            '{% from "exams/_question.html" import rep_question %}{{ rep_question(rep) }}', rep=rep
        )
    assert '<span class="option-key">A.</span> 乙' in html and '<span class="option-key">B.</span> 甲' in html
    assert "TOK9X" not in html and 'value="tok9x"' in html
