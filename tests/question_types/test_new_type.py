"""Adding a type is one module plus its templates: a new type registered here is read from a bank,
graded, cleaned and rendered without any other code knowing its name."""

from decimal import Decimal

import jinja2
import pytest
from flask import render_template_string

from lms import question_types
from lms.exams.scoring import Item, grade
from lms.question_bank.loader import load_bank
from lms.question_bank.service import RepQuestion
from lms.question_types.base import OptionType
from lms.question_types.values import ONE, ZERO


class YesNo(OptionType):
    """是/否题: like true/false, with other words (only for this test)."""

    key = "yes_no"
    label = "是否题"
    bank_keys = frozenset({"answer"})
    fixed_options = (("yes", "是"), ("no", "否"))

    def parse(self, item, err):
        if not isinstance(item.get("answer"), bool):
            err("answer", "是否题的 answer 应为 true 或 false")
        return {"truth": item.get("answer") is True}

    def dump(self, question):
        return {"answer": bool(question.truth)}

    def answer_spec(self, question):
        return {"truth": question.truth}

    def fraction(self, response, choices, answer, partial_credit):
        return ONE if response.get("choices") == ["yes" if answer.get("truth") else "no"] else ZERO


@pytest.fixture
def yes_no(monkeypatch):
    kind = YesNo()
    monkeypatch.setitem(question_types.REGISTRY, kind.key, kind)
    monkeypatch.setitem(question_types.QUESTION_TYPES, kind.key, kind.label)
    return kind


def test_a_registered_type_is_loaded_graded_cleaned_and_rendered(yes_no, tmp_path, app):
    bank = tmp_path / "b"
    bank.mkdir()
    (bank / "bank.yaml").write_text("title: 测试\n", encoding="utf-8")
    (bank / "1.yaml").write_text(
        "questions:\n- {id: q1, type: yes_no, points: 2, clause: '2.1', stem: 严重投诉 30 分钟内响应？,\n"
        "   answer: true, quote: ≤30分钟, explanation: 见 2.1}\n",
        encoding="utf-8",
    )
    question = load_bank(bank).questions[0]
    assert question.kind is yes_no and question.answer_spec() == {"truth": True}
    item = Item(
        ref=1,
        type="yes_no",
        points=Decimal(2),
        chapter="2",
        clause="2.1",
        response={"choices": ["yes"]},
        answer=question.answer_spec(),
    )
    assert grade([item], Decimal(80)).score == Decimal(100)
    assert yes_no.clean("maybe", yes_no.option_keys(())) == (None, "所选选项不属于这道题。")
    app.jinja_env.loader = jinja2.ChoiceLoader(
        [
            jinja2.DictLoader(
                {"question_types/yes_no/take.html": "{% for o in rep.options %}[{{ o.key }}:{{ o.text }}]{% endfor %}"}
            ),
            app.jinja_env.loader,
        ]
    )
    rep = RepQuestion(
        key="1",
        type="yes_no",
        type_label=yes_no.label,
        stem_html="",
        unit="",
        points="2",
        options=yes_no.rep_options({}),
    )
    with app.test_request_context():
        html = render_template_string(
            '{% from "exams/_question.html" import rep_question %}{{ rep_question(rep) }}', rep=rep
        )
    assert "[yes:是][no:否]" in html and "是否题" in html


def test_an_unknown_type_in_a_bank_is_reported_with_every_known_type(tmp_path):
    bank = tmp_path / "b"
    bank.mkdir()
    (bank / "bank.yaml").write_text("title: 测试\n", encoding="utf-8")
    (bank / "1.yaml").write_text("questions:\n- {id: q1, type: yes_no, points: 2}\n", encoding="utf-8")
    with pytest.raises(Exception, match="判断题"):
        load_bank(bank)
