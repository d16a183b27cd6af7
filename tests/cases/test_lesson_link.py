"""A lesson page lists the published cases that cite its clause."""


def test_lesson_lists_published_cases_citing_it(client, auth, make_lesson, make_case, people):
    make_lesson("5.4")
    make_case(title="已发布的回款复盘", clauses=["5.4"])
    make_case(state="draft", title="草稿不应出现", clauses=["5.4"])
    make_case(title="别的条款", clauses=["2.1"])
    auth.login(people["rep1"])
    body = client.get("/course/5.4").get_data(as_text=True)
    assert "引用本条款的案例" in body and "已发布的回款复盘" in body
    assert "草稿不应出现" not in body and "别的条款" not in body


def test_lesson_cited_only_by_a_draft_shows_no_cases(client, auth, make_lesson, make_case, people):
    make_lesson("5.4")
    make_case(state="draft", title="草稿不应出现", clauses=["5.4"])
    auth.login(people["rep1"])
    body = client.get("/course/5.4").get_data(as_text=True)
    assert "引用本条款的案例" not in body and "草稿不应出现" not in body
